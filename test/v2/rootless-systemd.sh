# Sourced by test/v2/rootless.sh (as the user, "usersd"): rootless
# --systemd-cgroup, with the user's own systemd (user@UID.service) on the
# user bus, as runc does it: the scope is made by that systemd, default slice
# user.slice, under the user manager's cgroup; limits the manager can express
# as unit properties, the rest through the delegated scope's files.
# Needs: OCIRUN, ROOTFS, XDG_RUNTIME_DIR=/run/user/UID, DBUS_SESSION_BUS_ADDRESS.
UID_=$(id -u)
MCG=/user.slice/user-$UID_.slice/user@$UID_.service
check "as the user, with the user's systemd on the user bus" "$MCG" "$(systemctl --user show -p ControlGroup --value 2>&1)"
WORK=$(mktemp -d /tmp/ocirun-test-v2sd.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
B="$WORK/b"
mkdir -p "$B"
cp -a "$ROOTFS" "$B/rootfs" 2>/dev/null
oci spec --rootless --bundle "$B"
C=ocirun-test-v2sd-$TAG
node -e '
  const fs = require("fs"); const f = process.argv[1]; const c = JSON.parse(fs.readFileSync(f));
  c.process.terminal = false; c.process.args = ["sleep", "300"];
  delete c.linux.cgroupsPath;
  c.linux.resources = { memory: { limit: 64 * 1048576 }, pids: { limit: 50 } };
  fs.writeFileSync(f, JSON.stringify(c));' "$B/config.json"
SC="$MCG/user.slice/runc-$C.scope"
sd() { oci --systemd-cgroup "$@"; }
sd run -d --bundle "$B" "$C" </dev/null >/dev/null 2>"$WORK/run-d.err"
check "run -d --systemd-cgroup as the user" "" "$(cat "$WORK/run-d.err")"
pid=$(oci state "$C" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
check "it runs" "yes" "$([ -n "$pid" ] && [ "$pid" != 0 ] && echo yes || echo no)"
check "its cgroup: the scope in the user manager's user.slice" "0::$SC" "$(cat /proc/"$pid"/cgroup 2>&1)"
check "the scope is the user's systemd's unit, delegated" "active yes" \
  "$(systemctl --user show -p ActiveState --value "runc-$C.scope" 2>&1) $(systemctl --user show -p Delegate --value "runc-$C.scope" 2>&1)"
check "memory.max of the scope" "$((64 * MiB))" "$(cat "$CG$SC/memory.max" 2>&1)"
check "systemctl --user show: MemoryMax" "$((64 * MiB))" "$(systemctl --user show -p MemoryMax --value "runc-$C.scope" 2>&1)"
check "pids.max of the scope (TasksMax)" "50" "$(cat "$CG$SC/pids.max" 2>&1)"
check "the limit seen inside, in its cgroup namespace" "$((64 * MiB)) 0::/" \
  "$(oci exec "$C" sh -c 'cat /sys/fs/cgroup/memory.max; cat /proc/self/cgroup' 2>&1 </dev/null | tr '\n' ' ' | sed 's/ $//')"
out=$(oci update --memory $((32 * MiB)) "$C" 2>&1 </dev/null)
check "update --memory: the unit and the file" "$((32 * MiB)) $((32 * MiB))" \
  "$(systemctl --user show -p MemoryMax --value "runc-$C.scope" 2>&1) $(cat "$CG$SC/memory.max" 2>&1)$out"
oci pause "$C" </dev/null
check "pause" "paused 1" "$(status "$C") $(sed -n 's/^frozen //p' "$CG$SC/cgroup.events")"
oci resume "$C" </dev/null
check "resume" "running" "$(status "$C")"
check "ps lists the init" "$pid" "$(oci ps --format json "$C" | tr -d '[]')"
out=$(oci events --stats "$C" 2>&1 </dev/null)
case "$out" in
  *'"type":"stats"'*'"pids":{"current":1'*) ok "events --stats reads the scope" ;;
  *) notok "events --stats reads the scope" "$out" ;;
esac
oci kill "$C" KILL </dev/null
for i in $(seq 100); do [ "$(status "$C")" = stopped ] && break; sleep 0.1; done
check "kill" "stopped" "$(status "$C")"
oci delete "$C" </dev/null
check "delete: no unit left" "" "$(systemctl --user list-units --all --no-legend "runc-$C.scope" 2>&1)"
check "delete: no cgroup dir left" "gone" "$([ -e "$CG$SC" ] && echo there || echo gone)"
check "delete: no state left" "" "$(ls "$XDG_RUNTIME_DIR/ocirun" 2>&1)"

# runc, side by side, on the same bundle.
R=$C-runc
if runc --systemd-cgroup --root "$WORK/runc" run -d --bundle "$B" "$R" </dev/null >/dev/null 2>"$WORK/runc.err"; then
  rpid=$(runc --root "$WORK/runc" state "$R" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
  check "runc puts its container at the same place" "0::$MCG/user.slice/runc-$R.scope" "$(cat /proc/"$rpid"/cgroup 2>&1)"
  runc --root "$WORK/runc" delete --force "$R" </dev/null
else
  notok "runc puts its container at the same place" "$(cat "$WORK/runc.err")"
fi

# No user bus: one line naming the address tried, nothing left.
out=$(env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$WORK" "$OCIRUN" --systemd-cgroup run --bundle "$B" "$C" 2>&1 </dev/null)
case "$out" in
  *"user bus"*"$WORK/bus"*) ok "no user bus: refused, naming the address" ;;
  *) notok "no user bus: refused, naming the address" "$out" ;;
esac
out=$(DBUS_SESSION_BUS_ADDRESS=unix:path=$WORK/nobus sd run --bundle "$B" "$C" 2>&1 </dev/null)
case "$out" in
  *"cannot reach the user's systemd on the bus unix:path=$WORK/nobus"*) ok "an unreachable user bus: refused, naming it" ;;
  *) notok "an unreachable user bus: refused, naming it" "$out" ;;
esac
check "nothing left of them" "" "$(ls "$XDG_RUNTIME_DIR/ocirun" 2>&1)$(ls "$WORK/ocirun" 2>&1 | grep -v 'No such')"
