#!/usr/bin/env bash
# Sets up a real container engine that uses ocirun as its OCI runtime, fully
# isolated under DIR, for test/engines/*.test.mjs (and for trying it by hand).
#
#   bash test/engines/setup.sh podman DIR
#   bash test/engines/setup.sh containerd DIR
#   bash test/engines/setup.sh docker DIR
#   bash test/engines/teardown.sh DIR          # undoes it
#
# Root, no stdin, idempotent. Installs the Debian packages when missing
# (apt-get update once only if an install fails), builds ocirun and the busybox
# bundle when needed, then:
#
#  podman:     DIR/containers.conf (runtime "ocirun" = bin/ocirun, listed in
#              runtime_supports_json so conmon passes --log-format=json --log F;
#              cgroupfs, file events, no network), an image store under
#              DIR/podman/root + DIR/run (podman limits the runroot to 50 characters) holding localhost/busybox:latest,
#              imported from the rootfs of bundles/busybox (no network).
#  containerd: its own daemon (DIR/containerd/config.toml: own root, state,
#              socket; the CRI runc runtime has BinaryName = bin/ocirun) and
#              the images localhost/busybox:latest and localhost/busybox:user
#              (config User 1000:1000), built here as an OCI image layout
#              archive from the same rootfs and imported with ctr.
#  docker:     a containerd of its own as above (dockerd 20.10 would attach to
#              /run/containerd/containerd.sock whenever it exists), and a
#              dockerd of its own (DIR/daemon.json: data-root DIR/docker/data,
#              exec-root DIR/exec-root — longer than Docker's default
#              /var/run/docker, so the shim's --root is deep —, socket
#              DIR/docker.sock, pidfile; vfs, no iptables, no bridge; cgroupfs
#              with the cgroup parent /<basename DIR>; the runtime "ocirun" =
#              bin/ocirun, "default-runtime": "ocirun" (runc stays available as
#              "runc"); default ulimits as for podman), and the image localhost/busybox:latest
#              imported from the same rootfs.
#
# Prints KEY=VALUE lines (the last lines on stdout) that the tests read:
#   podman:     PODMAN_ROOT PODMAN_RUNROOT CONTAINERS_CONF IMAGE
#   containerd: CONTAINERD_SOCK CONTAINERD_PID CONTAINERD_NS IMAGE IMAGE_USER
#   docker:     DOCKER DOCKER_HOST DOCKER_API_VERSION DOCKER_PID DOCKER_EXEC_ROOT
#               DOCKER_CGROUP_PARENT CONTAINERD_SOCK IMAGE (DOCKER is the
#               client: /usr/bin/docker when there; DOCKER_API_VERSION makes a
#               newer client elsewhere in PATH speak this daemon's API)
# Everything else goes to stderr.
set -euo pipefail

ENGINE="${1:-}"
DIR="${2:-}"
if [[ "$ENGINE" != podman && "$ENGINE" != containerd && "$ENGINE" != docker ]] || [[ -z "$DIR" ]]; then
  echo "usage: $0 podman|containerd|docker DIR" >&2
  exit 2
fi
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OCIRUN="$REPO/bin/ocirun"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
exec </dev/null
log() { echo "engines/setup: $*" >&2; }

