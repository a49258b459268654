#!/bin/sh
# checkpoint / restore with CRIU, ocirun and runc side by side. Meant to run
# inside the cgroup2-vm guest (CRIU does not work on the CI host's own
# kernel), from the repository dir:
#
#   cgroup2-vm -- sh test/criu/checks.sh
#
# test/criu.test.mjs does that and turns each "ok N - desc" / "not ok N -
# desc # got ..." line into a tap assertion. When `criu check` fails here it
# prints "1..0 # SKIP <why>". The guest is CPU-emulated (a CRIU dump takes
# ~10-20 s), so each scenario is one container and few calls. Bundles live
# under the repository's bundles/ (shared with the host), state under /tmp.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
OCIRUN="$REPO/bin/ocirun"
. "$REPO/test/lib/local-ocirun.sh"
local_ocirun
TAG=${OCIRUN_CRIU_TAG:-$$}
WORK="$REPO/bundles/ocirun-test-criu-$TAG"
OROOT=/tmp/ocirun-test-criu-root-$TAG
RROOT=/tmp/ocirun-test-criu-runc-$TAG
ONLY=${OCIRUN_CRIU_ONLY:-ocirun runc errors terminal pages lazy podman}

n=0
fails=0
T0=$(date +%s)
section() { echo "# $1 (t+$(($(date +%s) - T0))s)"; }
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1 # got $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-400)"; }
check() { if [ "$3" = "$2" ]; then ok "$1"; else notok "$1 (want: $2)" "$3"; fi; }
# rc_ok DESC OUTPUT: OUTPUT's last line is "rc=0"
rc_ok() { if [ "$(printf '%s\n' "$2" | tail -1)" = rc=0 ]; then ok "$1"; else notok "$1" "$2"; fi; }
truth() { desc=$1; got=$2; shift 2; if "$@"; then ok "$desc"; else notok "$desc" "$got"; fi; }
# ms since the epoch (busybox date lacks %N: use /proc/uptime)
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

cleanup() {
  for id in $(ls "$OROOT" 2>/dev/null); do "$OCIRUN" --root "$OROOT" delete --force "$id" >/dev/null 2>&1; done
  for id in $(ls "$RROOT" 2>/dev/null); do runc --root "$RROOT" delete --force "$id" >/dev/null 2>&1; done
  for p in $DAEMONS; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$WORK" "$OROOT" "$RROOT" "$FIFOS"
}
DAEMONS=""
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v criu >/dev/null 2>&1 && [ ! -x /usr/sbin/criu ]; then echo "1..0 # SKIP criu is not installed"; exit 0; fi
PATH=$PATH:/usr/sbin:/sbin
if ! why=$(criu check 2>&1); then echo "1..0 # SKIP criu check fails here: $(printf '%s' "$why" | grep -i error | tail -1)"; exit 0; fi

mkdir -p "$WORK/data"
echo "from the host" > "$WORK/data/file"
B="$WORK/bundle"
python3 "$REPO/test/criu/make-bundle.py" "$REPO/bundles/busybox" "$B" "$WORK/data" "/ocirun-test-criu-$TAG" >/dev/null
python3 "$REPO/test/criu/make-bundle.py" "$REPO/bundles/busybox" "$WORK/nobind" "$WORK/data" "/ocirun-test-criu-$TAG-nb" --no-bind >/dev/null
check "bundles written" yes "$([ -f "$B/config.json" ] && echo yes)"

# (the console sockets live in the guest's /tmp)
FIFOS=/tmp/ocirun-test-criu-fifo-$TAG
mkdir -p "$FIFOS"

