#!/usr/bin/env bash
# Docker with runc, crun and ocirun: `docker run --rm IMAGE true` and
# `docker exec C true`, the runtimes interleaved in one run (each round runs
# every runtime once, in a rotating order), reported as medians and ratios.
# Not part of the test suite. Needs root.
#
#   bash bench/docker.sh
#
# Environment:
#   RUNS=N      timed rounds per measurement (default 30), after WARMUP=3
#   BENCH_OUT=DIR   where the raw times and the summary go
#                   (default: bundles/bench-results, git-ignored)
#
# The engine is test/engines/setup.sh docker (a dockerd and containerd of their
# own, torn down at the end): the same daemon runs all three runtimes, as
# `--runtime runc|crun|ocirun`, with `--network none` (no bridge here). crun
# 1.8 refuses cgroup v1/v2 hybrid hosts: there it runs through a wrapper that
# hides /sys/fs/cgroup/unified in a mount namespace of its own (as bench/run.sh
# does); what the wrapper costs is measured too and shown beside it.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-3}"
OUT="${BENCH_OUT:-$REPO/bundles/bench-results}"
mkdir -p "$OUT"
exec </dev/null
log() { echo "bench/docker: $*" >&2; }

DIR="$(mktemp -d /tmp/ocirun-bench-dk-XXXXXX)"
cleanup() {
  [[ -n "${CIDS:-}" ]] && "$DOCKER" rm -f $CIDS >/dev/null 2>&1
  bash "$REPO/test/engines/teardown.sh" "$DIR"
}
trap cleanup EXIT
vars="$(bash "$REPO/test/engines/setup.sh" docker "$DIR")"
eval "$(grep -E '^(DOCKER|DOCKER_HOST|DOCKER_API_VERSION|DOCKER_PID|IMAGE)=' <<<"$vars" | sed 's/^/export /')"

RUNTIMES=(runc ocirun)
CRUN="$(command -v crun || true)"
if [[ -n "$CRUN" ]]; then
  WRAP="$DIR/crun"
  if [[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs && -d /sys/fs/cgroup/unified ]]; then
    printf '#!/bin/sh\nexec unshare -m sh -c '\''mount -t tmpfs none /sys/fs/cgroup/unified && exec "$0" "$@"'\'' %s "$@"\n' "$CRUN" >"$WRAP"
  else
    printf '#!/bin/sh\nexec %s "$@"\n' "$CRUN" >"$WRAP"
  fi
  chmod +x "$WRAP"
  # Adds the runtime to the daemon's config; SIGHUP reloads the runtimes.
  python3 - "$DIR/daemon.json" "$WRAP" <<'EOF'
import json, sys
p, wrap = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["runtimes"]["crun"] = {"path": wrap}
json.dump(c, open(p, "w"), indent=2)
EOF
  kill -HUP "$DOCKER_PID"
  for _ in $(seq 1 50); do "$DOCKER" info --format '{{json .Runtimes}}' | grep -q '"crun"' && break; sleep 0.1; done
  if "$DOCKER" run --rm --runtime crun --network none "$IMAGE" true >/dev/null 2>"$DIR/crun.err"; then
    RUNTIMES=(runc crun ocirun)
  else
    log "crun left out: $(tail -1 "$DIR/crun.err")"
  fi
fi

# One timed command in milliseconds (bash's clock, no fork for the timer).
ms() {
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { log "failed: $*"; return 1; }
  local t1=$EPOCHREALTIME
  echo "$(( (${t1/./} - ${t0/./}) / 1000 )).$(( (${t1/./} - ${t0/./}) % 1000 / 100 ))"
}

