#!/usr/bin/env bash
# bench/interleave.mjs on this host (see there), with the pinned bun.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$REPO/node_modules/@oven/bun-linux-x64/bin/bun" "$REPO/bench/interleave.mjs" "$@"
