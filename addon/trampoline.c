/*
 * ocirun-exec: the last step before the container's program (x86_64, no libc).
 *
 * The container's init is a clone of node, so until it execs, /proc/self/exe
 * is the host's node binary. A program that is a "#!/proc/self/exe" script
 * would make the kernel run that binary as its interpreter inside the
 * container, where it could be opened and later overwritten
 * (CVE-2019-5736). So the init first execs this program from a sealed memfd;
 * from then on /proc/self/exe is the memfd, which nobody can write, and this
 * program execs the real one.
 *
 * argv: [ "ocirun-exec", "<errfd>", path, argv0, argv1, ... ]
 * On failure it writes a sync message (addon/plan.h SyncMsg: type 4 = error,
 * errno) to errfd and exits 127. errfd is made close-on-exec first, so the
 * container's program never sees it.
 */

#define SYS_write 1
#define SYS_close 3
#define SYS_fcntl 72
#define SYS_execve 59
#define SYS_exit_group 231
#define F_SETFD 2
#define FD_CLOEXEC 1

static long sys3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static int streq(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

struct sync_msg { int type, value, err; char msg[500]; };

__attribute__((noreturn, used)) void start_c(long* sp) {
  long argc = sp[0];
  char** argv = (char**)(sp + 1);
  char** envp = argv + argc + 1;
  /* Only run as the runtime calls us (never as a script interpreter). */
  if (argc < 4 || !streq(argv[0], "ocirun-exec")) {
    static const char m[] = "ocirun-exec: not to be run directly\n";
    sys3(SYS_write, 2, (long)m, sizeof m - 1);
    sys3(SYS_exit_group, 126, 0, 0);
  }
  long errfd = 0;
  for (const char* p = argv[1]; *p >= '0' && *p <= '9'; p++) errfd = errfd * 10 + (*p - '0');
  /* We run under the container's seccomp filter. Should it deny fcntl, the
     program must still not inherit errfd: close it (failures then go
     unreported, only the exit status 127 says it). */
  if (sys3(SYS_fcntl, errfd, F_SETFD, FD_CLOEXEC) < 0) {
    sys3(SYS_close, errfd, 0, 0);
    errfd = -1;
  }
  long r = sys3(SYS_execve, (long)argv[2], (long)(argv + 3), (long)envp);
  struct sync_msg m;
  char* b = (char*)&m;
  for (unsigned i = 0; i < sizeof m; i++) b[i] = 0;
  m.type = 4;
  m.err = (int)-r;
  const char* t = "exec";
  for (int i = 0; t[i]; i++) m.msg[i] = t[i];
  if (errfd >= 0) sys3(SYS_write, errfd, (long)&m, sizeof m);
  sys3(SYS_exit_group, 127, 0, 0);
  for (;;) {}
}

__asm__(
    ".globl _start\n"
    "_start:\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call start_c\n");