# rt RUNTIME ARGS...: ocirun or runc with its own state root
rt() { r=$1; shift; if [ "$r" = ocirun ]; then "$OCIRUN" --root "$OROOT" "$@"; else runc --root "$RROOT" "$@"; fi; }
count() { rt "$1" exec "$2" cat /tmp/count 2>&1; }
# piped LOG COMMAND...: COMMAND with anonymous pipes as stdin and stdout /
# stderr (what an engine gives a detached container, and what runc can
# dump), in the background; waits for COMMAND (not the container) to exit
# and prints "rc=N" and its output. The pipes stay with the container.
piped() {
  log=$1; shift
  rm -f "$log.rc"
  (sleep 100000 | { "$@"; echo $? > "$log.rc"; } 2>&1 | cat > "$log") > /dev/null 2>&1 &
  i=0; while [ $i -lt 3000 ] && [ ! -s "$log.rc" ]; do sleep 0.2; i=$((i + 1)); done
  echo "$(cat "$log" 2>/dev/null)"
  echo "rc=$(cat "$log.rc" 2>/dev/null)"
}
# start RUNTIME ID: the counter, detached
start_ctr() { piped "$WORK/log-$2" rt "$1" run -d --bundle "$B" "$2" > /dev/null; }
# inside RUNTIME ID: what the container sees, one exec
inside() {
  rt "$1" exec "$2" sh -c 'echo count=$(cat /tmp/count) mem=$(cat /tmp/mem) pid=$(cat /tmp/pid) host=$(hostname) env=$(tr "\0" "\n" < /proc/1/environ | grep CRIU_TEST_ENV) memmax=$(cat /sys/fs/cgroup/memory.max) seccomp=$(sed -n "s/^Seccomp:\t//p" /proc/1/status) tmp=$(awk "\$2==\"/tmp\" {print \$3}" /proc/mounts) data=$(cat /data/file)' 2>&1
}
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
status_of() { rt "$1" state "$2" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
bench_line() { echo "# bench $1 $2 $3"; }

scenario() {
  R=$1
  C="ocirun-test-criu-$R-$TAG"
  section "$R: counter, checkpoint, restore"
  start_ctr "$R" "$C"
  truth "$R: counter runs" "$(rt "$R" state "$C" 2>&1)" test "$(status_of "$R" "$C")" = running
  sleep 2
  before=$(inside "$R" "$C")
  c1=$(field "$before" count)
  truth "$R: counting ($c1)" "$before" test "${c1:-0}" -gt 0
  t=$(now_ms)
  out=$(rt "$R" checkpoint --image-path "$WORK/$R-img1" --work-path "$WORK/$R-work1" "$C" 2>&1)
  rc=$?; bench_line "$R" checkpoint $(($(now_ms) - t))
  check "$R: checkpoint exits 0" "0" "$rc$out"
  p=$(rt "$R" state "$C" 2>&1)
  if [ "$R" = ocirun ]; then check "$R: state after checkpoint: stopped" stopped "$(status_of "$R" "$C")"
  else truth "$R: state after checkpoint: gone (runc removes it)" "$p" test -z "$(status_of "$R" "$C")"; fi
  t=$(now_ms)
  out=$(piped "$WORK/log-$C-r1" rt "$R" restore -d --image-path "$WORK/$R-img1" --work-path "$WORK/$R-work1" --bundle "$B" --pid-file "$WORK/$R.pid" "$C")
  bench_line "$R" restore $(($(now_ms) - t))
  rc_ok "$R: restore -d exits 0" "$out"
  check "$R: state after restore: running" running "$(status_of "$R" "$C")"
  pid=$(cat "$WORK/$R.pid" 2>/dev/null)
  truth "$R: pid file names a live process ($pid)" "$pid" test -n "$pid" -a -d "/proc/$pid"
  echo "changed on the host" > "$WORK/data/file"
  sleep 1
  after=$(inside "$R" "$C")
  c2=$(field "$after" count)
  truth "$R: the counter went on from $c1 (no restart): $c2" "$after" test "${c2:-0}" -gt "${c1:-0}"
  check "$R: memory contents kept (random value in the shell)" "$(field "$before" mem)" "$(field "$after" mem)"
  check "$R: pid namespace kept (the counter is pid 1)" 1 "$(field "$after" pid)"
  check "$R: hostname kept" criu-ctr "$(field "$after" host)"
  check "$R: env kept" CRIU_TEST_ENV=kept "$(field "$after" env)"
  check "$R: memory limit of the config (cgroup)" 67108864 "$(field "$after" memmax)"
  check "$R: seccomp filter kept" 2 "$(field "$after" seccomp)"
  check "$R: /tmp is still a tmpfs" tmpfs "$(field "$after" tmp)"
  check "$R: the bind mount is the host dir (written after restore)" changed "$(field "$after" data)"
  echo "from the host" > "$WORK/data/file"
  # the pipe we gave restore is the container's stdout now
  if [ "$R" = ocirun ]; then
    run_pause=$(rt "$R" pause "$C" 2>&1; status_of "$R" "$C"; rt "$R" resume "$C" 2>&1; status_of "$R" "$C")
    check "$R: pause / resume the restored container" "paused running" "$(echo $run_pause)"
  fi

  section "$R: --leave-running, pre-dump + dump, restore under a new id"
  out=$(rt "$R" checkpoint --leave-running --image-path "$WORK/$R-img2" "$C" 2>&1)
  check "$R: checkpoint --leave-running exits 0" "0" "$?$out"
  check "$R: still running after --leave-running" running "$(status_of "$R" "$C")"
  c3=$(count "$R" "$C")
  truth "$R: and still counting ($c3 > $c2)" "$c3" test "${c3:-0}" -gt "${c2:-0}"
  out=$(rt "$R" checkpoint --pre-dump --image-path "$WORK/$R-img3/pre" "$C" 2>&1)
  check "$R: checkpoint --pre-dump exits 0" "0" "$?$out"
  check "$R: running after --pre-dump" running "$(status_of "$R" "$C")"
  out=$(rt "$R" checkpoint --image-path "$WORK/$R-img3/final" --parent-path ../pre "$C" 2>&1)
  check "$R: checkpoint --parent-path ../pre exits 0" "0" "$?$out"
  truth "$R: the dump is incremental (pages link to the parent)" "$(ls "$WORK/$R-img3/final" 2>&1)" test -L "$WORK/$R-img3/final/parent"
  C2="$C-b"
  out=$(piped "$WORK/log-$C-r2" rt "$R" restore -d --image-path "$WORK/$R-img3/final" --bundle "$B" "$C2")
  rc_ok "$R: restore the second checkpoint under a new id" "$out"
  sleep 1
  c4=$(count "$R" "$C2")
  truth "$R: checkpoint -> restore -> checkpoint -> restore: still counting ($c4 > $c3)" "$c4" test "${c4:-0}" -gt "${c3:-0}"
  out=$(rt "$R" kill "$C2" KILL 2>&1)
  check "$R: kill the restored container" "0" "$?$out"
  sleep 1
  out=$(rt "$R" delete "$C2" 2>&1; rt "$R" delete --force "$C" 2>&1)
  check "$R: delete both" "" "$out"
  truth "$R: the cgroup is gone" "$(ls -d /sys/fs/cgroup/ocirun-test-criu-$TAG 2>&1)" test ! -d "/sys/fs/cgroup/ocirun-test-criu-$TAG"
}

for r in $ONLY; do case $r in ocirun|runc) scenario "$r";; esac; done

