# shellcheck shell=bash
# The local stack for the demo and the latency benchmark: the moto venv, the dashboard
# build, the zonetrail binary, and `zonetrail up` on SQLite against moto (source, do not run).
#
#   zt_stack_venv            moto's venv only (ZONETRAIL_VENV; no checkov venv: the demo needs
#                            neither checkov nor a second venv)
#   zt_stack_web             build web/dist when it is missing (npm ci && npm run build)
#   zt_stack_build PROFILE   builds the workspace's binaries (dev or bench); sets ZT_BIN
#   zt_stack_up DIR ADDR [ARGS...]
#                            start `zonetrail up` on DIR/demo.db against $ZONETRAIL_TEST_AWS_ENDPOINT,
#                            wait for /healthz; sets ZT_UP_PID, ZT_UP_URL, ZT_UP_LOG
#   zt_stack_wait_records N  wait until /api/stats counts at least N live record sets
#   zt_stack_down            Ctrl-C (SIGINT) to `zonetrail up`, wait, check it stopped cleanly
#
# Needs scripts/lib/common.sh, python.sh and moto.sh sourced first.

ZT_UP_PID=
ZT_UP_URL=
ZT_UP_LOG=
ZT_BIN=

zt_stack_venv() {
  local venv=${ZONETRAIL_VENV:-$_ZT_REPO_ROOT/.venv}
  [[ $venv == /* ]] || venv=$PWD/$venv
  # ensure_venv would also build checkov's venv, which nothing here uses.
  _zt_venv_sync "$venv" "$_ZT_REPO_ROOT/scripts/requirements-test.txt"
  [[ -x $venv/bin/moto_server ]] || zt_die "moto_server missing from $venv after install"
  export ZONETRAIL_VENV=$venv
}

zt_stack_web() {
  local web=$_ZT_REPO_ROOT/web
  if [[ -f $web/dist/index.html ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    zt_warn "npm not found: the dashboard is not built; the API still answers (install Node.js 20+ and rerun)"
    return 0
  fi
  zt_ensure_log_dir
  local log=$ZONETRAIL_TEST_LOG_DIR/web-build.log
  zt_info "building the dashboard (npm ci && npm run build in web/; log: $log)"
  if ! (cd "$web" && npm ci --no-audit --no-fund && npm run build) </dev/null >"$log" 2>&1; then
    zt_show_log "$log"
    zt_die "the dashboard build failed (log: $log)"
  fi
}

zt_stack_build() {
  local profile=${1:-dev} dir
  zt_info "building zonetrail (cargo build --workspace --bins --examples --profile $profile)"
  dir=$(zt_cargo_build "$profile") || exit 1
  ZT_BIN=$dir/zonetrail
  [[ -x $ZT_BIN ]] || zt_die "no binary at $ZT_BIN after the build"
}

# _zt_http_ok URL — true when GET URL answers 2xx.
_zt_http_ok() {
  "$ZONETRAIL_VENV/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if 200 <= r.status < 300 else 1)
PY
}

zt_stack_up() {
  local dir=$1 addr=$2 waited=0
  shift 2
  : "${ZONETRAIL_TEST_AWS_ENDPOINT:?zt_stack_up needs moto: call start_moto first}"
  [[ -n $ZT_BIN ]] || zt_die "zt_stack_up: call zt_stack_build first"
  mkdir -p "$dir"
  rm -f "$dir"/demo.db "$dir"/demo.db-shm "$dir"/demo.db-wal
  ZT_UP_LOG=$dir/zonetrail.log
  ZT_UP_URL=http://$addr
  # Route 53 is global and signs in us-east-1; the keys are the emulator's dummies.
  AWS_ENDPOINT_URL=$ZONETRAIL_TEST_AWS_ENDPOINT AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing NO_COLOR=1 \
    DATABASE_URL="sqlite://$dir/demo.db?mode=rwc" ZONETRAIL_WEB_DIR="$_ZT_REPO_ROOT/web/dist" \
    "$ZT_BIN" up --listen "$addr" "$@" </dev/null >"$ZT_UP_LOG" 2>&1 &
  ZT_UP_PID=$!
  until _zt_http_ok "$ZT_UP_URL/healthz"; do
    if ! kill -0 "$ZT_UP_PID" 2>/dev/null; then
      wait "$ZT_UP_PID" 2>/dev/null || true
      ZT_UP_PID=
      zt_show_log "$ZT_UP_LOG" 20
      zt_die "zonetrail up exited during start-up (log: $ZT_UP_LOG)"
    fi
    if ((waited >= 300)); then
      zt_show_log "$ZT_UP_LOG" 20
      zt_die "zonetrail up did not answer $ZT_UP_URL/healthz within 60 s (log: $ZT_UP_LOG)"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
}

zt_stack_wait_records() {
  local want=$1 max=${2:-180} started=$SECONDS
  until "$ZONETRAIL_VENV/bin/python" - "$ZT_UP_URL/api/stats" "$want" <<'PY' 2>/dev/null; do
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    stats = json.load(r)
sys.exit(0 if stats["total_records"] >= int(sys.argv[2]) and stats["last_sweep_at"] else 1)
PY
    kill -0 "$ZT_UP_PID" 2>/dev/null || zt_die "zonetrail up stopped during the first sweep (log: $ZT_UP_LOG)"
    ((SECONDS - started < max)) || zt_die "the first sweep did not bring in $want record sets within $max s (log: $ZT_UP_LOG)"
    sleep 0.5
  done
}

zt_stack_down() {
  [[ -n $ZT_UP_PID ]] || return 0
  local pid=$ZT_UP_PID rc=0 i
  ZT_UP_PID=
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -INT "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    zt_warn "zonetrail up (pid $pid) still running 30 s after Ctrl-C: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  if ((rc == 0)) && grep -q "stopped cleanly" "$ZT_UP_LOG"; then
    zt_info "zonetrail up stopped cleanly"
  else
    zt_show_log "$ZT_UP_LOG" 15
    zt_warn "zonetrail up exited with status $rc (log: $ZT_UP_LOG)"
    return 1
  fi
}
