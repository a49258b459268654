#!/bin/sh
# ocirun's systemd cgroup driver (--systemd-cgroup) against a real systemd:
# meant to run inside the cgroup2-vm guest with systemd as PID 1 and D-Bus
# (../../shared/tools/cgroup2-vm --systemd, see its README), from the
# repository dir:
#
#   cgroup2-vm --systemd -- sh test/systemd/checks.sh
#
# test/cgroups-systemd.test.mjs does that and turns each line into a tap
# assertion. Prints "ok N - desc" / "not ok N - desc # got ..." and a final
# "1..N"; exit status 0 when everything passed, 1 otherwise.
#
# The guest is CPU-emulated (an ocirun call takes seconds): few containers,
# few calls. State lives under /tmp (guest tmpfs); bundles under the
# repository's bundles/ (shared with the host), removed on exit.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
OCIRUN="$REPO/bin/ocirun"
ROOTFS="$REPO/bundles/busybox/rootfs"
TAG=${OCIRUN_SD_TAG:-$$}
ROOT=/tmp/ocirun-test-sd-root-$TAG
WORK="$REPO/bundles/ocirun-test-sd-$TAG"
CG=/sys/fs/cgroup
MiB=1048576
# Unit names: prefix "ocirun-test" (cgroupsPath slice:prefix:name).
C1="ocirun-test-sd-lim-$TAG"
SLICE="ocirun_test-sd.slice"         # nested: lives under ocirun_test.slice
U1="ocirun-test-lim-$TAG.scope"
D1="$CG/ocirun_test.slice/$SLICE/$U1"

