// tmpcopyup (runc's and crun's mount option; podman asks for it on every
// --tmpfs): a tmpfs mounted over a directory of the image starts with a copy
// of that directory. mounts.cc opens the directory before the tmpfs covers it
// and hands both to copy_tree().
//
// Async-signal-safe like the rest of the init: only *at() syscalls on fds,
// fixed buffers on the stack, no paths built, no malloc. Every entry is
// created inside the tmpfs (a fresh, empty filesystem), never followed:
// symlinks are copied as symlinks (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW).
#include "common.h"

#include <sys/sendfile.h>

namespace ocirun {
namespace child {

namespace {

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Deeper trees are an error rather than a blown stack (4 KiB per level).
constexpr int MAX_DEPTH = 64;

bool dot_or_dotdot(const char* n) { return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])); }

// Owner, mode (after the owner: chown clears set-id bits), then times.
void copy_meta(int dst_dir, const char* name, int fd, const struct stat& st, bool link) {
  if (link) {
    if (fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) die_errno("tmpcopyup: chown ", name);
  } else {
    if (fchown(fd, st.st_uid, st.st_gid) < 0) die_errno("tmpcopyup: chown ", name);
    if (fchmod(fd, st.st_mode & 07777) < 0) die_errno("tmpcopyup: chmod ", name);
  }
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  if (utimensat(dst_dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0) die_errno("tmpcopyup: set times of ", name);
}

void copy_file(int src_dir, int dst_dir, const char* name, const struct stat& st) {
  int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) die_errno("tmpcopyup: open ", name);
  int out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) die_errno("tmpcopyup: create ", name);
  for (;;) {
    ssize_t n = sendfile(out, in, nullptr, 1 << 20);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("tmpcopyup: copy ", name);
  }
  copy_meta(dst_dir, name, out, st, false);
  close(in);
  close(out);
}

void copy_dir(int src, int dst, int depth);

void copy_entry(int src_dir, int dst_dir, const char* name, int depth) {
  struct stat st;
  if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) die_errno("tmpcopyup: stat ", name);
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
      copy_file(src_dir, dst_dir, name, st);
      return;
    case S_IFDIR: {
      if (mkdirat(dst_dir, name, 0700) < 0) die_errno("tmpcopyup: mkdir ", name);
      int s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0) die_errno("tmpcopyup: open directory ", name);
      copy_dir(s, d, depth + 1);
      copy_meta(dst_dir, name, d, st, false);  // times last: the copy changed them
      close(s);
      close(d);
      return;
    }
    case S_IFLNK: {
      char target[4096];
      ssize_t n = readlinkat(src_dir, name, target, sizeof target - 1);
      if (n < 0) die_errno("tmpcopyup: readlink ", name);
      target[n] = 0;
      if (symlinkat(target, dst_dir, name) < 0) die_errno("tmpcopyup: symlink ", name);
      copy_meta(dst_dir, name, -1, st, true);
      return;
    }
    default: {  // devices, fifos, sockets
      // (by name: opening a device or fifo could block or act; the name is
      // the node just made in the fresh tmpfs, nothing to follow)
      if (mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0) die_errno("tmpcopyup: mknod ", name);
      if (fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) die_errno("tmpcopyup: chown ", name);
      if (fchmodat(dst_dir, name, st.st_mode & 07777, 0) < 0) die_errno("tmpcopyup: chmod ", name);
      struct timespec ts[2] = {st.st_atim, st.st_mtim};
      if (utimensat(dst_dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0) die_errno("tmpcopyup: set times of ", name);
      return;
    }
  }
}

void copy_dir(int src, int dst, int depth) {
  if (depth > MAX_DEPTH) die(ELOOP, "tmpcopyup: the directory tree is deeper than 64 levels");
  alignas(8) char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, src, buf, sizeof buf);
    if (n < 0) die_errno("tmpcopyup: read directory");
    if (n == 0) return;
    for (long off = 0; off < n;) {
      auto* e = reinterpret_cast<linux_dirent64*>(buf + off);
      off += e->d_reclen;
      if (!dot_or_dotdot(e->d_name)) copy_entry(src, dst, e->d_name, depth);
    }
  }
}

}  // namespace

void copy_tree(int src, int dst) {
  copy_dir(src, dst, 0);
}

}  // namespace child
}  // namespace ocirun
