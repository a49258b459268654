{
  "targets": [
    {
      "target_name": "ocirun-exec",
      "type": "none",
      "actions": [
        {
          "action_name": "trampoline",
          "inputs": ["addon/trampoline.c"],
          "outputs": ["<(PRODUCT_DIR)/ocirun-exec"],
          "action": ["cc", "-static", "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-fno-builtin",
                     "-O2", "-s", "-Wl,--build-id=none", "-o", "<(PRODUCT_DIR)/ocirun-exec", "addon/trampoline.c"]
        }
      ]
    },
    {
      "target_name": "ocirun-front",
      "type": "none",
      "actions": [
        {
          "action_name": "front",
          "inputs": ["addon/front/main.c", "addon/front/recipe.c", "addon/front/commands.c", "addon/front/exec.cc", "addon/front/front.h",
                     "addon/plan.h", "addon/init-stack.h", "addon/clone-into.h", "addon/scm.h", "addon/child/common.h", "addon/child/util.cc", "addon/child/mounts.cc", "addon/child/copyup.cc",
                     "addon/child/console.cc", "addon/child/credentials.cc", "addon/child/exec.cc", "addon/child/init.cc"],
          "outputs": ["<(PRODUCT_DIR)/ocirun-front"],
          "action": ["cc", "-static", "-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-fno-exceptions", "-s",
                     "-o", "<(PRODUCT_DIR)/ocirun-front",
                     "addon/front/main.c", "addon/front/recipe.c", "addon/front/commands.c", "addon/front/exec.cc",
                     "addon/child/util.cc", "addon/child/mounts.cc", "addon/child/copyup.cc", "addon/child/console.cc", "addon/child/credentials.cc",
                     "addon/child/exec.cc", "addon/child/init.cc"]
        }
      ]
    },
    {
      "target_name": "ocirun",
      "dependencies": ["ocirun-exec", "ocirun-front"],
      "sources": ["addon/binding.cc", "addon/child/util.cc", "addon/child/mounts.cc", "addon/child/copyup.cc", "addon/child/console.cc", "addon/child/credentials.cc", "addon/child/exec.cc", "addon/child/init.cc", "addon/seccomp.cc", "addon/bpf.cc", "addon/systemd.cc", "addon/criu.cc", "addon/netdev.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wno-missing-field-initializers"],
      "libraries": ["-Wl,-Bstatic", "-lseccomp", "-Wl,-Bdynamic", "-ldl"],
      "ldflags": ["-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL"]
    }
  ]
}
