// The init's order of work from clone to execve: signals and fds, the
// parent's go, namespaces (joined, then new), then run_init: sysctls, rootfs,
// hostname, console, rlimits, scheduling, credentials, cwd, the program's
// path, the start wait, seccomp, exec.

#include "common.h"

namespace ocirun {
namespace child {

// ---------------------------------------------------------------- network

// A new network namespace has only a loopback device, and it is down; bring
// it up as runc does (programs expect 127.0.0.1 to work).
void bring_lo_up() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die_errno("socket for lo");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, "lo", 3);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die_errno("get flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die_errno("bring lo up");
  close(s);
}

void apply_sysctls() {
  if (!P->sysctl_paths) return;
  const char* p = P->sysctl_paths;
  while (*p) {
    const char* path = p; p += slen(p) + 1;
    const char* value = p; p += slen(p) + 1;
    write_file(path, value);
  }
}

// config.json has no process (config.md: it is optional): the container
// exists and is "created"; `start` gets an error (runtime.md), then the init
// exits and the container is stopped. `run` fails at once.
[[noreturn]] static void no_process_wait() {
  mark(T_PROCESS);
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  send_msg(SYNC_READY, 0, 0, "");
  int conn = -1;
  if (P->start_fd >= 0) {
    close(P->sync_fd);
    conn = wait_for_start();
  }
  SyncMsg m;
  memset(&m, 0, sizeof m);
  m.type = SYNC_ERROR;
  scat(m.msg, sizeof m.msg, "config.json has no process to start");
  (void)!write(conn >= 0 ? conn : P->sync_fd, &m, sizeof m);
  _exit(1);
}

[[noreturn]] void run_init() {
  mark(T_NAMESPACES);
  if (setsid() < 0) die_errno("setsid");

  if (P->oom_score_adj_set) {
    char v[24]; v[0] = 0; scat_int(v, sizeof v, P->oom_score_adj);
    write_file("/proc/self/oom_score_adj", v);
  }

  // Namespaced sysctls act on the writer's namespaces, whichever procfs is
  // used: write them through the host's /proc now, before /proc/sys becomes
  // read-only inside the container (readonlyPaths). (Or in the hooks pause,
  // when a device they may name is moved in only then: hooks_pause.)
  if (!P->sysctls_at_hooks) apply_sysctls();

  // Without a mount namespace of our own (or for exec, which joined the
  // container's and is already at its root) there is nothing to set up.
  if (P->setup_rootfs) setup_rootfs();
  else hooks_pause();
  mark(T_ROOTFS);

  if (P->hostname && sethostname(P->hostname, slen(P->hostname)) < 0) die_errno("sethostname");
  if (P->domainname && setdomainname(P->domainname, slen(P->domainname)) < 0)
    die_errno("setdomainname");

  if (P->console_fd >= 0) setup_console();

  // --pidfd-socket (runc 1.2): a pidfd of ourselves, opened here by our pid
  // in our own pid namespace (pidfd_open: Linux 5.3), with runc's text.
  if (P->pidfd_socket_fd >= 0) {
    const char* kind = P->is_exec ? "setns" : "standard";
    int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pfd < 0) die_errno("--pidfd-socket: pidfd_open");
    if (send_with_fd(P->pidfd_socket_fd, kind, slen(kind), pfd) < 0) die_errno("--pidfd-socket: send the pidfd");
    close(pfd);
    close(P->pidfd_socket_fd);
  }

