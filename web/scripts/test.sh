#!/usr/bin/env bash
# The web stage of the test command: install, check formatting and lint (Biome), type-check
# and build the dashboard, run its unit tests, then its end-to-end tests in headless Chromium.
#
# The e2e runs against, in this order:
#   - ZONETRAIL_E2E_URL when set (a running `zonetrail up`/`serve` on a seeded database);
#   - the REAL stack when ZONETRAIL_TEST_AWS_ENDPOINT is set (moto, as scripts/test
#     provides): `zonetrail up` on SQLite against moto (Route 53 through the CDATA proxy),
#     seeded through Route 53 and /local/events by e2e/real_seed.py (needs ZONETRAIL_VENV);
#   - otherwise the fixture server (e2e/fixture-server.mjs, canned API answers), loudly, for
#     running this stage alone without services.
# The sign-in e2e always runs against a local OIDC issuer (e2e/oidc-stand-in.mjs) and a
# fixture server of its own.
set -euo pipefail

WEB="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$WEB"

step() { printf '\n=== web: %s ===\n' "$*"; }

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "API types (src/lib/api-types.ts is generated from src/lib/openapi.json)"
scripts/gen-api-types.sh --check

step "format and lint (biome ci: formatting, lint, biome.json)"
npx --no-install biome ci --colors=off .

step "build (tsc --noEmit, vite build)"
npm run --silent build

step "bundle size"
node scripts/bundle-size.mjs

step "unit tests"
npm run --silent test:unit

step "chromium"
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is missing: installing Debian's package"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
chromium --version 2>/dev/null | head -n1 || true

FIXTURE_PID=""
REAL_STACK=0
cleanup() {
  if [ -n "$FIXTURE_PID" ]; then kill "$FIXTURE_PID" 2>/dev/null || true; wait "$FIXTURE_PID" 2>/dev/null || true; fi
  if [ "$REAL_STACK" = 1 ]; then zt_real_stack_down; fi
}
trap cleanup EXIT

if [ -z "${ZONETRAIL_E2E_URL:-}" ] && [ -n "${ZONETRAIL_TEST_AWS_ENDPOINT:-}" ]; then
  step "real stack (moto at $ZONETRAIL_TEST_AWS_ENDPOINT, zonetrail up on SQLite)"
  # shellcheck source=web/scripts/real-stack.sh
  source "$WEB/scripts/real-stack.sh"
  REAL_STACK=1
  zt_real_stack_up
  export ZONETRAIL_E2E_URL="$ZT_UP_URL"
  export ZONETRAIL_E2E_REAL=1
  echo "e2e against the real stack: $ZONETRAIL_E2E_URL (log: $ZT_UP_LOG)"
elif [ -z "${ZONETRAIL_E2E_URL:-}" ]; then
  echo
  echo "############################################################################"
  echo "#  ZONETRAIL_E2E_URL is not set: the e2e runs against the FIXTURE SERVER    #"
  echo "#  (web/e2e/fixture-server.mjs, canned API answers), NOT the real API.      #"
  echo "#  scripts/test web runs it against the real stack (moto + zonetrail up).    #"
  echo "############################################################################"
  FIXTURE_LOG="$(mktemp)"
  node e2e/fixture-server.mjs --port 0 >"$FIXTURE_LOG" 2>&1 &
  FIXTURE_PID=$!
  for _ in $(seq 1 100); do
    if grep -q 'listening on' "$FIXTURE_LOG"; then break; fi
    if ! kill -0 "$FIXTURE_PID" 2>/dev/null; then cat "$FIXTURE_LOG"; echo "fixture server died" >&2; exit 1; fi
    sleep 0.1
  done
  ZONETRAIL_E2E_URL="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$FIXTURE_LOG" | head -n1)"
  if [ -z "$ZONETRAIL_E2E_URL" ]; then cat "$FIXTURE_LOG"; echo "fixture server did not start" >&2; exit 1; fi
  export ZONETRAIL_E2E_URL
  export ZONETRAIL_E2E_FIXTURE=1
  echo "fixture server: $ZONETRAIL_E2E_URL"
else
  echo "e2e against ZONETRAIL_E2E_URL=$ZONETRAIL_E2E_URL"
fi

step "e2e (playwright-core + /usr/bin/chromium)"
mkdir -p test-results
node --test --test-reporter=spec e2e/dashboard.e2e.test.mjs
echo "screenshot: $WEB/test-results/dashboard.png"

step "e2e sign-in (oidc-client-ts against e2e/oidc-stand-in.mjs, its own fixture API)"
node --test --test-reporter=spec e2e/signin.e2e.test.mjs
