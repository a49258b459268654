// The spawn plan as the child sees it: plain C data, fully built in the parent
// (node) before clone(). After clone the child only reads it; nothing in here is
// allocated or freed in the child. Field meanings mirror lib/plan/types.ts.
#pragma once

#include <stdint.h>
#include <sys/types.h>

namespace ocirun {

// What a mount step does. The TypeScript planner expands config mounts,
// cgroup mounts, masked and readonly paths into these primitive steps.
enum MountKind : int {
  MOUNT_FS = 0,        // mount(source, target, fstype, flags, data)
  MOUNT_BIND = 1,      // bind (MS_REC if recursive), then remount with flags if any
  MOUNT_MASK = 2,      // maskedPaths: /dev/null over a file, ro tmpfs over a dir
  MOUNT_READONLY = 3,  // readonlyPaths: bind onto itself, remount ro
};

// What to create at the target when it is missing (inside the rootfs).
enum TargetKind : int { TARGET_NONE = 0, TARGET_DIR = 1, TARGET_FILE = 2 };

struct MountOp {
  int kind;
  int target_kind;
  const char* source;   // host path or fs source ("proc", "tmpfs"); may be ""
  const char* target;   // path inside the rootfs, absolute ("/proc")
  const char* fstype;   // may be ""
  const char* data;     // may be ""
  unsigned long flags;  // MS_* flags for the mount / remount
  unsigned long propagation;  // MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (|MS_REC) or 0
  int recursive;        // for binds: MS_REC
  int remount;          // for binds: flags need a MS_REMOUNT pass
  int copyup;           // tmpfs: start with a copy of the directory it covers (tmpcopyup)
  uint64_t rec_set;     // MOUNT_ATTR_* to set on the mount and its submounts (the r* options)
  uint64_t rec_clr;     // ... and to clear (mount_setattr AT_RECURSIVE); both 0: none
  int idmap_tree_fd;  // >= 0: an idmapped bind, this detached tree (made by the parent) is moved onto the target
};

struct DeviceOp {
  const char* path;   // inside the rootfs, absolute ("/dev/null")
  mode_t mode;        // S_IFCHR|0666 etc.
  dev_t dev;
  uid_t uid;
  gid_t gid;
  int bind;           // bind-mount the host node (user namespaces) instead of mknod
  int configured;     // from linux.devices: an existing file there must be this device
};

struct SymlinkOp {
  const char* target;  // what the link points to ("/proc/self/fd")
  const char* path;    // the link, inside the rootfs ("/dev/fd")
};

struct NsJoin {
  int fd;      // opened by the parent
  int nstype;  // CLONE_NEW*
};

struct RlimitOp {
  int resource;
  uint64_t soft, hard;
};

// Fixed-size message on the parent <-> child sync socket (SOCK_SEQPACKET).
enum SyncType : int32_t {
  SYNC_GO = 1,       // parent -> child: maps and cgroups are in place, go on
  SYNC_PID = 2,      // child -> parent: value = pid of the real init (after a fork)
  SYNC_READY = 3,    // child -> parent: set up, waiting for start
  SYNC_ERROR = 4,    // child -> parent: errno + context, child exits
  SYNC_HOOKS = 5,    // child -> parent: namespaces ready, run createRuntime hooks
  SYNC_HOOKS_DONE = 6,  // parent -> child
  SYNC_SECCOMP = 7,  // child -> parent: the seccomp notify fd rides along (SCM_RIGHTS)
  SYNC_SYSCTLS = 8,  // parent -> child, in the hooks pause: devices moved, write the sysctls
  SYNC_SYSCTLS_DONE = 9,  // child -> parent
};

struct SyncMsg {
  int32_t type;
  int32_t value;
  int32_t err;   // errno, 0 if none
  char msg[500];
};

// The nodemask's size: MAX_NUMNODES of a kernel with NODES_SHIFT 10 (lib/plan/memory-policy.ts MAX_NODES).
constexpr int MEMPOLICY_NODES = 1024;

struct Plan {
  // namespaces
  int clone_flags;          // CLONE_NEW* made by clone() (lib/plan/namespaces.ts decides which)
  int unshare_flags;        // CLONE_NEW* made after GO, after joining `joins`
  int fork_needed;          // pid/time namespaces apply to children: fork the real init
  NsJoin* joins; int njoins;
  int root_fd;              // exec into a chroot'd container: its root (/proc/<init>/root), entered after the joins; -1 none
  int userns_new;           // parent writes the id maps; child becomes root in it
  int dumpable_until_go;    // rootless parent: /proc/<pid>/uid_map is only its to open while we are dumpable
  int test_stop;            // tests only (OCIRUN_TEST_STOP_AT=child:cloned): SIGSTOP ourselves first thing
  int timens_new;
  const char* timens_offsets;  // "monotonic 1 0\nboottime 2 0\n"
  int sync_fd;              // child's end
  int sync_parent_fd;       // parent's end (closed in the child)
  // With fork_needed: the top of a stack (mapped by the parent, guard page
  // below) on which the real init runs in the first child's memory
  // (CLONE_VM): no copy of that memory's page tables. NULL: a plain fork.
  void* init_stack;

