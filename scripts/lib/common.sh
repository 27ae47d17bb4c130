# shellcheck shell=bash
# Helpers shared by the test harness libraries: logging, root, apt (source, do not run).

# zt_info MSG... — a progress line on stderr, prefixed so it stands out in CI logs.
zt_info() { printf '[zonetrail] %s\n' "$*" >&2; }

# zt_warn MSG... — a warning line on stderr.
zt_warn() { printf '[zonetrail] WARNING: %s\n' "$*" >&2; }

# zt_die MSG... — an error line on stderr, then exit 1 (runs the caller's EXIT trap).
zt_die() {
  printf '[zonetrail] ERROR: %s\n' "$*" >&2
  exit 1
}

# zt_show_log FILE [LINES] — print the last lines of a log file, framed, on stderr.
zt_show_log() {
  local file=$1 lines=${2:-40}
  if [[ -s $file ]]; then
    printf '[zonetrail] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf '[zonetrail] ---- end of %s ----\n' "$file" >&2
  else
    printf '[zonetrail] (%s is empty or missing)\n' "$file" >&2
  fi
}

# zt_cargo_build PROFILE — build every binary and example of the workspace in PROFILE (dev or
# bench) and echo the directory they land in. The dev build has exactly the features of the test
# build (`cargo nextest run --workspace`: examples pull in the dev-dependencies, which turn on
# the test features such as `fixture` and `fake-route53`), so after the rust stage it is a no-op;
# building one package with `-p` would resolve other features and compile the crates again.
zt_cargo_build() {
  local profile=${1:-dev} root dir
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  command -v cargo >/dev/null 2>&1 || zt_die "cargo not found: install Rust (https://rustup.rs) and rerun"
  (cd "$root" && cargo build --quiet --workspace --bins --examples --profile "$profile") >&2 ||
    zt_die "cargo build --workspace --bins --examples --profile $profile failed"
  # Cargo's built-in profiles share directories: dev and test build into debug/, release and
  # bench into release/; a custom profile builds into its own name.
  case $profile in
    dev | test) dir=debug ;;
    release | bench) dir=release ;;
    *) dir=$profile ;;
  esac
  printf '%s\n' "${CARGO_TARGET_DIR:-$root/target}/$dir"
}

# zt_ensure_log_dir — make sure $ZONETRAIL_TEST_LOG_DIR names an existing directory for
# service logs (scripts/test sets it; otherwise a new temporary directory is made).
# Call it directly, not in $(...), so that the variable sticks.
zt_ensure_log_dir() {
  if [[ -z ${ZONETRAIL_TEST_LOG_DIR:-} ]]; then
    ZONETRAIL_TEST_LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zonetrail-test.XXXXXX")
  fi
  export ZONETRAIL_TEST_LOG_DIR
  mkdir -p "$ZONETRAIL_TEST_LOG_DIR"
}

# zt_as_root CMD... — run a command as root (directly when we are root, else via sudo -n).
zt_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    zt_die "need root to run: $* (run as root, or install sudo)"
  fi
}

# zt_apt_install LOG PACKAGE... — install Debian packages non-interactively (apt-get update
# first), output to LOG; dies naming LOG on failure.
zt_apt_install() {
  local log=$1
  shift
  command -v apt-get >/dev/null 2>&1 || zt_die "apt-get not found: install $* yourself"
  zt_info "installing Debian packages: $* (log: $log)"
  if ! {
    zt_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      zt_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
  } </dev/null >"$log" 2>&1; then
    zt_show_log "$log"
    zt_die "apt-get could not install $* (log: $log)"
  fi
}
