#!/usr/bin/env bash
# Build a minimal OCI bundle with a static busybox root filesystem.
#
#   bash scripts/make-bundle.sh [DIR] [-- ARG...]
#
# DIR defaults to bundles/busybox under the repository. The rootfs is built
# only when DIR/rootfs is missing (delete it to force a rebuild); config.json is
# always rewritten from defaultSpec() (lib/config/default-spec.ts) with
# process.terminal=false and process.args set to ARG... (default: a short demo
# shell script). ANNOTATIONS="k=v k2=v2" (space-separated) sets
# config.json annotations, e.g. ANNOTATIONS=module.wasm.image/variant=compat
# for a WebAssembly module (README: WebAssembly). Needs root (to install busybox-static and own the rootfs);
# never reads stdin.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

DIR="$REPO/bundles/busybox"
if [[ $# -gt 0 && "$1" != "--" ]]; then
  DIR="$1"
  shift
fi
if [[ $# -gt 0 ]]; then
  if [[ "$1" != "--" ]]; then
    echo "usage: $0 [DIR] [-- ARG...]" >&2
    exit 2
  fi
  shift
fi
if [[ $# -gt 0 ]]; then
  ARGS=("$@")
else
  # shellcheck disable=SC2016 # expanded by the container's shell
  ARGS=(sh -c 'echo "hello from ocirun"; echo "hostname: $(hostname)"; id; echo "my pid: $$"; ls /')
fi

log() { echo "make-bundle: $*" >&2; }

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

# ---------------------------------------------------------------- busybox ---
is_static() {
  # A dynamically linked ELF has a PT_INTERP header; ldd says so for us.
  [[ -x "$1" ]] || return 1
  local out
  out="$(LC_ALL=C ldd "$1" 2>&1 || true)"
  [[ "$out" == *"not a dynamic executable"* || "$out" == *"statically linked"* ]]
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  local out
  if ! out="$(apt-get install -y -q "$@" </dev/null 2>&1)"; then
    log "apt-get install $* failed; running apt-get update once"
    apt-get update -q </dev/null >/dev/null 2>&1 || true
    if ! out="$(apt-get install -y -q "$@" </dev/null 2>&1)"; then
      echo "$out" >&2
      log "could not install $*"
      return 1
    fi
  fi
}

BUSYBOX=/bin/busybox
if [[ ! -e "$DIR/rootfs" ]] && ! is_static "$BUSYBOX"; then
  log "installing busybox-static"
  apt_install busybox-static
  hash -r
  if ! is_static "$BUSYBOX"; then
    log "$BUSYBOX is still not a static binary"
    exit 1
  fi
fi

# ----------------------------------------------------------------- rootfs ---
if [[ ! -e "$DIR/rootfs" ]]; then
  log "building $DIR/rootfs"
  TMPROOT="$(mktemp -d "$DIR/.rootfs.XXXXXX")"
  trap 'rm -rf "$TMPROOT"' EXIT
  R="$TMPROOT"
  chmod 755 "$R"
  mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc,root,home/user,proc,sys,dev,tmp,var/tmp,run}
  chmod 1777 "$R/tmp" "$R/var/tmp"
  chmod 700 "$R/root"
  cp "$BUSYBOX" "$R/bin/busybox"
  chmod 755 "$R/bin/busybox"
  while IFS= read -r applet; do
    [[ -z "$applet" || "$applet" == bin/busybox ]] && continue
    mkdir -p "$R/$(dirname "$applet")"
    ln -sf /bin/busybox "$R/$applet"
  done < <("$R/bin/busybox" --list-full)
  [[ -e "$R/bin/sh" ]] || ln -s /bin/busybox "$R/bin/sh"

  cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$R/etc/group" <<'EOF'
root:x:0:
tty:x:5:
user:x:1000:
nogroup:x:65534:
EOF
  echo ocirun >"$R/etc/hostname"
  cat >"$R/etc/hosts" <<'EOF'
127.0.0.1	localhost ocirun
::1	localhost ip6-localhost ip6-loopback
EOF
  cat >"$R/etc/resolv.conf" <<'EOF'
nameserver 127.0.0.1
EOF
  chmod 644 "$R"/etc/{passwd,group,hostname,hosts,resolv.conf}
  chown 1000:1000 "$R/home/user"

  mv -T "$R" "$DIR/rootfs"
  trap - EXIT
fi

# ------------------------------------------------------------ config.json ---
SPEC_JS="$REPO/dist/config/default-spec.js"
SPEC_TS="$REPO/lib/config/default-spec.ts"
TSC="$REPO/node_modules/.bin/tsc"

if [[ ! -f "$SPEC_JS" || "$SPEC_TS" -nt "$SPEC_JS" ]]; then
  if [[ ! -x "$TSC" ]]; then
    log "installing node dependencies (npm ci --ignore-scripts)"
    (cd "$REPO" && npm ci --ignore-scripts --no-audit --no-fund </dev/null >/dev/null)
  fi
  if [[ ! -d "$REPO/dist" ]]; then
    log "compiling TypeScript (tsc -p tsconfig.json)"
    (cd "$REPO" && "$TSC" -p tsconfig.json </dev/null >/dev/null 2>&1) || true
  fi
  if [[ ! -f "$SPEC_JS" || "$SPEC_TS" -nt "$SPEC_JS" ]]; then
    # Compile just the two files we need, whatever state the rest is in.
    log "compiling lib/config/default-spec.ts"
    (cd "$REPO" && "$TSC" --outDir dist --rootDir lib --module commonjs \
      --target ES2022 --strict --skipLibCheck --types node \
      lib/config/default-spec.ts lib/config/types.ts </dev/null)
  fi
fi

node -e '
  const fs = require("fs");
  const [specJs, out, ...args] = process.argv.slice(1);
  const spec = require(specJs).defaultSpec();
  spec.process.terminal = false;
  spec.process.args = args;
  for (const kv of (process.env.ANNOTATIONS || "").split(/\s+/).filter(Boolean)) {
    const i = kv.indexOf("=");
    spec.annotations = { ...spec.annotations, [kv.slice(0, i)]: kv.slice(i + 1) };
  }
  const tmp = out + ".tmp";
  fs.writeFileSync(tmp, JSON.stringify(spec, null, "\t") + "\n");
  fs.renameSync(tmp, out);
' -- "$SPEC_JS" "$DIR/config.json" "${ARGS[@]}" </dev/null

log "bundle ready: $DIR"
