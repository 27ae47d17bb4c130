# shellcheck shell=bash
# moto, the local AWS emulator (Route 53, SQS, EventBridge), for the tests.
# Source this file, call `ensure_venv` (scripts/lib/python.sh), then `start_moto`;
# call `stop_moto` at the end. start_moto exports:
#   ZONETRAIL_TEST_AWS_ENDPOINT  http://127.0.0.1:PORT (a free loopback port)
#   ZONETRAIL_TEST_MOTO_LOG      the server's log file
#   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
#   AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
# and unsets AWS_PROFILE, AWS_DEFAULT_PROFILE and AWS_SESSION_TOKEN, so that nothing in
# a test run can reach a real account's credentials.
#
# It does NOT export AWS_ENDPOINT_URL: tests pass the endpoint explicitly
# (aws_config::defaults(..).endpoint_url(ZONETRAIL_TEST_AWS_ENDPOINT)). To point the
# `zonetrail` CLI, the AWS CLI or boto3 at the same server by hand, set
#   AWS_ENDPOINT_URL=$ZONETRAIL_TEST_AWS_ENDPOINT
# for that command only.
#
# moto's state is shared by every test of a run, per account. A test that needs a Route 53
# of its own uses its own account: the request header `x-moto-account-id: 123456789012`,
# or the credentials of sts:AssumeRole on arn:aws:iam::123456789012:role/any (checked with
# moto 5.2.5; a 12-digit access key id alone does not select an account).
#
# Settings (environment):
#   ZONETRAIL_MOTO_WAIT  seconds to wait for moto to answer (default 30)

if ! declare -F zt_info >/dev/null; then
  # shellcheck source=scripts/lib/common.sh
  source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fi

ZT_MOTO_PID=

# A free TCP port on 127.0.0.1 (the kernel picks one for port 0).
_zt_free_port() {
  "$1" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# True when GET URL/moto-api/ answers 200.
_zt_moto_answers() {
  "$1" - "$2" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

# start_moto — start moto_server on a free loopback port and wait until it answers.
start_moto() {
  : "${ZONETRAIL_VENV:?start_moto needs ZONETRAIL_VENV: call ensure_venv first}"
  local py="$ZONETRAIL_VENV/bin/python" server="$ZONETRAIL_VENV/bin/moto_server"
  local port url log started max attempt waited
  [[ -x $server ]] || zt_die "moto_server not found in $ZONETRAIL_VENV (run ensure_venv)"
  if [[ -n $ZT_MOTO_PID ]] && kill -0 "$ZT_MOTO_PID" 2>/dev/null; then
    zt_info "moto already running (pid $ZT_MOTO_PID) at $ZONETRAIL_TEST_AWS_ENDPOINT"
    return 0
  fi
  zt_ensure_log_dir
  log="$ZONETRAIL_TEST_LOG_DIR/moto.log"
  max=${ZONETRAIL_MOTO_WAIT:-30}
  started=$SECONDS

  # Another process may grab the port between our probe and moto's bind: try a few ports.
  for attempt in 1 2 3; do
    port=$(_zt_free_port "$py") || zt_die "could not find a free loopback port with $py"
    url="http://127.0.0.1:$port"
    "$server" -H 127.0.0.1 -p "$port" </dev/null >"$log" 2>&1 &
    ZT_MOTO_PID=$!
    waited=0
    while ! _zt_moto_answers "$py" "$url"; do
      if ! kill -0 "$ZT_MOTO_PID" 2>/dev/null; then
        wait "$ZT_MOTO_PID" 2>/dev/null || true
        ZT_MOTO_PID=
        if grep -q 'Address already in use' "$log" && ((attempt < 3)); then
          zt_warn "port $port was taken before moto could bind it; trying another"
          continue 2
        fi
        zt_show_log "$log"
        zt_die "moto_server exited during start-up on $url (log: $log)"
      fi
      if ((waited >= max * 5)); then
        zt_show_log "$log"
        stop_moto
        zt_die "moto_server did not answer GET $url/moto-api/ within ${max} s (log: $log)"
      fi
      sleep 0.2
      waited=$((waited + 1))
    done
    break
  done

  export ZONETRAIL_TEST_AWS_ENDPOINT=$url ZONETRAIL_TEST_MOTO_LOG=$log
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
  zt_info "moto ready at $url in $((SECONDS - started)) s (pid $ZT_MOTO_PID, log: $log)"
}

# stop_moto — stop the moto_server that start_moto started (no-op otherwise).
stop_moto() {
  [[ -n $ZT_MOTO_PID ]] || return 0
  local pid=$ZT_MOTO_PID i
  ZT_MOTO_PID=
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    zt_warn "moto_server (pid $pid) ignored SIGTERM for 10 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  zt_info "moto stopped"
}
