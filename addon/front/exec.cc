// `exec` in the native front: runs a plan the CLI already decided
// (lib/state/front-exec.ts: <state dir>/cmd-plan for `exec ID COMMAND...`,
// or <state dir>/exec-<hash> for `exec --process FILE ID`) with the same
// init code the addon runs (addon/child/*.cc, linked in here) and the parent
// side of lib/runtime/spawn.ts: clone, cgroup, GO, PID, READY, EOF. Whatever
// does not go as planned before the program's execve (a missing plan, a
// changed passwd, a failed step, an exec error) is undone and handed to the
// CLI, which decides again and reports in its own words: the front never
// words an error of its own.
//
// An ordinary process until clone: malloc and stdio are fine here (the
// child gets a private copy of memory and only reads the Plan).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "../plan.h"
#include "../init-stack.h"
#include "../clone-into.h"
#include "../affinity.h"
#include "front.h"

using ocirun::Plan;
using ocirun::RlimitOp;
using ocirun::NsJoin;
using ocirun::SyncMsg;

namespace {

// How long each step of the child may take (spawn.ts: 60 s).
const int STEP_TIMEOUT_MS = 60000;

// A growable array of T (the front is short-lived: nothing is freed).
template <typename T>
struct List {
  T* v = nullptr;
  int n = 0, cap = 0;
  bool push(const T& x) {
    if (n == cap) {
      int c = cap ? cap * 2 : 8;
      T* nv = (T*)realloc(v, sizeof(T) * (size_t)c);
      if (!nv) return false;
      v = nv;
      cap = c;
    }
    v[n++] = x;
    return true;
  }
};

struct ExecPlan {
  List<const char*> args, env, path;
  List<NsJoin> ns;
  List<const char*> ns_paths, procs;
  const char* born_dir = nullptr;  // the cgroup v2 dir to clone the first child into
  List<gid_t> groups;
  List<RlimitOp> rlimits;
  List<int> cpus, cpus_initial;
  const char* cwd = nullptr;
  const char* apparmor_file = nullptr;
  const char* apparmor_value = "";
  int has_seccomp = 0;
  unsigned seccomp_flags = 0;
  int terminal = 0;
  Plan plan{};
  int have_caps = 0, have_ids = 0;
};

bool number(const char* s, long long* out) {
  char* e;
  errno = 0;
  long long v = strtoll(s, &e, 10);
  if (errno || e == s || *e) return false;
  *out = v;
  return true;
}

bool unumber(const char* s, unsigned long long* out) {
  if (!*s || *s == '-') return false;
  char* e;
  errno = 0;
  unsigned long long v = strtoull(s, &e, 10);
  if (errno || e == s || *e) return false;
  *out = v;
  return true;
}

// Splits "a b c" in place into at most `max` words; returns how many.
int words(char* s, char** w, int max) {
  int n = 0;
  while (*s && n < max) {
    w[n++] = s;
    char* sp = strchr(s, ' ');
    if (!sp) break;
    *sp = 0;
    s = sp + 1;
  }
  return n;
}

// The plan still holds if HOME's source file is as it was ("home-from").
bool home_unchanged(char** w, int n) {
  struct stat st;
  if (n == 2 && !strcmp(w[1], "none")) return stat(w[0], &st) < 0;
  unsigned long long dev, ino, size, sec, nsec;
  if (n != 6 || !unumber(w[1], &dev) || !unumber(w[2], &ino) || !unumber(w[3], &size) || !unumber(w[4], &sec) ||
      !unumber(w[5], &nsec))
    return false;
  if (stat(w[0], &st) < 0) return false;
  return st.st_dev == dev && st.st_ino == ino && (unsigned long long)st.st_size == size &&
         (unsigned long long)st.st_mtim.tv_sec == sec && (unsigned long long)st.st_mtim.tv_nsec == nsec;
}

// Reads the plan text (front-exec.ts format) in place. false: no usable plan.
bool parse_plan(char* p, char* end, ExecPlan* x, long init_pid) {
  char ns_prefix[64];
  snprintf(ns_prefix, sizeof ns_prefix, "/proc/%ld/ns/", init_pid);
  Plan& P = x->plan;
  P.umask = -1;
  P.ioprio = -1;
  P.personality = -1;
  int line = 0, ended = 0;
  while (p < end && !ended) {
    char* nl = (char*)memchr(p, '\n', (size_t)(end - p));
    if (!nl) return false;
    *nl = 0;
    char* key = p;
    char* value = strchr(p, ' ');
    if (value) *value++ = 0;
    else value = nl;
    p = nl + 1;
    if (line++ == 0) {
      if (strcmp(key, "ocirun-exec-plan") || strcmp(value, "1")) return false;
      continue;
    }
    // string values: N bytes and "\n"
    List<const char*>* strs = !strcmp(key, "arg") ? &x->args : !strcmp(key, "env") ? &x->env
                            : !strcmp(key, "path") ? &x->path : nullptr;
    const char** one = !strcmp(key, "cwd") ? &x->cwd : !strcmp(key, "apparmor-file") ? &x->apparmor_file
                     : !strcmp(key, "apparmor-value") ? &x->apparmor_value : nullptr;
    if (strs || one) {
      unsigned long long n;
      if (!unumber(value, &n) || (unsigned long long)(end - p) < n + 1 || p[n] != '\n') return false;
      p[n] = 0;
      if (strs) {
        if (!strs->push(p)) return false;
      } else {
        *one = p;
      }
      p += n + 1;
      continue;
    }
    char* w[8];
    int nw = words(value, w, 8);
    long long a;
    unsigned long long u[6];
    if (!strcmp(key, "ns")) {
      // only this container's init's namespaces
      if (nw != 2 || !number(w[0], &a) || strncmp(w[1], ns_prefix, strlen(ns_prefix)) || strstr(w[1], "/.."))
        return false;
      if (!x->ns.push(NsJoin{-1, (int)a}) || !x->ns_paths.push(w[1])) return false;
    } else if (!strcmp(key, "born")) {
      if (nw != 1 || strncmp(w[0], "/sys/fs/cgroup/", 15) || strstr(w[0], "/..")) return false;
      x->born_dir = w[0];
    } else if (!strcmp(key, "procs")) {
      if (nw != 1 || strncmp(w[0], "/sys/fs/cgroup/", 15) || strstr(w[0], "/..")) return false;
      if (!x->procs.push(w[0])) return false;
    } else if (!strcmp(key, "seccomp")) {
      if (nw != 1 || !unumber(w[0], u)) return false;
      x->has_seccomp = 1;
      x->seccomp_flags = (unsigned)u[0];
    } else if (!strcmp(key, "home-from")) {
      if (!home_unchanged(w, nw)) return false;
    } else if (!strcmp(key, "terminal")) {
      x->terminal = 1;
    } else if (!strcmp(key, "cpu-reset")) {
      P.cpu_affinity_reset = 1;
    } else if (!strcmp(key, "cpu-initial")) {
      if (nw != 1 || !number(w[0], &a) || a < 0 || a > 1023 || !x->cpus_initial.push((int)a)) return false;
    } else if (!strcmp(key, "uid") || !strcmp(key, "gid") || !strcmp(key, "group")) {
      if (nw != 1 || !unumber(w[0], u) || u[0] > 2147483647ULL) return false;
      if (key[0] == 'u') P.uid = (uid_t)u[0], x->have_ids |= 1;
      else if (key[1] == 'i') P.gid = (gid_t)u[0], x->have_ids |= 2;
      else if (!x->groups.push((gid_t)u[0])) return false;
    } else if (!strcmp(key, "set-groups") || !strcmp(key, "nnp")) {
      if (nw != 1 || !number(w[0], &a)) return false;
      (key[0] == 's' ? P.set_groups : P.no_new_privs) = a != 0;
    } else if (!strcmp(key, "umask") || !strcmp(key, "ioprio") || !strcmp(key, "personality") || !strcmp(key, "oom") ||
               !strcmp(key, "cpu")) {
      if (nw != 1 || !number(w[0], &a)) return false;
      if (key[0] == 'u') P.umask = (int)a;
      else if (key[0] == 'i') P.ioprio = (int)a;
      else if (key[0] == 'p') P.personality = (long)a;
      else if (key[0] == 'o') P.oom_score_adj_set = 1, P.oom_score_adj = (int)a;
      else if (a < 0 || a > 1023 || !x->cpus.push((int)a)) return false;
    } else if (!strcmp(key, "caps")) {
      if (nw != 6) return false;
      for (int i = 0; i < 6; i++)
        if (!unumber(w[i], &u[i])) return false;
      P.set_caps = 1;
      P.cap_bounding = u[0], P.cap_effective = u[1], P.cap_permitted = u[2];
      P.cap_inheritable = u[3], P.cap_ambient = u[4], P.cap_last = (int)u[5];
      x->have_caps = 1;
    } else if (!strcmp(key, "rlimit")) {
      if (nw != 3 || !number(w[0], &a) || !unumber(w[1], &u[0]) || !unumber(w[2], &u[1])) return false;
      if (!x->rlimits.push(RlimitOp{(int)a, u[0], u[1]})) return false;
    } else if (!strcmp(key, "sched")) {
      long long nice;
      if (nw != 7 || !unumber(w[0], &u[0]) || !unumber(w[1], &u[1]) || !number(w[2], &nice) || !unumber(w[3], &u[2]) ||
          !unumber(w[4], &u[3]) || !unumber(w[5], &u[4]) || !unumber(w[6], &u[5]))
        return false;
      P.sched_set = 1;
      P.sched_policy = (uint32_t)u[0], P.sched_priority = (uint32_t)u[1], P.sched_nice = (int32_t)nice;
      P.sched_flags = u[2], P.sched_runtime = u[3], P.sched_deadline = u[4], P.sched_period = u[5];
    } else if (!strcmp(key, "console-size")) {
      if (nw != 2 || !unumber(w[0], &u[0]) || !unumber(w[1], &u[1])) return false;
      P.console_rows = (unsigned short)u[0], P.console_cols = (unsigned short)u[1];
    } else if (!strcmp(key, "end")) {
      ended = 1;
    } else {
      return false;  // a key this front does not know: the CLI
    }
  }
  return ended && x->cwd && x->have_caps && x->have_ids == 3;
}

// FNV-1a (32 bits): front-exec.ts inputHash().
unsigned input_hash(const char* b, size_t n) {
  unsigned h = 0x811c9dc5u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)b[i]) * 0x01000193u;
  return h;
}

