# shellcheck shell=bash
# Python tools for the tests, in virtual environments with pinned versions.
# Source this file, then call `ensure_venv`. It exports:
#   ZONETRAIL_VENV          venv from scripts/requirements-test.txt: moto[server],
#                           schemathesis, cfn-lint (run them as "$ZONETRAIL_VENV/bin/NAME")
#   ZONETRAIL_CHECKOV_VENV  venv from scripts/requirements-checkov.txt: checkov, kept apart
#                           because checkov pins boto3/botocore exactly (and networkx <2.7,
#                           packaging <24), which would drag moto back onto an old botocore
# Defaults: .venv and .venv-checkov in the repository root; set either variable to use
# another place. A venv is rebuilt from scratch only when its requirements file, the
# Python version or the venv's path changed (a stamp file inside the venv records them).
#
# Settings (environment):
#   ZONETRAIL_PYTHON  the interpreter that creates the venvs (default python3; 3.11 in CI)

if ! declare -F zt_info >/dev/null; then
  # shellcheck source=scripts/lib/common.sh
  source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fi

_ZT_PY_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_ZT_REPO_ROOT=$(cd "$_ZT_PY_LIB_DIR/../.." && pwd)

# The stamp a venv must carry to be reused: requirements hash, interpreter, venv path.
_zt_venv_stamp() {
  local venv=$1 req=$2 py=$3 hash version
  hash=$(sha256sum "$req" | cut -d' ' -f1)
  version=$("$py" -c 'import sys; print(sys.version.split()[0])')
  printf 'requirements-sha256=%s\npython=%s\npath=%s\n' "$hash" "$version" "$venv"
}

# The interpreter that builds the venvs; installs Debian's python3 when there is none.
_zt_python() {
  local py=${ZONETRAIL_PYTHON:-python3}
  if ! command -v "$py" >/dev/null 2>&1; then
    zt_ensure_log_dir
    zt_info "$py not found: installing Debian's python3"
    zt_apt_install "$ZONETRAIL_TEST_LOG_DIR/apt-python.log" python3 python3-venv
  fi
  printf '%s\n' "$py"
}

# _zt_venv_sync VENV REQUIREMENTS — (re)build VENV from REQUIREMENTS unless its stamp matches.
_zt_venv_sync() {
  local venv=$1 req=$2 py stamp log started lock_fd
  [[ -f $req ]] || zt_die "requirements file missing: $req"
  py=$(_zt_python) || exit 1
  stamp=$(_zt_venv_stamp "$venv" "$req" "$py") || zt_die "could not read $req or run $py"

  # One build at a time for a given venv (two test runs in one work tree).
  mkdir -p "$(dirname "$venv")"
  exec {lock_fd}>"${TMPDIR:-/tmp}/zonetrail-venv-$(printf '%s' "$venv" | sha256sum | cut -c1-16).lock"
  if ! flock -w 900 "$lock_fd"; then
    zt_die "timed out after 900 s waiting for another run to finish building $venv"
  fi

  if [[ -f $venv/.zonetrail-stamp && $(cat "$venv/.zonetrail-stamp") == "$stamp" ]] &&
    "$venv/bin/python" -c '' 2>/dev/null; then
    zt_info "venv up to date: $venv"
    exec {lock_fd}>&-
    return 0
  fi

  zt_ensure_log_dir
  log="$ZONETRAIL_TEST_LOG_DIR/pip-$(basename "$venv").log"
  zt_info "building venv $venv from ${req#"$_ZT_REPO_ROOT"/} with $py ($("$py" --version 2>&1)); log: $log"
  started=$SECONDS
  rm -rf "$venv"
  if ! "$py" -m venv "$venv" >"$log" 2>&1; then
    # Debian's python3 makes venvs only with python3-venv (ensurepip) installed.
    zt_info "'$py -m venv' failed: installing Debian's python3-venv"
    zt_apt_install "$ZONETRAIL_TEST_LOG_DIR/apt-python.log" python3-venv
    rm -rf "$venv"
    if ! "$py" -m venv "$venv" >>"$log" 2>&1; then
      zt_show_log "$log"
      zt_die "could not create the venv $venv with $py (log: $log)"
    fi
  fi
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$venv/bin/python" -m pip install --quiet --requirement "$req" </dev/null >>"$log" 2>&1; then
    zt_show_log "$log"
    zt_die "pip could not install ${req#"$_ZT_REPO_ROOT"/} into $venv (log: $log)"
  fi
  if ! "$venv/bin/python" -m pip check >>"$log" 2>&1; then
    zt_show_log "$log" 20
    zt_die "pip check found conflicting requirements in $venv (log: $log)"
  fi
  printf '%s\n' "$stamp" >"$venv/.zonetrail-stamp"
  zt_info "venv $venv built in $((SECONDS - started)) s"
  exec {lock_fd}>&-
}

# ensure_venv — build or reuse the test venvs and export ZONETRAIL_VENV and
# ZONETRAIL_CHECKOV_VENV (absolute paths).
ensure_venv() {
  local venv checkov
  venv=${ZONETRAIL_VENV:-$_ZT_REPO_ROOT/.venv}
  checkov=${ZONETRAIL_CHECKOV_VENV:-$_ZT_REPO_ROOT/.venv-checkov}
  # Absolute paths, so stages can use them from any directory.
  [[ $venv == /* ]] || venv=$PWD/$venv
  [[ $checkov == /* ]] || checkov=$PWD/$checkov

  _zt_venv_sync "$venv" "$_ZT_REPO_ROOT/scripts/requirements-test.txt"
  [[ -x $venv/bin/moto_server ]] || zt_die "moto_server missing from $venv after install"
  _zt_venv_sync "$checkov" "$_ZT_REPO_ROOT/scripts/requirements-checkov.txt"
  [[ -x $checkov/bin/checkov ]] || zt_die "checkov missing from $checkov after install"

  export ZONETRAIL_VENV=$venv ZONETRAIL_CHECKOV_VENV=$checkov
}
