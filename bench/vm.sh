#!/usr/bin/env bash
# bench/interleave.mjs on pure cgroup v2: one boot of the cgroup2 VM
# (/work/shared/tools/cgroup2-vm, CPU-emulated ~20x: compare ratios only).
# Not part of the test suite. Needs root.
#
#   bash bench/vm.sh     (RUNS, WARMUP, OPS, RUNTIMES, PARALLEL, PARALLEL_RUNS as
#                         interleave.mjs; defaults here RUNS=5 WARMUP=1
#                         PARALLEL=10 PARALLEL_RUNS=1; the VM's limit
#                         CGROUP2_VM_TIMEOUT=S, 900 by default)
#   BUILDS="NAME=DIR ..." other ocirun builds side by side (DIR holds
#                         build/Release and dist/ocirun-bun, e.g. a copy of
#                         main's): each is copied to the guest's tmpfs too and
#                         measured as runtime NAME (add it to RUNTIMES)
#
# In the guest, ocirun and the bun that runs the harness are copies on its
# tmpfs (test/lib/local-ocirun.sh): the repository is a 9p share whose page
# cache does not keep the 112 MB dist/ocirun-bun between execs, so a call
# from there reads it again each time (the first try of this script, so
# configured, ran past the VM's 900 s without a result). runc and crun run
# from the guest's cached root, crun as it is (no hybrid-host wrapper on v2).
# The medians so far are printed after every round and the samples written
# to BENCH_OUT (bundles/bench-results/interleave-v2.json), so a run cut short
# by the VM's limit still leaves its rounds: node bench/interleave-report.mjs FILE.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"
BUN="$REPO/node_modules/@oven/bun-linux-x64/bin/bun"

if [[ "${1:-}" != --in-vm ]]; then
  VM="${CGROUP2_VM:-/work/shared/tools/cgroup2-vm}"
  [[ -x "$BUN" && -x dist/ocirun-bun ]] || { echo "bench/vm.sh: build first (bash scripts/setup.sh)" >&2; exit 2; }
  exec "$VM" -e RUNS="${RUNS:-5}" -e WARMUP="${WARMUP:-1}" -e PARALLEL="${PARALLEL:-10}" -e PARALLEL_RUNS="${PARALLEL_RUNS:-1}" \
    -e OPS="${OPS:-run create start state kill delete exec}" -e RUNTIMES="${RUNTIMES:-ocirun runc crun}" \
    -e BUILDS="${BUILDS:-}" -e PROGRESS=1 -e BENCH_OUT="${BENCH_OUT:-$REPO/bundles/bench-results/interleave-v2.json}" \
    -- bash bench/vm.sh --in-vm
fi

# In the guest.
. "$REPO/test/lib/local-ocirun.sh"
local_ocirun || { echo "bench/vm.sh: could not copy ocirun to the guest's tmpfs" >&2; exit 1; }
export OCIRUN
EXTRA=""
for b in ${BUILDS:-}; do
  name=${b%%=*} dir=${b#*=}
  inst=/tmp/ocirun-build-$name
  mkdir -p "$inst/build" "$inst/dist" "$inst/bin" && cp -a "$dir/build/Release" "$inst/build/" &&
    cp -a "$dir/dist/ocirun-bun" "$inst/dist/" && ln -sf ../build/Release/ocirun-front "$inst/bin/ocirun" ||
    { echo "bench/vm.sh: could not copy the build $dir" >&2; exit 1; }
  EXTRA="$EXTRA $name=$inst/bin/ocirun"
done
export EXTRA
cp "$BUN" /tmp/bun-bench
echo "bench/vm.sh: in the guest ($(uname -r), $(nproc) CPUs), ocirun from $OCIRUN" >&2
exec /tmp/bun-bench "$REPO/bench/interleave.mjs"
