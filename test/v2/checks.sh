#!/bin/sh
# ocirun on a pure cgroup v2 host, with real containers. Meant to run inside
# the cgroup2-vm guest (../../shared/tools/cgroup2-vm, see its README), from
# the repository dir:
#
#   cgroup2-vm -- sh test/v2/checks.sh
#
# test/cgroups-v2.test.mjs does that and turns each line into a tap assertion.
# Prints TAP-like lines, "ok N - desc" / "not ok N - desc # got ...", and a
# final "1..N"; exit status 0 when everything passed, 1 otherwise.
#
# The guest is CPU-emulated (an ocirun call takes 2-3 s), so this uses few
# containers and few runtime calls: one long-lived container with every
# limit, and one that gets OOM-killed. State lives under /tmp (guest tmpfs);
# bundles live under the repository's bundles/ (the only dir the guest and
# the host share) and are removed on exit.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
OCIRUN="$REPO/bin/ocirun"
ROOTFS="$REPO/bundles/busybox/rootfs"
# OCIRUN_V2_TAG: set by test/cgroups-v2.test.mjs (its pid), so that it can
# find (and remove) the bundles dir if the VM is killed midway.
TAG=${OCIRUN_V2_TAG:-$$}
ROOT=/tmp/ocirun-test-v2-root-$TAG
WORK="$REPO/bundles/ocirun-test-v2-$TAG"
C1="ocirun-test-v2-lim-$TAG"
C2="ocirun-test-v2-oom-$TAG"
C4="ocirun-test-v2-io-$TAG"
C5="ocirun-test-v2-born-$TAG"
CG=/sys/fs/cgroup
MiB=1048576

. "$REPO/test/lib/checks.sh"
local_ocirun

