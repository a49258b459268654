# TAP-like output for the checks scripts run in the cgroup2-vm guest
# (test/v2/checks.sh, test/systemd/checks.sh; test/lib/vm.mjs reads it):
# "ok N - desc", "not ok N - desc # got ...", "# section (t+Ns)". Sourced
# (POSIX sh); the script prints "1..$n" at its end and exits by "$fails".
n=0
fails=0
T0=$(date +%s)
section() { echo "# $1 (t+$(($(date +%s) - T0))s)"; }
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1 # got $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-300)"; }
# check DESC WANT GOT
check() { if [ "$3" = "$2" ]; then ok "$1"; else notok "$1 (want: $2)" "$3"; fi; }
# truth DESC GOT COMMAND... : ok if COMMAND succeeds; GOT is shown otherwise
truth() { desc=$1; got=$2; shift 2; if "$@"; then ok "$desc"; else notok "$desc" "$got"; fi; }
# has DESC TEXT PATTERN: ok if TEXT matches the grep pattern
has() { if printf '%s\n' "$2" | grep -q -e "$3"; then ok "$1"; else notok "$1 (want: /$3/)" "$2"; fi; }
# wait_until TRIES COMMAND... (0.2 s steps)
wait_until() { w=$1; shift; while [ "$w" -gt 0 ]; do "$@" && return 0; sleep 0.2; w=$((w - 1)); done; return 1; }
. "$REPO/test/lib/local-ocirun.sh"
