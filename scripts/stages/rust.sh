#!/usr/bin/env bash
# Stage "rust": every Rust test of the workspace.
#   - format: cargo fmt --all --check (the workspace and fuzz/; rustfmt.toml)
#   - lint: cargo clippy --workspace --all-targets -- -D warnings
#   - doc tests: cargo test --workspace --doc (nextest cannot run them)
#   - all other tests: cargo nextest run --workspace --no-fail-fast (.config/nextest.toml),
#     or `cargo test --workspace --no-fail-fast` where cargo-nextest is not installed
#   - then the workspace's binaries and examples (zt_cargo_build dev, nearly free after the
#     tests' build), which the later stages run instead of building their own
# Each step's time is printed at the end.
# Fails when a test fails or when no test ran at all. scripts/test runs it with
# ZONETRAIL_TEST_MYSQL_URL and ZONETRAIL_TEST_AWS_ENDPOINT set; tests that need them
# fail without them, so run it as `scripts/test rust`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { printf '[rust] %s\n' "$*"; }

if [[ -n ${CI:-} ]]; then
  export CARGO_TERM_COLOR=never
fi
[[ -f Cargo.toml ]] || { say "ERROR: no Cargo.toml at $(pwd)"; exit 1; }
for v in ZONETRAIL_TEST_MYSQL_URL ZONETRAIL_TEST_AWS_ENDPOINT; do
  [[ -n ${!v:-} ]] || say "WARNING: $v is not set (run this stage through scripts/test rust)"
done

log_dir=$(mktemp -d "${TMPDIR:-/tmp}/zonetrail-rust.XXXXXX")

# Every test makes its own database (model/src/testing.rs): zt_test_* on MariaDB and
# zt_test_*.db files in the temp dir. Those this run made are removed after a green run and
# kept after a red one, to look into. Databases that existed before the run are left alone.
# shellcheck source=scripts/lib/mariadb.sh
source scripts/lib/mariadb.sh
test_dbs() {
  [[ -n ${ZONETRAIL_TEST_MYSQL_URL:-} ]] || return 0
  zt_mysql "$ZONETRAIL_TEST_MYSQL_URL" -N -B -e "SHOW DATABASES LIKE 'zt\\_test\\_%'" 2>/dev/null | sort || true
}
test_dbs >"$log_dir/dbs-before"
touch "$log_dir/stamp"
drop_test_dbs() {
  local db sql="" n=0
  while read -r db; do
    [[ -n $db ]] || continue
    sql+="DROP DATABASE IF EXISTS \`$db\`; "
    n=$((n + 1))
  done < <(test_dbs | comm -13 "$log_dir/dbs-before" -)
  if ((n > 0)); then zt_mysql "$ZONETRAIL_TEST_MYSQL_URL" -e "$sql" || say "WARNING: could not drop the test databases"; fi
  find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'zt_test_*.db*' -newer "$log_dir/stamp" -delete 2>/dev/null || true
  say "removed the $n MariaDB test databases and the SQLite test files this run made"
}
finish() {
  local rc=$?
  if ((rc == 0)); then drop_test_dbs; else say "test databases (zt_test_*) kept to look into"; fi
  rm -rf "$log_dir"
  return "$rc"
}
trap finish EXIT

# Sum the "N passed" of libtest's "test result:" lines in a log.
count_passed() {
  awk '/^test result: / { for (i = 1; i < NF; i++) if ($(i + 1) == "passed;") n += $i } END { print n + 0 }' "$1"
}

# Step times, printed at the end: "name seconds" lines.
steps=()
step_started=$SECONDS
step_done() {
  steps+=("$(printf '%-34s %5d s' "$1" $((SECONDS - step_started)))")
  step_started=$SECONDS
}
print_steps() {
  say "step times:"
  local line
  for line in "${steps[@]}"; do say "  $line"; done
}

say "format: cargo fmt --all --check (workspace and fuzz/)"
fmt_rc=0
if ! cargo fmt --version >/dev/null 2>&1; then
  rustup component add rustfmt || true
fi
cargo fmt --all --check || fmt_rc=$?
(cd fuzz && cargo fmt --all --check) || fmt_rc=$?
((fmt_rc == 0)) || say "the tree is not formatted (run cargo fmt --all, and in fuzz/ too); running the tests anyway"
step_done "cargo fmt --check"

say "lint: cargo clippy --workspace --all-targets -- -D warnings"
if ! cargo clippy --version >/dev/null 2>&1; then
  say "clippy is missing: rustup component add clippy"
  rustup component add clippy || true
fi
lint_rc=0
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --workspace --all-targets -- -D warnings || lint_rc=$?
  ((lint_rc == 0)) || say "clippy FAILED (exit $lint_rc); running the tests anyway"
else
  say "WARNING: clippy is not installed and rustup could not add it: lint skipped"
fi
step_done "cargo clippy"

if cargo nextest --version >/dev/null 2>&1; then
  say "doc tests: cargo test --workspace --doc --no-fail-fast"
  rc=0
  cargo test --workspace --doc --no-fail-fast 2>&1 | tee "$log_dir/doc.log" || rc=$?
  if ((rc != 0)) && grep -q 'no library targets found' "$log_dir/doc.log"; then
    say "no library crate: no doc tests to run"
    rc=0
  fi
  doc_rc=$rc
  if ((doc_rc == 0)); then
    say "doc tests passed: $(count_passed "$log_dir/doc.log")"
  else
    say "doc tests FAILED (exit $doc_rc); running the other tests anyway"
  fi
  step_done "doc tests (build and run)"

  nextest_args=(--workspace --no-fail-fast)
  if cargo nextest run --help 2>/dev/null | grep -q -- '--no-tests'; then
    nextest_args+=(--no-tests=fail) # zero tests is a failure, not a green run
  fi
  say "tests: cargo nextest run ${nextest_args[*]}"
  # Build first, then run: the two show apart in the step times.
  rc=0
  cargo nextest run --workspace --no-run || rc=$?
  step_done "nextest build"
  if ((rc == 0)); then
    cargo nextest run "${nextest_args[@]}" || rc=$?
    step_done "nextest run"
  fi
  build_rc=0
  (zt_cargo_build dev >/dev/null) || build_rc=$?
  step_done "binaries and examples (for later stages)"
  print_steps
  if ((fmt_rc != 0 || lint_rc != 0 || doc_rc != 0 || rc != 0 || build_rc != 0)); then
    say "FAILED (fmt exit $fmt_rc, clippy exit $lint_rc, doc tests exit $doc_rc, nextest exit $rc, build exit $build_rc)"
    exit 1
  fi
else
  say "cargo-nextest not installed: falling back to cargo test (doc tests included)"
  rc=0
  cargo test --workspace --no-fail-fast 2>&1 | tee "$log_dir/test.log" || rc=$?
  passed=$(count_passed "$log_dir/test.log")
  step_done "cargo test"
  print_steps
  if ((fmt_rc != 0 || lint_rc != 0 || rc != 0)); then
    say "FAILED (fmt exit $fmt_rc, clippy exit $lint_rc, cargo test exit $rc)"
    exit 1
  fi
  if ((passed == 0)); then
    say "FAILED: no test ran"
    exit 1
  fi
  say "$passed tests passed"
fi