// A whole regular file (no symlink, no fifo) into a NUL-terminated buffer.
char* read_file_at(int dirfd, const char* name, size_t max, size_t* len) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  char* buf = nullptr;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max && (buf = (char*)malloc((size_t)st.st_size + 1))) {
    size_t got = 0;
    while (got < (size_t)st.st_size) {
      ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      got += (size_t)k;
    }
    if (got != (size_t)st.st_size) {
      free(buf);
      buf = nullptr;
    } else {
      buf[got] = 0;
      *len = got;
    }
  }
  close(fd);
  return buf;
}

// The --process plan: <state dir>/exec-<hash>, "input N" + exactly these bytes.
char* entry_plan(int dirfd, const char* process_file, char** plan_end) {
  size_t in_len, len;
  char* in = read_file_at(AT_FDCWD, process_file, 1 << 20, &in_len);
  if (!in) return nullptr;
  char name[32];
  snprintf(name, sizeof name, "exec-%08x", input_hash(in, in_len));
  char* e = read_file_at(dirfd, name, 4 << 20, &len);
  if (!e) return nullptr;
  char head[32];
  int hl = snprintf(head, sizeof head, "input %zu\n", in_len);
  if (len < (size_t)hl + in_len + 1 || memcmp(e, head, (size_t)hl) || memcmp(e + hl, in, in_len) || e[hl + in_len] != '\n')
    return nullptr;
  *plan_end = e + len;
  return e + hl + in_len + 1;
}

