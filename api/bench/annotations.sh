#!/usr/bin/env bash
# Benchmark of annotations (issue 21, "Performance"), in one run on one database:
#
#   1. GET /api/records with annotations joined (each page reads its annotations and its
#      external-dns registry records) against the same requests served by the API as it was
#      before annotations (BENCH_BASELINE_REF, built from a git worktree), on the same seeded
#      MariaDB inventory with annotations on every zone and on every 10th record set. The two
#      servers take turns (A B A B ...) so that drift on the shared cores hits both. Target:
#      p99 with annotations within 10 % of the baseline's p99 (ratio <= 1.10).
#   2. An edit is visible to every reader: PUT an annotation through one server, then read
#      the record through a second server process over the same database until it shows the
#      new owner. Target: every edit within 1 s.
#
#   api/bench/annotations.sh
#
# Settings (environment):
#   BENCH_MYSQL_URL      server URL (default $ZONETRAIL_TEST_MYSQL_URL or mysql://root@127.0.0.1:3306)
#   BENCH_DB             database (default zt_bench_annotations); seeded when it does not hold
#                        BENCH_RECORDS record sets
#   BENCH_RECORDS        record sets to seed (default 200000)
#   BENCH_DURATION       seconds per turn (default 10); BENCH_ROUNDS turns each (default 3)
#   BENCH_CONNECTIONS    clients of the concurrent load (default 10; 1 client is also run)
#   BENCH_BASELINE_REF   the API before annotations (default: the parent of the commit that
#                        added migration 13)
#   BENCH_EDITS          edits timed in part 2 (default 50)
#   CARGO_TARGET_DIR     where this tree's bench build goes (default target)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
# shellcheck source=scripts/lib/mariadb.sh
source scripts/lib/mariadb.sh

