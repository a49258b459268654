#!/usr/bin/env bash
# `run` of busybox `true` with the systemd cgroup driver (--systemd-cgroup):
# ocirun, runc and crun, interleaved (one of each per round), in the
# cgroup2-vm guest with systemd as PID 1 (this host is cgroup v1 hybrid; see
# ../shared/tools/cgroup2-vm's README). The guest is CPU-emulated (~20x
# slower): compare the ratios only. Not part of the test suite. Needs root.
#
#   bash bench/systemd.sh            # boots the VM and runs itself there
#
# Environment: ROUNDS=N (default 15, after 2 warm-up rounds), CRUN=none to
# leave crun out. Prints per-runtime median and mean (ms) and the ratios to
# runc; the raw times go to bundles/bench-results/systemd-run.tsv.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"
ROUNDS="${ROUNDS:-15}"

if [[ "${1:-}" != --in-vm ]]; then
  bash scripts/setup.sh >&2
  [[ -d bundles/busybox/rootfs ]] || bash scripts/make-bundle.sh >&2
  VM="${CGROUP2_VM:-$(for p in "$REPO/../shared/tools/cgroup2-vm" /work/shared/tools/cgroup2-vm; do [[ -x "$p" ]] && echo "$p" && break; done)}"
  exec "$VM" --systemd -e ROUNDS="$ROUNDS" -e CRUN="${CRUN:-}" -- bash bench/systemd.sh --in-vm
fi

OUT="$REPO/bundles/bench-results"
B="$REPO/bundles/bench-systemd-$$"
mkdir -p "$OUT" "$B"
trap 'rm -rf "$B"' EXIT
node -e '
const fs = require("fs");
const c = JSON.parse(fs.readFileSync("bundles/busybox/config.json", "utf8"));
c.root = { path: process.argv[1], readonly: true };
c.process.terminal = false;
c.process.args = ["true"];
c.ociVersion = "1.0.2-dev"; // crun 1.8 refuses a newer version string
delete c.linux.cgroupsPath; // runc default: system.slice:runc:<id>
fs.writeFileSync(process.argv[2] + "/config.json", JSON.stringify(c));
' "$REPO/bundles/busybox/rootfs" "$B"

RTS=(ocirun runc)
[[ "${CRUN:-}" != none ]] && command -v crun >/dev/null && RTS+=(crun)
# ocirun as installed on a local disk, like runc and crun (/usr on the guest's
# cached root): the repository is the guest's read-write 9p share, whose
# page cache does not keep the 112 MB dist/ocirun-bun between execs.
INST=/tmp/ocirun-bench-install
mkdir -p "$INST/build" "$INST/dist"
cp -a "$REPO/build/Release" "$INST/build/"
cp -a "$REPO/dist/ocirun-bun" "$INST/dist/"
bin() { case $1 in ocirun) echo "$INST/build/Release/ocirun-front" ;; *) command -v "$1" ;; esac; }
now() { date +%s%N; }
: >"$OUT/systemd-run.tsv"
for ((i = -2; i < ROUNDS; i++)); do
  for rt in "${RTS[@]}"; do
    id="bench-$rt-$$-$((i + 2))"
    t0=$(now)
    "$(bin "$rt")" --systemd-cgroup --root "/run/bench-$rt" run --bundle "$B" "$id" </dev/null >/dev/null 2>"$B/err" ||
      echo "$rt run failed (round $i): $(head -c 300 "$B/err")" >&2
    t1=$(now)
    ((i >= 0)) && printf '%s\t%s\n' "$rt" "$(((t1 - t0) / 1000))" >>"$OUT/systemd-run.tsv"
  done
done
left=$(systemctl list-units --all --no-legend --plain | grep -c 'bench-' || true)
echo "# run of busybox true, --systemd-cgroup, $ROUNDS interleaved rounds (cgroup2-vm --systemd, TCG: ratios only); units left: $left"
# per runtime: median and mean (ms); then each median over runc's (mawk: no arrays of arrays)
for rt in "${RTS[@]}"; do
  awk -F'\t' -v rt="$rt" '$1 == rt {print $2 / 1000}' "$OUT/systemd-run.tsv" | sort -n |
    awk -v rt="$rt" '{v[NR] = $1; s += $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %.1f %.1f\n", rt, m, s / NR}'
done | awk '{r[NR] = $1; med[NR] = $2; mean[NR] = $3; if ($1 == "runc") base = $2}
  END {printf "%-8s %10s %10s %8s\n", "runtime", "median ms", "mean ms", "/runc"; for (i = 1; i <= NR; i++) printf "%-8s %10.1f %10.1f %8.2f\n", r[i], med[i], mean[i], med[i] / base}'