  // <sys/resource.h> numbering, for an error that names the limit (raising a
  // hard limit above ours needs CAP_SYS_RESOURCE: EPERM).
  static const char* const rlimit_names[] = {
    "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
    "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
    "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};
  for (int i = 0; i < P->nrlimits; i++) {
    struct rlimit64 { uint64_t cur, max; } rl = {P->rlimits[i].soft, P->rlimits[i].hard};
    int r = P->rlimits[i].resource;
    if (syscall(SYS_prlimit64, 0, r, &rl, nullptr) < 0)
      die_errno("setrlimit ", r >= 0 && r < 16 ? rlimit_names[r] : "(unknown)");
  }

  // I/O priority and scheduling may need CAP_SYS_NICE: before dropping caps.
  if (P->ioprio >= 0 && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, P->ioprio) < 0)
    die_errno("set I/O priority");
  if (P->sched_set) {
    struct {
      uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t priority;
      uint64_t runtime, deadline, period;
    } attr;
    memset(&attr, 0, sizeof attr);
    attr.size = 48;  // SCHED_ATTR_SIZE_VER0
    attr.policy = P->sched_policy; attr.flags = P->sched_flags; attr.nice = P->sched_nice;
    attr.priority = P->sched_priority; attr.runtime = P->sched_runtime;
    attr.deadline = P->sched_deadline; attr.period = P->sched_period;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) die_errno("set scheduler");
  }
  if (P->personality >= 0 && personality((unsigned long)P->personality) < 0) die_errno("set personality");
  if (P->mempolicy_set) {
    // The kernel reads maxnode - 1 bits of the mask (set_mempolicy(2));
    // no nodes: no mask at all (MPOL_DEFAULT, MPOL_LOCAL, a bare
    // MPOL_PREFERRED). Inherited by children and kept across execve.
    bool any = false;
    for (unsigned long w : P->mempolicy_mask) any = any || w;
    if (syscall(SYS_set_mempolicy, P->mempolicy_mode, any ? P->mempolicy_mask : nullptr,
                any ? (unsigned long)MEMPOLICY_NODES + 1 : 0UL) < 0)
      die_errno("linux.memoryPolicy: set_mempolicy");
  }
  if (P->ncpu_affinity > 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < P->ncpu_affinity; i++) CPU_SET(P->cpu_affinity[i], &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) die_errno("set CPU affinity");
  } else if (P->cpu_affinity_reset) {
    // As runc: the process must not keep the affinity of whoever ran the
    // runtime (a pinned containerd, `taskset -c 0 ocirun run`). Joining a
    // cpuset reset it before Linux 6.2; since then the kernel keeps the
    // caller's. Every CPU bit set: the kernel clamps it to the CPUs it has
    // and to the cgroup's cpuset. Best effort (runc only warns).
    cpu_set_t all;
    memset(&all, 0xff, sizeof all);
    (void)sched_setaffinity(0, sizeof all, &all);
  }
  // AppArmor (only when the host has it enabled; the parent decides): the
  // profile applies at the next execve.
  if (P->apparmor_file) write_file(P->apparmor_file, P->apparmor_value);

  if (P->no_process) no_process_wait();

  // The working directory, first with the runtime's privileges (as runc): a
  // cwd that root can reach but the container's user cannot (a 0700 parent)
  // still works; what the user cannot do there shows when they try. If root
  // is refused (a volume chowned to the user, root squashed), try again as
  // the user below.
  bool cwd_done = chdir(P->cwd) == 0;
  if (!cwd_done && errno != EACCES && errno != EPERM)
    die_errno("chdir to cwd (\"", P->cwd, "\") set in config.json failed");

  // The seccomp filter goes in last, right before the final execve (below,
  // after the start wait): once it is in, the profile (often an allow-list
  // written for the container's program, not for us) decides every call we
  // make. Without no_new_privs, loading it needs CAP_SYS_ADMIN, so
  // apply_credentials keeps that capability in the effective and permitted
  // sets only (never bounding, inheritable or ambient), which the execve drops
  // anyway: the program's capability sets are the configured ones.
  apply_credentials(P->seccomp_filter && !P->no_new_privs);
  if (P->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_errno("no_new_privs");
  if (P->umask >= 0) umask((mode_t)P->umask);

  if (!cwd_done && chdir(P->cwd) < 0) die_errno("chdir to cwd (\"", P->cwd, "\") set in config.json failed");

  char pathbuf[4096];
  const char* exe = P->exe_path ? P->exe_path : lookup(pathbuf, sizeof pathbuf);
  bool wasm = !P->exe_path && runs_as_wasm(exe);
  close_fds();
  if (wasm) {
    // node raises its soft RLIMIT_NOFILE to the hard limit at start-up. A
    // module can't change limits (WASI has no such call), so make the hard
    // limit the configured soft one: the module gets the limit it was given.
    struct rlimit64 { uint64_t cur, max; } nofile;
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &nofile) == 0 && nofile.cur < nofile.max) {
      nofile.max = nofile.cur;
      syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &nofile, nullptr);
    }
    // ld.so loads node and its libraries as /proc/self/fd/N after the exec
    // (lib/wasm/host.ts): those fds stay open, and /proc must be there.
    for (int i = 0; i < P->nwasm_keep_fds; i++) fcntl(P->wasm_keep_fds[i], F_SETFD, 0);
    if (P->wasm_proc_fd >= 0) {
      FdPath np = fdpath(P->wasm_proc_fd);
      if (access(np.s, F_OK) < 0)
        die(errno, "wasm: node is loaded through ", np.s, ": the container needs /proc mounted");
    }
  }

  // SCMP_ACT_NOTIFY is the one exception to "the filter comes last": its
  // listener fd must reach the parent (create or exec, which hands it to the
  // agent at listenerPath) while that parent still waits for "ready"; after
  // `create` returns nobody would receive it. So it goes in here, and the
  // few calls between here and execve (sendmsg of the fd, the ready message,
  // waiting for `start`) run under it, as with runc. Notify profiles are
  // allow-by-default in practice.
  bool notify = P->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER;
  if (notify && (errno = load_seccomp()) != 0) die_errno("load seccomp filter");
  mark(T_PROCESS);
  char times[T_COUNT * 21 + 1]; times[0] = 0;
  for (int i = 0; i < T_COUNT; i++) { scat_int(times, sizeof times, T[i]); scat(times, sizeof times, " "); }

  int conn = -1;
  if (P->start_fd >= 0) {
    // Ready: no more parent death signal (create exits while we wait).
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    send_msg(SYNC_READY, 0, 0, times);
    close(P->sync_fd);
    conn = wait_for_start();
    close(P->start_fd);
  }

  if (P->start_fd < 0) {
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    send_msg(SYNC_READY, 0, 0, times);
    // sync_fd is CLOEXEC: the parent sees EOF once execve succeeded.
  }
  int errfd = conn >= 0 ? conn : P->sync_fd;
  char errbuf[16];
  // (not for wasm: node is exec'd directly and must not inherit errfd, or
  // `start` would wait for the module to end instead of for the execve)
  if (!wasm) exec_prepare(exe, errfd, errbuf, sizeof errbuf);
  // Every other filter: now, so that the only call after it is the execve
  // (and, should that fail, the error message and _exit).
  int e = notify ? 0 : load_seccomp();
  bool loaded = e == 0;
  if (loaded) {
    exec_program(exe, wasm);
    e = errno;  // could not exec
  }

  // Tell whoever is waiting (start, or the parent).
  if (conn >= 0) {
    SyncMsg m;
    memset(&m, 0, sizeof m);
    m.type = SYNC_ERROR; m.err = e;
    if (!loaded) {
      scat(m.msg, sizeof m.msg, "load seccomp filter");
    } else {
      scat(m.msg, sizeof m.msg, "exec: \"");
      scat(m.msg, sizeof m.msg, P->arg0);
      scat(m.msg, sizeof m.msg, "\"");
    }
    (void)!write(conn, &m, sizeof m);
  } else if (!loaded) {
    die(e, "load seccomp filter");
  } else {
    die(e, "exec: \"", P->arg0, "\"");
  }
  _exit(127);
}

