#!/usr/bin/env bash
# Undoes test/engines/setup.sh for DIR: removes what is left of podman's,
# docker's and containerd's containers, stops that dockerd and containerd (and
# their shims), unmounts
# whatever is still mounted under DIR, removes DIR and the cgroup and runc-root
# dirs named after the containerd namespace. Idempotent; never fails on
# "already gone".
#
#   bash test/engines/teardown.sh DIR
set -uo pipefail

DIR="${1:-}"
if [[ -z "$DIR" ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
[[ -d "$DIR" ]] || exit 0
DIR="$(cd "$DIR" && pwd)"
OCIRUN="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/ocirun"
exec </dev/null
log() { echo "engines/teardown: $*" >&2; }

# ------------------------------------------------------------------ podman ---
P="$DIR/podman"
if [[ -f "$DIR/containers.conf" && -d "$P/root" ]]; then
  export CONTAINERS_CONF="$DIR/containers.conf"
  PODMAN=(podman --root "$P/root" --runroot "$DIR/run" --cgroup-manager cgroupfs --events-backend file)
  if [[ -n "$("${PODMAN[@]}" ps -aq 2>/dev/null)" ]]; then
    log "removing podman containers left in $P"
    timeout 60 "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  fi
  # What podman could not clean (it failed midway): ocirun's own delete --force.
  if [[ -f "$P/events.log" ]]; then
    for id in $(grep -o '"ID":"[0-9a-f]\{64\}"' "$P/events.log" | cut -d'"' -f4 | sort -u); do
      [[ -e "/run/ocirun/$id" ]] && timeout 30 "$OCIRUN" delete --force "$id" >/dev/null 2>&1
    done
  fi
  # Unmounts the store (containers/storage keeps its overlay dir mounted).
  timeout 60 "${PODMAN[@]}" system reset -f >/dev/null 2>&1 || true
fi

# ------------------------------------------------------------------ docker ---
# Containers first (through dockerd, so its shims and state go), then dockerd;
# what the shims could not delete under its runtime root, ocirun's delete --force.
if [[ -f "$DIR/docker.env" ]]; then
  DOCKER_HOST="$(sed -n 's/^DOCKER_HOST=//p' "$DIR/docker.env")"
  DOCKER_API_VERSION="$(sed -n 's/^DOCKER_API_VERSION=//p' "$DIR/docker.env")"
  DOCKER_BIN="$(sed -n 's/^DOCKER=//p' "$DIR/docker.env")"
  export DOCKER_HOST DOCKER_API_VERSION
  if [[ -f "$DIR/dockerd.pid" ]] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; then
    ids="$(timeout 20 "$DOCKER_BIN" ps -aq 2>/dev/null)"
    if [[ -n "$ids" ]]; then
      log "removing docker containers left in $DIR"
      # shellcheck disable=SC2086
      timeout 60 "$DOCKER_BIN" rm -f $ids >/dev/null 2>&1 || true
    fi
  fi
fi
if [[ -f "$DIR/dockerd.pid" ]]; then
  PID="$(cat "$DIR/dockerd.pid")"
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$PID" 2>/dev/null
  fi
fi
[[ -f "$DIR/.made-key-json" ]] && rm -f /etc/docker/key.json
RR="$DIR/exec-root/runtime-runc/moby"   # the shim's --root for every runtime dockerd 20.10 knows
for d in "$RR"/*; do
  [[ -d "$d" ]] && timeout 30 "$OCIRUN" --root "$RR" delete --force "$(basename "$d")" >/dev/null 2>&1
done

# -------------------------------------------------------------- containerd ---
C="$DIR/containerd"
SOCK="$C/containerd.sock"
NS=""
if [[ -d "$C" ]]; then
  NS="${CONTAINERD_NS:-ocirun-test}"
  [[ -f "$C/namespace" ]] && NS="$(cat "$C/namespace")"
fi
if [[ -f "$C/containerd.pid" ]]; then
  PID="$(cat "$C/containerd.pid")"
  if kill -0 "$PID" 2>/dev/null; then
    ctr_() { timeout 20 ctr -a "$SOCK" -n "$NS" "$@"; }
    for id in $(ctr_ tasks ls -q 2>/dev/null); do
      log "removing containerd task $id"
      ctr_ tasks kill --all -s KILL "$id" >/dev/null 2>&1 || true
      ctr_ tasks rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ containers rm "$id" >/dev/null 2>&1 || true
    done
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$PID" 2>/dev/null
  fi
fi
# Shims of this containerd outlive it when a task was still running.
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $SOCK" 2>/dev/null); do
  log "killing leftover shim $pid"
  kill -KILL "$pid" 2>/dev/null
done

# ------------------------------------------------------- mounts, dirs, cgroups ---
# Deepest first: rootfs overlays, shm mounts, the store's own bind mount.
for _ in 1 2 3; do
  mapfile -t mnts < <(awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  [[ ${#mnts[@]} -eq 0 ]] && break
  for m in "${mnts[@]}"; do umount -l "$m" 2>/dev/null; done
done
rm -rf "$DIR" 2>/dev/null || { sleep 0.2; rm -rf "$DIR" || log "could not remove $DIR"; }

# The docker containers' cgroup parent (setup.sh: /<basename DIR>).
for d in /sys/fs/cgroup/*/"$(basename "$DIR")" /sys/fs/cgroup/"$(basename "$DIR")"; do
  [[ -d "$d" ]] || continue
  find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
done

if [[ -n "$NS" ]]; then
  # The shim's default runc root for the namespace: what the shim could not
  # delete (tests check for leftovers before this runs).
  RR="/run/containerd/runc/$NS"
  for d in "$RR"/*; do
    [[ -d "$d" ]] && timeout 30 "$OCIRUN" --root "$RR" delete --force "$(basename "$d")" >/dev/null 2>&1
  done
  rmdir "$RR" 2>/dev/null
  # containerd puts a namespace's containers in /<ns>/<id>; the /<ns> parent stays.
  for d in /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS"; do
    [[ -d "$d" ]] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
fi
exit 0
