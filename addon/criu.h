// What talking to CRIU needs that node lacks (criu.cc).
#pragma once
#include <napi.h>
namespace ocirun {
void criu_init_exports(Napi::Env env, Napi::Object exports);
}
