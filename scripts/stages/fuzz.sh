#!/usr/bin/env bash
# Stage "fuzz": a short, bounded cargo-fuzz run of every target in fuzz/ (issue 8).
#   event_decode      CloudTrail events (EventBridge JSON) through the ingest's decoder
#   event_structured  the same, from real events with structured edits
#   message_decode    queue message bodies through Message::from_json, round trips, splitting
#   record_name       RecordName::parse and its stored, API and reversed forms
# Each runs ZONETRAIL_FUZZ_SECONDS (default 30) from the committed corpus (fuzz/corpus/NAME,
# read only; what it finds goes to a temporary directory). Any crash, panic, timeout or
# out-of-memory fails the stage and prints the input and how to reproduce it.
#
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets the stable toolchain use them.
# It is installed from crates.io when missing. Longer runs: docs/reliability.md.
#
# Settings (environment):
#   ZONETRAIL_FUZZ_SECONDS   seconds per target (default 30; the long form: docs/reliability.md)
#   ZONETRAIL_FUZZ_TARGETS   targets to run (default: all four)
#   ZONETRAIL_FUZZ_KEEP=1    merge what the run found into fuzz/corpus (then `cargo fuzz cmin`)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { printf '[fuzz] %s\n' "$*"; }
die() { say "ERROR: $*"; exit 1; }

seconds=${ZONETRAIL_FUZZ_SECONDS:-30}
targets=${ZONETRAIL_FUZZ_TARGETS:-event_decode event_structured message_decode record_name}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || die "ZONETRAIL_FUZZ_SECONDS=$seconds is not a positive whole number"
[[ -n ${CI:-} ]] && export CARGO_TERM_COLOR=never
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  say "cargo-fuzz not installed: cargo install cargo-fuzz --locked (from crates.io)"
  cargo install cargo-fuzz --locked --quiet || die "could not install cargo-fuzz"
fi

started=$SECONDS
say "building the fuzz targets (cargo fuzz build -s none; own target dir fuzz/target)"
(cd fuzz && cargo fuzz build -s none) || die "the fuzz targets do not build"
say "built in $((SECONDS - started)) s"

work=$(mktemp -d "${TMPDIR:-/tmp}/zonetrail-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()
for target in $targets; do
  [[ -d fuzz/corpus/$target ]] || die "no corpus for $target (fuzz/corpus/$target)"
  mkdir -p "$work/$target" "fuzz/artifacts/$target"
  log=$work/$target.log
  say "$target: ${seconds} s from fuzz/corpus/$target ($(find "fuzz/corpus/$target" -type f | wc -l) inputs)"
  rc=0
  (cd fuzz && cargo fuzz run -s none "$target" "$work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1 || rc=$?
  stats=$(grep -E '^#[0-9]+.*DONE' "$log" | tail -n 1 || true)
  if ((rc != 0)); then
    grep -E 'panicked|ERROR: libFuzzer|SUMMARY|Test unit written|Reproduce with|cargo fuzz run' "$log" | head -n 20 || tail -n 40 "$log"
    say "$target: FAILED (exit $rc); the input is in fuzz/artifacts/$target; full log kept in $log"
    trap - EXIT
    failed+=("$target")
    continue
  fi
  say "$target: no crash. ${stats:-$(tail -n 1 "$log")}"
  if [[ ${ZONETRAIL_FUZZ_KEEP:-0} == 1 ]]; then
    cp -n "$work/$target"/* "fuzz/corpus/$target/" 2>/dev/null || true
    say "$target: merged $(find "$work/$target" -type f | wc -l) new inputs into fuzz/corpus/$target"
  fi
done
if ((${#failed[@]})); then
  die "crashes in: ${failed[*]}"
fi
say "PASS: ${targets// /, } ran ${seconds} s each with no crash ($((SECONDS - started)) s in all)"
