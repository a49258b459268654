#!/bin/sh
# checkpoint and restore time of the counter container (test/criu's
# bundle: tmpfs, bind mount, memory limit, seccomp), ocirun vs runc in the
# same run, as ratios. CRIU needs a kernel where `criu check` passes: on this
# host that is the cgroup2-vm guest, so from the host this boots it:
#
#   sh bench/criu.sh            (ROUNDS=N, default 3, alternating runtimes)
#
# The guest is CPU-emulated: absolute times are ~20x the host's; the ratio
# is what this measures. Not part of the test suite.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd -P)
if [ -z "${CGROUP2_VM:-}" ] && ! criu check >/dev/null 2>&1; then
  tool=${OCIRUN_CGROUP2_VM:-$REPO/../shared/tools/cgroup2-vm}
  [ -x "$tool" ] || tool=/work/shared/tools/cgroup2-vm
  cd "$REPO" && exec "$tool" -e ROUNDS="${ROUNDS:-3}" -- sh bench/criu.sh
fi
PATH=$PATH:/usr/sbin:/sbin
ROUNDS=${ROUNDS:-3}
W="$REPO/bundles/bench-criu-$$"
F=/tmp/bench-criu-$$
mkdir -p "$W/data" "$F"
trap 'for r in ocirun runc; do for i in $(seq 1 "$ROUNDS"); do rt $r delete -f b$i >/dev/null 2>&1; done; done; kill $HOLD 2>/dev/null; rm -rf "$W" "$F"' EXIT
python3 "$REPO/test/criu/make-bundle.py" "$REPO/bundles/busybox" "$W/b" "$W/data" "/bench-criu-$$" >/dev/null
mkfifo "$F/io"
sleep 100000 <> "$F/io" > /dev/null &
HOLD=$!
rt() { r=$1; shift; if [ "$r" = ocirun ]; then "$REPO/bin/ocirun" --root "$F/oroot" "$@"; else runc --root "$F/rroot" "$@"; fi; }
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
for i in $(seq 1 "$ROUNDS"); do
  for r in ocirun runc; do
    rt $r run -d --bundle "$W/b" b$i < "$F/io" > "$F/io" 2>&1 || { echo "$r run failed" >&2; exit 1; }
    sleep 1
    t=$(ms); rt $r checkpoint --image-path "$W/$r-img$i" b$i || exit 1; ck=$(($(ms) - t))
    t=$(ms); rt $r restore -d --image-path "$W/$r-img$i" --bundle "$W/b" b$i < "$F/io" > "$F/io" 2>&1 || { echo "$r restore failed" >&2; exit 1; }; rs=$(($(ms) - t))
    echo "$r round $i: checkpoint ${ck} ms, restore ${rs} ms"
    echo "$r $ck $rs" >> "$F/times"
    rt $r delete -f b$i
  done
done
awk '{ ck[$1] += $2; rs[$1] += $3; n[$1]++ }
  END {
    for (r in n) printf "%-7s checkpoint %7.0f ms  restore %7.0f ms  (mean of %d)\n", r, ck[r] / n[r], rs[r] / n[r], n[r]
    printf "ratio ocirun/runc: checkpoint %.2fx, restore %.2fx\n", ck["ocirun"] / ck["runc"], rs["ocirun"] / rs["runc"]
  }' "$F/times"
