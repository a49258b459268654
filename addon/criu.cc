// The parent's side of CRIU's RPC (lib/runtime/criu/swrk.ts): `criu swrk FD`
// talks protobuf messages over a SOCK_SEQPACKET socket, one message per
// packet, and hands over a pty master (notification "orphan-pts-master") as
// SCM_RIGHTS. Plus the rootfs bind mount that restore gives CRIU as its root
// (CRIU wants a mount point whose parent is not overmounted). No policy.

#include "criu.h"
#include "errors.h"
#include "scm.h"

#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace ocirun {
namespace {

// seqpacketSend(fd, buffer): one packet.
Napi::Value SeqpacketSend(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<uint8_t> b = info[1].As<Napi::Buffer<uint8_t>>();
  ssize_t n;
  do n = send(fd, b.Data(), b.Length(), MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  if (n < 0) throw sys_error(info.Env(), errno, "send to criu");
  return info.Env().Undefined();
}

// seqpacketRecv(fd, timeoutMs) -> { data: Buffer, fd: number } | null on
// timeout. data is empty at EOF (criu exited). fd is -1 unless the packet
// carried one (SCM_RIGHTS; received close-on-exec).
Napi::Value SeqpacketRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int timeout = info.Length() > 1 ? info[1].As<Napi::Number>().Int32Value() : -1;
  int r = wait_readable(fd, timeout);
  if (r < 0) throw sys_error(env, errno, "poll criu socket");
  if (r == 0) return env.Null();
  // CRIU's answers are small; runc reads 40 KiB at most too.
  std::vector<uint8_t> buf(10 * 4096);
  int got;
  bool truncated;
  ssize_t n = recv_with_fd(fd, buf.data(), buf.size(), &got, &truncated);
  if (n < 0) throw sys_error(env, errno, "receive from criu");
  if (truncated) {
    if (got >= 0) close(got);
    throw Napi::Error::New(env, "receive from criu: message too long");
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("data", Napi::Buffer<uint8_t>::Copy(env, buf.data(), (size_t)n));
  o.Set("fd", Napi::Number::New(env, got));
  return o;
}

// bindMount(src, dst): MS_BIND|MS_REC, the whole tree under the rootfs.
Napi::Value BindMount(const Napi::CallbackInfo& info) {
  std::string src = info[0].As<Napi::String>().Utf8Value();
  std::string dst = info[1].As<Napi::String>().Utf8Value();
  if (mount(src.c_str(), dst.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
    throw sys_error(info.Env(), errno, "bind mount " + src + " on " + dst);
  return info.Env().Undefined();
}

// detachMount(path): umount2(MNT_DETACH); EINVAL (not a mount) and ENOENT are fine.
Napi::Value DetachMount(const Napi::CallbackInfo& info) {
  std::string p = info[0].As<Napi::String>().Utf8Value();
  if (umount2(p.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
    throw sys_error(info.Env(), errno, "unmount " + p);
  return info.Env().Undefined();
}

}  // namespace

void criu_init_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("seqpacketSend", Napi::Function::New(env, SeqpacketSend));
  exports.Set("seqpacketRecv", Napi::Function::New(env, SeqpacketRecv));
  exports.Set("bindMount", Napi::Function::New(env, BindMount));
  exports.Set("detachMount", Napi::Function::New(env, DetachMount));
}

}  // namespace ocirun
