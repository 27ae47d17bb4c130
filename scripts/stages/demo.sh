#!/usr/bin/env bash
# Stage "demo": the README's first command still works. Runs `scripts/demo --for 25` on a
# free port (its own moto, an organization of three accounts and their zones, `zonetrail up`
# on SQLite, live changes), then checks that the zones were seeded and swept, that the first
# screen's values look like Route 53's (no printed Python dict, a real SOA), that the API shows
# the three accounts as seeded (each swept, the zone name two accounts share, every record
# set's account), that the backfill filled sixty days of history, that changes arrived live with none failing, one of them in a member
# account, that at least three notifications of live changes reached the demo's webhook receiver, that the diff since the driver started and a restore of the most changed zone were answered, that the first
# resource sweep finished and the released Elastic IP's dangling_ip finding was shown, and that everything stopped cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { printf '[demo] %s\n' "$*"; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp "${TMPDIR:-/tmp}/zonetrail-demo-stage.XXXXXX")
demo=
# If this stage is stopped early, stop the demo too (it stops its own moto and zonetrail).
trap '[[ -z $demo ]] || kill -TERM "$demo" 2>/dev/null || true; rm -f "$log"' EXIT

say "scripts/demo --for 25 --port $port --interval 2"
scripts/demo --for 25 --port "$port" --interval 2 </dev/null >"$log" 2>&1 &
demo=$!
# Once the first sweep is in, read every record set back from the API, as the dashboard does.
checked=
while kill -0 "$demo" 2>/dev/null; do
  if grep -q 'first sweep done' "$log"; then
    checked=$(python3 scripts/zonetrail_demo/check_records.py --api "http://127.0.0.1:$port" --accounts 3 2>&1) &&
      checked="ok$checked" || checked="failed$checked"
    break
  fi
  sleep 1
done
rc=0
wait "$demo" || rc=$?
cat "$log"

failures=()
((rc == 0)) || failures+=("scripts/demo exited with status $rc")
grep -q 'seeded 10 zones in 3 accounts' "$log" || failures+=("the zones and accounts were not seeded")
grep -q 'first sweep done.*from 3 accounts' "$log" || failures+=("the first sweep of the three accounts did not complete")
grep -q 'backfill done: history complete since' "$log" || failures+=("the backfill from the fake CloudTrail did not complete")
say "record values: ${checked#ok}"
[[ $checked == ok* ]] || failures+=("the record values do not look like Route 53's (a Python dict, a bad SOA or NS), or the accounts not as seeded")
live=$(grep -c 'visible in' "$log" || true)
((live >= 5)) || failures+=("only $live live changes became visible (expected at least 5 in 25 s)")
member=$(grep -E -c '\[(payments-prod|data-staging)\].*visible in' "$log" || true)
((member >= 1)) || failures+=("no change in a member account became visible")
! grep -q 'FAILED' "$log" || failures+=("a live change failed")
grep -q 'time travel: since .* changed' "$log" || failures+=("the diff since the driver started was not shown")
grep -q 'time travel: putting .* back as it was' "$log" || failures+=("the restore of the most changed zone was not planned")
notified=$(grep -E -c '^notification: .+ (created|updated|deleted) ' "$log" || true)
((notified >= 3)) || failures+=("only $notified notification lines arrived at the webhook receiver (expected at least 3)")
live_notified=$(grep -E '^notification: ' "$log" | grep -v '^notification: finding ' | grep -v -c '^notification: the sweep' || true)
((live_notified >= 3)) || failures+=("only $live_notified notifications of live changes arrived (expected at least 3)")
grep -q 'first resource sweep done' "$log" || failures+=("the first resource sweep of findings did not finish")
grep -E -q '^finding opened in [0-9]+ ms: \[high\] dangling_ip legacy-shop\.acme-corp\.com\. A' "$log" ||
  failures+=("the released Elastic IP's dangling_ip finding was not shown")
! grep -q '^findings: FAILED' "$log" || failures+=("the findings part failed")
grep -q 'zonetrail up stopped cleanly' "$log" || failures+=("zonetrail up did not stop cleanly")
grep -q 'moto stopped' "$log" || failures+=("moto was not stopped")

if ((${#failures[@]})); then
  for f in "${failures[@]}"; do say "FAILED: $f"; done
  exit 1
fi
say "passed: $live live changes visible ($member in member accounts), $notified notifications received, clean stop"
