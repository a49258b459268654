// Sending one fd with a message over a unix socket (SCM_RIGHTS). Header-only
// and allocation-free, so both the parent (binding.cc) and the child between
// clone and exec (addon/child/) use the same code.
#pragma once

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace ocirun {

// Returns sendmsg's result (-1 with errno on failure).
inline ssize_t send_with_fd(int sock, const void* data, size_t len, int fd) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {const_cast<void*>(data), len};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

}  // namespace ocirun