. "$REPO/test/lib/checks.sh"
local_ocirun
oci() { "$OCIRUN" --systemd-cgroup --root "$ROOT" "$@"; }
run_ok() {
  desc=$1; shift
  "$@" </dev/null >"$WORK/out.$n" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then ok "$desc"; else notok "$desc" "exit $rc: $(cat "$WORK/out.$n")"; fi
  return "$rc"
}
status_of() { oci state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
# systemctl show UNIT -p P1 -p P2 ... as "P=V" lines
show() { u=$1; shift; a=""; for p in "$@"; do a="$a -p $p"; done; systemctl show "$u" $a 2>&1; }
prop() { systemctl show "$1" -p "$2" --value 2>&1; }
# units whose name has this test's tag, in any state (failed ones too)
units() { systemctl list-units --all --no-legend --plain 2>/dev/null | awk '{print $1}' | grep -e "-$TAG" ; }
gone() { [ -z "$(units | grep -e "$1")" ] && [ ! -e "$2" ]; }

cleanup() {
  for id in $(ls "$ROOT" 2>/dev/null); do oci delete --force "$id" >/dev/null 2>&1; done
  for u in $(units); do systemctl stop "$u" >/dev/null 2>&1; systemctl reset-failed "$u" >/dev/null 2>&1; done
  systemctl stop "$SLICE" ocirun_test.slice >/dev/null 2>&1
  rm -rf "$WORK" "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(systemctl is-system-running 2>&1)" != running ] || [ ! -S /run/dbus/system_bus_socket ]; then
  echo "not ok 1 - systemd is running with the system bus # got $(systemctl is-system-running 2>&1)"
  echo "1..1"
  exit 1
fi
mkdir -p "$WORK"

# ------------------------------------------------------------------ bundles
node - "$REPO/bundles/busybox/config.json" "$ROOTFS" "$WORK" "$TAG" <<'EOF'
const fs = require('fs');
const [base, rootfs, work, tag] = process.argv.slice(2);
const MiB = 1024 * 1024;
const make = (name, cgroupsPath, args, resources, annotations) => {
  const c = JSON.parse(fs.readFileSync(base, 'utf8'));
  if (annotations) c.annotations = annotations;
  c.root = { path: rootfs, readonly: true };
  c.process.terminal = false;
  c.process.args = args;
  c.linux.cgroupsPath = cgroupsPath;
  c.linux.resources = resources;
  fs.mkdirSync(`${work}/${name}`, { recursive: true });
  fs.writeFileSync(`${work}/${name}/config.json`, JSON.stringify(c, null, 1));
};
// no cgroup namespace: /proc/self/cgroup shows the scope; /sys/fs/cgroup is the scope's dir
make('show', `system.slice:ocirun-test:show-${tag}`, ['sh', '-c', 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'],
  { memory: { limit: 64 * MiB }, pids: { limit: 42 } });
const lim = {
  memory: { limit: 64 * MiB, reservation: 32 * MiB, swap: 96 * MiB },
  pids: { limit: 42 },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
  devices: [{ allow: false, access: 'rwm' }],
};
// runc's org.systemd.property.* annotations: <Name>Sec becomes <Name>USec
const extra = { 'org.systemd.property.TimeoutStopSec': 'uint64 15', 'org.systemd.property.CollectMode': "'inactive-or-failed'" };
make('lim', `ocirun_test-sd.slice:ocirun-test:lim-${tag}`, ['sh', '-c', 'sleep 1000 & while :; do sleep 1; done'], lim, extra);
make('sbs', `system.slice:ocirun-test:sbs-${tag}`, ['sleep', '1000'], lim, extra);
make('oom', `:ocirun-test:oom-${tag}`, ['sh', '-c', 'x=a; while :; do x=$x$x; done'], { memory: { limit: 16 * MiB, swap: 16 * MiB } });
// (a failed fork ends a non-interactive busybox sh: the forks happen in a subshell;
// the file is read by a builtin: no fork left for cat)
make('pids', `system.slice:ocirun-test:pids-${tag}`, ['sh', '-c', '(for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done) 2>/dev/null; while read -r l; do echo "$l"; done </sys/fs/cgroup/pids.events'], { pids: { limit: 6 } });
make('refused', `system.slice:ocirun-test:refused-${tag}`, ['true'], {}, { 'org.systemd.property.NoSuchProperty': 'true' });
make('badform', 'system.slice:only-two', ['true'], {});
make('crash', `system.slice:ocirun-test:crash-${tag}`, ['sleep', '1000'], { memory: { limit: 64 * MiB } });
EOF
check "bundles written" "yes" "$([ -f "$WORK/crash/config.json" ] && echo yes || echo no)"

# ------------------------------------------------------------------ run
section "run: the init in the scope, the limits in its files"
out=$(oci run --bundle "$WORK/show" "ocirun-test-sd-show-$TAG" 2>&1)
check "run: exit 0" "0" "$?"
check "run: /proc/self/cgroup is the scope in system.slice" "0::/system.slice/ocirun-test-show-$TAG.scope" "$(printf '%s\n' "$out" | sed -n 1p)"
check "run: the scope's memory.max (inside)" "$((64 * MiB))" "$(printf '%s\n' "$out" | sed -n 2p)"
check "run: the scope's pids.max (inside)" "42" "$(printf '%s\n' "$out" | sed -n 3p)"
truth "run: nothing left (no unit in list-units --all, no cgroup)" "$(units)" gone "show-$TAG" "$CG/system.slice/ocirun-test-show-$TAG.scope"

# ------------------------------------------------------------------ lifecycle
section "create / start / exec / ps / events / pause / update / kill / delete"
run_ok "create (nested slice $SLICE, every limit)" oci create --bundle "$WORK/lim" --pid-file "$WORK/lim/pid" "$C1"
P1=$(cat "$WORK/lim/pid" 2>/dev/null)
check "created: the init is in the scope before start" "0::/ocirun_test.slice/$SLICE/$U1" "$(cat "/proc/$P1/cgroup" 2>&1)"
check "state: created" "created" "$(status_of "$C1")"
sd=$(show "$U1" ActiveState Slice ControlGroup Delegate MemoryMax MemoryLow MemorySwapMax TasksMax CPUWeight CPUQuotaPerSecUSec CPUQuotaPeriodUSec AllowedCPUs DevicePolicy Description TimeoutStopUSec CollectMode)
val() { printf '%s\n' "$sd" | sed -n "s|^$1=||p"; }
check "systemctl show: ActiveState" "active" "$(val ActiveState)"
check "systemctl show: Slice" "$SLICE" "$(val Slice)"
check "systemctl show: ControlGroup" "/ocirun_test.slice/$SLICE/$U1" "$(val ControlGroup)"
check "systemctl show: Delegate" "yes" "$(val Delegate)"
check "systemctl show: MemoryMax" "$((64 * MiB))" "$(val MemoryMax)"
check "systemctl show: MemoryLow" "$((32 * MiB))" "$(val MemoryLow)"
check "systemctl show: MemorySwapMax (swap - limit)" "$((32 * MiB))" "$(val MemorySwapMax)"
check "systemctl show: TasksMax" "42" "$(val TasksMax)"
W=$((1 + ((512 - 2) * 9999) / 262142))
check "systemctl show: CPUWeight from shares 512" "$W" "$(val CPUWeight)"
check "systemctl show: CPUQuotaPerSecUSec" "500ms" "$(val CPUQuotaPerSecUSec)"
check "systemctl show: CPUQuotaPeriodUSec" "100ms" "$(val CPUQuotaPeriodUSec)"
check "systemctl show: AllowedCPUs" "0" "$(val AllowedCPUs)"
check "systemctl show: DevicePolicy" "strict" "$(val DevicePolicy)"
check "systemctl show: Description" "libcontainer container lim-$TAG" "$(val Description)"
check "annotation org.systemd.property.TimeoutStopSec=uint64 15 -> TimeoutStopUSec" "15s" "$(val TimeoutStopUSec)"
check "annotation org.systemd.property.CollectMode='inactive-or-failed'" "inactive-or-failed" "$(val CollectMode)"
check "scope file memory.max" "$((64 * MiB))" "$(cat "$D1/memory.max" 2>&1)"
check "scope file memory.low" "$((32 * MiB))" "$(cat "$D1/memory.low" 2>&1)"
check "scope file memory.swap.max" "$((32 * MiB))" "$(cat "$D1/memory.swap.max" 2>&1)"
check "scope file pids.max" "42" "$(cat "$D1/pids.max" 2>&1)"
check "scope file cpu.max" "50000 100000" "$(cat "$D1/cpu.max" 2>&1)"
check "scope file cpu.weight" "$W" "$(cat "$D1/cpu.weight" 2>&1)"
check "scope file cpuset.cpus" "0" "$(cat "$D1/cpuset.cpus" 2>&1)"

section "a unit of that name exists"
out=$(oci create --bundle "$WORK/lim" "$C1-dup" 2>&1)
rc=$?
check "create of a second container with the same cgroupsPath fails" "1" "$rc"
has "  with systemd's one-line error (UnitExists)" "$out" 'already loaded'
check "  and no state for it" "" "$(ls "$ROOT" | grep -e '-dup')"
check "  the first container's unit is untouched" "active" "$(prop "$U1" ActiveState)"
check "  its init is alive and still in the scope" "0::/ocirun_test.slice/$SLICE/$U1" "$(cat "/proc/$P1/cgroup" 2>&1)"

run_ok "start" oci start "$C1"
check "state: running" "running" "$(status_of "$C1")"
check "exec joins the scope" "0::/ocirun_test.slice/$SLICE/$U1" "$(oci exec "$C1" cat /proc/self/cgroup 2>&1)"
ev=$(oci events --stats "$C1" 2>&1)
has "events --stats: memory limit of the scope" "$ev" "\"limit\":$((64 * MiB))"

run_ok "pause" oci pause "$C1"
check "paused: the scope's cgroup.freeze" "1" "$(cat "$D1/cgroup.freeze" 2>&1)"
check "state: paused" "paused" "$(status_of "$C1")"
# ps while frozen: the set of processes cannot change under our feet
ps=$(oci ps --format json "$C1" 2>&1)
check "ps = the scope's cgroup.procs" "$(sort -n "$D1/cgroup.procs" | tr '\n' ' ')" "$(printf '%s' "$ps" | tr -d '[]' | tr ',' '\n' | sort -n | tr '\n' ' ')"
run_ok "resume" oci resume "$C1"
check "resumed: cgroup.freeze" "0" "$(cat "$D1/cgroup.freeze" 2>&1)"

# (memory+swap is 96m since create: a memory limit above it needs a new swap too, as with runc)
run_ok "update --memory 128m --memory-swap 192m --pids-limit 50 --cpu-quota 25000" oci update --memory 128m --memory-swap 192m --pids-limit 50 --cpu-quota 25000 "$C1"
sd=$(show "$U1" MemoryMax MemorySwapMax TasksMax CPUQuotaPerSecUSec)
check "after update: systemctl show MemoryMax" "$((128 * MiB))" "$(val MemoryMax)"
check "after update: systemctl show MemorySwapMax (192m - 128m)" "$((64 * MiB))" "$(val MemorySwapMax)"
check "after update: memory.swap.max" "$((64 * MiB))" "$(cat "$D1/memory.swap.max" 2>&1)"
check "after update: systemctl show TasksMax" "50" "$(val TasksMax)"
check "after update: systemctl show CPUQuotaPerSecUSec" "250ms" "$(val CPUQuotaPerSecUSec)"
check "after update: memory.max" "$((128 * MiB))" "$(cat "$D1/memory.max" 2>&1)"
check "after update: pids.max" "50" "$(cat "$D1/pids.max" 2>&1)"
check "after update: cpu.max" "25000 100000" "$(cat "$D1/cpu.max" 2>&1)"

run_ok "kill --all KILL" oci kill --all "$C1" KILL
wait_until 100 sh -c "[ \"\$('$OCIRUN' --systemd-cgroup --root '$ROOT' state '$C1' 2>/dev/null | grep -c stopped)\" = 1 ]"
check "state: stopped" "stopped" "$(status_of "$C1")"
run_ok "delete" oci delete "$C1"
truth "delete: no unit left (list-units --all), no cgroup dir" "$(units; ls -d "$D1" 2>&1)" gone "lim-$TAG" "$D1"

# ------------------------------------------------------------------ enforcement
section "enforced: OOM, pids"
oci run --bundle "$WORK/oom" "ocirun-test-sd-oom-$TAG" >/dev/null 2>&1
check "a 16 MiB scope: the memory hog is OOM-killed (exit 137)" "137" "$?"
truth "after the OOM kill: no unit left (not even a failed one), no cgroup" "$(units)" gone "oom-$TAG" "$CG/system.slice/ocirun-test-oom-$TAG.scope"
out=$(oci run --bundle "$WORK/pids" "ocirun-test-sd-pids-$TAG" 2>&1)
m=$(printf '%s\n' "$out" | sed -n 's/^max //p')
truth "pids.max 6: forks past it fail (pids.events max > 0)" "$out" test "${m:-0}" -gt 0
truth "nothing left after it" "$(units)" gone "pids-$TAG" "$CG/system.slice/ocirun-test-pids-$TAG.scope"

# ------------------------------------------------------------------ bad environments
section "errors"
out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/ocirun-test-no-bus oci create --bundle "$WORK/crash" "ocirun-test-sd-nobus-$TAG" 2>&1)
check "no system bus: exit 1" "1" "$?"
has "  naming the socket" "$out" '/run/ocirun-test-no-bus'
check "  in one line" "1" "$(printf '%s\n' "$out" | grep -c .)"
check "  no state left" "" "$(ls "$ROOT" | grep nobus)"
out=$(oci create --bundle "$WORK/refused" "ocirun-test-sd-refused-$TAG" 2>&1)
check "systemd refuses a property (org.systemd.property.NoSuchProperty): exit 1" "1" "$?"
has "  with systemd's error" "$out" 'NoSuchProperty'
check "  in one line" "1" "$(printf '%s\n' "$out" | grep -c .)"
truth "  nothing left" "$(units; ls "$ROOT")" sh -c "! ls '$ROOT' | grep -q refused && [ -z \"\$(systemctl list-units --all --no-legend --plain | grep refused-$TAG)\" ]"
out=$(oci create --bundle "$WORK/badform" "ocirun-test-sd-badform-$TAG" 2>&1)
has "cgroupsPath not slice:prefix:name: one line with the expected form" "$out" 'of the form "slice:prefix:name"'

# ------------------------------------------------------------------ crash
section "kill -9 of ocirun during create, then delete --force"
for phase in create:clone create:unit-started create:ready; do
  id="ocirun-test-sd-crash-$TAG"
  OCIRUN_TEST_STOP_AT=$phase "$OCIRUN" --systemd-cgroup --root "$ROOT" create --bundle "$WORK/crash" "$id" </dev/null >/dev/null 2>"$WORK/crash.err" &
  cpid=$!
  wait_until 300 grep -q "test stop point" "$WORK/crash.err"
  kill -9 "$cpid" 2>/dev/null
  wait "$cpid" 2>/dev/null
  oci delete --force "$id" >"$WORK/crash.out" 2>&1
  check "$phase: delete --force exits 0" "0" "$?"
  truth "$phase: no unit, no cgroup, no state left" "$(units; cat "$WORK/crash.out"; ls "$ROOT")" sh -c "[ -z \"\$(systemctl list-units --all --no-legend --plain | grep crash-$TAG)\" ] && [ ! -e '$CG/system.slice/ocirun-test-crash-$TAG.scope' ] && [ -z \"\$(ls '$ROOT')\" ]"
done

# ------------------------------------------------------------------ runc side by side
section "side by side with runc $(runc --version | sed -n 's/^runc version //p')"
PROPS="Slice ControlGroup Delegate Description TimeoutStopUSec CollectMode MemoryMax MemoryLow MemorySwapMax TasksMax CPUWeight CPUQuotaPerSecUSec CPUQuotaPeriodUSec AllowedCPUs DevicePolicy DeviceAllow MemoryAccounting CPUAccounting IOAccounting TasksAccounting"
US="ocirun-test-sbs-$TAG.scope"
# one systemctl call; a list property (DeviceAllow) has a line per entry: sorted, it compares as a set
props_of() { a=""; for p in $PROPS; do a="$a -p $p"; done; systemctl show "$US" $a 2>&1 | sort; }
rcg=""; ocg=""
if runc --systemd-cgroup --root "$ROOT-runc" create --bundle "$WORK/sbs" "sbs-$TAG" </dev/null >"$WORK/runc.out" 2>&1; then
  rp=$(props_of)
  rcg=$(cat /proc/$(runc --root "$ROOT-runc" state "sbs-$TAG" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')/cgroup)
  runc --systemd-cgroup --root "$ROOT-runc" delete --force "sbs-$TAG" >/dev/null 2>&1
else
  rp="runc create failed: $(cat "$WORK/runc.out")"
fi
run_ok "ocirun create of the same bundle" oci create --bundle "$WORK/sbs" --pid-file "$WORK/sbs/pid" "ocirun-test-sd-sbs-$TAG"
op=$(props_of)
ocg=$(cat "/proc/$(cat "$WORK/sbs/pid")/cgroup" 2>&1)
oci delete --force "ocirun-test-sd-sbs-$TAG" >/dev/null 2>&1
check "same cgroup of the init as runc's" "$rcg" "$ocg"
for p in $PROPS; do
  check "same $p as runc" "$(printf '%s\n' "$rp" | grep "^$p=" | tr '\n' ' ')" "$(printf '%s\n' "$op" | grep "^$p=" | tr '\n' ' ')"
done
truth "both deleted: nothing left" "$(units)" gone "sbs-$TAG" "$CG/system.slice/$US"

# ------------------------------------------------------------------ podman
section "podman --cgroup-manager systemd --runtime ocirun"
if command -v podman >/dev/null 2>&1; then
  PR=/var/lib/ocirun-test-sd-podman
  P="podman --root $PR --runroot /run/ocirun-test-sd-podman --storage-driver vfs --cgroup-manager systemd --runtime $OCIRUN"
  tar -C "$ROOTFS" -cf "$WORK/rootfs.tar" . 2>/dev/null
  $P import -q "$WORK/rootfs.tar" localhost/ocirun-test-bb:1 >/dev/null 2>&1
  out=$($P run --rm --network none --cgroupns host --memory 64m --pids-limit 33 localhost/ocirun-test-bb:1 sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max' 2>&1)
  has "podman run --rm: the cgroup is machine.slice/libpod-<id>.scope" "$(printf '%s\n' "$out" | sed -n 1p)" '^0::/machine.slice/libpod-[0-9a-f]\{64\}.scope$'
  check "podman run --memory 64m: memory.max" "$((64 * MiB))" "$(printf '%s\n' "$out" | sed -n 2p)"
  check "podman run --pids-limit 33: pids.max" "33" "$(printf '%s\n' "$out" | sed -n 3p)"
  cid=$($P run -d --network none localhost/ocirun-test-bb:1 sleep 1000 2>&1)
  check "podman run -d" "0" "$?"
  scope="libpod-$cid.scope"
  check "  its scope is active" "active" "$(prop "$scope" ActiveState)"
  check "podman exec" "hi" "$($P exec "$cid" echo hi 2>&1)"
  $P pause "$cid" >/dev/null 2>&1
  check "podman pause: cgroup.freeze" "1" "$(cat "$CG/machine.slice/$scope/cgroup.freeze" 2>&1)"
  check "podman pause: status" "paused" "$($P inspect -f '{{.State.Status}}' "$cid" 2>&1)"
  $P unpause "$cid" >/dev/null 2>&1
  check "podman unpause: status" "running" "$($P inspect -f '{{.State.Status}}' "$cid" 2>&1)"
  $P stop -t 1 "$cid" >/dev/null 2>&1
  check "podman stop: status" "exited" "$($P inspect -f '{{.State.Status}}' "$cid" 2>&1)"
  $P rm -f "$cid" >/dev/null 2>&1
  check "podman rm -f" "" "$($P ps -aq 2>&1)"
  truth "after rm: no libpod unit, no cgroup" "$(systemctl list-units --all --no-legend --plain | grep libpod)" sh -c "[ -z \"\$(systemctl list-units --all --no-legend --plain | grep 'libpod-.*scope')\" ] && ! ls -d $CG/machine.slice/libpod-* >/dev/null 2>&1"
  $P rmi -af >/dev/null 2>&1
  rm -rf "$PR" /run/ocirun-test-sd-podman
else
  ok "podman # SKIP podman is not installed"
fi

# ------------------------------------------------------------------ containerd
section "containerd: ctr run --runc-binary ocirun --runc-systemd-cgroup --cgroup slice:prefix:name"
CD=/tmp/ocirun-test-sd-containerd
if env=$(CONTAINERD_SNAPSHOTTER=native bash "$REPO/test/engines/setup.sh" containerd "$CD" 2>"$WORK/cd.err"); then
  SOCK=$(printf '%s\n' "$env" | sed -n 's/^CONTAINERD_SOCK=//p')
  NS=$(printf '%s\n' "$env" | sed -n 's/^CONTAINERD_NS=//p')
  IMG=$(printf '%s\n' "$env" | sed -n 's/^IMAGE=//p')
  ctr_() { ctr -a "$SOCK" -n "$NS" "$@"; }
  CU="ocirun-test-ctr-$TAG.scope"
  ctr_ run -d --snapshotter native --runc-binary "$OCIRUN" --runc-systemd-cgroup --cgroup "system.slice:ocirun-test:ctr-$TAG" "$IMG" "ctr-$TAG" sleep 1000 >"$WORK/ctr.out" 2>&1
  check "ctr run -d (SystemdCgroup through the runc shim)" "0" "$?"
  cpid=$(ctr_ task ls 2>/dev/null | awk -v id="ctr-$TAG" '$1 == id {print $2}')
  check "the task's cgroup is the scope" "0::/system.slice/$CU" "$(cat "/proc/$cpid/cgroup" 2>&1)"
  check "the unit is active" "active" "$(prop "$CU" ActiveState)"
  ctr_ task kill -s KILL "ctr-$TAG" >/dev/null 2>&1
  wait_until 150 sh -c "! ctr -a '$SOCK' -n '$NS' task ls 2>/dev/null | grep -q 'ctr-$TAG.*RUNNING'"
  ctr_ task rm "ctr-$TAG" >"$WORK/ctr.out" 2>&1
  check "ctr task rm" "0" "$?"
  ctr_ container rm "ctr-$TAG" >/dev/null 2>&1
  truth "after rm: no unit, no cgroup" "$(units)" gone "ctr-$TAG" "$CG/system.slice/$CU"
  bash "$REPO/test/engines/teardown.sh" "$CD" >/dev/null 2>&1
else
  notok "containerd set up in the guest" "$(tail -5 "$WORK/cd.err")"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
