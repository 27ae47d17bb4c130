#!/usr/bin/env bash
# Stage "demo": the README's first command still works. Runs `scripts/demo --for 25` on a
# free port (its own moto, the seeded zones, `zonetrail up` on SQLite, live changes), then
# checks that the zones were seeded and swept, that changes arrived live with none failing,
# and that everything stopped cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { printf '[demo] %s\n' "$*"; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp "${TMPDIR:-/tmp}/zonetrail-demo-stage.XXXXXX")
trap 'rm -f "$log"' EXIT

say "scripts/demo --for 25 --port $port --interval 2"
rc=0
scripts/demo --for 25 --port "$port" --interval 2 </dev/null >"$log" 2>&1 || rc=$?
cat "$log"

failures=()
((rc == 0)) || failures+=("scripts/demo exited with status $rc")
grep -q 'seeded 6 zones' "$log" || failures+=("the zones were not seeded")
grep -q 'first sweep done' "$log" || failures+=("the first sweep did not complete")
live=$(grep -c 'visible in' "$log" || true)
((live >= 5)) || failures+=("only $live live changes became visible (expected at least 5 in 25 s)")
! grep -q 'FAILED' "$log" || failures+=("a live change failed")
grep -q 'zonetrail up stopped cleanly' "$log" || failures+=("zonetrail up did not stop cleanly")
grep -q 'moto stopped' "$log" || failures+=("moto was not stopped")

if ((${#failures[@]})); then
  for f in "${failures[@]}"; do say "FAILED: $f"; done
  exit 1
fi
say "passed: $live live changes visible, clean stop"
