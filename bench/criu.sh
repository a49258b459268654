#!/bin/sh
# checkpoint and restore time of the counter container (test/criu's
# bundle: tmpfs, bind mount, memory limit, seccomp), ocirun vs runc in the
# same run, as ratios. CRIU needs a kernel where `criu check` passes: on this
# host that is the cgroup2-vm guest, so from the host this boots it:
#
#   sh bench/criu.sh            (ROUNDS=N, default 3, alternating runtimes)
#
# The guest is CPU-emulated: absolute times are ~20x the host's; the ratio
# is what this measures. Not part of the test suite. crun is not in it:
# Debian's crun is built without CRIU (`crun --version` lists no +CRIU), so it
# can't checkpoint.
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
trap 'for r in ocirun runc; do for i in $(seq 1 "$ROUNDS"); do rt $r delete -f b$i >/dev/null 2>&1; done; done; rm -rf "$W" "$F"' EXIT
python3 "$REPO/test/criu/make-bundle.py" "$REPO/bundles/busybox" "$W/b" "$W/data" "/bench-criu-$$" >/dev/null
rt() { r=$1; shift; if [ "$r" = ocirun ]; then "$REPO/bin/ocirun" --root "$F/oroot" "$@"; else runc --root "$F/rroot" "$@"; fi; }
# piped COMMAND...: with anonymous pipes as stdio (what runc can dump), detached; exit status of COMMAND
piped() {
  rm -f "$F/rc"
  (sleep 100000 | { "$@"; echo $? > "$F/rc"; } 2>&1 | cat >> "$F/log") > /dev/null 2>&1 &
  while [ ! -s "$F/rc" ]; do sleep 0.05; done
  return "$(cat "$F/rc")"
}
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
for i in $(seq 1 "$ROUNDS"); do
  for r in ocirun runc; do
    piped rt $r run -d --bundle "$W/b" b$i || { echo "$r run failed: $(tail -3 "$F/log")" >&2; exit 1; }
    sleep 1
    t=$(ms); rt $r checkpoint --image-path "$W/$r-img$i" b$i || exit 1; ck=$(($(ms) - t))
    # (the restore's time includes the shell's polling, < 50 ms, for both)
    t=$(ms); piped rt $r restore -d --image-path "$W/$r-img$i" --bundle "$W/b" b$i || { echo "$r restore failed: $(tail -3 "$F/log")" >&2; exit 1; }; rs=$(($(ms) - t))
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
