# shellcheck shell=bash
# The real stack for the dashboard's e2e (sourced by web/scripts/test.sh, do not run):
# moto's Route 53 behind the CDATA proxy, `zonetrail up` on SQLite, seeded through the
# real path only: zones and records through the Route 53 API, a first sweep, then a change
# in Route 53 with its CloudTrail event POSTed to /local/events (history with an actor).
#
#   zt_real_stack_up     sets ZT_UP_URL, ZT_UP_LOG; exports ZONETRAIL_E2E_LIVE_CMD (what the
#                        e2e runs to make a live change: prints {"record":{"name":...}})
#   zt_real_stack_down   stops zonetrail up, the proxy, then the e2e's moto
#
# Needs ZONETRAIL_TEST_AWS_ENDPOINT (moto) and ZONETRAIL_VENV (boto3), as scripts/test gives.

_ZT_WEB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/common.sh
source "$_ZT_WEB_DIR/../scripts/lib/common.sh"
# shellcheck source=scripts/lib/python.sh
source "$_ZT_WEB_DIR/../scripts/lib/python.sh"
# shellcheck source=scripts/lib/moto.sh
source "$_ZT_WEB_DIR/../scripts/lib/moto.sh"
# shellcheck source=scripts/lib/local_stack.sh
source "$_ZT_WEB_DIR/../scripts/lib/local_stack.sh"

ZT_PROXY_PID=
ZT_REAL_DIR=

zt_real_stack_up() {
  : "${ZONETRAIL_TEST_AWS_ENDPOINT:?the real stack needs moto}"
  [[ -n ${ZONETRAIL_VENV:-} && -x $ZONETRAIL_VENV/bin/python ]] ||
    zt_die "ZONETRAIL_VENV (with boto3) is not set: run the web stage through scripts/test web"
  zt_ensure_log_dir
  ZT_REAL_DIR=$(mktemp -d "$ZONETRAIL_TEST_LOG_DIR/web-e2e.XXXXXX")
  local py=$ZONETRAIL_VENV/bin/python seed=$_ZT_WEB_DIR/e2e/real_seed.py port proxy_log proxy i want

  # A moto of its own: the stages before this one (the Rust tests) leave their zones in
  # the shared one, and the seed needs example.com. to be ours alone.
  local log_dir=$ZONETRAIL_TEST_LOG_DIR shared_moto=$ZONETRAIL_TEST_AWS_ENDPOINT
  ZONETRAIL_TEST_LOG_DIR=$ZT_REAL_DIR
  start_moto
  ZONETRAIL_TEST_LOG_DIR=$log_dir
  zt_info "the e2e's own moto: $ZONETRAIL_TEST_AWS_ENDPOINT (the stage's shared one: $shared_moto)"

  # One build for both: zonetrail and the Route 53 CDATA proxy example (moto's values read
  # back empty through the Rust SDK).
  zt_stack_build dev
  proxy_log=$ZT_REAL_DIR/proxy.log
  "$(dirname "$ZT_BIN")/examples/moto_route53_proxy" "$ZONETRAIL_TEST_AWS_ENDPOINT" \
    </dev/null >"$proxy_log" 2>&1 &
  ZT_PROXY_PID=$!
  proxy=
  for ((i = 0; i < 100; i++)); do
    proxy=$(grep -m1 '^http' "$proxy_log" || true)
    [[ -n $proxy ]] && break
    kill -0 "$ZT_PROXY_PID" 2>/dev/null || { zt_show_log "$proxy_log"; zt_die "the Route 53 proxy exited"; }
    sleep 0.1
  done
  [[ -n $proxy ]] || { zt_show_log "$proxy_log"; zt_die "the Route 53 proxy printed no address"; }
  zt_info "Route 53 through $proxy"

  zt_info "seeding example.com. and example.net. through moto's Route 53 API"
  want=$("$py" "$seed" zones "$ZONETRAIL_TEST_AWS_ENDPOINT" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["record_sets"])') ||
    zt_die "seeding the zones failed"

  port=$(_zt_free_port "$py")
  AWS_ENDPOINT_URL_ROUTE_53=$proxy zt_stack_up "$ZT_REAL_DIR" "127.0.0.1:$port"
  zt_stack_wait_records "$want" 120
  zt_info "first sweep done: $want record sets"

  zt_info "history: www blue weight 50 -> 70 in Route 53, its CloudTrail event to /local/events"
  "$py" "$seed" history "$ZONETRAIL_TEST_AWS_ENDPOINT" "$ZT_UP_URL" || zt_die "posting the history event failed"
  export ZONETRAIL_E2E_LIVE_CMD="$py $seed live $ZONETRAIL_TEST_AWS_ENDPOINT $ZT_UP_URL"
}

zt_real_stack_down() {
  local rc=0
  zt_stack_down || rc=1
  if [[ -n $ZT_PROXY_PID ]]; then
    kill "$ZT_PROXY_PID" 2>/dev/null || true
    wait "$ZT_PROXY_PID" 2>/dev/null || true
    ZT_PROXY_PID=
  fi
  stop_moto
  return "$rc"
}
