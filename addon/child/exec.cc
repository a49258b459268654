// Finding and running the container's program: PATH lookup with runc's
// errors, wasm detection, fds at exec, the start wait, seccomp, execve
// through the trampoline.

#include "common.h"

namespace ocirun {
namespace child {

// ---------------------------------------------------------------- exec

// What the first bytes of `path` say (read as the process' own user):
// 1 = a WebAssembly core module, 2 = a component (layer != 0), 0 = neither,
// -errno if it can't be read.
int wasm_kind(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -errno;
  unsigned char h[8];
  ssize_t n;
  do n = read(fd, h, sizeof h); while (n < 0 && errno == EINTR);
  close(fd);
  if (n < 8 || h[0] != 0 || h[1] != 'a' || h[2] != 's' || h[3] != 'm') return 0;
  return h[6] == 0 && h[7] == 0 ? 1 : 2;
}

bool executable(const char* path, int* err) {
  struct stat st;
  if (stat(path, &st) < 0) { *err = errno; return false; }
  if (S_ISDIR(st.st_mode)) { *err = EACCES; return false; }
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0) {
    *err = errno;
    // Node runs a wasm module, not the kernel: reading it is enough (images
    // often ship .wasm files without the x bit).
    return P->wasm_mode && *err == EACCES && S_ISREG(st.st_mode) && wasm_kind(path) > 0;
  }
  return true;
}

// With a wasm annotation: does `exe` run as wasm? Dies when it must (compat)
// but can't.
bool runs_as_wasm(const char* exe) {
  if (!P->wasm_mode) return false;
  int k = wasm_kind(exe);
  if (k == 1) return true;
  if (k == 2) die(0, "exec: \"", P->arg0, "\": a WebAssembly component: only core modules (WASI preview1) can run");
  if (P->wasm_mode == 2) return false;  // compat-smart: an ordinary program
  if (k < 0) die(-k, "exec: \"", P->arg0, "\": open");
  die(ENOEXEC, "exec: \"", P->arg0, "\": not a WebAssembly module (the container's processes run as wasm: module.wasm.image/variant=compat)");
}

// Finds the program like Go's exec.LookPath (runc's wording in the errors, so
// that podman maps them to exit codes 127/126).
const char* lookup(char* buf, size_t cap) {
  const char* a0 = P->arg0;
  int err = 0;
  bool has_slash = false;
  for (const char* q = a0; *q; q++) if (*q == '/') has_slash = true;
  if (has_slash) {
    if (executable(a0, &err)) return a0;
    if (err == ENOENT) die(ENOENT, "exec: \"", a0, "\": stat ", a0);
    die(err, "exec: \"", a0, "\"");
  }
  for (int i = 0; P->path_dirs[i]; i++) {
    buf[0] = 0;
    scat(buf, cap, P->path_dirs[i][0] ? P->path_dirs[i] : ".");
    scat(buf, cap, "/");
    scat(buf, cap, a0);
    if (executable(buf, &err)) return buf;
    if (err == EACCES || err == EPERM) {
      // Go keeps looking but reports permission denied if nothing else matches;
      // remember the first such error.
    }
  }
  die(0, "exec: \"", a0, "\": executable file not found in $PATH");
}

void close_fds() {
  // Everything above the preserved range closes at execve. CLOEXEC rather
  // than close: our own fds (sync, start socket) are still needed until then.
  unsigned int first = 3 + (unsigned)P->preserve_fds;
  if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (unsigned int fd = first; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  // stdio and preserved fds must survive exec. node marks every inherited fd
  // close-on-exec at start-up (libuv's uv_disable_stdio_inheritance): undo it.
  for (int fd = 0; fd < 3 + P->preserve_fds; fd++) fcntl(fd, F_SETFD, 0);
}

int wait_for_start() {
  for (;;) {
    int c = accept4(P->start_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    char b;
    ssize_t n;
    do n = read(c, &b, 1); while (n < 0 && errno == EINTR);
    if (n == 1 && b == 'S') return c;
    close(c);  // not a start request: keep waiting
  }
}

// Returns 0, or the errno of loading the filter (the caller reports it: after
// `start` connected, to that connection).
int load_seccomp() {
  if (!P->seccomp_filter) return 0;
  struct sock_fprog prog;
  prog.len = (unsigned short)P->seccomp_len;
  prog.filter = (struct sock_filter*)P->seccomp_filter;
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, P->seccomp_flags, &prog);
  if (fd < 0) return errno;
  if (P->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
    // The notify fd goes to the parent, which hands it to the listener agent.
    SyncMsg m;
    memset(&m, 0, sizeof m);
    m.type = SYNC_SECCOMP;
    int nfd = (int)fd;
    if (send_with_fd(P->sync_fd, &m, sizeof m, nfd) < 0) die_errno("send seccomp notify fd");
    close(nfd);
  }
  return 0;
}

// Fills in the trampoline's argv and lets errfd survive the execve: every
// call exec_program needs but the execve itself, so that they come before
// the seccomp filter. errbuf (the caller's) must live until the execve.
void exec_prepare(const char* exe, int errfd, char* errbuf, size_t cap) {
  errbuf[0] = 0;
  scat_int(errbuf, cap, errfd);
  P->tramp_argv[1] = errbuf;
  P->tramp_argv[2] = exe;
  fcntl(errfd, F_SETFD, 0);  // the trampoline reports through it, then closes it on exec
}

// Execs the container's program; returns only if that failed (errno).
// Runs under the seccomp filter: nothing but execveat/execve here.
void exec_program(const char* exe, bool wasm) {
  if (wasm) {
    // node, from the read-only detached mount (lib/wasm/host.ts), with an
    // empty environment: the container's goes to the module (lib/wasm/runner.ts).
    static const char* const no_env[] = {nullptr};
    P->wasm_argv[P->wasm_module_slot] = exe;
    syscall(SYS_execveat, P->wasm_host_fd, "", (char* const*)P->wasm_argv, (char* const*)no_env, AT_EMPTY_PATH);
    if (errno == EPERM || errno == ENOSYS) {
      FdPath np = fdpath(P->wasm_host_fd);
      execve(np.s, (char* const*)P->wasm_argv, (char* const*)no_env);
    }
    return;
  }
  // Through the trampoline (addon/trampoline.c): from here on /proc/self/exe
  // is a sealed memfd, never the host's node binary.
  syscall(SYS_execveat, P->tramp_fd, "", (char* const*)P->tramp_argv, (char* const*)P->envp, AT_EMPTY_PATH);
  if (errno == EPERM || errno == ENOSYS) {
    // A seccomp profile without execveat: the same file through /proc.
    FdPath tp = fdpath(P->tramp_fd);
    execve(tp.s, (char* const*)P->tramp_argv, (char* const*)P->envp);
  }
}

}  // namespace child
}  // namespace ocirun
