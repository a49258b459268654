// Moving network devices into a container's network namespace (netdev.cc).
#pragma once
#include <napi.h>
namespace ocirun {
void netdev_init_exports(Napi::Env env, Napi::Object exports);
}