void reset_signals() {
  // node installed handlers and ignores SIGPIPE; none of that must reach the
  // container (ignored signals stay ignored across execve).
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &sa, nullptr);
  }
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
}

// Closes every inherited fd except stdio, the preserved ones and the ones the
// plan uses. node's own fds (epoll, eventfds, pipes) and, importantly, the
// state lock of the runtime: an flock lives as long as any process holds the
// open file description, so an init keeping it would deadlock `start`.
void close_inherited() {
  int keep[8 + 16 + 64]; int n = 0;
  keep[n++] = P->sync_fd;
  if (P->tramp_fd >= 0) keep[n++] = P->tramp_fd;
  if (P->wasm_host_fd >= 0) keep[n++] = P->wasm_host_fd;
  for (int i = 0; i < P->nwasm_keep_fds && n < (int)(sizeof keep / sizeof keep[0]); i++) keep[n++] = P->wasm_keep_fds[i];
  if (P->start_fd >= 0) keep[n++] = P->start_fd;
  if (P->console_fd >= 0) keep[n++] = P->console_fd;
  if (P->pidfd_socket_fd >= 0) keep[n++] = P->pidfd_socket_fd;
  for (int i = 0; i < P->njoins && n < (int)(sizeof keep / sizeof keep[0]); i++) keep[n++] = P->joins[i].fd;
  if (P->root_fd >= 0) keep[n++] = P->root_fd;
  for (int i = 0; i < P->nmounts && n < (int)(sizeof keep / sizeof keep[0]); i++)
    if (P->mounts[i].idmap_tree_fd >= 0) keep[n++] = P->mounts[i].idmap_tree_fd;
  // insertion sort: a handful of fds
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) { int t = keep[j]; keep[j] = keep[j - 1]; keep[j - 1] = t; }
  unsigned int from = 3 + (unsigned)P->preserve_fds;
  for (int i = 0; i < n; i++) {
    if ((unsigned)keep[i] < from) continue;
    if ((unsigned)keep[i] > from) syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
    from = (unsigned)keep[i] + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0);
}

// The real init after the fork: once the first child (which sent our pid)
// is gone, which closes the gate's write end, it goes on. Never returns.
[[noreturn]] static int real_init(void* arg) {
  int* gate = static_cast<int*>(arg);
  close(gate[1]);
  char c;
  while (read(gate[0], &c, 1) < 0 && errno == EINTR) {}
  close(gate[0]);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  run_init();
}

}  // namespace child

