// process.execCPUAffinity.initial (config.md): the CPUs the process runs on
// "before the transition to the container's cgroup". The parent sets its own
// thread's affinity to them around the clone, so the child is born with it
// (as runc does for exec), then puts its own back. The kernel keeps that
// request across the cgroup join since Linux 6.2 (intersected with the
// cpuset). The final affinity, or the reset to every CPU, is the child's to
// set after the join (child/init.cc).
//
// Header-only: the addon (binding.cc) and the native front's exec
// (front/exec.cc, a static C program) both use it.
#pragma once

#include <errno.h>
#include <sched.h>

namespace ocirun {

class InitialAffinity {
 public:
  // Sets the calling thread's affinity to cpus[0..n) (n == 0: nothing).
  // Returns 0, or the errno of sched_setaffinity.
  int apply(const int* cpus, int n) {
    if (n <= 0) return 0;
    if (sched_getaffinity(0, sizeof saved_, &saved_) < 0) return errno;
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < n; i++) CPU_SET(cpus[i], &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) return errno;
    active_ = true;
    return 0;
  }
  // Puts the thread's own affinity back (after the clone).
  void restore() {
    if (active_) (void)sched_setaffinity(0, sizeof saved_, &saved_);
    active_ = false;
  }
  ~InitialAffinity() { restore(); }

 private:
  cpu_set_t saved_;
  bool active_ = false;
};

}  // namespace ocirun