# ---------------------------------------------------------------- packages ---
# Both engine test files run this at the same time: one apt-get/build at a time.
exec 9>/run/lock/ocirun-engines-setup.lock 2>/dev/null || exec 9>/tmp/ocirun-engines-setup.lock
flock -w 900 9 || { log "could not get the setup lock"; exit 1; }
need=()
command -v podman >/dev/null || need+=(podman)
command -v conmon >/dev/null || need+=(conmon)
command -v containerd >/dev/null || need+=(containerd)
command -v containerd-shim-runc-v2 >/dev/null || need+=(containerd)
command -v dockerd >/dev/null || need+=(docker.io)
[[ -x /usr/bin/docker ]] || need+=(docker.io)
command -v runc >/dev/null || need+=(runc)
[[ -x /usr/bin/catatonit || -x /usr/libexec/podman/catatonit ]] || need+=(catatonit)
[[ -d /usr/lib/cni ]] || need+=(containernetworking-plugins)
command -v newuidmap >/dev/null || need+=(uidmap)
command -v script >/dev/null || need+=(bsdutils)
if [[ ${#need[@]} -gt 0 ]]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  APT=(apt-get -o DPkg::Lock::Timeout=600)
  if ! "${APT[@]}" install -y -qq "${need[@]}" >/dev/null 2>&1; then
    "${APT[@]}" update -qq >/dev/null 2>&1 || true
    "${APT[@]}" install -y -qq "${need[@]}" >/dev/null
  fi
fi

# --------------------------------------------------- ocirun and the rootfs ---
bash "$REPO/scripts/setup.sh" >&2
[[ -d "$REPO/bundles/busybox/rootfs" ]] || bash "$REPO/scripts/make-bundle.sh" >&2
ROOTFS="$REPO/bundles/busybox/rootfs"
flock -u 9; exec 9>&-

# The rootfs as a tar: other tests may add or remove mount targets in the shared
# bundle while we read it; tar's status 1 ("changed as we read it") is fine.
rootfs_tar() {
  local rc=0
  tar -C "$ROOTFS" --sort=name --numeric-owner --mtime=@0 --ignore-failed-read \
    --warning=no-file-changed --warning=no-file-removed -cf "$1" . || rc=$?
  (( rc <= 1 ))
}

# With OCIRUN_ENGINE_OWNER_PID set (the tests set their own pid), a watcher
# runs teardown.sh DIR once that process is gone, even if it was killed before
# its own teardown: no containerd or container outlives a test run.
if [[ -n "${OCIRUN_ENGINE_OWNER_PID:-}" && ! -f "$DIR/.watcher" ]]; then
  touch "$DIR/.watcher"
  ( exec setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; [[ -d "$2" ]] && bash "$3" "$2"' \
      watcher "$OCIRUN_ENGINE_OWNER_PID" "$DIR" "$REPO/test/engines/teardown.sh" </dev/null >/dev/null 2>&1 ) &
fi

# The sandbox may lack CAP_SYS_RESOURCE: then no runtime (runc neither) can set
# an rlimit above the hard limit conmon runs with. podman's defaults for root
# (nofile 1048576) are above ours here, so give it ours; podman runs conmon
# with nproc 32768, so no more than that.
NOFILE="$(ulimit -Hn)"
NPROC="$(ulimit -Hu)"
[[ "$NOFILE" == unlimited ]] && NOFILE=1048576
[[ "$NPROC" == unlimited ]] && NPROC=32768
(( NOFILE > 1048576 )) && NOFILE=1048576
(( NPROC > 32768 )) && NPROC=32768

# ------------------------------------------------------------------ podman ---
if [[ "$ENGINE" == podman ]]; then
  P="$DIR/podman"
  mkdir -p "$P/root" "$DIR/run" "$P/tmp"
  cat >"$DIR/containers.conf" <<EOF
# Written by test/engines/setup.sh
[containers]
netns = "none"
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
init_path = "$(command -v catatonit || echo /usr/libexec/podman/catatonit)"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
tmp_dir = "$P/tmp"
runtime = "ocirun"
runtime_supports_json = ["ocirun", "crun", "runc"]
# File locks under tmp_dir, not the shared /dev/shm/libpod_lock of other podman stores.
lock_type = "file"

[engine.runtimes]
ocirun = ["$OCIRUN"]
runc = ["/usr/sbin/runc", "/usr/bin/runc"]
EOF
  export CONTAINERS_CONF="$DIR/containers.conf"
  PODMAN=(podman --root "$P/root" --runroot "$DIR/run" --cgroup-manager cgroupfs --events-backend file)
  if ! "${PODMAN[@]}" image exists localhost/busybox:latest; then
    log "importing localhost/busybox:latest into $P"
    rootfs_tar "$P/rootfs.tar"
    "${PODMAN[@]}" import -q "$P/rootfs.tar" localhost/busybox:latest >/dev/null
    rm -f "$P/rootfs.tar"
  fi
  echo "PODMAN_ROOT=$P/root"
  echo "PODMAN_RUNROOT=$DIR/run"
  echo "CONTAINERS_CONF=$DIR/containers.conf"
  echo "IMAGE=localhost/busybox:latest"
  exit 0
fi

# -------------------------------------------------------------- containerd ---
C="$DIR/containerd"
mkdir -p "$C"
SOCK="$C/containerd.sock"
NS="${CONTAINERD_NS:-ocirun-test}"

# An OCI image layout archive: one uncompressed layer (the busybox rootfs) and
# two image configs (root and user 1000:1000), both tagged in index.json.
build_oci_archive() {
  local out="$1" L="$C/oci-layout" arch
  arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
  rm -rf "$L"
  mkdir -p "$L/blobs/sha256"
  rootfs_tar "$L/layer.tar"
  local layer_sha layer_size
  layer_sha="$(sha256sum "$L/layer.tar" | cut -d' ' -f1)"
  layer_size="$(stat -c %s "$L/layer.tar")"
  mv "$L/layer.tar" "$L/blobs/sha256/$layer_sha"
  local manifests=() tag user
  for tag in latest user; do
    user=""
    [[ "$tag" == user ]] && user='"User":"1000:1000",'
    local cfg="{\"architecture\":\"$arch\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\",\"config\":{$user\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_sha\"]},\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"test/engines/setup.sh\"}]}"
    local cfg_sha cfg_size
    printf '%s' "$cfg" >"$L/cfg.json"
    cfg_sha="$(sha256sum "$L/cfg.json" | cut -d' ' -f1)"
    cfg_size="$(stat -c %s "$L/cfg.json")"
    mv "$L/cfg.json" "$L/blobs/sha256/$cfg_sha"
    local man="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cfg_sha\",\"size\":$cfg_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$layer_sha\",\"size\":$layer_size}]}"
    local man_sha man_size
    printf '%s' "$man" >"$L/man.json"
    man_sha="$(sha256sum "$L/man.json" | cut -d' ' -f1)"
    man_size="$(stat -c %s "$L/man.json")"
    mv "$L/man.json" "$L/blobs/sha256/$man_sha"
    manifests+=("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$man_sha\",\"size\":$man_size,\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"localhost/busybox:$tag\",\"org.opencontainers.image.ref.name\":\"$tag\"}}")
  done
  local IFS=,
  printf '{"schemaVersion":2,"manifests":[%s]}' "${manifests[*]}" >"$L/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
  tar -C "$L" -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
  rm -rf "$L"
}

cat >"$C/config.toml" <<EOF
# Written by test/engines/setup.sh: a containerd of its own, nothing shared
# with a system containerd.
version = 2
root = "$C/root"
state = "$C/state"
oom_score = 0
disabled_plugins = ["io.containerd.internal.v1.tracing", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$C/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    disable_tcp_service = true
    stream_server_address = "127.0.0.1"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$C/cni"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "$OCIRUN"
          SystemdCgroup = false
EOF

echo "$NS" >"$C/namespace"   # for teardown.sh
ctr_() { ctr -a "$SOCK" -n "$NS" "$@"; }

running() {
  [[ -f "$C/containerd.pid" ]] && kill -0 "$(cat "$C/containerd.pid")" 2>/dev/null
}

if ! running; then
  log "starting containerd on $SOCK"
  rm -f "$SOCK" "$SOCK.ttrpc"
  # Its own session, not our stdio: the caller waits for this script only.
  ( exec setsid containerd --config "$C/config.toml" >"$C/containerd.log" 2>&1 ) &
  echo $! >"$C/containerd.pid"
  for _ in $(seq 1 200); do
    if [[ -S "$SOCK" ]] && ctr -a "$SOCK" version >/dev/null 2>&1; then break; fi
    if ! running; then
      tail -20 "$C/containerd.log" >&2
      log "containerd exited"
      exit 1
    fi
    sleep 0.05
  done
  ctr -a "$SOCK" version >/dev/null || { tail -20 "$C/containerd.log" >&2; log "containerd did not come up"; exit 1; }
fi

if [[ "$ENGINE" == containerd ]] && ! ctr_ images ls -q | grep -qx localhost/busybox:user; then
  [[ -f "$C/busybox-oci.tar" ]] || build_oci_archive "$C/busybox-oci.tar"
  log "importing localhost/busybox:{latest,user} into namespace $NS"
  # CONTAINERD_SNAPSHOTTER: e.g. native where overlayfs cannot work (the cgroup2-vm guest's root is an overlay)
  ctr_ images import ${CONTAINERD_SNAPSHOTTER:+--snapshotter "$CONTAINERD_SNAPSHOTTER"} "$C/busybox-oci.tar" >/dev/null
fi

# ------------------------------------------------------------------ docker ---
if [[ "$ENGINE" == docker ]]; then
  D="$DIR/docker"
  mkdir -p "$D"
  # Debian's client, not a newer one earlier in PATH (/usr/local/bin); the API
  # version pins any client to this daemon's (dockerd 20.10: 1.41).
  DOCKER_BIN=/usr/bin/docker
  [[ -x "$DOCKER_BIN" ]] || DOCKER_BIN="$(command -v docker)"
  export DOCKER_HOST="unix://$DIR/docker.sock"
  unset DOCKER_API_VERSION DOCKER_CONTEXT
  CGPARENT="/$(basename "$DIR")"
  cat >"$DIR/daemon.json" <<EOF
{
  "data-root": "$D/data",
  "exec-root": "$DIR/exec-root",
  "pidfile": "$DIR/docker.pid",
  "hosts": ["$DOCKER_HOST"],
  "containerd": "$SOCK",
  "storage-driver": "vfs",
  "iptables": false,
  "ip-forward": false,
  "ip-masq": false,
  "bridge": "none",
  "userland-proxy": false,
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "cgroup-parent": "$CGPARENT",
  "default-ulimits": {
    "nofile": {"Name": "nofile", "Soft": $NOFILE, "Hard": $NOFILE},
    "nproc": {"Name": "nproc", "Soft": $NPROC, "Hard": $NPROC}
  },
  "runtimes": {
    "ocirun": {"path": "$OCIRUN"}
  },
  "default-runtime": "ocirun"
}
EOF
  dk_running() { [[ -f "$DIR/dockerd.pid" ]] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; }
  if ! dk_running; then
    log "starting dockerd on $DOCKER_HOST"
    # dockerd 20.10 makes /etc/docker/key.json (a deprecated trust key) when missing: teardown removes what we made.
    [[ -e /etc/docker/key.json ]] || touch "$DIR/.made-key-json"
    ( exec setsid dockerd --config-file "$DIR/daemon.json" >"$D/dockerd.log" 2>&1 ) &
    echo $! >"$DIR/dockerd.pid"
    for _ in $(seq 1 300); do
      if [[ -S "$DIR/docker.sock" ]] && DOCKER_API_VERSION=1.24 "$DOCKER_BIN" version >/dev/null 2>&1; then break; fi
      if ! dk_running; then
        tail -20 "$D/dockerd.log" >&2
        log "dockerd exited"
        exit 1
      fi
      sleep 0.1
    done
  fi
  API="$(DOCKER_API_VERSION=1.24 "$DOCKER_BIN" version --format '{{.Server.APIVersion}}' 2>/dev/null)" \
    || { tail -20 "$D/dockerd.log" >&2; log "dockerd did not come up"; exit 1; }
  export DOCKER_API_VERSION="$API"
  { echo "DOCKER_HOST=$DOCKER_HOST"; echo "DOCKER_API_VERSION=$API"; echo "DOCKER=$DOCKER_BIN"; } >"$DIR/docker.env"   # for teardown.sh
  if ! "$DOCKER_BIN" image inspect localhost/busybox:latest >/dev/null 2>&1; then
    log "importing localhost/busybox:latest into $D"
    rootfs_tar "$D/rootfs.tar"
    "$DOCKER_BIN" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      "$D/rootfs.tar" localhost/busybox:latest >/dev/null
    rm -f "$D/rootfs.tar"
  fi
  echo "DOCKER=$DOCKER_BIN"
  echo "DOCKER_HOST=$DOCKER_HOST"
  echo "DOCKER_API_VERSION=$API"
  echo "DOCKER_PID=$(cat "$DIR/dockerd.pid")"
  echo "DOCKER_EXEC_ROOT=$DIR/exec-root"
  echo "DOCKER_CGROUP_PARENT=$CGPARENT"
  echo "CONTAINERD_SOCK=$SOCK"
  echo "IMAGE=localhost/busybox:latest"
  exit 0
fi


echo "CONTAINERD_SOCK=$SOCK"
echo "CONTAINERD_PID=$(cat "$C/containerd.pid")"
echo "CONTAINERD_NS=$NS"
echo "IMAGE=localhost/busybox:latest"
echo "IMAGE_USER=localhost/busybox:user"
