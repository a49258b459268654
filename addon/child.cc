// The container's init between clone() and execve().
//
// This code runs in a child cloned from node's main thread without CLONE_VM:
// a copy of a multithreaded process of which only this thread exists. Any lock
// held by another thread at clone time stays held forever, so only
// async-signal-safe calls are allowed here: raw syscalls and thin libc
// wrappers, no malloc, no stdio, no C++ runtime, no N-API. Every string and
// array was prepared by the parent (addon/binding.cc) before clone.
//
// Errors are reported to the parent as (context, errno) on the sync socket;
// the parent turns them into one-line messages.

#include "plan.h"
#include "scm.h"

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
#include <stddef.h>
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

namespace ocirun {
namespace {

const Plan* P;  // the plan; set once at entry

// ---------------------------------------------------------------- tiny libc

size_t slen(const char* s) { size_t n = 0; while (s[n]) n++; return n; }

// Appends src to dst (capacity cap, always NUL-terminated). Returns dst.
char* scat(char* dst, size_t cap, const char* src) {
  size_t n = slen(dst);
  while (*src && n + 1 < cap) dst[n++] = *src++;
  dst[n] = 0;
  return dst;
}

char* scat_int(char* dst, size_t cap, long v) {
  char tmp[24]; int i = 23; tmp[i] = 0;
  bool neg = v < 0; unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
  do { tmp[--i] = '0' + (u % 10); u /= 10; } while (u);
  if (neg) tmp[--i] = '-';
  return scat(dst, cap, tmp + i);
}

// "/proc/self/fd/N": how we name an fd we resolved safely, for mount(2) and
// friends that only take paths. The kernel follows this magic link to the
// exact inode we opened, so a symlink swapped in later can't redirect us.
struct FdPath { char s[40]; };
FdPath fdpath(int fd) {
  FdPath p; p.s[0] = 0;
  scat(p.s, sizeof p.s, "/proc/self/fd/");
  scat_int(p.s, sizeof p.s, fd);
  return p;
}

// ---------------------------------------------------------------- timing

// CLOCK_MONOTONIC readings at the init's phases (clock_gettime is
// async-signal-safe, and a vDSO call: no syscall). They ride on READY as text
// so that `--debug` can show where set-up time goes (bench/ reads it).
enum Mark { T_CLONED, T_GO, T_NAMESPACES, T_ROOTFS, T_PROCESS, T_COUNT };
long T[T_COUNT];
void mark(Mark m) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  T[m] = ts.tv_sec * 1000000000L + ts.tv_nsec;
}

// ---------------------------------------------------------------- reporting

void send_msg(int type, int value, int err, const char* a, const char* b = nullptr,
              const char* c = nullptr, const char* d = nullptr, const char* e = nullptr) {
  SyncMsg m;
  memset(&m, 0, sizeof m);  // memset/memcpy are async-signal-safe
  m.type = type; m.value = value; m.err = err;
  if (a) scat(m.msg, sizeof m.msg, a);
  if (b) scat(m.msg, sizeof m.msg, b);
  if (c) scat(m.msg, sizeof m.msg, c);
  if (d) scat(m.msg, sizeof m.msg, d);
  if (e) scat(m.msg, sizeof m.msg, e);
  // MSG_NOSIGNAL: if the parent is gone we just get EPIPE.
  while (send(P->sync_fd, &m, sizeof m, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

// Reports "<a><b><c>: <strerror(err)>" (the parent adds the text of err) and exits.
[[noreturn]] void die(int err, const char* a, const char* b = nullptr, const char* c = nullptr,
                      const char* d = nullptr, const char* e = nullptr) {
  send_msg(SYNC_ERROR, 0, err, a, b, c, d, e);
  _exit(1);
}

[[noreturn]] void die_errno(const char* a, const char* b = nullptr, const char* c = nullptr,
                            const char* d = nullptr, const char* e = nullptr) {
  die(errno, a, b, c, d, e);
}

void wait_for(int type) {
  SyncMsg m;
  for (;;) {
    ssize_t n = recv(P->sync_fd, &m, sizeof m, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == (ssize_t)sizeof m && m.type == type) return;
    _exit(1);  // parent gone or protocol error: nobody to report to
  }
}

// ---------------------------------------------------------------- paths in the rootfs

int openat2_raw(int dirfd, const char* path, uint64_t flags, uint64_t resolve, uint64_t mode = 0) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = flags; how.mode = mode; how.resolve = resolve;
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

// Opens `path` inside the root `rootfd` as an O_PATH fd, treating the rootfs as
// "/" for every component and symlink (RESOLVE_IN_ROOT): a symlink pointing to
// /etc inside the rootfs resolves to rootfs/etc, never to the host's /etc.
int open_in_root(int rootfd, const char* path, int extra = 0) {
  const char* rel = path;
  while (*rel == '/') rel++;
  if (!*rel) rel = ".";
  return openat2_raw(rootfd, rel, O_PATH | O_CLOEXEC | extra,
                     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

// mkdir -p for `path` inside the root, creating the last component as a dir or
// an empty file. Every prefix is resolved from the root with RESOLVE_IN_ROOT
// (so an absolute symlink inside the rootfs means rootfs/..., never the host),
// and a missing component is created in the directory fd that resolution
// gave: a single name, no path walk of our own. Returns an O_PATH fd to the
// target, or -1 with errno set.
int mkpath_in_root(int rootfd, const char* path, int target_kind, mode_t mode = 0755, int depth = 0) {
  int fd = open_in_root(rootfd, path);
  if (fd >= 0 || errno != ENOENT || target_kind == TARGET_NONE) return fd;

  char buf[4096];
  size_t n = slen(path);
  if (n >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  memcpy(buf, path, n + 1);

  int dirfd = open_in_root(rootfd, "/");
  if (dirfd < 0) return -1;
  char* p = buf;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    char* end = p;
    while (*end && *end != '/') end++;
    bool last = true;
    for (char* q = end; *q; q++) if (*q != '/') { last = false; break; }
    char save = *end; *end = 0;
    int next = open_in_root(rootfd, buf);  // the whole prefix, from the root
    if (next < 0 && errno == ENOENT) {
      // A dangling symlink (e.g. etc/resolv.conf -> ../run/...): create what
      // it points to, still inside the root: restart on "<dir>/<link>/<rest>".
      char link[4096];
      ssize_t ln = readlinkat(dirfd, p, link, sizeof link - 1);
      if (ln > 0) {
        link[ln] = 0;
        if (depth >= 40) { close(dirfd); errno = ELOOP; return -1; }
        char again[4096]; again[0] = 0;
        if (link[0] != '/') {
          char* slash = nullptr;
          for (char* q = buf; q < p; q++) if (*q == '/') slash = q;
          if (slash) { *slash = 0; scat(again, sizeof again, buf); *slash = '/'; }
          scat(again, sizeof again, "/");
        }
        scat(again, sizeof again, link);
        *end = save;
        scat(again, sizeof again, end);
        close(dirfd);
        return mkpath_in_root(rootfd, again, target_kind, mode, depth + 1);
      }
      // mkdirat/openat need a real directory fd, not O_PATH.
      int wd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (wd < 0) { int e = errno; close(dirfd); errno = e; return -1; }
      int rc;
      if (last && target_kind == TARGET_FILE) {
        rc = openat(wd, p, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (rc >= 0) { close(rc); rc = 0; }
      } else {
        rc = mkdirat(wd, p, mode);
      }
      int e = errno;
      close(wd);
      if (rc < 0 && e != EEXIST) { close(dirfd); errno = e; return -1; }
      next = open_in_root(rootfd, buf);
    }
    int e = errno;
    close(dirfd);
    if (next < 0) { errno = e; return -1; }
    dirfd = next;
    *end = save;
    p = end;
  }
  return dirfd;
}

// Flags a remount of a bind mount must keep: in a user namespace the kernel
// refuses to clear nosuid/nodev/noexec/atime flags that are locked on the source.
unsigned long locked_flags(const char* path) {
  struct statvfs st;  // glibc's statvfs is statfs(2) plus a flag translation: no allocation
  if (statvfs(path, &st) < 0) return 0;
  unsigned long f = 0;
  if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) f |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

void remount_bind(int rootfd, const char* target, unsigned long flags) {
  // Re-resolve: the fd we mounted on points below the new mount, not at it.
  int fd = open_in_root(rootfd, target);
  if (fd < 0) die_errno("reopen mount target ", target);
  FdPath fp = fdpath(fd);
  unsigned long f = MS_BIND | MS_REMOUNT | flags | locked_flags(fp.s);
  if (mount(nullptr, fp.s, nullptr, f, nullptr) < 0)
    die_errno("remount ", target);
  close(fd);
}

void set_propagation(int rootfd, const char* target, unsigned long prop) {
  if (!prop) return;
  int fd = open_in_root(rootfd, target);
  if (fd < 0) die_errno("reopen mount target ", target);
  FdPath fp = fdpath(fd);
  if (mount(nullptr, fp.s, nullptr, prop, nullptr) < 0)
    die_errno("set propagation of ", target);
  close(fd);
}

void do_mount(int rootfd, const MountOp& m) {
  if (m.kind == MOUNT_MASK || m.kind == MOUNT_READONLY) {
    int fd = open_in_root(rootfd, m.target);
    if (fd < 0) {
      if (errno == ENOENT) return;  // nothing to mask (runc skips these too)
      die_errno("open ", m.target);
    }
    FdPath fp = fdpath(fd);
    if (m.kind == MOUNT_MASK) {
      struct stat st;
      if (fstat(fd, &st) < 0) die_errno("stat ", m.target);
      int rc;
      if (S_ISDIR(st.st_mode)) {
        rc = mount("tmpfs", fp.s, "tmpfs", MS_RDONLY, m.data[0] ? m.data : nullptr);
      } else {
        // The container's own /dev/null (as runc), else the host's.
        int null_fd = open_in_root(rootfd, "/dev/null");
        FdPath np = fdpath(null_fd);
        rc = mount(null_fd >= 0 ? np.s : "/dev/null", fp.s, nullptr, MS_BIND, nullptr);
        if (null_fd >= 0) close(null_fd);
      }
      if (rc < 0) die_errno("mask ", m.target);
      close(fd);
    } else {
      if (mount(fp.s, fp.s, nullptr, MS_BIND | MS_REC, nullptr) < 0)
        die_errno("bind readonly path ", m.target);
      close(fd);
      remount_bind(rootfd, m.target, MS_RDONLY);
    }
    return;
  }

  int fd = mkpath_in_root(rootfd, m.target, m.target_kind);
  if (fd < 0) die_errno("create mount target ", m.target);
  FdPath fp = fdpath(fd);
  if (m.kind == MOUNT_BIND && m.idmap_userns_fd >= 0) {
    // Idmapped bind: clone the source tree detached, give it the mount's id
    // mapping, then move it onto the target (new mount API, Linux >= 5.12).
    unsigned int rec = m.recursive ? AT_RECURSIVE : 0;
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, m.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
    if (tree < 0) die_errno("mount ", m.source, " to rootfs at ", m.target, ": open_tree");
    struct { uint64_t set, clr, propagation, userns_fd; } attr = {0x00100000 /* MOUNT_ATTR_IDMAP */, 0, 0,
                                                                   (uint64_t)m.idmap_userns_fd};
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0)
      die_errno("idmap mount ", m.source, " (the filesystem may not support idmapped mounts)");
    if (syscall(SYS_move_mount, tree, "", fd, "", 0x00000004 /* F_EMPTY_PATH */ | 0x00000040 /* T_EMPTY_PATH */) < 0)
      die_errno("move idmapped mount to ", m.target);
    close(tree);
    close(fd);
    close(m.idmap_userns_fd);
    if (m.remount) remount_bind(rootfd, m.target, m.flags);
  } else if (m.kind == MOUNT_BIND) {
    // The source is the host's (config author's) path, opened here too so
    // that the mount call only sees fds.
    int src = open(m.source, O_PATH | O_CLOEXEC);
    if (src < 0) die_errno("mount ", m.source, " to rootfs at ", m.target, ": stat");
    FdPath sp = fdpath(src);
    if (mount(sp.s, fp.s, nullptr, MS_BIND | (m.recursive ? MS_REC : 0), nullptr) < 0)
      die_errno("mount ", m.source, " to rootfs at ", m.target);
    close(src);
    close(fd);
    if (m.remount) remount_bind(rootfd, m.target, m.flags);
    if (m.rro) {
      // A plain remount only makes the top mount read-only; mount_setattr
      // with AT_RECURSIVE covers every submount too (Linux >= 5.12).
      int t = open_in_root(rootfd, m.target);
      if (t < 0) die_errno("reopen mount target ", m.target);
      struct { uint64_t set, clr, propagation, userns_fd; } attr = {0x1 /* MOUNT_ATTR_RDONLY */, 0, 0, 0};
      if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        die_errno("make ", m.target, " recursively read-only");
      close(t);
    }
  } else {
    if (mount(m.source, fp.s, m.fstype, m.flags, m.data[0] ? m.data : nullptr) < 0)
      die_errno("mount ", m.fstype, " to rootfs at ", m.target);
    close(fd);
  }
  set_propagation(rootfd, m.target, m.propagation);
}

// Opens (creating it if needed) the directory holding `path` inside the
// root, as a real directory fd for the *at() calls; `name` gets the last
// component. Dies with a message naming `path` on failure.
int open_parent_in_root(int rootfd, const char* path, char (&dir)[4096], const char** name) {
  dir[0] = 0;
  scat(dir, sizeof dir, path);
  char* slash = nullptr;
  for (char* q = dir; *q; q++) if (*q == '/') slash = q;
  *name = slash ? slash + 1 : dir;
  if (slash) *slash = 0;
  int dfd = mkpath_in_root(rootfd, dir[0] ? dir : "/", TARGET_DIR);
  if (dfd < 0) die_errno("create the directory of ", path);
  int wd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  close(dfd);
  if (wd < 0) die_errno("open the directory of ", path);
  return wd;
}

void make_device(int rootfd, const DeviceOp& d) {
  // Parent directory first (/dev/net/tun needs /dev/net).
  char dir[4096];
  const char* name;
  int wd = open_parent_in_root(rootfd, d.path, dir, &name);

  if (d.bind) {
    // In a user namespace mknod is not allowed: bind the host's node onto an
    // empty file instead (as runc does).
    int f = openat(wd, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (f < 0 && errno != EEXIST) die_errno("create ", d.path);
    if (f >= 0) close(f);
    int t = openat(wd, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    if (t < 0) die_errno("open ", d.path);
    int src = open(d.path, O_PATH | O_CLOEXEC);  // host's node of the same name
    if (src < 0) die_errno("open host device ", d.path);
    FdPath tp = fdpath(t), sp = fdpath(src);
    if (mount(sp.s, tp.s, nullptr, MS_BIND, nullptr) < 0) die_errno("bind device ", d.path);
    close(src); close(t);
  } else {
    // An existing entry (e.g. from the image) is replaced, as runc does.
    unlinkat(wd, name, 0);
    if (mknodat(wd, name, d.mode, d.dev) < 0) die_errno("mknod ", d.path);
    // mknod is subject to umask: set the exact mode, then the owner.
    if (fchmodat(wd, name, d.mode & 07777, 0) < 0) die_errno("chmod ", d.path);
    if (fchownat(wd, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0) die_errno("chown ", d.path);
  }
  close(wd);
}

void make_symlink(int rootfd, const SymlinkOp& s) {
  char dir[4096];
  const char* name;
  int wd = open_parent_in_root(rootfd, s.path, dir, &name);
  if (symlinkat(s.target, wd, name) < 0 && errno != EEXIST) die_errno("symlink ", s.path);
  close(wd);
}

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

// ---------------------------------------------------------------- rootfs

void hooks_pause() {
  if (!P->hooks_pause) return;
  send_msg(SYNC_HOOKS, 0, 0, nullptr);
  wait_for(SYNC_HOOKS_DONE);
}

void setup_rootfs() {
  // Stop our mounts from propagating to the host (and pick up the configured
  // propagation): default rslave, as runc.
  if (mount(nullptr, "/", nullptr, P->root_propagation, nullptr) < 0)
    die_errno("set propagation of /");
  // pivot_root refuses a new root whose parent mount is shared.
  if (P->rootfs_parent[0] && mount(nullptr, P->rootfs_parent, nullptr, MS_PRIVATE, nullptr) < 0)
    die_errno("make rootfs parent mount private");
  // The rootfs must be a mount point of its own for pivot_root.
  if (mount(P->rootfs, P->rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0)
    die_errno("bind rootfs ", P->rootfs);

  int rootfd = open(P->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) die_errno("open rootfs ", P->rootfs);

  for (int i = 0; i < P->nmounts; i++) do_mount(rootfd, P->mounts[i]);
  for (int i = 0; i < P->ndevices; i++) make_device(rootfd, P->devices[i]);
  for (int i = 0; i < P->nsymlinks; i++) make_symlink(rootfd, P->symlinks[i]);
  if (P->cwd && P->cwd[0]) {
    int fd = mkpath_in_root(rootfd, P->cwd, TARGET_DIR);
    if (fd >= 0) close(fd);  // chdir reports the real problem later
  }
  for (int i = 0; i < P->nlate_mounts; i++) do_mount(rootfd, P->late_mounts[i]);

  // createRuntime / createContainer hooks: the namespaces and mounts exist,
  // pivot_root has not happened (runtime.md, step 6-7).
  hooks_pause();

  if (fchdir(rootfd) < 0) die_errno("chdir to rootfs");
  close(rootfd);

  if (P->no_pivot) {
    if (mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) die_errno("move rootfs to /");
    if (chroot(".") < 0) die_errno("chroot");
  } else {
    // pivot_root(".", "."): the old root ends up stacked under the new one,
    // then detaching "." removes it without needing a put_old directory.
    int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (oldroot < 0) die_errno("open old root");
    if (syscall(SYS_pivot_root, ".", ".") < 0) die_errno("pivot_root");
    // Our cwd is still the new root: "." in mount(2) would change the new
    // root's tree (turning rshared volumes into slaves). Stand on the old
    // root, as runc does, so only it becomes rslave.
    if (fchdir(oldroot) < 0) die_errno("chdir to old root");
    close(oldroot);
    // Make the old root a slave first so the lazy unmount can't propagate
    // back into the host's mount namespace.
    if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
      die_errno("make old root rslave");
    if (umount2(".", MNT_DETACH) < 0) die_errno("detach old root");
  }
  if (chdir("/") < 0) die_errno("chdir /");

  if (P->final_propagation &&
      mount(nullptr, "/", nullptr, P->final_propagation, nullptr) < 0)
    die_errno("set rootfs propagation");
  if (P->root_readonly) {
    unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/");
    if (mount(nullptr, "/", nullptr, f, nullptr) < 0) die_errno("remount rootfs readonly");
  }
}

// ---------------------------------------------------------------- terminal

void setup_console() {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die_errno("open /dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) die_errno("unlock pty");
  int n;
  if (ioctl(master, TIOCGPTN, &n) < 0) die_errno("get pty number");
  char name[40]; name[0] = 0;
  scat(name, sizeof name, "/dev/pts/");
  scat_int(name, sizeof name, n);
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die_errno("open ", name);
  if (P->console_rows || P->console_cols) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = P->console_rows; ws.ws_col = P->console_cols;
    ioctl(master, TIOCSWINSZ, &ws);
  }

  // Send the master over the console socket; the payload is the pty's name,
  // as runc sends it.
  if (send_with_fd(P->console_fd, name, slen(name), master) < 0) die_errno("send pty master to console socket");
  close(master);
  close(P->console_fd);

  // /dev/console is the pty too (as runc), when we built the /dev ourselves.
  if (P->setup_rootfs) {
    int f = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f >= 0) close(f);
    if (mount(name, "/dev/console", nullptr, MS_BIND, nullptr) < 0) die_errno("bind ", name, " to /dev/console");
  }

  // The slave becomes stdio and the controlling terminal (we are a session leader).
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die_errno("set controlling terminal");
  for (int i = 0; i < 3; i++) if (dup3(slave, i, 0) < 0) die_errno("dup pty to stdio");
  if (slave > 2) close(slave);
}

// ---------------------------------------------------------------- credentials

void apply_credentials() {
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

void write_file(const char* path, const char* value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open ", path);
  size_t n = slen(value);
  if (write(fd, value, n) != (ssize_t)n) die_errno("write ", path);
  close(fd);
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

// Waits for `ocirun start`: it connects to our listening socket. Returns the
// connection, on which an exec failure is reported.
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

void load_seccomp() {
  if (!P->seccomp_filter) return;
  struct sock_fprog prog;
  prog.len = (unsigned short)P->seccomp_len;
  prog.filter = (struct sock_filter*)P->seccomp_filter;
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, P->seccomp_flags, &prog);
  if (fd < 0) die_errno("load seccomp filter");
  if (P->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
    // The notify fd goes to the parent, which hands it to the listener agent.
    SyncMsg m;
    memset(&m, 0, sizeof m);
    m.type = SYNC_SECCOMP;
    int nfd = (int)fd;
    if (send_with_fd(P->sync_fd, &m, sizeof m, nfd) < 0) die_errno("send seccomp notify fd");
    close(nfd);
  }
}

// Execs the container's program; returns only if that failed (errno).
void exec_program(const char* exe, bool wasm, int errfd) {
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
  char errbuf[16]; errbuf[0] = 0;
  scat_int(errbuf, sizeof errbuf, errfd);
  P->tramp_argv[1] = errbuf;
  P->tramp_argv[2] = exe;
  fcntl(errfd, F_SETFD, 0);  // the trampoline reports through it, then closes it on exec
  syscall(SYS_execveat, P->tramp_fd, "", (char* const*)P->tramp_argv, (char* const*)P->envp, AT_EMPTY_PATH);
  if (errno == EPERM || errno == ENOSYS) {
    // A seccomp profile without execveat: the same file through /proc.
    FdPath tp = fdpath(P->tramp_fd);
    execve(tp.s, (char* const*)P->tramp_argv, (char* const*)P->envp);
  }
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
  // read-only inside the container (readonlyPaths).
  apply_sysctls();

  // Without a mount namespace of our own (or for exec, which joined the
  // container's and is already at its root) there is nothing to set up.
  if (P->setup_rootfs) setup_rootfs();
  else hooks_pause();
  mark(T_ROOTFS);

  if (P->hostname && sethostname(P->hostname, slen(P->hostname)) < 0) die_errno("sethostname");
  if (P->domainname && setdomainname(P->domainname, slen(P->domainname)) < 0)
    die_errno("setdomainname");

  if (P->console_fd >= 0) setup_console();

  for (int i = 0; i < P->nrlimits; i++) {
    struct rlimit64 { uint64_t cur, max; } rl = {P->rlimits[i].soft, P->rlimits[i].hard};
    if (syscall(SYS_prlimit64, 0, P->rlimits[i].resource, &rl, nullptr) < 0)
      die_errno("setrlimit");
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
  if (P->ncpu_affinity > 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < P->ncpu_affinity; i++) CPU_SET(P->cpu_affinity[i], &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) die_errno("set CPU affinity");
  }
  // AppArmor (only when the host has it enabled; the parent decides): the
  // profile applies at the next execve.
  if (P->apparmor_file) write_file(P->apparmor_file, P->apparmor_value);

  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while
  // we still have it (as runc does). With no_new_privs it waits until exec.
  if (!P->no_new_privs) load_seccomp();
  apply_credentials();
  if (P->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_errno("no_new_privs");
  if (P->umask >= 0) umask((mode_t)P->umask);

  if (chdir(P->cwd) < 0) die_errno("chdir to cwd (\"", P->cwd, "\") set in config.json failed");

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

  // With no_new_privs the filter comes as late as possible, but before
  // "ready" (as runc): a notify fd must reach the parent while it listens.
  // The profile must allow what is left: accept4, read, close, execve.
  if (P->no_new_privs) load_seccomp();

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
  exec_program(exe, wasm, conn >= 0 ? conn : P->sync_fd);

  // Could not exec: tell whoever is waiting (start, or the parent).
  int e = errno;
  if (conn >= 0) {
    SyncMsg m;
    memset(&m, 0, sizeof m);
    m.type = SYNC_ERROR; m.err = e;
    scat(m.msg, sizeof m.msg, "exec: \"");
    scat(m.msg, sizeof m.msg, P->arg0);
    scat(m.msg, sizeof m.msg, "\"");
    (void)!write(conn, &m, sizeof m);
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
  for (int i = 0; i < P->njoins && n < (int)(sizeof keep / sizeof keep[0]); i++) keep[n++] = P->joins[i].fd;
  for (int i = 0; i < P->nmounts && n < (int)(sizeof keep / sizeof keep[0]); i++)
    if (P->mounts[i].idmap_userns_fd >= 0) keep[n++] = P->mounts[i].idmap_userns_fd;
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

}  // namespace

void child_main(const Plan* plan) {
  P = plan;
  mark(T_CLONED);
  // Until execve the init is "ocirun-init" (/proc/<pid>/comm): how `state`
  // tells a created container (waiting for start) from a running one.
  prctl(PR_SET_NAME, P->is_exec ? "ocirun-exec" : "ocirun-init", 0, 0, 0);
  reset_signals();
  if (P->stdin_fd >= 0 && P->stdin_fd != 0) dup2(P->stdin_fd, 0);
  close_inherited();
  // Until execve nobody may ptrace us or open /proc/<pid>/exe (the host's node
  // binary): non-dumpable. execve of the container program resets this.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // If the runtime dies while we are being set up, die too.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

  // The parent writes id maps, places us in cgroups, then says go.
  wait_for(SYNC_GO);
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

  // New namespaces, now that we are in our cgroups (a cgroup namespace is
  // rooted where we are when it is made) and in the joined user namespace (so
  // it owns them). CLONE_NEWPID and CLONE_NEWTIME apply to our children only.
  if (P->unshare_flags && unshare(P->unshare_flags) < 0) die_errno("unshare namespaces");
  if (P->unshare_flags & CLONE_NEWNET) bring_lo_up();
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
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) die_errno("clone init");
    if (pid > 0) {
      send_msg(SYNC_PID, pid, 0, nullptr);
      _exit(0);
    }
    close(gate[1]);
    char c;
    while (read(gate[0], &c, 1) < 0 && errno == EINTR) {}
    close(gate[0]);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  }
  run_init();
}

}  // namespace ocirun