say() { printf '[bench-annotations] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

server_url=${BENCH_MYSQL_URL:-${ZONETRAIL_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}}
db=${BENCH_DB:-zt_bench_annotations}
records=${BENCH_RECORDS:-200000}
duration=${BENCH_DURATION:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-10}
edits=${BENCH_EDITS:-50}
mysql_cli() { zt_mysql "$server_url" -N -B "$@"; }

command -v mariadb >/dev/null || die "the mariadb client is needed"
if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package)"
  sudo=; [[ $(id -u) -eq 0 ]] || sudo="sudo -n"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 ||
    { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
  command -v wrk >/dev/null || die "could not install wrk"
fi
mysql_cli -e "SELECT 1" >/dev/null || die "cannot reach MariaDB at $server_url"

ref=${BENCH_BASELINE_REF:-}
if [[ -z $ref ]]; then
  added=$(git log --diff-filter=A --format=%H -1 -- migration/src/m20261204_000013_annotations.rs)
  [[ -n $added ]] || die "migration 13 is not committed: set BENCH_BASELINE_REF"
  ref="$added^"
fi
ref=$(git rev-parse --short "$ref")

# Under target/: the baseline's target dir starts as hard links of this tree's (same disk).
mkdir -p target
work=$(mktemp -d "$root/target/bench-annotations.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  git -C "$root" worktree remove --force "$work/base" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say "building this tree's API (bench profile, examples serve and seed)"
cargo build -q --profile bench -p zonetrail-api --features fixture --example seed --example serve
target=${CARGO_TARGET_DIR:-target}
# The built-in bench profile builds into release/.
profile_dir=release
[[ -x $target/$profile_dir/examples/serve ]] || profile_dir=bench
bin=$target/$profile_dir/examples
cp "$bin/serve" "$work/serve-new"
cp "$bin/seed" "$work/seed"

say "building the API before annotations ($ref) in a worktree; its target dir starts as hard links of this one's, so only the workspace's crates are built"
git worktree add -q --detach "$work/base" "$ref"
mkdir -p "$work/base-target"
cp -al "$target/$profile_dir" "$work/base-target/" 2>/dev/null ||
  say "could not hard-link the target dir: the baseline builds from scratch (20 minutes)"
(cd "$work/base" && CARGO_TARGET_DIR=$work/base-target cargo build -q --profile bench -p zonetrail-api --features fixture --example serve)
base_bin=$work/base-target/$profile_dir/examples/serve
[[ -x $base_bin ]] || die "no baseline server at $base_bin"
cp "$base_bin" "$work/serve-base"

db_url="${server_url%/}/$db"
have=$(mysql_cli -e "SELECT COUNT(*) FROM \`$db\`.record_sets" 2>/dev/null || echo 0)
if [[ $have -ne $records ]]; then
  say "seeding $records record sets into $db (had $have)"
  mysql_cli -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  DATABASE_URL=$db_url RUST_LOG=warn "$work/seed" --migrate --records "$records"
fi
# The schema of this tree (migration 13), then annotations on every zone and every 10th
# record set, written as the API writes them.
port_of() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start() { # start NAME BIN: a server on a free port; sets $port
  port=$(port_of)
  DATABASE_URL=$db_url RUST_LOG=warn ZONETRAIL_NAME_INDEX=off "$2" --listen "127.0.0.1:$port" ${3:-} >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  cat "$work/$1.log" >&2
  die "$1 did not start"
}
start new "$work/serve-new" --migrate
new_port=$port
mysql_cli "$db" -e "
  DELETE FROM annotations; DELETE FROM annotation_changes;
  INSERT INTO annotations (zone_id, name, record_type, set_identifier, owner, team, ticket, notes, version, updated_by, updated_at)
    SELECT id, '', '', '', CONCAT('owner-', id), 'platform', NULL, 'zone owner', 1, 'bench', NOW(6) FROM hosted_zones;
  INSERT INTO annotations (zone_id, name, record_type, set_identifier, owner, team, ticket, notes, version, updated_by, updated_at)
    SELECT zone_id, name, record_type, set_identifier, CONCAT('team-', id % 97, '@example.com'), CONCAT('team-', id % 97),
           CONCAT('https://tickets.example.com/OPS-', id), 'why it exists', 1, 'bench', NOW(6)
    FROM record_sets WHERE id % 10 = 0;
  ANALYZE TABLE annotations;"
say "annotations: $(mysql_cli "$db" -e 'SELECT COUNT(*) FROM annotations') rows ($(mysql_cli "$db" -e 'SELECT COUNT(*) FROM hosted_zones') zones)"
start base "$work/serve-base"
base_port=$port

"$work/seed" --queries-only --records "$records" --queries "$work/queries.tsv" --queries-per-kind 300
awk -F'\t' '$1 == "zone+type" { print $2 }' "$work/queries.tsv" >"$work/zone+type.txt"
# The dashboard's first page: no filter, and one zone.
{ echo "limit=100"; awk -F'\t' '$1 == "zone+type" { sub(/&type=[^&]*/, "", $2); print $2 }' "$work/queries.tsv"; } |
  sort -u >"$work/list.txt"
curl -fsS "http://127.0.0.1:$new_port/api/records?$(head -n1 "$work/zone+type.txt")" | grep -q '"annotation":{' ||
  say "note: the first zone+type page holds no annotation"

run() { # run PORT FILE CLIENTS: wrk's ZTBENCH line
  ZT_BENCH_QUERIES=$2 wrk -t1 -c"$3" -d"${duration}s" --timeout 10s -s api/bench/rotate.lua "http://127.0.0.1:$1" | grep '^ZTBENCH'
}
printf '\n%-10s %-9s %-10s %9s %8s %8s %8s\n' filter clients server requests "p50 ms" "p99 ms" "errors"
failed=0
for kind in zone+type list; do
  for clients in 1 "$connections"; do
    # Warm both.
    for p in "$base_port" "$new_port"; do ZT_BENCH_QUERIES=$work/$kind.txt wrk -t1 -c"$clients" -d3s -s api/bench/rotate.lua "http://127.0.0.1:$p" >/dev/null; done
    declare -A p99s=() p50s=() reqs=() errs=()
    for _ in $(seq 1 "$rounds"); do
      for side in base new; do
        port_var=${side}_port
        line=$(run "${!port_var}" "$work/$kind.txt" "$clients")
        eval "$(sed 's/^ZTBENCH //' <<<"$line")"
        # shellcheck disable=SC2154 # set by the eval above
        p99s[$side]+="$p99_us " p50s[$side]+="$p50_us " reqs[$side]=$((${reqs[$side]:-0} + requests)) errs[$side]=$((${errs[$side]:-0} + errors + non2xx))
      done
    done
    for side in base new; do
      # The median turn's p99 and p50.
      p99=$(tr ' ' '\n' <<<"${p99s[$side]}" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
      p50=$(tr ' ' '\n' <<<"${p50s[$side]}" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
      printf '%-10s %-9s %-10s %9d %8.2f %8.2f %8d\n' "$kind" "$clients" "$([[ $side == base ]] && echo "before" || echo "annotated")" \
        "${reqs[$side]}" "$(awk -v v="$p50" 'BEGIN { print v / 1000 }')" "$(awk -v v="$p99" 'BEGIN { print v / 1000 }')" "${errs[$side]}"
      eval "${side}_p99=$p99"
    done
    # shellcheck disable=SC2154
    ratio=$(awk -v n="$new_p99" -v b="$base_p99" 'BEGIN { printf "%.3f", n / b }')
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.10) ? "PASS" : "FAIL" }')
    [[ $verdict == PASS && ${errs[new]} -eq 0 ]] || failed=1
    printf '%-10s %-9s p99 annotated / before = %s (target <= 1.10): %s\n' "$kind" "$clients" "$ratio" "$verdict"
  done
done

# Part 2: an edit through one server, read through another.
start reader "$work/serve-new"
reader_port=$port
ids=$(mysql_cli "$db" -e "SELECT id FROM record_sets WHERE deleted_at IS NULL ORDER BY id LIMIT $edits")
lat=()
for id in $ids; do
  owner="edit-$id-$RANDOM"
  t0=$(date +%s%N)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'content-type: application/json' \
    -d "{\"owner\":\"$owner\"}" "http://127.0.0.1:$new_port/api/records/$id/annotation")
  [[ $code == 200 ]] || die "PUT /api/records/$id/annotation answered $code"
  until curl -fsS "http://127.0.0.1:$reader_port/api/records/$id" | grep -q "\"owner\":\"$owner\""; do
    (( ($(date +%s%N) - t0) < 5000000000 )) || die "edit of $id not visible after 5 s"
  done
  lat+=($(( ($(date +%s%N) - t0) / 1000 )))
done
printf '%s\n' "${lat[@]}" | sort -n | awk -v n="${#lat[@]}" '{ a[NR] = $1 } END {
  printf "\nedit visible to another reader (PUT through one server, GET through another): %d edits, p50 %.1f ms, max %.1f ms (target < 1000 ms): %s\n",
    n, a[int((n + 1) / 2)] / 1000, a[n] / 1000, (a[n] < 1000000 ? "PASS" : "FAIL") }'
max=$(printf '%s\n' "${lat[@]}" | sort -n | tail -n1)
((max < 1000000)) || failed=1
say "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
exit "$failed"
