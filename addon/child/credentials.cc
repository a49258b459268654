// The process' identity: bounding set, groups, uid/gid, capability sets.

#include "common.h"

namespace ocirun {
namespace child {

// ---------------------------------------------------------------- credentials

// keep_sys_admin: the seccomp filter still has to be loaded without
// no_new_privs (init.cc). CAP_SYS_ADMIN then stays in the effective and
// permitted sets only. The execve recomputes the sets: for root, permitted =
// inheritable | bounding; for anyone else, ambient (the trampoline has no file
// capabilities); effective likewise. So a capability kept in neither bounding,
// inheritable nor ambient is gone once the program runs, and the program's
// sets are exactly the configured ones (test/security.test.mjs checks them).
void apply_credentials(bool keep_sys_admin) {
  if (P->set_caps) {
    // Bounding set first: dropping needs CAP_SETPCAP, which we still have.
    for (int cap = 0; cap <= P->cap_last; cap++) {
      if (!(P->cap_bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
          errno != EINVAL)
        die_errno("drop capability from bounding set");
    }
    // Keep the permitted set across the uid change below.
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die_errno("prctl keepcaps");
  }
  // Raw syscalls for all id changes: glibc's wrappers (setgroups, setuid, ...)
  // in a process it believes multithreaded broadcast the change to every
  // thread and wait for them (setxid): our clone has none of them and would
  // hang forever.
  if (P->set_groups && syscall(SYS_setgroups, P->ngroups, P->groups) < 0) die_errno("setgroups");
  if (syscall(SYS_setresgid, P->gid, P->gid, P->gid) < 0) die_errno("setgid");
  if (syscall(SYS_setresuid, P->uid, P->uid, P->uid) < 0) die_errno("setuid");
  if (P->set_caps) {
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) die_errno("prctl keepcaps");
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    for (int i = 0; i < 2; i++) {
      data[i].effective = (uint32_t)(P->cap_effective >> (32 * i));
      data[i].permitted = (uint32_t)(P->cap_permitted >> (32 * i));
      if (keep_sys_admin && CAP_TO_INDEX(CAP_SYS_ADMIN) == i) {
        data[i].effective |= CAP_TO_MASK(CAP_SYS_ADMIN);
        data[i].permitted |= CAP_TO_MASK(CAP_SYS_ADMIN);
      }
      data[i].inheritable = (uint32_t)(P->cap_inheritable >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, data) < 0) die_errno("capset");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap = 0; cap <= P->cap_last; cap++) {
      if ((P->cap_ambient & (1ULL << cap)) &&
          prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        die_errno("raise ambient capability");
    }
  }
}

}  // namespace child
}  // namespace ocirun