case " $ONLY " in *" errors "*)
section "ocirun: wrong states and bad input"
O() { "$OCIRUN" --root "$OROOT" "$@"; }
truth "features lists checkpoint support here (criu check passes)" "$(O features 2>&1 | grep -i criu)" sh -c "'$OCIRUN' features | grep -q '\"org.ocirun.checkpoint\": \"criu '"
truth "--version says +CRIU" "$(O --version)" sh -c "'$OCIRUN' --version | grep -qx '+CRIU'"
E="ocirun-test-criu-e-$TAG"
O create --bundle "$B" "$E" < /dev/null > /dev/null 2>&1
out=$(O checkpoint --image-path "$WORK/e-img" "$E" 2>&1)
check "checkpoint of a created container: runc's error" "1 ocirun: Container cannot be checkpointed in created state" "$? $out"
O start "$E"
O pause "$E"
out=$(O checkpoint --image-path "$WORK/e-img" "$E" 2>&1)
check "checkpoint of a paused container" "1 ocirun: Container cannot be checkpointed in paused state" "$? $out"
O resume "$E"
O kill "$E" KILL; sleep 1
out=$(O checkpoint --image-path "$WORK/e-img" "$E" 2>&1)
check "checkpoint of a stopped container" "1 ocirun: Container cannot be checkpointed in stopped state" "$? $out"
O delete "$E"
mkdir -p "$WORK/not-a-checkpoint"
out=$(O restore -d --image-path "$WORK/not-a-checkpoint" --bundle "$B" "$E" 2>&1)
truth "restore from a dir that is not a checkpoint: clear error" "$out" sh -c "echo '$out' | grep -q 'is not a checkpoint'"
truth "... and no state dir" "$(ls "$OROOT")" test ! -e "$OROOT/$E"

