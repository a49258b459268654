// The first clone of a container's process, born in its cgroup when it can
// be: clone3(CLONE_INTO_CGROUP) (Linux 5.7, cgroup v2 only) puts the child in
// the cgroup whose directory fd is given, as part of the fork. Otherwise the
// parent writes the pid to cgroup.procs after the clone, and on v2 that write
// (a migration) takes the kernel's cgroup_threadgroup_rwsem for writing,
// which, after a quiet spell, waits for an RCU grace period (5-16 ms idle):
// born in the cgroup, nothing migrates and nothing waits.
//
// Raw syscalls, fork-like (no CLONE_VM, no new stack: the child returns here
// on a copy of this stack), so glibc's fork handlers (which take locks) don't
// run. Header-only: the addon (binding.cc) and the native front's exec
// (front/exec.cc, a static C program) both use it.
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435  // the same number on every architecture
#endif

namespace ocirun {

// struct clone_args as of Linux 5.7 (CLONE_ARGS_SIZE_VER2: with `cgroup`),
// spelled out so that older headers build it too.
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};

constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;  // CLONE_INTO_CGROUP

// Clones with `flags` (CLONE_NEW* only, CLONE_NEWTIME not: its bit is plain
// clone's signal byte; SIGCHLD is added). With cgroup_fd >= 0
// it first tries clone3 into that cgroup; *born says whether that worked.
// Any refusal of clone3 falls back to plain clone (*born = 0), whose caller
// then joins the cgroup the old way: ENOSYS (a kernel before 5.3, or a
// seccomp profile that answers clone3 with ENOSYS, as Docker's and podman's
// do so that glibc falls back to clone), E2BIG/EINVAL (a kernel before 5.7
// that knows clone3 but not the cgroup field), EBADF (not a cgroup v2 dir),
// EPERM/EACCES (a cgroup the caller may not move into), EBUSY (a domain
// cgroup with children, or threaded), EAGAIN (pids.max reached: a join,
// as before, is not held to it). Returns the pid in the
// parent, 0 in the child, -1 with errno on failure of the plain clone.
inline long clone_into(unsigned long flags, int cgroup_fd, int* born) {
  *born = 0;
  if (cgroup_fd >= 0) {
    CloneArgs a;
    memset(&a, 0, sizeof a);
    // (flags hold no signal: clone3 takes it in exit_signal, and its low
    // byte may mean CLONE_NEWTIME there, which plain clone can't express)
    a.flags = flags | kCloneIntoCgroup;
    a.exit_signal = SIGCHLD;
    a.cgroup = (uint64_t)cgroup_fd;
    long pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid >= 0) {
      if (pid > 0) *born = 1;
      return pid;
    }
  }
  return syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
}

}  // namespace ocirun
