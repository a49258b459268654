// cgroup v2 device programs (BPF_PROG_LOAD + BPF_PROG_ATTACH).
#pragma once
#include <napi.h>
namespace ocirun {
void bpf_init_exports(Napi::Env env, Napi::Object exports);
}