# A host /dev/null as stdin (what conmon gives) is dumped as an external file
# and reconnected to restore's own stdin (runc fails this dump).
E2="ocirun-test-criu-null-$TAG"
O run -d --bundle "$B" "$E2" < /dev/null > /dev/null 2>&1
sleep 1
out=$(O checkpoint --image-path "$WORK/null-img" "$E2" 2>&1)
check "checkpoint with the host's /dev/null as stdio" "0" "$?$out"
# Restore with a bundle that lacks the bind mount: CRIU fails; nothing may stay.
out=$(O restore -d --image-path "$WORK/null-img" --bundle "$WORK/nobind" "$E2" 2>&1 < /dev/null; echo "rc=$?")
check "restore with a config that lacks a dumped mount fails" "rc=1" "$(printf '%s\n' "$out" | tail -1)"
msg=$(printf '%s\n' "$out" | sed '$d')
truth "... with CRIU's reason in one line: $msg" "$msg" test "$(printf '%s\n' "$msg" | wc -l)" -eq 1 -a -n "$msg"
truth "... no state dir left" "$(ls -a "$OROOT/$E2" 2>&1)" test ! -e "$OROOT/$E2"
truth "... no cgroup left" "$(ls -d /sys/fs/cgroup/ocirun-test-criu-$TAG-nb 2>&1)" test ! -e "/sys/fs/cgroup/ocirun-test-criu-$TAG-nb"
truth "... no mount left" "$(grep criu-root /proc/self/mountinfo)" sh -c "! grep -q criu-root /proc/self/mountinfo"
truth "... no restored process left" "$(ps -ef | grep 'sleep 0.2' | grep -v grep)" sh -c "! ps -ef | grep -v grep | grep -q 'while true'"
out=$(O restore -d --image-path "$WORK/null-img" --bundle "$B" "$E2" < /dev/null > /dev/null 2>&1; echo "rc=$?")
check "then restore with the right bundle (stdin /dev/null again)" "rc=0" "$out"
sleep 1
c=$(O exec "$E2" cat /tmp/count 2>&1)
truth "... counting ($c)" "$c" test "${c:-0}" -gt 0
O delete -f "$E2"
;; esac

case " $ONLY " in *" terminal "*)
section "ocirun: a terminal container (the pty master goes to --console-socket on restore)"
O() { "$OCIRUN" --root "$OROOT" "$@"; }
python3 "$REPO/test/criu/make-bundle.py" "$REPO/bundles/busybox" "$WORK/tty" "$WORK/data" "/ocirun-test-criu-$TAG-tty" --terminal >/dev/null
T="ocirun-test-criu-tty-$TAG"
# receiver ID N: a console socket that prints what the container writes, as JSON, when the pty closes
receiver() {
  rm -f "$FIFOS/con$1.sock"
  python3 "$REPO/test/lib/console-receiver.py" "$FIFOS/con$1.sock" '' 300 > "$WORK/con$1" 2>&1 &
  i=0; while [ $i -lt 100 ] && ! grep -q listening "$WORK/con$1" 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
}
last_n() { python3 -c 'import json,sys,re; o=json.loads(open(sys.argv[1]).read().split("\n",1)[1] or "{}").get("output",""); n=re.findall(r"n=(\d+)", o); print(n[-1] if n else 0)' "$1" 2>/dev/null; }
receiver 1
out=$(O run -d --console-socket "$FIFOS/con1.sock" --bundle "$WORK/tty" "$T" < /dev/null 2>&1)
check "run -d a terminal container" "0" "$?$out"
sleep 2
out=$(O checkpoint --image-path "$WORK/tty-img" "$T" 2>&1)
check "checkpoint the terminal container" "0" "$?$out"
sleep 1
t1=$(last_n "$WORK/con1")
truth "its terminal showed the counter before ($t1)" "$(cat "$WORK/con1")" test "${t1:-0}" -gt 0
receiver 2
out=$(O restore -d --console-socket "$FIFOS/con2.sock" --image-path "$WORK/tty-img" --bundle "$WORK/tty" "$T" < /dev/null 2>&1)
check "restore -d --console-socket" "0" "$?$out"
sleep 2
O delete -f "$T" > /dev/null 2>&1
i=0; while [ $i -lt 50 ] && ! grep -q output "$WORK/con2" 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
t2=$(last_n "$WORK/con2")
truth "the new console socket got the pty: the counter goes on there ($t1 -> $t2)" "$(cat "$WORK/con2")" test "${t2:-0}" -gt "${t1:-0}"
;; esac

