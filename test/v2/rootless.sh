#!/bin/sh
# Rootless ocirun on a pure cgroup v2 host with systemd: a cgroup subtree
# delegated to an ordinary user (a service with Delegate=yes and User=, as
# systemd's user@.service is), and a container with limits in it. Meant for
# the cgroup2-vm guest booted with systemd, from the repository dir:
#
#   cgroup2-vm --systemd -- sh test/v2/rootless.sh
#
# test/rootless-v2.test.mjs runs it and turns each line into an assertion.
# Output: "ok N - desc" / "not ok N - desc # got ...", then "1..N"; exit 0
# when all passed. As root it makes the user (the guest's /etc is a throw-away
# overlay) and starts the delegated unit, which runs this script again as
# that user with "user" as argument: the checks happen there.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
TAG=${OCIRUN_V2_TAG:-$$}
U=ocirun-test-v2rl
UNIT=ocirun-test-v2rl-$TAG.service
CG=/sys/fs/cgroup
MiB=1048576

if [ "${1:-}" != user ] && [ "${1:-}" != usersd ]; then
  # ---------------------------------------------------------------- as root
  useradd -m -s /bin/sh "$U" 2>/dev/null
  OCIRUN="$REPO/bin/ocirun"
  # The runtime and the rootfs must be the user's to read; else a copy of
  # them (in the shared dir: the unit does not see this command's /tmp).
  RT="$REPO/bundles/ocirun-test-v2-$TAG-rl"
  ROOTFS="$REPO/bundles/busybox/rootfs"
  if ! setpriv --reuid "$U" --regid "$U" --init-groups test -x "$REPO/dist" -a -r "$REPO/build/Release/ocirun.node" -a -x "$OCIRUN" -a -r "$ROOTFS/bin/busybox"; then
    mkdir -p "$RT/build/Release" "$RT/bin"
    cp "$REPO"/build/Release/ocirun-front "$REPO"/build/Release/*.node "$RT/build/Release/"
    cp -a "$REPO/dist" "$RT/dist"
    cp -a "$ROOTFS" "$RT/rootfs"
    ln -s ../build/Release/ocirun-front "$RT/bin/ocirun"
    chmod -R a+rX "$RT"
    OCIRUN="$RT/bin/ocirun" ROOTFS="$RT/rootfs"
  fi
  # Delegate=yes + User=: systemd hands the unit's cgroup to the user.
  res=$(systemd-run --quiet --wait --pipe --collect --unit "$UNIT" -p Delegate=yes -p User="$U" -p Group="$U" \
      -E OCIRUN="$OCIRUN" -E ROOTFS="$ROOTFS" -E OCIRUN_V2_TAG="$TAG" -E OCIRUN_V2_NOPLAN=1 \
      -- sh "$REPO/test/v2/rootless.sh" user </dev/null; echo "rc $?")
  printf '%s\n' "$res" | grep -v '^rc '
  rc=$(printf '%s\n' "$res" | sed -n 's/^rc //p')
  # The user's own systemd (user@UID.service, started by hand: this boot has
  # no logind; it starts user-runtime-dir@UID.service, which makes
  # /run/user/UID) and its bus (dbus-user-session's socket activation):
  # --systemd-cgroup as that user, numbered on from the checks above. Run in
  # a scope of the user's systemd, as podman runs conmon: exec moves its
  # process into the container's cgroup, which needs write access to the
  # common ancestor of both cgroups (the user manager's).
  UID_=$(id -u "$U")
  systemctl start "user@$UID_.service"
  setpriv --reuid "$U" --regid "$U" --init-groups env OCIRUN="$OCIRUN" ROOTFS="$ROOTFS" OCIRUN_V2_TAG="$TAG" \
    OCIRUN_V2_N="$(printf '%s\n' "$res" | grep -c '^\(not \)\?ok ')" XDG_RUNTIME_DIR="/run/user/$UID_" \
    DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$UID_/bus" HOME="$(getent passwd "$U" | cut -d: -f6)" \
    systemd-run --user --scope --quiet -- sh "$REPO/test/v2/rootless.sh" usersd </dev/null
  rc2=$?
  systemctl stop "user@$UID_.service"
  rm -rf "$RT"
  userdel -r "$U" 2>/dev/null
  [ "$rc" = 0 ] && exit $rc2
  exit 1
fi

# ---------------------------------------------------------------- as the user
n=${OCIRUN_V2_N:-0}
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1 # got $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-300)"; }
check() { if [ "$3" = "$2" ]; then ok "$1"; else notok "$1 (want: $2)" "$3"; fi; }
oci() { "$OCIRUN" "$@"; }
status() { oci state "$1" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }

if [ "$1" = usersd ]; then
  # ------------------------------------- --systemd-cgroup: the user's systemd
  . "$REPO/test/v2/rootless-systemd.sh"
  echo "1..$n"
  [ "$fails" -eq 0 ]
  exit
fi

check "running as the user, not root" "$(id -u "$U")" "$(id -u)"
WORK=$(mktemp -d /tmp/ocirun-test-v2rl.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -m 700 "$WORK/xdg" "$WORK/b"
export XDG_RUNTIME_DIR="$WORK/xdg"
cp -a "$ROOTFS" "$WORK/b/rootfs" 2>/dev/null  # (its /root is root's only: left out)
# Our unit's cgroup, delegated: move ourselves into a leaf, so that the
# unit's cgroup may hand controllers down (no processes in inner nodes).
SVC=$(sed -n 's/^0:://p' /proc/self/cgroup)
check "the unit's cgroup is ours" "$(id -u)" "$(stat -c %u "$CG$SVC")"
mkdir "$CG$SVC/sup" && echo $$ >"$CG$SVC/sup/cgroup.procs"
echo "+memory +pids" >"$CG$SVC/cgroup.subtree_control"
check "memory and pids delegated" "memory pids" "$(cat "$CG$SVC/cgroup.subtree_control")"

B="$WORK/b"
oci spec --rootless --bundle "$B"
C=ocirun-test-v2rl-$TAG
node -e '
  const fs = require("fs"); const f = process.argv[1]; const c = JSON.parse(fs.readFileSync(f));
  c.process.terminal = false; c.process.args = ["sleep", "300"];
  c.linux.cgroupsPath = process.argv[2];
  c.linux.resources = { memory: { limit: 64 * 1048576 }, pids: { limit: 50 } };
  fs.writeFileSync(f, JSON.stringify(c));' "$B/config.json" "$SVC/$C"

# (stderr to a file: the detached container keeps the stdio it was given, and
# a command substitution's pipe would make the shell wait for it to exit)
oci run -d --bundle "$B" "$C" </dev/null >/dev/null 2>"$WORK/run-d.err"
out=$(cat "$WORK/run-d.err")
check "run -d with limits in the delegated subtree" "" "$out"
pid=$(oci state "$C" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
check "it runs" "yes" "$([ -n "$pid" ] && [ "$pid" != 0 ] && echo yes || echo no)"
check "the container is in its cgroup" "0::$SVC/$C" "$(cat /proc/"$pid"/cgroup 2>&1)"
check "memory.max applied" "$((64 * MiB))" "$(cat "$CG$SVC/$C/memory.max" 2>&1)"
check "pids.max applied" "50" "$(cat "$CG$SVC/$C/pids.max" 2>&1)"
# (spec --rootless on a cgroup v2 host has a cgroup namespace: its cgroup is the root inside)
check "the limit seen inside, in its cgroup namespace" "$((64 * MiB)) 0::/" \
  "$(oci exec "$C" sh -c 'cat /sys/fs/cgroup/memory.max; cat /proc/self/cgroup' 2>&1 </dev/null | tr '\n' ' ' | sed 's/ $//')"
out=$(oci update --memory $((32 * MiB)) "$C" 2>&1 </dev/null)
check "update --memory" "$((32 * MiB))" "$(cat "$CG$SVC/$C/memory.max" 2>&1)$out"
oci pause "$C" </dev/null
check "pause (cgroup.freeze of a delegated cgroup)" "paused" "$(oci state "$C" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')"
oci resume "$C" </dev/null
check "resume" "running" "$(oci state "$C" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')"
check "ps lists the init" "$pid" "$(oci ps --format json "$C" | tr -d '[]')"
oci delete --force "$C" </dev/null
check "delete removes its cgroup" "gone" "$( [ -e "$CG$SVC/$C" ] && echo there || echo gone)"
check "and its state" "" "$(ls "$XDG_RUNTIME_DIR/ocirun" 2>&1)"

# Limits outside the delegated subtree: refused in one line, nothing left.
node -e '
  const fs = require("fs"); const f = process.argv[1]; const c = JSON.parse(fs.readFileSync(f));
  c.linux.cgroupsPath = "/ocirun-test-v2rl-outside"; c.process.args = ["true"];
  fs.writeFileSync(f, JSON.stringify(c));' "$B/config.json"
out=$(oci run --bundle "$B" "$C" 2>&1 </dev/null)
case "$out" in
  *"rootless container: cannot apply linux.resources: no permission to use cgroup"*) ok "limits without permission: refused" ;;
  *) notok "limits without permission: refused" "$out" ;;
esac
check "nothing left of it" "" "$(ls "$XDG_RUNTIME_DIR/ocirun" 2>&1)"

[ -n "${OCIRUN_V2_NOPLAN:-}" ] || echo "1..$n"
[ "$fails" -eq 0 ]
