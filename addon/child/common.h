// Shared by the init's files (addon/child/*.cc): the code that runs in the
// container's init between clone() and execve().
//
// This code runs in a child cloned without CLONE_VM from the CLI's main thread
// (the addon, binding.cc) or from the native front (addon/front/exec.cc):
// a copy of a multithreaded process of which only this thread exists. Any lock
// held by another thread at clone time stays held forever, so only
// async-signal-safe calls are allowed here: raw syscalls and thin libc
// wrappers, no malloc, no stdio, no C++ runtime, no N-API. Every string and
// array was prepared by the parent (binding.cc, or front/exec.cc) before clone.
//
// Errors are reported to the parent as (context, errno) on the sync socket;
// the parent turns them into one-line messages.
//
// One file per kernel concern: mounts.cc (the rootfs), console.cc (the pty),
// credentials.cc (ids, capabilities), exec.cc (finding and running the
// program, seccomp), init.cc (the order of it all, namespaces), util.cc.
#pragma once

#include "../plan.h"
#include "../scm.h"

// The system headers every file of the init uses (kept here, once).
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <net/if.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

namespace ocirun {
namespace child {

extern const Plan* P;  // the plan; set once at entry (init.cc)

// ---- tiny libc (util.cc)
size_t slen(const char* s);
// Appends src to dst (capacity cap, always NUL-terminated). Returns dst.
char* scat(char* dst, size_t cap, const char* src);
char* scat_int(char* dst, size_t cap, long v);

// "/proc/self/fd/N": how we name an fd we resolved safely, for mount(2) and
// friends that only take paths. The kernel follows this magic link to the
// exact inode we opened, so a symlink swapped in later can't redirect us.
struct FdPath { char s[40]; };
FdPath fdpath(int fd);

// ---- timing (util.cc): CLOCK_MONOTONIC readings at the init's phases
// (clock_gettime is async-signal-safe, and a vDSO call: no syscall). They ride
// on READY as text so that `--debug` can show where set-up time goes.
enum Mark { T_CLONED, T_GO, T_NAMESPACES, T_ROOTFS, T_PROCESS, T_COUNT };
extern long T[T_COUNT];
void mark(Mark m);

// ---- reporting (util.cc)
void send_msg(int type, int value, int err, const char* a, const char* b = nullptr,
              const char* c = nullptr, const char* d = nullptr, const char* e = nullptr);
// Reports "<a><b><c>: <strerror(err)>" (the parent adds the text of err) and exits.
[[noreturn]] void die(int err, const char* a, const char* b = nullptr, const char* c = nullptr,
                      const char* d = nullptr, const char* e = nullptr);
[[noreturn]] void die_errno(const char* a, const char* b = nullptr, const char* c = nullptr,
                            const char* d = nullptr, const char* e = nullptr);
// Waits for a message of `type` from the parent; exits if it is gone.
void wait_for(int type);
// Writes `value` to an existing file; dies naming `path` on failure.
void write_file(const char* path, const char* value);

// ---- the init (init.cc)
// Writes linux.sysctl (plan.sysctl_paths) through the host's /proc.
void apply_sysctls();

// ---- the rootfs (mounts.cc)
int open_in_root(int rootfd, const char* path, int extra = 0);
void hooks_pause();
void setup_rootfs();

// ---- tmpcopyup (copyup.cc): copies the tree of directory fd `src` into `dst`
void copy_tree(int src, int dst);

// ---- the terminal (console.cc)
void setup_console();

// ---- ids and capabilities (credentials.cc)
void apply_credentials(bool keep_sys_admin);

// ---- the program (exec.cc)
bool runs_as_wasm(const char* exe);
const char* lookup(char* buf, size_t cap);
void close_fds();
int wait_for_start();
int load_seccomp();
// Execs the container's program; returns only if that failed (errno).
void exec_prepare(const char* exe, int errfd, char* errbuf, size_t cap);
void exec_program(const char* exe, bool wasm);

}  // namespace child
}  // namespace ocirun
