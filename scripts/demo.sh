#!/usr/bin/env bash
# `npm run demo`: build a busybox bundle and run one real container with
# ocirun, printing what the process sees from inside its namespaces.
# Exits with the container's exit status. Needs root.
#
# OCIRUN=/path/to/runtime overrides the runtime (e.g. OCIRUN=runc to compare).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO" || exit 1
OCIRUN="${OCIRUN:-$REPO/bin/ocirun}"
BUNDLE="$REPO/bundles/busybox"
ID="demo-$$"

if [[ $EUID -ne 0 ]]; then
  echo "demo: ocirun needs root (run: sudo npm run demo)" >&2
  exit 1
fi

# What runs inside the container (busybox sh).
read -r -d '' INNER <<'EOF'
echo "--- inside the container ---"
echo "hostname      : $(hostname)            (own UTS namespace)"
echo "user          : $(id)"
echo "my pid        : $$                     (own PID namespace: I am pid 1)"
echo "processes     :"; ps -o pid,user,comm | sed 's/^/  /'
echo "cgroup        :"; sed 's/^/  /' /proc/self/cgroup
echo "network       :"; ip -o link | cut -d' ' -f2,3 | sed 's/^/  /'
echo "capabilities  :"; grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status | sed 's/^/  /'
echo "no_new_privs  : $(grep NoNewPrivs /proc/self/status | cut -f2)"
echo "root fs       : $(ls / | tr '\n' ' ')"
if touch /probe 2>/dev/null; then echo "rootfs        : writable"; else echo "rootfs        : read-only"; fi
if [ -e /proc/kcore ] && [ -s /proc/kcore ]; then echo "/proc/kcore   : visible"; else echo "/proc/kcore   : masked"; fi
echo "devices       : $(ls /dev | tr '\n' ' ')"
echo "--- bye ---"
EOF

# 1. The project: Debian packages, npm dependencies, addon, TypeScript.
if [[ "$OCIRUN" == "$REPO/bin/ocirun" ]]; then
  bash "$REPO/scripts/setup.sh" </dev/null || exit 1
fi

# 2. The bundle (rootfs built once from busybox-static; config.json rewritten with our script).
bash "$REPO/scripts/make-bundle.sh" "$BUNDLE" -- sh -c "$INNER" </dev/null || exit 1

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  if "$OCIRUN" state "$ID" >/dev/null 2>&1; then
    "$OCIRUN" delete --force "$ID" >/dev/null 2>&1
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 3. A real container.
echo "--- on the host ---"
echo "hostname      : $(hostname)"
echo "runtime       : $OCIRUN run --bundle ${BUNDLE#"$REPO"/} $ID"
echo "host pid      : $$"
"$OCIRUN" run --bundle "$BUNDLE" "$ID" </dev/null
status=$?
echo "--- container exited with status $status ---"
exit "$status"
