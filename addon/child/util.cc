// Tiny libc, phase marks and reporting for the init (see common.h).

#include "common.h"

namespace ocirun {
namespace child {

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
long T[T_COUNT];
void mark(Mark m) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  T[m] = ts.tv_sec * 1000000000L + ts.tv_nsec;
}

// ---------------------------------------------------------------- reporting

void send_msg(int type, int value, int err, const char* a, const char* b,
              const char* c, const char* d, const char* e) {
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
[[noreturn]] void die(int err, const char* a, const char* b, const char* c,
                      const char* d, const char* e) {
  send_msg(SYNC_ERROR, 0, err, a, b, c, d, e);
  _exit(1);
}

[[noreturn]] void die_errno(const char* a, const char* b, const char* c,
                            const char* d, const char* e) {
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

void write_file(const char* path, const char* value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open ", path);
  size_t n = slen(value);
  if (write(fd, value, n) != (ssize_t)n) die_errno("write ", path);
  close(fd);
}

const Plan* P;

}  // namespace child
}  // namespace ocirun
