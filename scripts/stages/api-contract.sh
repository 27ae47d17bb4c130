#!/usr/bin/env bash
# Stage "api-contract": schemathesis against the read API's own OpenAPI document.
#
# Serves the API (api::router, exactly as `zonetrail serve` serves it) over a freshly
# migrated and seeded database, on MariaDB (ZONETRAIL_TEST_MYSQL_URL; MySQL is where a bad
# string or collation would surface) and on SQLite, and runs schemathesis from
# $ZONETRAIL_VENV (scripts/requirements-test.txt) with every check. Fails on any server
# error, contract violation or server panic. Bounded in time: --max-examples per operation
# and --max-time per backend. Settings: scripts/stages/api-contract.schemathesis.toml.
#
# Settings (environment):
#   ZONETRAIL_VENV                    venv with schemathesis (set by scripts/test)
#   ZONETRAIL_TEST_MYSQL_URL          MariaDB server, mysql://root@127.0.0.1:3306 (set by scripts/test)
#   ZONETRAIL_CONTRACT_MAX_EXAMPLES   test cases per operation and phase (default 60)
#   ZONETRAIL_CONTRACT_BACKENDS       "mysql sqlite" (default) or either one
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=scripts/lib/mariadb.sh
source scripts/lib/mariadb.sh

say() { printf '[api-contract] %s\n' "$*"; }
die() { say "ERROR: $*"; exit 1; }

venv=${ZONETRAIL_VENV:-}
[[ -n $venv ]] || die "ZONETRAIL_VENV is not set: run this stage through scripts/test (it installs schemathesis from scripts/requirements-test.txt)"
st=$venv/bin/schemathesis
[[ -x $st ]] || die "schemathesis is not installed in $venv (expected $st; it is pinned in scripts/requirements-test.txt)"
[[ -n ${ZONETRAIL_TEST_MYSQL_URL:-} ]] || die "ZONETRAIL_TEST_MYSQL_URL is not set: run this stage through scripts/test, which starts MariaDB"
command -v curl >/dev/null || die "curl is needed to wait for the server"

max_examples=${ZONETRAIL_CONTRACT_MAX_EXAMPLES:-60}
backends=${ZONETRAIL_CONTRACT_BACKENDS:-mysql sqlite}
[[ -n ${CI:-} ]] && export CARGO_TERM_COLOR=never

say "building the server (the api crate's serve example, with the test build's features)"
server_bin=$(zt_cargo_build dev)/examples/serve
[[ -x $server_bin ]] || die "no server binary at $server_bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/zonetrail-contract.XXXXXX")
server_pid=
mysql_db=
cleanup() {
  local rc=$?
  set +e
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [[ -n $mysql_db ]]; then
    zt_mysql "$ZONETRAIL_TEST_MYSQL_URL" -e "DROP DATABASE IF EXISTS \`$mysql_db\`"
  fi
  if ((rc == 0)); then rm -rf "$work"; else say "logs and reports kept in $work"; fi
  return "$rc"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run_against() {
  local backend=$1 url port log started
  case $backend in
    mysql)
      command -v mariadb >/dev/null || die "the mariadb client is needed to create the test database"
      mysql_db="zt_contract_$$"
      zt_mysql "$ZONETRAIL_TEST_MYSQL_URL" -e "CREATE DATABASE \`$mysql_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
      url="${ZONETRAIL_TEST_MYSQL_URL%/}/$mysql_db"
      ;;
    sqlite) url="sqlite://$work/contract.db?mode=rwc" ;;
    *) die "unknown backend $backend (use mysql and/or sqlite)" ;;
  esac
  port=$(free_port)
  log=$work/server-$backend.log
  say "[$backend] serving on 127.0.0.1:$port (migrate, seed 3000 generated record sets); log: $log"
  DATABASE_URL=$url RUST_LOG=${RUST_LOG:-warn} "$server_bin" --listen "127.0.0.1:$port" --migrate --seed 3000 >"$log" 2>&1 &
  server_pid=$!
  started=$SECONDS
  until curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$log"; die "[$backend] the server exited before it was ready"; }
    ((SECONDS - started < 120)) || { tail -n 30 "$log"; die "[$backend] the server was not ready after 120 s"; }
    sleep 0.5
  done

  say "[$backend] schemathesis run --checks all --max-examples $max_examples"
  local rc=0
  "$st" --no-color --config-file scripts/stages/api-contract.schemathesis.toml run "http://127.0.0.1:$port/api/openapi.json" \
    --checks all \
    --max-examples "$max_examples" \
    --max-time 40 \
    --workers 2 \
    --seed 20261122 \
    --request-timeout 10 \
    --suppress-health-check too_slow,filter_too_much \
    --generation-database none \
    --report junit --report-dir "$work/report-$backend" || rc=$?

  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  if grep -q -i "panicked" "$log"; then
    grep -i -m 5 -A 3 "panicked" "$log"
    die "[$backend] the server panicked"
  fi
  ((rc == 0)) || die "[$backend] schemathesis found failures (exit $rc); see above"
  if [[ -n $mysql_db ]]; then
    zt_mysql "$ZONETRAIL_TEST_MYSQL_URL" -e "DROP DATABASE IF EXISTS \`$mysql_db\`"
    mysql_db=
  fi
  say "[$backend] PASS"
}

for backend in $backends; do
  run_against "$backend"
done
say "PASS: 0 server errors, every check passed on: $backends"