  // filesystem
  int setup_rootfs;         // the rootfs is ours to set up (create; not exec)
  int rootfs_shared_ns;     // ...in a mount namespace not our own (the runtime's or a joined one)
  const char* rootfs;       // absolute host path (resolved)
  const char* rootfs_parent;// mount point containing the rootfs, made private when needed ("" if not)
  unsigned long root_propagation;   // for "/" before anything (MS_SLAVE|MS_REC default)
  unsigned long final_propagation;  // re-applied to "/" after pivot (0 = none)
  int root_readonly;
  int no_pivot;
  MountOp* mounts; int nmounts;
  DeviceOp* devices; int ndevices;
  SymlinkOp* symlinks; int nsymlinks;
  MountOp* late_mounts; int nlate_mounts;   // masked/readonly paths: after devices
  const char* cwd;          // created inside the rootfs if missing

  // uts
  const char* hostname;     // NULL = leave
  const char* domainname;

  // terminal
  int console_fd;           // connected console socket, -1 if none
  int pidfd_socket_fd;      // connected --pidfd-socket: gets a pidfd of the process, -1 if none
  unsigned short console_rows, console_cols;

  // process
  const char* const* argv;
  const char* const* envp;
  const char* const* path_dirs;  // PATH entries to search when argv[0] has no '/'
  const char* arg0;              // argv[0] as given, for error messages
  uid_t uid; gid_t gid;
  gid_t* groups; int ngroups; int set_groups;
  int umask;                 // -1 = leave
  int no_new_privs;
  int no_process;           // config.json has no process: `start` gets an error
  int set_caps;
  uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  int cap_last;
  RlimitOp* rlimits; int nrlimits;
  int oom_score_adj_set; int oom_score_adj;
  int preserve_fds;          // fds 3 .. 3+n-1 stay open
  int ioprio;                // ioprio_set value, -1 = leave
  int sched_set;             // sched_setattr with the fields below
  uint32_t sched_policy, sched_priority; int32_t sched_nice; uint64_t sched_flags;
  uint64_t sched_runtime, sched_deadline, sched_period;
  long personality;          // -1 = leave
  // set_mempolicy(2) (linux.memoryPolicy): mode | flags, and a nodemask of
  // MEMPOLICY_NODES bits (all clear: no nodemask)
  int mempolicy_set;
  int mempolicy_mode;
  unsigned long mempolicy_mask[MEMPOLICY_NODES / (8 * sizeof(unsigned long))];
  int* cpu_affinity; int ncpu_affinity;   // CPUs for the process after the cgroup join, none = see below
  int cpu_affinity_reset;    // none given: every CPU after the join (the kernel keeps it in the cpuset)
  const char* apparmor_file; // "/proc/self/attr/apparmor/exec" or NULL
  const char* apparmor_value;// "exec <profile>"
  const char* sysctl_paths;  // NUL-separated "/proc/sys/...\0value\0..." pairs, ends with "\0\0"

  // seccomp: a ready BPF program (struct sock_filter[]), loaded right before exec
  void* seccomp_filter; int seccomp_len; unsigned int seccomp_flags;

  // hooks: stop before pivot_root and wait for the parent to run
  // prestart/createRuntime/createContainer hooks
  int hooks_pause;
  // linux.sysctl written in the hooks pause, once the parent has moved
  // linux.netDevices into a network namespace made after a new user
  // namespace (it exists only from then), not first thing in run_init
  int sysctls_at_hooks;
  int stdin_fd;              // dup'ed to 0 first thing (hooks get the state JSON), -1 = leave
  const char* exe_path;      // run this file instead of looking up argv[0] (hooks); NULL = lookup

  // exec trampoline (addon/trampoline.c) in a sealed memfd, and its argv:
  // [ "ocirun-exec", <errfd slot>, <path slot>, argv... ] (slots filled by the child)
  int tramp_fd;
  const char** tramp_argv;

  // WebAssembly (lib/wasm): 1 = the program must be a wasm module, 2 = run it
  // as wasm only if it is one, 0 = never. A wasm program runs as node (the
  // read-only detached mount fd wasm_host_fd) with wasm_argv, whose
  // wasm_module_slot entry the child fills with the module's resolved path.
  int wasm_mode;
  int wasm_host_fd;
  const char** wasm_argv;
  int wasm_module_slot;
  int* wasm_keep_fds; int nwasm_keep_fds;  // survive the exec (ld.so opens them via /proc/self/fd)
  int wasm_proc_fd;                        // must be reachable as /proc/self/fd/N before ready; -1 = none

  // start barrier
  int start_fd;              // listening unix socket; -1 = exec right after READY (exec --detach/foreground)
  int is_exec;               // joining an existing container (ocirun exec)
};

// Runs in the cloned child; never returns.
[[noreturn]] void child_main(const Plan* plan);

}  // namespace ocirun
