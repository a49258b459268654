// A JS Error for a failed system call: "<what>: <strerror(err)>", with .errno
// set (lib/ reads it: ENOENT, EACCES, ...). Shared by the addon's files.
#pragma once

#include <napi.h>
#include <string.h>
#include <unistd.h>

#include <string>

namespace ocirun {

inline Napi::Error sys_error(Napi::Env env, int err, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

// The same for a call on fd that just failed, closing fd (errno read first).
inline Napi::Error sys_error_closing(Napi::Env env, int fd, const std::string& what) {
  int err = errno;
  close(fd);
  return sys_error(env, err, what);
}

}  // namespace ocirun