// addon TrampolineFd(): the exec trampoline in a sealed memfd.
int trampoline_fd() {
  char root[PATH_MAX], path[PATH_MAX + 64];
  repo_root(root, sizeof root);
  snprintf(path, sizeof path, "%s/build/Release/ocirun-exec", root);
  size_t len;
  char* buf = read_file_at(AT_FDCWD, path, 1 << 20, &len);
  if (!buf) return -1;
  int fd = memfd_create("ocirun-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  if (write(fd, buf, len) != (ssize_t)len || fchmod(fd, 0555) < 0 ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// binding.cc ConnectUnix() for paths that fit (others: the CLI).
int connect_unix(const char* path) {
  char abs[PATH_MAX];
  if (path[0] != '/') {
    if (!getcwd(abs, sizeof abs - strlen(path) - 2)) return -1;
    strcat(abs, "/");
    strcat(abs, path);
    path = abs;
  }
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof sa.sun_path) return -1;
  strcpy(sa.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr*)&sa, sizeof sa) < 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

// One message from the child within the step's time: its type, 0 on EOF, -1 on error or timeout.
int recv_msg(int fd, SyncMsg* m) {
  struct pollfd pfd = {fd, POLLIN, 0};
  int r;
  do r = poll(&pfd, 1, STEP_TIMEOUT_MS); while (r < 0 && errno == EINTR);
  if (r <= 0) return -1;
  ssize_t n;
  do n = recv(fd, m, sizeof *m, 0); while (n < 0 && errno == EINTR);
  if (n == 0) return 0;
  if (n != (ssize_t)sizeof *m) return -1;
  return m->type;
}

// SIGKILL and reap, giving up after ~1 s as the CLI does (spawn.ts): a child
// in a cgroup v1 freezer that someone froze meanwhile does not die until
// thawed, and nothing here may wait for that.
void kill_reap(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  for (int i = 0; i < 100; i++) {
    pid_t r = waitpid(pid, nullptr, __WALL | WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

// store.ts writePidFile(): "<dir>/.<name>.<our pid>", then rename.
bool write_pid_file(const char* file, pid_t pid) {
  char abs[PATH_MAX], tmp[PATH_MAX + 32];
  if (file[0] == '/') {
    if (strlen(file) >= sizeof abs) return false;
    strcpy(abs, file);
  } else if (!getcwd(abs, sizeof abs) || strlen(abs) + strlen(file) + 2 > sizeof abs) {
    return false;
  } else {
    strcat(abs, "/");
    strcat(abs, file);
  }
  const char* slash = strrchr(abs, '/');
  snprintf(tmp, sizeof tmp, "%.*s/.%s.%d", (int)(slash - abs), abs, slash + 1, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  char num[16];
  int n = snprintf(num, sizeof num, "%d", (int)pid);
  bool ok = write_all(fd, num, (size_t)n) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, abs) < 0) {
    unlink(tmp);
    return false;
  }
  return true;
}

volatile pid_t g_forward_to = 0;
void forward(int sig) {
  if (g_forward_to > 0) kill(g_forward_to, sig);
}

// foreground.ts waitForeground(): forward these signals, return the status.
int wait_foreground(pid_t pid) {
  static const int FORWARD[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  g_forward_to = pid;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  for (int s : FORWARD) sigaction(s, &sa, nullptr);
  int st;
  pid_t r;
  do r = waitpid(pid, &st, __WALL); while (r < 0 && errno == EINTR);
  if (r < 0) return 255;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Runs the plan: 0 and the process' pid, or -1 (everything undone: hand over).
int spawn(ExecPlan* x, int dirfd, const struct args* a, const struct recipe* r, pid_t* out) {
  Plan& P = x->plan;
  // What the command line adds: the program, a console, kept fds.
  if (!x->args.n) {
    for (char** c = a->cmd; c && *c; c++)
      if (!x->args.push(*c)) return -1;
  }
  if (!x->args.n || !x->args.push(nullptr) || !x->env.push(nullptr) || !x->path.push(nullptr)) return -1;
  int want_tty = a->process ? x->terminal : a->tty;
  P.console_fd = -1;
  P.pidfd_socket_fd = -1;  // --pidfd-socket is the CLI's
  if (want_tty) {
    if (!a->console_socket || (P.console_fd = connect_unix(a->console_socket)) < 0) return -1;
  }
  P.preserve_fds = a->preserve_fds;
  P.argv = x->args.v;
  P.arg0 = x->args.v[0];
  P.envp = x->env.v;
  P.path_dirs = x->path.v;
  P.cwd = x->cwd;
  P.groups = x->groups.v, P.ngroups = x->groups.n;
  P.rlimits = x->rlimits.v, P.nrlimits = x->rlimits.n;
  P.cpu_affinity = x->cpus.v, P.ncpu_affinity = x->cpus.n;
  P.apparmor_file = x->apparmor_file;
  P.apparmor_value = x->apparmor_value;
  P.fork_needed = 1;
  P.is_exec = 1;
  P.start_fd = -1;
  P.stdin_fd = -1;
  P.root_fd = -1;  // (a chroot'd container's exec has no plan here: the CLI's)
  P.wasm_host_fd = -1;
  P.wasm_proc_fd = -1;
  P.wasm_module_slot = -1;
  P.timens_offsets = "";
  P.rootfs = "";
  P.rootfs_parent = "";
  if (x->has_seccomp) {
    size_t len;
    char* f = read_file_at(dirfd, "seccomp.bpf", 1 << 20, &len);
    if (!f || len == 0 || len % 8 || len / 8 > 65535) return -1;
    P.seccomp_filter = f;
    P.seccomp_len = (int)(len / 8);  // sizeof(struct sock_filter)
    P.seccomp_flags = x->seccomp_flags;
    if (P.seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) return -1;  // an agent: the CLI's
  }
  // The namespaces, then proof that they were this very init's: it still
  // lives (same starttime) now that the fds pin them.
  for (int i = 0; i < x->ns.n; i++)
    if ((x->ns.v[i].fd = open(x->ns_paths.v[i], O_RDONLY | O_CLOEXEC)) < 0) return -1;
  if (!init_alive(r)) return -1;
  P.joins = x->ns.v, P.njoins = x->ns.n;
  if ((P.tramp_fd = trampoline_fd()) < 0) return -1;
  const char** tramp = (const char**)calloc((size_t)x->args.n + 3, sizeof *tramp);
  if (!tramp) return -1;
  tramp[0] = "ocirun-exec";  // then the errfd and path slots, filled by the child
  for (int i = 0; i < x->args.n; i++) tramp[3 + i] = x->args.v[i];
  P.tramp_argv = tramp;

  ocirun::InitStack stack;
  P.init_stack = stack.map();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
  P.sync_fd = sv[1];
  P.sync_parent_fd = sv[0];
  // As binding.cc Spawn(): a fork-like raw clone, born in the container's
  // cgroup when the kernel lets it (clone-into.h); OCIRUN_TEST_CLONE3=refuse
  // (tests only) gives it "/", no cgroup, as lib/runtime/spawn.ts does.
  int cgfd = -1, born = 0;
  if (x->born_dir) {
    const char* t = getenv("OCIRUN_TEST_CLONE3");
    cgfd = open(t && !strcmp(t, "refuse") ? "/" : x->born_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  ocirun::InitialAffinity aff;
  if (aff.apply(x->cpus_initial.v, x->cpus_initial.n) != 0) {
    if (cgfd >= 0) close(cgfd);
    close(sv[0]); close(sv[1]);
    return -1;
  }
  long first = ocirun::clone_into(0, cgfd, &born);
  if (first == 0) ocirun::child_main(&P);
  aff.restore();
  if (cgfd >= 0) close(cgfd);
  close(sv[1]);
  if (first < 0) {
    close(sv[0]);
    return -1;
  }
  pid_t pid = 0;
  SyncMsg m;
  // The cgroup first (cgroups.addProcess, unless born in it), then GO.
  bool ok = true;
  char num[16];
  int nlen = snprintf(num, sizeof num, "%ld", first);
  for (int i = 0; ok && !born && i < x->procs.n; i++) {
    int fd = open(x->procs.v[i], O_WRONLY | O_CLOEXEC);
    ok = fd >= 0 && write(fd, num, (size_t)nlen) == nlen;
    if (fd >= 0) close(fd);
  }
  if (ok) {
    memset(&m, 0, sizeof m);
    m.type = ocirun::SYNC_GO;
    ok = send(sv[0], &m, sizeof m, MSG_NOSIGNAL) == (ssize_t)sizeof m;
  }
  while (ok) {
    int t = recv_msg(sv[0], &m);
    if (t == ocirun::SYNC_PID) {
      pid = m.value;
      while (waitpid((pid_t)first, nullptr, __WALL) < 0 && errno == EINTR) {
      }
      first = 0;
      continue;
    }
    if (t == ocirun::SYNC_READY) {
      // then EOF: the execve happened (the socket is close-on-exec)
      ok = pid > 0 && recv_msg(sv[0], &m) == 0;
      break;
    }
    ok = false;  // an error, a message the CLI handles, EOF, or time out
  }
  close(sv[0]);
  if (P.console_fd >= 0) close(P.console_fd);
  if (ok && a->pid_file && !write_pid_file(a->pid_file, pid)) ok = false;
  if (!ok) {
    kill_reap(pid);
    kill_reap((pid_t)first);
    return -1;
  }
  *out = pid;
  return 0;
}

}  // namespace

extern "C" int cmd_exec(const struct args* a) {
  if (geteuid() != 0) return HAND_OVER;  // a user's exec: the CLI's rootless rules
  // A container in the host's pid namespace sees this process: not dumpable,
  // so /proc/<our pid>/exe (the front's binary) can't be opened from there
  // (CVE-2019-5736). The child inherits it; the program's execve resets it.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  char dir[4096];
  if (state_dir(a, dir, sizeof dir) < 0) return HAND_OVER;
  int lock = lock_dir(dir);
  if (lock < 0) return HAND_OVER;
  struct recipe r;
  static ExecPlan plan_store;
  ExecPlan* x = &plan_store;
  char* plan = nullptr;
  char* plan_end = nullptr;
  if (read_recipe(lock, &r) == 0) {
    enum status st = derive_status(&r);
    if (st == ST_CREATED || st == ST_RUNNING) {
      size_t len;
      if (a->process) plan = entry_plan(lock, a->process, &plan_end);
      // (a recipe of an older build holds the plan itself)
      else if (r.exec_plan) plan = r.exec_plan, plan_end = r.exec_plan + r.exec_plan_len;
      else if ((plan = read_file_at(lock, "cmd-plan", 4 << 20, &len))) plan_end = plan + len;
    }
  }
  // Not detached: the process comes back to us after the first child's fork.
  if (!a->detach && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) plan = nullptr;
  pid_t pid;
  if (!plan || !parse_plan(plan, plan_end, x, r.pid) || spawn(x, lock, a, &r, &pid) < 0) {
    unlock_dir(lock);
    return HAND_OVER;
  }
  unlock_dir(lock);
  if (a->detach) return 0;
  return wait_foreground(pid);
}
