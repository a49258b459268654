// The container's root filesystem, built by the init: every path resolved
// inside the rootfs (openat2 RESOLVE_IN_ROOT), mounts, devices, symlinks,
// pivot_root.

#include "common.h"

namespace ocirun {
namespace child {

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
int open_in_root(int rootfd, const char* path, int extra) {
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

static bool proc_or_sys(const char* fstype) {
  const char* names[] = {"proc", "sysfs"};
  for (const char* n : names) {
    size_t i = 0;
    while (n[i] && fstype[i] == n[i]) i++;
    if (!n[i] && !fstype[i]) return true;
  }
  return false;
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
  if (m.kind == MOUNT_BIND && m.idmap_tree_fd >= 0) {
    // Idmapped bind: the parent cloned the source tree detached and gave it
    // the mount's id mapping (addon/binding.cc IdmapTree: that needs the
    // runtime's privileges, not ours in a user namespace); move it onto the
    // target (new mount API, Linux >= 5.12; a detached tree may go into any
    // mount namespace we may mount in).
    if (syscall(SYS_move_mount, m.idmap_tree_fd, "", fd, "", 0x00000004 /* F_EMPTY_PATH */ | 0x00000040 /* T_EMPTY_PATH */) < 0)
      die_errno("move idmapped mount to ", m.target);
    close(fd);
    close(m.idmap_tree_fd);
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
  } else {
    if (proc_or_sys(m.fstype)) {
      // The CVE-2019-16884 class: a /proc or /sys that is a symlink (or a
      // file) would put procfs/sysfs where the image says, e.g. over a path
      // an LSM or a later mount trusts. As runc: the target itself, not
      // followed, must be a directory. Decided on the fd we then mount
      // through, so nothing can be swapped in between.
      close(fd);
      fd = open_in_root(rootfd, m.target, O_NOFOLLOW);
      struct stat st;
      if (fd < 0 || fstat(fd, &st) < 0) die_errno("open mount target ", m.target);
      if (!S_ISDIR(st.st_mode)) die(0, "filesystem \"", m.fstype, "\" must be mounted on ordinary directory: ", m.target);
      fp = fdpath(fd);
    }
    // tmpcopyup: the directory the tmpfs will cover, still readable through
    // this fd afterwards; the tmpfs is filled writable, then made read-only.
    int under = -1;
    if (m.copyup && (under = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
      die_errno("tmpcopyup: open ", m.target);
    unsigned long flags = m.copyup ? m.flags & ~MS_RDONLY : m.flags;
    if (mount(m.source, fp.s, m.fstype, flags, m.data[0] ? m.data : nullptr) < 0)
      die_errno("mount ", m.fstype, " to rootfs at ", m.target);
    close(fd);
    if (m.copyup) {
      int top = open_in_root(rootfd, m.target);
      int dst = top < 0 ? -1 : openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dst < 0) die_errno("tmpcopyup: open the tmpfs at ", m.target);
      copy_tree(under, dst);
      close(under);
      close(dst);
      FdPath tp = fdpath(top);
      if ((m.flags & MS_RDONLY) && mount(nullptr, tp.s, nullptr, MS_REMOUNT | m.flags, m.data[0] ? m.data : nullptr) < 0)
        die_errno("tmpcopyup: make the tmpfs at ", m.target, " read-only");
      close(top);
    }
  }
  if (m.rec_set || m.rec_clr) {
    // The r* options (rro, rnoexec, ...): a remount only changes the top
    // mount; mount_setattr with AT_RECURSIVE covers every submount too
    // (Linux >= 5.12; EINVAL for a bad access-time combination).
    int t = open_in_root(rootfd, m.target);
    if (t < 0) die_errno("reopen mount target ", m.target);
    struct { uint64_t set, clr, propagation, userns_fd; } attr = {m.rec_set, m.rec_clr, 0, 0};
    if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
      die_errno("set recursive mount options (rro, rnoexec, ...) on ", m.target);
    close(t);
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

  // config-linux.md devices: "If a file already exists at path that does not
  // match the requested device, the runtime MUST generate an error." (runc
  // replaces it.) The same node, or the empty file a bind goes onto, is fine.
  // Default devices keep replacing what an image may have put there.
  struct stat st;
  if (d.configured && fstatat(wd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    bool same = (st.st_mode & S_IFMT) == (d.mode & S_IFMT) && (S_ISFIFO(st.st_mode) || st.st_rdev == d.dev);
    bool placeholder = d.bind && S_ISREG(st.st_mode) && st.st_size == 0;
    if (!same && !placeholder) die(EEXIST, "linux.devices: ", d.path, " exists and is not the requested device");
  }

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

// ---------------------------------------------------------------- rootfs

void hooks_pause() {
  if (!P->hooks_pause) return;
  send_msg(SYNC_HOOKS, 0, 0, nullptr);
  if (P->sysctls_at_hooks) {
    wait_for(SYNC_SYSCTLS);
    apply_sysctls();  // a failure is the parent's SYNC_ERROR
    send_msg(SYNC_SYSCTLS_DONE, 0, 0, nullptr);
  }
  wait_for(SYNC_HOOKS_DONE);
}

void setup_rootfs() {
  // In a mount namespace of our own: stop our mounts from propagating to the
  // host (and pick up the configured propagation): default rslave, as runc.
  // In one that is not ours (no mount namespace configured: the runtime's;
  // or one joined by path) "/" and its mounts belong to others: leave their
  // propagation alone (runc makes the host's "/" rslave here), and chroot
  // below rather than pivot_root, which would move every process of that
  // namespace into our rootfs. Our mounts there are undone at delete.
  if (!P->rootfs_shared_ns) {
    if (mount(nullptr, "/", nullptr, P->root_propagation, nullptr) < 0)
      die_errno("set propagation of /");
    // pivot_root refuses a new root whose parent mount is shared.
    if (P->rootfs_parent[0] && mount(nullptr, P->rootfs_parent, nullptr, MS_PRIVATE, nullptr) < 0)
      die_errno("make rootfs parent mount private");
  }
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

  if (P->rootfs_shared_ns) {
    if (chroot(".") < 0) die_errno("chroot");
  } else if (P->no_pivot) {
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

}  // namespace child
}  // namespace ocirun