# Rounds of OP for every runtime, interleaved; raw times to $OUT/docker-OP-R.txt.
bench() {
  local op="$1" n=$((RUNS + WARMUP)) i k R
  for R in "${RUNTIMES[@]}"; do : >"$OUT/docker-$op-$R.txt"; done
  for ((i = 0; i < n; i++)); do
    for ((k = 0; k < ${#RUNTIMES[@]}; k++)); do
      R="${RUNTIMES[$(((i + k) % ${#RUNTIMES[@]}))]}"
      local t
      case "$op" in
        run) t="$(ms "$DOCKER" run --rm --runtime "$R" --network none "$IMAGE" true)" ;;
        exec) t="$(ms "$DOCKER" exec "bench-$R-$$" true)" ;;
      esac
      ((i >= WARMUP)) && echo "$t" >>"$OUT/docker-$op-$R.txt"
    done
  done
}

log "run: ${RUNS} rounds of docker run --rm IMAGE true with ${RUNTIMES[*]}"
bench run
CIDS=""
for R in "${RUNTIMES[@]}"; do
  "$DOCKER" run -d --name "bench-$R-$$" --runtime "$R" --network none "$IMAGE" sleep 3600 >/dev/null
  CIDS+=" bench-$R-$$"
done
log "exec: ${RUNS} rounds of docker exec C true"
bench exec
"$DOCKER" rm -f $CIDS >/dev/null
CIDS=""
WRAPPER_MS=""
if [[ " ${RUNTIMES[*]} " == *" crun "* ]] && grep -q unshare "$WRAP"; then
  # What the hybrid-host wrapper alone costs per call (unshare + mount + exec).
  : >"$OUT/docker-wrapper.txt"
  for ((i = 0; i < RUNS; i++)); do ms "$WRAP" --version >>"$OUT/docker-wrapper.txt"; done
  : >"$OUT/docker-crun-version.txt"
  for ((i = 0; i < RUNS; i++)); do ms "$CRUN" --version >>"$OUT/docker-crun-version.txt"; done
  WRAPPER_MS=1
fi

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
{
  echo "# Docker $("$DOCKER" version --format '{{.Server.Version}}'), ${RUNS} interleaved rounds, median ms"
  echo
  printf '| %-6s |' op; for R in "${RUNTIMES[@]}"; do printf ' %8s |' "$R"; done
  for R in "${RUNTIMES[@]}"; do [[ $R != ocirun ]] && printf ' ocirun/%s |' "$R"; done; echo
  printf '|---|'; for R in "${RUNTIMES[@]}"; do printf -- '---|'; done
  for R in "${RUNTIMES[@]}"; do [[ $R != ocirun ]] && printf -- '---|'; done; echo
  for op in run exec; do
    declare -A m=()
    for R in "${RUNTIMES[@]}"; do m[$R]="$(median "$OUT/docker-$op-$R.txt")"; done
    printf '| %-6s |' "$op"; for R in "${RUNTIMES[@]}"; do printf ' %8s |' "${m[$R]}"; done
    for R in "${RUNTIMES[@]}"; do [[ $R != ocirun ]] && printf ' %s |' "$(awk -v a="${m[ocirun]}" -v b="${m[$R]}" 'BEGIN { printf "%.2fx", a / b }')"; done
    echo
    unset m
  done
  if [[ -n "$WRAPPER_MS" ]]; then
    echo
    echo "crun ran through the hybrid-host wrapper: \`crun --version\` $(median "$OUT/docker-crun-version.txt") ms bare," \
      "$(median "$OUT/docker-wrapper.txt") ms through it (a run calls crun create, start, delete; an exec one crun exec)."
  fi
  echo
  echo "- dockerd $("$DOCKER" version --format '{{.Server.Version}}'), containerd $(containerd --version | awk '{print $3}')"
  echo "- runc: $(runc --version | head -n1)"
  [[ " ${RUNTIMES[*]} " == *" crun "* ]] && echo "- crun: $("$CRUN" --version | head -n1)"
  echo "- ocirun: $("$REPO/bin/ocirun" --version | head -n1)"
} | tee "$OUT/docker-summary.md"
