#!/usr/bin/env bash
# Stage "soak": the read API (api::router served exactly as `zonetrail serve` serves it, by the
# api crate's `serve` example, optimised as api/bench/run.sh builds it) under a steady load from a
# second process over loopback, with its resident memory sampled from /proc (issue 8).
# Passes when no request errs or answers non-2xx, the rate held, and memory stayed flat: after
# the first fifth of the run (pools and caches fill), RSS grows by at most
# max(ZONETRAIL_SOAK_MAX_GROWTH_MB, 5 %). The bounded form runs here; the full form
# (10 minutes at 200 requests/s) is in docs/reliability.md.
#
# Settings (environment):
#   ZONETRAIL_SOAK_SECONDS        duration (default 30; the full soak: 600)
#   ZONETRAIL_SOAK_RATE           requests per second (default 200)
#   ZONETRAIL_SOAK_RECORDS        record sets seeded (default 20000)
#   ZONETRAIL_SOAK_PROFILE        cargo profile of the server: dev (default: the test command
#                                 already built it) or bench (the full soak)
#   ZONETRAIL_SOAK_MAX_GROWTH_MB  allowed RSS growth after warm-up (default 8)
#   ZONETRAIL_TEST_MYSQL_URL      MariaDB server (set by scripts/test)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=scripts/lib/mariadb.sh
source scripts/lib/mariadb.sh

say() { printf '[soak] %s\n' "$*"; }
die() { say "ERROR: $*"; exit 1; }

seconds=${ZONETRAIL_SOAK_SECONDS:-30}
want_rate=${ZONETRAIL_SOAK_RATE:-200}
records=${ZONETRAIL_SOAK_RECORDS:-20000}
profile=${ZONETRAIL_SOAK_PROFILE:-dev}
max_growth=${ZONETRAIL_SOAK_MAX_GROWTH_MB:-8}
server=${ZONETRAIL_TEST_MYSQL_URL:-}
[[ -n $server ]] || die "ZONETRAIL_TEST_MYSQL_URL is not set: run this stage through scripts/test, which starts MariaDB"
command -v curl >/dev/null || die "curl is needed"
command -v mariadb >/dev/null || die "the mariadb client is needed"
[[ -n ${CI:-} ]] && export CARGO_TERM_COLOR=never

[[ $profile == dev || $profile == bench ]] || die "ZONETRAIL_SOAK_PROFILE=$profile: use dev or bench"
say "building the API server and the seeding example (the api crate's examples, profile $profile)"
bin=$(zt_cargo_build "$profile") || exit 1
[[ -x $bin/examples/serve && -x $bin/examples/seed ]] || die "no $profile build of the serve and seed examples found"

work=$(mktemp -d "${TMPDIR:-/tmp}/zonetrail-soak.XXXXXX")
db="zt_soak_$$"
server_pid=
cleanup() {
  local rc=$?
  set +e
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  zt_mysql "$server" -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1
  if ((rc == 0)); then rm -rf "$work"; else say "logs kept in $work"; fi
  return "$rc"
}
trap cleanup EXIT

zt_mysql "$server" -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
url="${server%/}/$db"
say "seeding $records record sets into MariaDB ($db)"
DATABASE_URL=$url RUST_LOG=warn "$bin/examples/seed" --migrate --records "$records" >"$work/seed.log" 2>&1 ||
  { tail -n 20 "$work/seed.log"; die "seeding failed"; }
"$bin/examples/seed" --queries-only --records "$records" --queries "$work/queries.tsv" --queries-per-kind 100 >>"$work/seed.log" 2>&1

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL=$url RUST_LOG=warn ZONETRAIL_WEB_DIR=/nonexistent "$bin/examples/serve" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$work/server.log"; die "the server exited"; }
  sleep 0.5
done
every=5
((seconds <= 60)) && every=1
say "API server (pid $server_pid, $profile build) on 127.0.0.1:$port: $want_rate requests/s for $seconds s, RSS sampled every $every s"
out=$(python3 scripts/soak/load.py --base "http://127.0.0.1:$port" --pid "$server_pid" --rate "$want_rate" --seconds "$seconds" \
  --queries "$work/queries.tsv" --sample-every "$every") || die "the load generator failed"
echo "$out"
kill -0 "$server_pid" 2>/dev/null || die "the server died during the soak"
grep -qi panicked "$work/server.log" && { grep -i -m3 -A3 panicked "$work/server.log"; die "the server panicked"; }
line=$(grep '^ZTSOAK' <<<"$out") || die "no result line"
eval "$(sed 's/^ZTSOAK //' <<<"$line")"
# shellcheck disable=SC2154 # set by the eval above
verdict=$(awk -v e="$errors" -v n="$non2xx" -v r="$rate" -v want="$want_rate" -v s="$rss_settled_mb" -v l="$rss_last_mb" -v g="$max_growth" 'BEGIN {
  growth = l - s; limit = (g > s * 0.05) ? g : s * 0.05
  if (e > 0 || n > 0) { print "FAIL: " e " errors, " n " non-2xx answers"; exit }
  if (r < want * 0.95) { print "FAIL: held only " r " requests/s of " want; exit }
  if (growth > limit) { printf "FAIL: RSS grew %.1f MB after warm-up (limit %.1f MB)\n", growth, limit; exit }
  printf "PASS: 0 errors, %.1f requests/s, RSS %.1f -> %.1f MB after warm-up (limit +%.1f MB)\n", r, s, l, limit }')
# shellcheck disable=SC2154
say "requests $requests, p50 ${p50_ms} ms, p99 ${p99_ms} ms; RSS first $rss_first_mb MB, settled $rss_settled_mb MB, last $rss_last_mb MB, max $rss_max_mb MB, slope $rss_slope_mb_per_min MB/min"
say "$verdict"
[[ $verdict == PASS* ]]