oci() { "$OCIRUN" --root "$ROOT" "$@"; }
# run_ok DESC INPUT COMMAND... : ok if COMMAND (stdin from INPUT, output to a
# file: a created container keeps the runtime's stdio) exits 0.
run_ok() {
  desc=$1 in=$2; shift 2
  "$@" <"$in" >"$WORK/out.$n" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then ok "$desc"; else notok "$desc" "exit $rc: $(cat "$WORK/out.$n")"; fi
  return "$rc"
}
status_of() { oci state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*[ZX]' "/proc/$1/status" 2>/dev/null; }
# value of KEY in a "key value" cgroup file
kv() { sed -n "s/^$2 //p" "$1" 2>/dev/null; }

cleanup() {
  for id in "$C1" "$C2" "$C4" "$C5"; do oci delete --force "$id" >/dev/null 2>&1; done
  [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
  [ -d "$FRZ" ] && { echo 0 > "$FRZ/cgroup.freeze"; rmdir "$FRZ"; }
  rm -rf "$WORK" "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
  echo "not ok 1 - /sys/fs/cgroup is cgroup2 # got $(stat -fc %T /sys/fs/cgroup)"
  echo "1..1"
  exit 1
fi
# /dev/fuse and /dev/loop-control need their drivers for an allowed open to
# succeed (the device cgroup is checked first, so "denied" works regardless).
modprobe fuse >/dev/null 2>&1
modprobe loop >/dev/null 2>&1

mkdir -p "$WORK/c1/host" "$WORK/c2" "$WORK/c3" "$WORK/c5" "$WORK/c6" "$WORK/c7" "$WORK/c8"
FRZ="$CG/ocirun-test-v2-frz-$TAG"
chmod 777 "$WORK/c1/host"

# Does a child cgroup get io.weight here (the io controller with iocost)?
probe="$CG/ocirun-test-v2-probe-$$"
mkdir "$probe" 2>/dev/null
HAS_IO_WEIGHT=0
[ -e "$probe/io.weight" ] && HAS_IO_WEIGHT=1
rmdir "$probe" 2>/dev/null

# ------------------------------------------------------------------ bundles
# One node run writes both configs (node start is slow here).
node - "$REPO/bundles/busybox/config.json" "$ROOTFS" "$WORK" "$HAS_IO_WEIGHT" "$FRZ" <<'EOF'
const fs = require('fs');
const [base, rootfs, work, io, frz] = process.argv.slice(2);
const MiB = 1024 * 1024;
const make = (dir, edit) => {
  const c = JSON.parse(fs.readFileSync(base, 'utf8'));
  c.root = { path: rootfs, readonly: true };
  c.process.terminal = false;
  c.linux.namespaces.push({ type: 'cgroup' });
  edit(c);
  fs.writeFileSync(`${dir}/config.json`, JSON.stringify(c, null, 1));
};
make(`${work}/c1`, (c) => {
  // a child, and a counter that a bind mount shows to the host
  // (written to a temp file and renamed: a pause between the truncation and
  // the write of a plain "echo > file" would leave it empty while frozen)
  c.process.args = ['sh', '-c', 'sleep 1000 & i=0; while :; do i=$((i+1)); echo $i > /host/counter.new; mv /host/counter.new /host/counter; sleep 1; done'];
  c.mounts.push({ destination: '/host', type: 'bind', source: `${work}/c1/host`, options: ['rbind', 'rw'] });
  c.linux.resources = {
    memory: { limit: 64 * MiB, swap: 96 * MiB },
    pids: { limit: 42 },
    cpu: { shares: 512, quota: 50000, period: 100000 },
    ...(io === '1' ? { blockIO: { weight: 500 } } : {}),
    devices: [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 10, minor: 237, access: 'rw' },
    ],
  };
  c.linux.devices = [
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
    { path: '/dev/loop-control', type: 'c', major: 10, minor: 237, fileMode: 0o666, uid: 0, gid: 0 },
  ];
});
// a pre-existing frozen cgroup
make(`${work}/c3`, (c) => { c.linux.cgroupsPath = frz.replace('/sys/fs/cgroup', ''); });
// prints where it is, from inside, with a memory and a pids limit
make(`${work}/c5`, (c) => {
  c.process.args = ['sh', '-c', 'echo "cg=$(cat /proc/self/cgroup) mem=$(cat /sys/fs/cgroup/memory.max) pids=$(cat /sys/fs/cgroup/pids.max)"'];
  c.linux.resources = { memory: { limit: 16 * MiB }, pids: { limit: 8 } };
});
make(`${work}/c6`, (c) => { c.process.args = ['sleep', '1000']; });
// a user namespace and a cgroup namespace of its own: /sys/fs/cgroup rw (c7) or ro (c8)
for (const [d, ro] of [['c7', false], ['c8', true]]) {
  make(`${work}/${d}`, (c) => {
    c.process.args = ['sleep', '1000'];
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const m = c.mounts.find((x) => x.destination === '/sys/fs/cgroup');
    m.options = m.options.filter((o) => o !== 'ro').concat(ro ? ['ro'] : ['rw']);
  });
}
make(`${work}/c2`, (c) => {
  c.process.args = ['sh', '-c', 'x=a; while :; do x=$x$x; done'];
  c.linux.resources = { memory: { limit: 32 * MiB, swap: 32 * MiB } };
});
EOF
check "bundles written" "yes" "$([ -f "$WORK/c1/config.json" ] && [ -f "$WORK/c2/config.json" ] && echo yes || echo no)"

# ---------------------------------------------------------- C1: limits etc.
section "limits, devices, update, events, ps, pause, kill --all, delete"
run_ok "create with resources (memory, swap, pids, cpu, devices$([ $HAS_IO_WEIGHT = 1 ] && echo ', io weight'))" /dev/null oci create --bundle "$WORK/c1" --pid-file "$WORK/c1/pid" "$C1"
run_ok "start" /dev/null oci start "$C1"
D="$CG/$C1"
truth "the cgroup dir is $D (cgroupsPath unset: the id, under our own cgroup)" "$(ls -d "$CG"/ocirun-test-v2* 2>&1)" test -d "$D"
P1=$(cat "$WORK/c1/pid" 2>/dev/null)
check "the init is in $D" "0::/$C1" "$(cat "/proc/$P1/cgroup" 2>&1)"

# Every value, read inside (cgroup namespace: the container's cgroup is its
# /sys/fs/cgroup) in one exec; the devices too, each open in a subshell.
DEVCHECK='for d in /dev/fuse /dev/loop-control /dev/null; do if e=$( (: < $d) 2>&1); then echo "$d=open"; else case $e in *"not permitted"*) echo "$d=EPERM";; *) echo "$d=err:$e";; esac; fi; done'
inside=$(oci exec "$C1" sh -c 'echo "cg=$(cat /proc/self/cgroup)"; for f in memory.max memory.swap.max pids.max cpu.weight cpu.max io.weight; do echo "$f=$(cat /sys/fs/cgroup/$f 2>&1)"; done; '"$DEVCHECK" 2>&1)
val() { printf '%s\n' "$inside" | sed -n "s|^$1=||p"; }
check "inside: /proc/self/cgroup is 0::/ (cgroup namespace)" "0::/" "$(val cg)"
check "inside: memory.max" "$((64 * MiB))" "$(val memory.max)"
check "host: memory.max" "$((64 * MiB))" "$(cat "$D/memory.max" 2>&1)"
check "inside: memory.swap.max = swap - limit" "$((32 * MiB))" "$(val memory.swap.max)"
check "host: memory.swap.max = swap - limit" "$((32 * MiB))" "$(cat "$D/memory.swap.max" 2>&1)"
check "inside: pids.max" "42" "$(val pids.max)"
check "host: pids.max" "42" "$(cat "$D/pids.max" 2>&1)"
W=$((1 + ((512 - 2) * 9999) / 262142))
check "inside: cpu.weight from shares 512 (runc's formula: $W)" "$W" "$(val cpu.weight)"
check "host: cpu.weight" "$W" "$(cat "$D/cpu.weight" 2>&1)"
check "inside: cpu.max from quota/period" "50000 100000" "$(val cpu.max)"
check "host: cpu.max" "50000 100000" "$(cat "$D/cpu.max" 2>&1)"
if [ "$HAS_IO_WEIGHT" = 1 ]; then
  IW=$((1 + ((500 - 10) * 9999) / 990))
  check "inside: io.weight from blkio weight 500 ($IW)" "default $IW" "$(val io.weight)"
  check "host: io.weight" "default $IW" "$(cat "$D/io.weight" 2>&1)"
else
  ok "io.weight # SKIP no io.weight in a child cgroup on this kernel"
fi
check "device program: /dev/fuse (not allowed) cannot be opened" "EPERM" "$(val /dev/fuse)"
check "device program: /dev/loop-control (allowed rw) opens" "open" "$(val /dev/loop-control | sed 's/^err:.*No such device.*/open/')"
check "device program: /dev/null (default rule) opens" "open" "$(val /dev/null)"

section "update"
# update --resources (stdin) with a new device list: the program is replaced.
printf '%s' '{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":229,"access":"rw"}]}' >"$WORK/devices.json"
run_ok "update --resources - (stdin) with a new device list" "$WORK/devices.json" oci update --resources - "$C1"
# The spec's swap is memory+swap (96 MiB since create): a memory limit above
# it is refused, as runc and Docker do; both together are fine.
over=$(oci update --memory 128m "$C1" 2>&1; echo "rc=$?")
check "update --memory 128m above memory+swap 96m: refused" "yes" "$(printf '%s' "$over" | grep -q 'linux.resources.memory.swap: 100663296 is below the memory limit 134217728' && printf '%s' "$over" | grep -q '^rc=1$' && echo yes || printf '%s' "$over")"
check "after the refused update: memory.max still 64 MiB" "$((64 * MiB))" "$(cat "$D/memory.max" 2>&1)"
run_ok "update --memory 128m --memory-swap 192m" /dev/null oci update --memory 128m --memory-swap 192m "$C1"
check "after update: memory.swap.max = 192m - 128m" "$((64 * MiB))" "$(cat "$D/memory.swap.max" 2>&1)"
run_ok "update --memory-swap 160m alone (the memory limit is the container's)" /dev/null oci update --memory-swap 160m "$C1"
check "after update: memory.swap.max = 160m - 128m" "$((32 * MiB))" "$(cat "$D/memory.swap.max" 2>&1)"
inside=$(oci exec "$C1" sh -c 'echo "memory.max=$(cat /sys/fs/cgroup/memory.max)"; '"$DEVCHECK" 2>&1)
check "after update: /dev/fuse opens (the old program is gone)" "open" "$(val /dev/fuse | sed 's/^err:.*No such device.*/open/')"
check "after update: /dev/loop-control is denied now" "EPERM" "$(val /dev/loop-control)"
check "after update: /dev/null still opens (defaults kept)" "open" "$(val /dev/null)"
check "after update: inside memory.max" "$((128 * MiB))" "$(val memory.max)"
check "after update: host memory.max" "$((128 * MiB))" "$(cat "$D/memory.max" 2>&1)"
# memory.checkBeforeUpdate: a limit below the usage is refused by ocirun (the
# kernel would take it and reclaim or OOM-kill the container on v2).
printf '%s' '{"memory":{"limit":4096,"checkBeforeUpdate":true}}' >"$WORK/check.json"
cbu=$(oci update --resources - "$C1" <"$WORK/check.json" 2>&1; echo "rc=$?")
check "update below the usage with checkBeforeUpdate: refused, one line" "yes" "$(printf '%s' "$cbu" | grep -q "^ocirun: linux.resources.memory.limit: 4096 is not above the container's current memory usage ([0-9]*): refused (checkBeforeUpdate)" && printf '%s' "$cbu" | grep -q '^rc=1$' && echo yes || printf '%s' "$cbu")"
check "after the refused update: memory.max unchanged" "$((128 * MiB))" "$(cat "$D/memory.max" 2>&1)"

section "events --stats"
ev=$(oci events --stats "$C1" 2>&1)
check "events --stats: one line" "1" "$(printf '%s\n' "$ev" | grep -c .)"
check "events --stats: type stats, the id" "yes" "$(printf '%s' "$ev" | grep -q "^{\"type\":\"stats\",\"id\":\"$C1\"," && echo yes || printf '%s' "$ev" | cut -c1-200)"
mu=$(printf '%s' "$ev" | grep -o '"memory":{"cache":[0-9]*,"usage":{"limit":[0-9]*,"usage":[0-9]*' | sed 's/.*"usage"://')
truth "events --stats: memory.usage.usage > 0" "$mu / $ev" test "${mu:-0}" -gt 0
pc=$(printf '%s' "$ev" | grep -o '"pids":{"current":[0-9]*' | sed 's/.*://')
truth "events --stats: pids.current >= 1" "$pc" test "${pc:-0}" -ge 1
ct=$(printf '%s' "$ev" | grep -o '"cpu":{"usage":{"total":[0-9]*' | sed 's/.*://')
truth "events --stats: cpu.usage.total > 0" "$ct" test "${ct:-0}" -gt 0

section "pause / resume through cgroup.freeze"
counter() { v=$(cat "$WORK/c1/host/counter" 2>/dev/null); echo "${v:-0}"; }
c0=$(counter)
run_ok "pause" /dev/null oci pause "$C1"
check "paused: cgroup.freeze" "1" "$(cat "$D/cgroup.freeze" 2>&1)"
check "paused: cgroup.events frozen 1" "1" "$(kv "$D/cgroup.events" frozen)"
check "state: paused" "paused" "$(status_of "$C1")"
a=$(counter)
# ps while frozen: the set of processes cannot change under our feet
ps=$(oci ps --format json "$C1" 2>&1)
check "ps --format json = the cgroup's cgroup.procs" "$(sort -n "$D/cgroup.procs" | tr '\n' ' ')" "$(printf '%s' "$ps" | tr -d '[]' | tr ',' '\n' | sort -n | tr '\n' ' ')"
sleep 3
b=$(counter)
check "the counter stands still while paused" "$a" "$b"
truth "(the counter had advanced before the pause)" "$c0" test "$a" -gt 0
run_ok "resume" /dev/null oci resume "$C1"
check "resumed: cgroup.freeze" "0" "$(cat "$D/cgroup.freeze" 2>&1)"
check "state: running" "running" "$(status_of "$C1")"
advanced() { [ "$(counter)" -gt "$b" ]; }
truth "the counter advances after resume" "$(counter)" wait_until 150 advanced

section "exec --cgroup (v2: one sub-path, no controller prefix)"
mkdir "$D/sub"
check "exec --cgroup sub: runs in the sub-cgroup" "0::/sub" "$(oci exec --cgroup sub "$C1" cat /proc/self/cgroup 2>&1)"
oci exec --cgroup pids:sub "$C1" true >/dev/null 2>&1
check "exec --cgroup pids:sub: refused (no controllers on v2)" "255" "$?"
check "exec --cgroup ../x: refused" "yes" "$(oci exec --cgroup ../x "$C1" true 2>&1 | grep -q "inside the container" && echo yes)"
rmdir "$D/sub"

section "kill --all"
procs=$(cat "$D/cgroup.procs")
truth "several processes in the cgroup" "$procs" test "$(printf '%s\n' "$procs" | grep -c .)" -ge 2
run_ok "kill --all KILL" /dev/null oci kill --all "$C1" KILL
emptied() { [ -z "$(cat "$D/cgroup.procs" 2>/dev/null)" ]; }
truth "every process is gone" "$(cat "$D/cgroup.procs" 2>&1)" wait_until 50 emptied
left=""
for p in $procs; do alive "$p" && left="$left $p"; done
check "none of them survives" "" "$left"
check "state: stopped" "stopped" "$(status_of "$C1")"
run_ok "delete" /dev/null oci delete "$C1"
truth "delete removes the cgroup dir" "$(ls -d "$D" 2>&1)" test ! -e "$D"

# -------------------------------------------------------------- C2: OOM
section "OOM kill under memory.max"
run_ok "create (memory.max 32 MiB, no swap)" /dev/null oci create --bundle "$WORK/c2" --pid-file "$WORK/c2/pid" "$C2"
D2="$CG/$C2"
check "memory.max" "$((32 * MiB))" "$(cat "$D2/memory.max" 2>&1)"
check "memory.swap.max (swap = limit: none)" "0" "$(cat "$D2/memory.swap.max" 2>&1)"
oci events --interval 1s "$C2" </dev/null >"$WORK/c2/events" 2>&1 &
evpid=$!
has_stats() { grep -q '"type":"stats"' "$WORK/c2/events"; }
truth "events prints stats while the container is created" "$(cat "$WORK/c2/events")" wait_until 300 has_stats
P2=$(cat "$WORK/c2/pid" 2>/dev/null)
run_ok "start the allocation loop" /dev/null oci start "$C2"
dead() { ! alive "$P2"; }
truth "the init dies" "pid $P2" wait_until 300 dead
truth "memory.events: oom_kill >= 1" "$(cat "$D2/memory.events" 2>&1)" test "$(kv "$D2/memory.events" oom_kill)" -ge 1
check "state: stopped" "stopped" "$(status_of "$C2")"
# events ends by itself once the container stopped; a watchdog just in case
(sleep 120; kill "$evpid" 2>/dev/null) >/dev/null 2>&1 &
dog=$!
wait "$evpid"
evrc=$?
kill "$dog" 2>/dev/null
check "events exits 0 once the container stopped" "0" "$evrc"
check "events printed an oom event" "{\"type\":\"oom\",\"id\":\"$C2\"}" "$(grep '"type":"oom"' "$WORK/c2/events" | head -1)$(grep -q '"type":"oom"' "$WORK/c2/events" || tail -c 300 "$WORK/c2/events")"
run_ok "delete" /dev/null oci delete "$C2"
truth "delete removes the cgroup dir" "$(ls -d "$D2" 2>&1)" test ! -e "$D2"

section "a pre-existing frozen cgroup (cgroup.freeze 1)"
mkdir "$FRZ" && echo 1 > "$FRZ/cgroup.freeze"
out=$(timeout 120 "$OCIRUN" --root "$ROOT" create --bundle "$WORK/c3" "ocirun-test-v2-frz-$TAG" </dev/null 2>&1)
check "create refuses at once, saying why" "1 container's cgroup unexpectedly frozen" "$? $(printf '%s' "$out" | grep -o "container's cgroup unexpectedly frozen")"
check "no container left" "" "$(oci list -q 2>&1)"
echo 0 > "$FRZ/cgroup.freeze"; rmdir "$FRZ"

section "born in its cgroup (clone3 CLONE_INTO_CGROUP), and the fallback"
# --debug says which way the init got into its cgroup; the container reads
# its own cgroup and limits (cgroup namespace: "0::/").
for way in born refuse; do
  if [ $way = born ]; then want="born in its cgroup (clone3)"; else want="clone3 into the cgroup refused: joins it"; fi
  out=$(OCIRUN_TEST_CLONE3=$([ $way = refuse ] && echo refuse) oci --debug run --bundle "$WORK/c5" "$C5" </dev/null 2>&1)
  rc=$?
  check "$way: run with memory.max and pids.max exits 0" "0" "$rc"
  has "$way: --debug: $want" "$out" "\[spawn\] .*$want"
  has "$way: the container saw its cgroup and limits" "$out" "^cg=0::/ mem=$((16 * MiB)) pids=8\$"
  check "$way: nothing left (container, cgroup)" "" "$(oci list -q 2>&1)$(ls -d "$CG/$C5" 2>/dev/null)"
done
# Stopped right after the clone (before the parent would write cgroup.procs):
# born, the first child is in the container's cgroup already; refused, it is
# not yet, and the old join puts it there.
for way in born refuse; do
  OCIRUN_TEST_CLONE3=$([ $way = refuse ] && echo refuse) OCIRUN_TEST_STOP_AT=create:clone \
    "$OCIRUN" --root "$ROOT" create --bundle "$WORK/c5" --pid-file "$WORK/c5/pid" "$C5" </dev/null >"$WORK/c5/create.out" 2>&1 &
  cpid=$!
  stopped() { grep -q '^State:.*T' "/proc/$cpid/status" 2>/dev/null; }
  truth "$way: create stops after the clone" "$(cat "$WORK/c5/create.out")" wait_until 600 stopped
  first=$(cat "$CG/$C5/cgroup.procs" 2>&1)
  kids=$(cat /proc/$cpid/task/*/children 2>/dev/null | tr -s ' \n' ' ' | sed 's/ $//')
  if [ $way = born ]; then
    check "born: the first child is in the container's cgroup before any write" "$kids" "$first"
  else
    check "refuse: the first child is not in the container's cgroup yet" "" "$first"
    check "refuse: it is in create's own cgroup" "0::/" "$(cat /proc/$kids/cgroup 2>&1)"
  fi
  kill -CONT $cpid
  wait $cpid
  check "$way: create then succeeds" "0" "$?"
  check "$way: the init is in its cgroup" "0::/$C5" "$(cat "/proc/$(cat "$WORK/c5/pid" 2>/dev/null)/cgroup" 2>&1)"
  run_ok "$way: delete --force" /dev/null oci delete --force "$C5"
  truth "$way: delete removes the cgroup dir" "$(ls -d "$CG/$C5" 2>&1)" test ! -e "$CG/$C5"
done
# exec, by the native front (strace shows its clone3 and whether it wrote
# cgroup.procs) and by the CLI (-e: its --debug says), born and refused.
run_ok "exec: a running container" /dev/null oci run -d --bundle "$WORK/c6" "$C5"
for way in born refuse; do
  T=$([ $way = refuse ] && echo refuse)
  out=$(OCIRUN_TEST_CLONE3=$T strace -qq -o "$WORK/c6/strace" -e trace=clone,clone3,openat -e signal=none "$OCIRUN" --root "$ROOT" exec "$C5" cat /proc/self/cgroup 2>&1)
  check "$way: exec (the front): the process is in the container's cgroup" "0::/" "$out"
  st=$(grep -E 'clone|cgroup' "$WORK/c6/strace")
  if [ $way = born ]; then
    has "born: the front cloned with clone3 into the cgroup" "$st" '^clone3(.*CLONE_INTO_CGROUP.*= [1-9]'
    check "born: the front wrote no cgroup.procs" "" "$(printf '%s\n' "$st" | grep cgroup.procs)"
  else
    has "refuse: clone3 refused (EBADF)" "$st" '^clone3(.*= -1 EBADF'
    has "refuse: the front wrote the pid to cgroup.procs" "$st" "cgroup.procs.*O_WRONLY"
  fi
  out=$(OCIRUN_TEST_CLONE3=$T oci --debug exec -e X=1 "$C5" cat /proc/self/cgroup 2>&1)
  has "$way: exec (the CLI): the process is in the container's cgroup" "$out" '^0::/$'
  if [ $way = born ]; then want="born in its cgroup (clone3)"; else want="clone3 into the cgroup refused: joins it"; fi
  has "$way: exec --debug: $want" "$out" "\[spawn\] .*$want"
done
check "exec: only the init (sleep) is left in the cgroup" "1" "$(grep -c . "$CG/$C5/cgroup.procs")"
run_ok "exec: delete --force" /dev/null oci delete --force "$C5"
truth "exec: delete removes the cgroup dir" "$(ls -d "$CG/$C5" 2>&1)" test ! -e "$CG/$C5"

section "blockIO throttles (io.max) on a loop device, through update"
LOOP=$(dd if=/dev/zero of="/tmp/ocirun-test-v2-loop-$TAG.img" bs=1M count=1 2>/dev/null && losetup -f --show "/tmp/ocirun-test-v2-loop-$TAG.img" 2>/dev/null)
if [ -b "$LOOP" ]; then
  MAJ=$(printf '%d' "0x$(stat -c %t "$LOOP")") MIN=$(printf '%d' "0x$(stat -c %T "$LOOP")")
  printf '{"blockIO":{"throttleReadBpsDevice":[{"major":%s,"minor":%s,"rate":1048576}],"throttleWriteIOPSDevice":[{"major":%s,"minor":%s,"rate":100}]}}' \
    "$MAJ" "$MIN" "$MAJ" "$MIN" >"$WORK/io.json"
  run_ok "create" /dev/null oci create --bundle "$WORK/c3" "$C4"
  run_ok "update --resources with throttles" /dev/null oci update --resources "$WORK/io.json" "$C4"
  check "io.max has them" "$MAJ:$MIN rbps=1048576 wbps=max riops=max wiops=100" "$(grep "^$MAJ:$MIN " "$FRZ/io.max" 2>&1)"
  printf '{"blockIO":{"throttleReadBpsDevice":[{"major":%s,"minor":%s,"rate":0}]}}' "$MAJ" "$MIN" >"$WORK/io0.json"
  run_ok "a rate of 0 removes a throttle" /dev/null oci update --resources "$WORK/io0.json" "$C4"
  check "io.max without rbps" "$MAJ:$MIN rbps=max wbps=max riops=max wiops=100" "$(grep "^$MAJ:$MIN " "$FRZ/io.max" 2>&1)"
  run_ok "delete" /dev/null oci delete --force "$C4"
  losetup -d "$LOOP"; LOOP=
else
  ok "blockIO throttles # SKIP no loop device in this guest"
fi

section "cgroup ownership (config-linux.md): user ns + cgroup ns + /sys/fs/cgroup rw"
for d in c7 c8; do
  run_ok "$d: create" /dev/null oci create --bundle "$WORK/$d" "$C5"
  if [ $d = c7 ]; then want=100000; else want=0; fi
  check "$d: owner of the cgroup dir and cgroup.procs ($([ $d = c7 ] && echo "rw: the container's root" || echo "ro: unchanged"))" \
    "$want $want" "$(stat -c %u "$CG/$C5" 2>&1) $(stat -c %u "$CG/$C5/cgroup.procs" 2>&1)"
  [ $d = c7 ] && check "c7: memory.max stays root's (not in /sys/kernel/cgroup/delegate)" "0" "$(stat -c %u "$CG/$C5/memory.max" 2>&1)"
  run_ok "$d: delete" /dev/null oci delete --force "$C5"
done

section "done"
echo "1..$n"
[ "$fails" -eq 0 ]
