#!/usr/bin/env bash
# The whole test suite (README: `npm test`). Run as root: the tests start real
# containers. Sets everything up first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/make-bundle.sh >/dev/null
# Serial files within tap's two workers; each file cleans up after itself and
# test/leak-check.mjs checks after the run that nothing was left behind.
exec npx tap --disable-coverage --jobs=2 --timeout=300 --reporter=base \
  --after=test/leak-check.mjs "${@:-test/}"
