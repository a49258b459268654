#!/usr/bin/env bash
# The whole test suite (README: `npm test`). Run as root: the tests start real
# containers. Sets everything up first on a fresh machine.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/make-bundle.sh >/dev/null || exit 1
# Two workers (2 cores); each file cleans up after itself, and
# test/leak-check.mjs checks after the run that nothing was left behind.
log=$(mktemp)
npx tap --disable-coverage --jobs=2 --timeout=600 --reporter=tap \
  --after=test/leak-check.mjs "${@:-test/**/*.test.mjs}" 2>&1 | tee "$log" | grep -vE '^\s+(ok |# Subtest|1\.\.)'
status=${PIPESTATUS[0]}
# One plain summary line from tap's own count.
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -1)
pass=$(echo "$summary" | grep -oE 'pass: [0-9]+' | grep -oE '[0-9]+')
fail=$(echo "$summary" | grep -oE 'fail: [0-9]+' | grep -oE '[0-9]+')
skip=$(echo "$summary" | grep -oE 'skip: [0-9]+' | grep -oE '[0-9]+')
rm -f "$log"
echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
exit "$status"
