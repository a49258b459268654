// Seccomp profile -> BPF, compiled in the parent with libseccomp.
#pragma once
#include <napi.h>
namespace ocirun {
void seccomp_init_exports(Napi::Env env, Napi::Object exports);
}
