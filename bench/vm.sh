#!/usr/bin/env bash
# bench/interleave.mjs on pure cgroup v2: one boot of the cgroup2 VM
# (/work/shared/tools/cgroup2-vm, CPU-emulated: compare ratios only).
# Not part of the test suite. Needs root. Under load the emulated VM is slow:
# the default RUNS here do not fit in the VM's 900 s (CGROUP2_VM_TIMEOUT=S).
#   bash bench/vm.sh        (RUNS, OPS, RUNTIMES, PARALLEL... as interleave.mjs;
#                            defaults here RUNS=10 PARALLEL=20 PARALLEL_RUNS=1)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VM="${CGROUP2_VM:-/work/shared/tools/cgroup2-vm}"
cd "$REPO"
exec "$VM" -e RUNS="${RUNS:-10}" -e WARMUP="${WARMUP:-2}" -e PARALLEL="${PARALLEL:-20}" -e PARALLEL_RUNS="${PARALLEL_RUNS:-1}" \
  -e OPS="${OPS:-run create start state kill delete exec}" -e RUNTIMES="${RUNTIMES:-ocirun runc crun}" \
  -e BENCH_OUT="${BENCH_OUT:-$REPO/bundles/bench-results/interleave-v2.json}" \
  -- "$REPO/node_modules/@oven/bun-linux-x64/bin/bun" "$REPO/bench/interleave.mjs"
