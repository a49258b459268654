#!/usr/bin/env bash
# Installs what ocirun needs on a fresh Debian 12 machine (as root) and builds
# it: Debian packages, npm dependencies, the addon and the TypeScript.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: busybox-static (demo/test bundles), libseccomp-dev (the
# addon links libseccomp), libsystemd-dev (sd-bus's header: the addon dlopens
# libsystemd for the systemd cgroup driver), runc (side-by-side tests and the benchmark), wabt
# (wat2wasm builds the wasm test modules in test/wasm), podman; criu
# (checkpoint / restore) where the release has it.
need=()
[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
[ -f /usr/include/seccomp.h ] || need+=(libseccomp-dev)
[ -f /usr/include/systemd/sd-bus.h ] || need+=(libsystemd-dev)
command -v runc >/dev/null || need+=(runc)
command -v file >/dev/null || need+=(file)
command -v wat2wasm >/dev/null || need+=(wabt)
# rootless tests: newuidmap/newgidmap (multi-range id maps), setpriv (run as the test user)
command -v newuidmap >/dev/null || need+=(uidmap)
command -v setpriv >/dev/null || need+=(util-linux)
# rootless --systemd-cgroup (VM check): the user bus of a user's systemd, socket-activated
[ -f /usr/lib/systemd/user/dbus.socket ] || need+=(dbus-user-session)
command -v podman >/dev/null || need+=(podman)
# the v2 VM check of the native front's exec clone3 (test/v2/checks.sh)
command -v strace >/dev/null || need+=(strace)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null 2>&1 || {
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
  }
fi
# criu (checkpoint / restore; test/criu.test.mjs runs it in the cgroup2-vm
# guest): not every Debian release ships it, so a failed install is only said
# (the test then reports skipped with the reason).
if ! [ -x /usr/sbin/criu ] && ! command -v criu >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq criu >/dev/null 2>&1 ||
    echo "setup: criu is not installable here: checkpoint/restore tests will be skipped" >&2
fi

# npm dependencies (this also builds the addon: the install script runs node-gyp).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
# The addon and the compiled TypeScript, when missing or older than their sources.
if [ ! -f build/Release/ocirun.node ] || [ -n "$(find addon binding.gyp -newer build/Release/ocirun.node 2>/dev/null | head -1)" ]; then
  echo "setup: building the addon" >&2
  npx node-gyp rebuild --loglevel=error >/dev/null
fi
if [ ! -f dist/cli/main.js ] || [ -n "$(find lib spec scripts/build-validators.mjs scripts/bundle.mjs -newer dist/cli/main.js 2>/dev/null | head -1)" ]; then
  echo "setup: compiling TypeScript" >&2
  npm run --silent build:ts >&2
fi
