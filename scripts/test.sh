#!/usr/bin/env bash
# Runs every test against real parts: sets up the test bed (Docker daemons, registry,
# PostgreSQL, test images), checks types (templates included) and lint, builds the binary the
# end-to-end tests start, then `bun test`.
# Extra arguments go to `bun test` (e.g. a path filter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v bun >/dev/null; then
  echo "test: installing bun from the npm registry"
  npm install -g --silent bun >/dev/null
fi
bun install --frozen-lockfile --silent
# The build embeds a helper image made from Debian's static busybox (the test bed wants it too).
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
fi
bash scripts/testbed.sh
bun run --silent typecheck
bun run --silent lint
bun run --silent build

report=$(mktemp -d)/junit.xml
status=0
# Tests talk to real daemons, databases and a browser: give each up to a minute.
bun test --timeout 60000 --reporter=junit --reporter-outfile="$report" "$@" || status=$?
# One closing line that any reader understands, counted from the JUnit report.
bun scripts/junit-summary.ts "$report"
exit "$status"