case " $ONLY " in *" pages "*|*" lazy "*)
O() { "$OCIRUN" --root "$OROOT" "$@"; }
# in_bg LOG COMMAND...: COMMAND in the background, its output to LOG, "rc=N" to LOG.rc
in_bg() { log=$1; shift; rm -f "$log.rc"; ( "$@" > "$log" 2>&1; echo "rc=$?" > "$log.rc" ) & }
# waitfor SECONDS TEST...: polls TEST every 0.2 s
waitfor() { w=$(($1 * 5)); shift; while [ $w -gt 0 ] && ! "$@"; do sleep 0.2; w=$((w - 1)); done; "$@"; }
pages_in() { ls "$1" 2>/dev/null | grep -c '^pages-.*\.img$'; }
;; esac

case " $ONLY " in *" pages "*)
section "ocirun: checkpoint --page-server (the pages go to a criu page-server)"
PS="ocirun-test-criu-ps-$TAG"
start_ctr ocirun "$PS"
sleep 2
before=$(inside ocirun "$PS")
# A page server that is not there: the dump fails, one line, the container runs on.
out=$(O checkpoint --page-server 127.0.0.1:27270 --image-path "$WORK/ps-none" "$PS" 2>&1; echo "rc=$?")
check "checkpoint --page-server with nothing listening fails" rc=1 "$(printf '%s\n' "$out" | tail -1)"
msg=$(printf '%s\n' "$out" | sed '$d')
truth "... in one line naming the cause: $msg" "$msg" test "$(printf '%s\n' "$msg" | wc -l)" -eq 1 -a -n "$(printf '%s' "$msg" | grep -i 'connect\|refused')"
check "... the container is still running" running "$(status_of ocirun "$PS")"
c0=$(count ocirun "$PS"); sleep 1; c1=$(count ocirun "$PS")
truth "... and counting ($c0 -> $c1)" "$c1" test "${c1:-0}" -gt "${c0:-0}"
mkdir -p "$WORK/ps-pages"
criu page-server --images-dir "$WORK/ps-pages" --port 27271 --address 127.0.0.1 -d --pidfile "$WORK/ps.pid" > "$WORK/ps.log" 2>&1
pspid=$(cat "$WORK/ps.pid" 2>/dev/null); DAEMONS="$DAEMONS $pspid"
truth "criu page-server listens on 127.0.0.1:27271 (pid $pspid)" "$(cat "$WORK/ps.log")" test -n "$pspid" -a -d "/proc/$pspid"
before=$(inside ocirun "$PS")
out=$(O checkpoint --page-server 127.0.0.1:27271 --image-path "$WORK/ps-img" "$PS" 2>&1)
check "checkpoint --page-server 127.0.0.1:27271 exits 0" 0 "$?$out"
check "the image dir has no memory pages" 0 "$(pages_in "$WORK/ps-img")"
truth "the page server's dir has them ($(pages_in "$WORK/ps-pages") pages-*.img)" "$(ls "$WORK/ps-pages")" test "$(pages_in "$WORK/ps-pages")" -gt 0
mem=$(field "$before" mem)
truth "... with the shell's memory (its random value $mem is in them)" "$(ls "$WORK/ps-pages")" sh -c 'cat "$1"/pages-*.img | grep -q -a "$2"' _ "$WORK/ps-pages" "$mem"
truth "the page server exits after the dump" "$(ps -p "$pspid" 2>&1)" waitfor 10 test ! -d "/proc/$pspid"
check "the container is stopped" stopped "$(status_of ocirun "$PS")"
# The migration's last step: the rest of the images join the pages; restore from there.
cp -a "$WORK/ps-img/." "$WORK/ps-pages/"
O delete "$PS" > /dev/null 2>&1
out=$(piped "$WORK/log-$PS-r" O restore -d --image-path "$WORK/ps-pages" --bundle "$B" "$PS")
rc_ok "restore from the page server's dir exits 0" "$out"
sleep 1
after=$(inside ocirun "$PS")
check "restored: memory contents kept (the shell's random value came through the page server)" "$(field "$before" mem)" "$(field "$after" mem)"
truth "restored: the counter went on ($(field "$before" count) -> $(field "$after" count))" "$after" test "$(field "$after" count)" -gt "$(field "$before" count)"
O delete -f "$PS" > /dev/null 2>&1
;; esac

