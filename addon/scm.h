// A message with an fd riding along over a unix socket (SCM_RIGHTS), and the
// wait for one. Header-only and allocation-free, so the parent (binding.cc,
// criu.cc) and the child between clone and exec (addon/child/) use the same code.
#pragma once

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace ocirun {

// A message header for one data buffer and a control buffer.
inline struct msghdr one_buffer_msg(struct iovec* iov, char* cbuf, size_t clen) {
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = clen;
  return mh;
}

// Returns sendmsg's result (-1 with errno on failure).
inline ssize_t send_with_fd(int sock, const void* data, size_t len, int fd) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {const_cast<void*>(data), len};
  struct msghdr mh = one_buffer_msg(&iov, cbuf, sizeof cbuf);
  struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

// Waits until fd is readable (or hung up): poll's result, EINTR retried:
// > 0 ready, 0 timed out (timeout_ms < 0: never), -1 with errno.
inline int wait_readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout_ms); while (r < 0 && errno == EINTR);
  return r;
}

// Receives one message into buf, EINTR retried; returns recvmsg's result (-1
// with errno). *fd: the first fd that came with it (received close-on-exec),
// or -1; any more are closed. *truncated: the message was longer than len.
inline ssize_t recv_with_fd(int sock, void* buf, size_t len, int* fd, bool* truncated = nullptr) {
  char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  struct iovec iov = {buf, len};
  struct msghdr mh = one_buffer_msg(&iov, cbuf, sizeof cbuf);
  ssize_t n;
  do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  *fd = -1;
  if (truncated) *truncated = n >= 0 && (mh.msg_flags & MSG_TRUNC);
  if (n < 0) return n;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (*fd < 0) *fd = got; else close(got);
    }
  }
  return n;
}

}  // namespace ocirun