using namespace child;

void child_main(const Plan* plan) {
  P = plan;
  // Tests only: stop before doing anything, still holding every fd the
  // parent had (as a child frozen before it first ran does). kill, not
  // raise: after a raw clone glibc's cached tid is the parent's.
  if (P->test_stop) kill(getpid(), SIGSTOP);
  mark(T_CLONED);
  // Until execve the init is "ocirun-init" (/proc/<pid>/comm): how `state`
  // tells a created container (waiting for start) from a running one.
  prctl(PR_SET_NAME, P->is_exec ? "ocirun-exec" : "ocirun-init", 0, 0, 0);
  reset_signals();
  if (P->stdin_fd >= 0 && P->stdin_fd != 0) dup2(P->stdin_fd, 0);
  close_inherited();
  // Until execve nobody may ptrace us or open /proc/<pid>/exe (the host's node
  // binary): non-dumpable. execve of the container program resets this.
  // A rootless parent (not root: it has no CAP_SYS_PTRACE) and newuidmap
  // can only open our /proc/<pid>/uid_map while we are dumpable: stay so
  // until GO, as runc does; we are still only a copy of that same user's process.
  prctl(PR_SET_DUMPABLE, P->dumpable_until_go ? 1 : 0, 0, 0, 0);
  // If the runtime dies while we are being set up, die too.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

  // The parent writes id maps, places us in cgroups, then says go.
  wait_for(SYNC_GO);
  if (P->dumpable_until_go) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  mark(T_GO);

  if (P->userns_new) {
    // We are the namespace's creator; become its root now that maps exist.
    if (syscall(SYS_setresgid, 0, 0, 0) < 0) die_errno("setgid 0 in user namespace");
    if (syscall(SYS_setresuid, 0, 0, 0) < 0) die_errno("setuid 0 in user namespace");
  }

  // Join existing namespaces: user first (it decides what we may do in the others).
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < P->njoins; i++) {
      bool user = P->joins[i].nstype == CLONE_NEWUSER;
      if ((pass == 0) != user) continue;
      if (setns(P->joins[i].fd, P->joins[i].nstype) < 0) die_errno("setns");
      close(P->joins[i].fd);
    }
  }
  // A container without a mount namespace of its own is a chroot in the
  // runtime's or a joined one: joining that namespace (or none) left us at
  // its "/". Enter the container's root as its init did (fchdir + chroot;
  // CAP_SYS_CHROOT: we are still root here). run_init then enters the cwd.
  if (P->root_fd >= 0) {
    if (fchdir(P->root_fd) < 0 || chroot(".") < 0) die_errno("enter the container's root");
    close(P->root_fd);
  }

  // New namespaces the clone did not make (lib/plan/namespaces.ts), now that
  // we are in our cgroups (a cgroup namespace is rooted where we are when it
  // is made) and in the joined user namespace (so it owns them).
  // CLONE_NEWPID and CLONE_NEWTIME apply to our children only.
  if (P->unshare_flags && unshare(P->unshare_flags) < 0) die_errno("unshare namespaces");
  if ((P->unshare_flags | P->clone_flags) & CLONE_NEWNET) bring_lo_up();
  // Time offsets must be written before any process enters the namespace.
  if (P->timens_new && P->timens_offsets[0])
    write_file("/proc/self/timens_offsets", P->timens_offsets);

  if (P->fork_needed) {
    // The real init must not say anything (READY, HOOKS, SECCOMP) before the
    // parent knows its pid: it waits for EOF on `gate`, i.e. for us to have
    // sent PID and exited. Else an exec that is quick to get ready would have
    // our pid written to --pid-file, and the engine would reap us (status 0).
    int gate[2];
    if (pipe2(gate, O_CLOEXEC) < 0) die_errno("pipe");
    // The real init shares our memory (CLONE_VM) on the stack the parent
    // mapped for it: a fork would copy the page tables of everything the
    // runtime had mapped (bun's are ~260 KiB), charged to the container's
    // cgroup, which we are in by now. It touches nothing of ours before we
    // are gone (it waits on the gate), and its execve leaves this memory.
    // Without CLONE_VFORK: we send PID and exit while it waits.
    pid_t pid = P->init_stack
        ? (pid_t)clone(real_init, P->init_stack, CLONE_VM | SIGCHLD, gate)
        : (pid_t)syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) die_errno("clone init");
    if (pid > 0) {
      send_msg(SYNC_PID, pid, 0, nullptr);
      _exit(0);
    }
    real_init(gate);
  }
  run_init();
}

}  // namespace ocirun