case " $ONLY " in *" lazy "*)
section "ocirun: checkpoint --lazy-pages --status-fd, criu lazy-pages, restore --lazy-pages"
LZ="ocirun-test-criu-lz-$TAG"
LR="ocirun-test-criu-lr-$TAG"
if ! why=$(criu check --feature uffd-noncoop 2>&1); then
  skip "lazy pages" "criu check --feature uffd-noncoop fails in this kernel: $(printf '%s' "$why" | tail -1)"
else
  # The restored copy runs while the dumped one still exists (stopped, serving
  # its pages): it needs a cgroup of its own.
  python3 "$REPO/test/criu/make-bundle.py" "$REPO/bundles/busybox" "$WORK/lazy" "$WORK/data" "/ocirun-test-criu-$TAG-lr" >/dev/null
  start_ctr ocirun "$LZ"
  sleep 2
  before=$(inside ocirun "$LZ")
  lzpid=$(O state "$LZ" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
  mkfifo "$FIFOS/status"
  # --status-fd 9: the fifo's write end
  in_bg "$WORK/lz-ckpt" sh -c 'exec 9> "$1"; shift; exec "$@"' _ "$FIFOS/status" "$OCIRUN" --root "$OROOT" checkpoint --lazy-pages --page-server 127.0.0.1:27272 --status-fd 9 --work-path "$WORK/lz-work" --image-path "$WORK/lz-img" "$LZ"
  ready=$(timeout 300 dd if="$FIFOS/status" bs=1 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
  check "the status fd got one NUL byte when the lazy dump was ready" 00 "$ready$(cat "$WORK/lz-ckpt" 2>/dev/null)"
  if [ "$ready" != 00 ]; then notok "lazy pages: the rest needs the lazy dump" "$(cat "$WORK/lz-ckpt" 2>/dev/null)"; else
  truth "the image dir has the dump (inventory.img)" "$(ls "$WORK/lz-img")" test -e "$WORK/lz-img/inventory.img"
  mem=$(field "$before" mem)
  truth "... but not the shell's memory (its random value $mem is in no pages-*.img: those pages are lazy)" "$(ls "$WORK/lz-img")" sh -c '! cat "$1"/pages-*.img 2>/dev/null | grep -q -a "$2"' _ "$WORK/lz-img" "$mem"
  truth "checkpoint still waits (the pages are not fetched yet)" "$(cat "$WORK/lz-ckpt.rc" 2>/dev/null)" test ! -e "$WORK/lz-ckpt.rc"
  st=$(sed -n 's/^State:\t\(.\).*/\1/p' "/proc/$lzpid/status" 2>/dev/null)
  check "the dumped container's init is held stopped meanwhile (State t)" t "$st"
  # The daemon and the restore meet at lazy-pages.socket in their work dir:
  # on the guest's tmpfs (a unix socket cannot be bound on the 9p share: ENXIO).
  LW="$FIFOS/lz-restore-work"
  mkdir -p "$LW"
  criu lazy-pages --page-server --address 127.0.0.1 --port 27272 -D "$WORK/lz-img" -W "$LW" -o "$WORK/lazy-pages.log" > /dev/null 2>&1 &
  lp=$!; DAEMONS="$DAEMONS $lp"
  truth "criu lazy-pages is up (its socket is in the work dir)" "$(tail -2 "$WORK/lazy-pages.log" 2>&1)" waitfor 60 test -S "$LW/lazy-pages.socket"
  out=$(piped "$WORK/log-$LR" O restore -d --lazy-pages --image-path "$WORK/lz-img" --work-path "$LW" --bundle "$WORK/lazy" "$LR")
  rc_ok "restore -d --lazy-pages exits 0" "$out$(grep Error "$WORK/lazy-pages.log" 2>/dev/null | head -2)"
  truth "the checkpoint finishes once the pages are transferred" "$(cat "$WORK/lz-ckpt" 2>/dev/null)" waitfor 300 test -e "$WORK/lz-ckpt.rc"
  check "... and exits 0" rc=0 "$(cat "$WORK/lz-ckpt.rc" 2>/dev/null)$(cat "$WORK/lz-ckpt" 2>/dev/null)"
  truth "criu lazy-pages exits too" "$(ps -p "$lp" 2>&1)" waitfor 60 test ! -d "/proc/$lp"
  check "the dumped container is stopped" stopped "$(status_of ocirun "$LZ")"
  truth "... its process is gone" "$lzpid" test ! -d "/proc/$lzpid"
  sleep 1
  after=$(inside ocirun "$LR")
  check "the lazily restored container: memory contents kept (fetched on demand)" "$(field "$before" mem)" "$(field "$after" mem)"
  truth "... the counter went on ($(field "$before" count) -> $(field "$after" count))" "$after" test "$(field "$after" count)" -gt "$(field "$before" count)"
  check "... hostname kept" criu-ctr "$(field "$after" host)"
  fi
  O delete -f "$LR" > /dev/null 2>&1
  O delete -f "$LZ" > /dev/null 2>&1
fi
;; esac

case " $ONLY " in *" podman "*)
section "podman --runtime ocirun: checkpoint / restore, --export / --import"
PD=/tmp/ocirun-test-criu-podman-$TAG
mkdir -p "$PD"
P() { podman --root "$PD/root" --runroot "$PD/run" --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime "$OCIRUN" "$@"; }
tar -C "$REPO/bundles/busybox/rootfs" -cf "$PD/rootfs.tar" .
out=$(P import -q "$PD/rootfs.tar" localhost/ocirun-criu:1 2>&1)
check "podman import" 0 "$?"
PC=ocirun-test-criu-pc-$TAG
out=$(P run -d --name "$PC" --network none localhost/ocirun-criu:1 sh -c 'M=$(cat /proc/sys/kernel/random/uuid); i=0; while true; do i=$((i+1)); echo $i > /tmp/count; echo $M > /tmp/mem; sleep 0.2; done' 2>&1)
check "podman run -d (ocirun)" 0 "$?"
sleep 2
c1=$(P exec "$PC" cat /tmp/count 2>&1); m1=$(P exec "$PC" cat /tmp/mem 2>&1)
truth "podman: counting ($c1)" "$c1" test "${c1:-0}" -gt 0 2>/dev/null
out=$(P container checkpoint "$PC" 2>&1)
check "podman container checkpoint" 0 "$?$(printf '%s' "$out" | grep -iv "^$PC\$" | grep -i . | head -3)"
check "podman: the container is exited" exited "$(P inspect -f '{{.State.Status}}' "$PC" 2>&1)"
out=$(P container restore "$PC" 2>&1)
check "podman container restore" 0 "$?$(printf '%s' "$out" | grep -iv "^$PC\$" | grep -i . | head -3)"
sleep 1
c2=$(P exec "$PC" cat /tmp/count 2>&1); m2=$(P exec "$PC" cat /tmp/mem 2>&1)
truth "podman: the counter went on ($c1 -> $c2)" "$c2" test "${c2:-0}" -gt "${c1:-0}" 2>/dev/null
check "podman: memory contents kept" "$m1" "$m2"
out=$(P container checkpoint --export "$PD/export.tar" "$PC" 2>&1)
check "podman container checkpoint --export" 0 "$?$(printf '%s' "$out" | grep -iv "^$PC\$" | grep -i . | head -3)"
P rm -f "$PC" >/dev/null 2>&1
out=$(P container restore --import "$PD/export.tar" 2>&1)
check "podman container restore --import" 0 "$?$(printf '%s' "$out" | grep -iv "^[0-9a-f]\{64\}\$" | grep -i . | head -3)"
sleep 1
c3=$(P exec "$PC" cat /tmp/count 2>&1); m3=$(P exec "$PC" cat /tmp/mem 2>&1)
truth "podman: imported, the counter went on ($c2 -> $c3)" "$c3" test "${c3:-0}" -gt "${c2:-0}" 2>/dev/null
check "podman: imported, memory contents kept" "$m1" "$m3"
P rm -f "$PC" >/dev/null 2>&1
P rmi -f localhost/ocirun-criu:1 >/dev/null 2>&1
rm -rf "$PD"
;; esac

echo "1..$n"
[ "$fails" -eq 0 ]
