#!/usr/bin/env bash
# The CDK app's test stage: dependencies, type check, formatting and lint (Biome), template
# assertions (with cdk-nag),
# an offline `cdk synth`, then cfn-lint and checkov on the synthesized templates.
# Runs from any directory, needs no AWS credentials and never calls AWS; exits non-zero on
# the first failure.
#
# Environment (all optional):
#   ZONETRAIL_VENV          a venv that already has cfn-lint (the test harness's); without it,
#                           cfn-lint is installed into cdk/.venv
#   ZONETRAIL_CHECKOV_VENV  a venv that already has checkov (the harness keeps checkov apart:
#                           it pins boto3/botocore exactly); without it, cdk/.venv-checkov
set -euo pipefail

CDK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$CDK_DIR/.." && pwd)
cd "$CDK_DIR"

# Pins, shared with the harness's requirements files when they exist.
pin() { # pin NAME FILE DEFAULT
  local found=
  [[ -f $2 ]] && found=$(sed -n "s/^$1==\([^[:space:]#]*\).*/\1/p" "$2" | head -n1)
  printf '%s\n' "${found:-$3}"
}
CFN_LINT_VERSION=$(pin cfn-lint "$REPO_DIR/scripts/requirements-test.txt" 1.58.0)
CHECKOV_VERSION=$(pin checkov "$REPO_DIR/scripts/requirements-checkov.txt" 3.3.30)

step() { printf '[cdk] %s\n' "$*" >&2; }
fail() {
  printf '[cdk] FAILED: %s\n' "$*" >&2
  exit 1
}
elapsed() { printf '%d s' $((SECONDS - $1)); }

# Nothing here may reach AWS: no credentials, no instance metadata, no CLI telemetry or notices.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
  AWS_REGION AWS_DEFAULT_REGION CDK_DEFAULT_ACCOUNT CDK_DEFAULT_REGION
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# --- 1. Node dependencies (npm ci when package-lock.json changed) ------------------------------
started=$SECONDS
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f node_modules/.zonetrail-lock && $(cat node_modules/.zonetrail-lock) == "$lock_hash" ]]; then
  step "node_modules up to date"
else
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2 || fail "npm ci"
  printf '%s\n' "$lock_hash" >node_modules/.zonetrail-lock
  step "npm ci done in $(elapsed "$started")"
fi

# --- 2. Type check -----------------------------------------------------------------------------
started=$SECONDS
step "tsc --noEmit"
node_modules/.bin/tsc --noEmit -p . || fail "type check"
step "type check passed in $(elapsed "$started")"

# --- 2b. Formatting and lint (Biome, biome.jsonc) -------------------------------------------------
started=$SECONDS
step "biome ci"
node_modules/.bin/biome ci --colors=off . >&2 || fail "formatting or lint (run: npx biome check --write .)"
step "biome ci passed in $(elapsed "$started")"

# --- 3. Template assertions, cdk-nag included ---------------------------------------------------
started=$SECONDS
step "template assertions (node --test)"
node --import tsx --test --test-reporter=spec test/cdk.test.ts || fail "template assertions"
step "template assertions passed in $(elapsed "$started")"

# --- 4. Offline synth, without building Rust ---------------------------------------------------
# A region other than us-east-1, so that both stacks (main + us-east-1 forwarder) are checked;
# then the same with accounts=org, which adds the member template;
# `lambdaCode=placeholder` stands a stub in for the Rust binaries. cdk-nag runs here too.
started=$SECONDS
out=$CDK_DIR/cdk.out
rm -rf "$out"
step "cdk synth (offline, placeholder Lambda code)"
node_modules/.bin/cdk synth --quiet --no-notices --output "$out" \
  -c lambdaCode=placeholder -c account=111111111111 -c region=eu-west-1 >&2 || fail "cdk synth"
templates=("$out"/*.template.json)
[[ ${#templates[@]} -eq 2 ]] || fail "expected 2 templates in $out, found ${#templates[@]}"
# Again with several accounts (docs/deploy.md, "Several accounts"): the central stack's
# Organizations parts, and the member template for the StackSet (a stage: assembly-Member/);
# with every notification target and filter (docs/deploy.md, "Notifications"); and with
# findings' watched regions (docs/deploy.md, "Findings"), which adds a forwarder in eu-central-1.
org_out=$out/organization
node_modules/.bin/cdk synth --quiet --no-notices --output "$org_out" \
  -c lambdaCode=placeholder -c account=111111111111 -c region=eu-west-1 \
  -c accounts=org -c organizationId=o-exampleorg1 -c ous=ou-ab12-cd34ef56 \
  -c externalId=zonetrail-offline-check \
  -c notifyEmails=ops@example.com -c notifyWebhookUrl=https://hooks.example.com/zonetrail \
  -c notifyZones=Z0123456789ABC -c notifyIgnoreActors=arn:aws:iam::111111111111:role/iac \
  -c notifySources=event,sweep -c regions=eu-west-1,eu-central-1 >&2 ||
  fail "cdk synth (accounts=org)"
org_templates=("$org_out"/*.template.json "$org_out"/assembly-Member/*.template.json)
[[ ${#org_templates[@]} -eq 4 ]] ||
  fail "expected 4 templates (main, 2 forwarders, member) in $org_out, found ${#org_templates[@]}"
templates+=("${org_templates[@]}")
step "synthesized ${#templates[@]} templates in $(elapsed "$started")"

# --- Python linters: reuse the harness's venvs, else pinned venvs of our own --------------------
ensure_tool() { # ensure_tool TOOL VERSION VENV -> path of the tool
  local tool=$1 version=$2 venv=$3
  if [[ ! -x $venv/bin/$tool || $(cat "$venv/.zonetrail-$tool" 2>/dev/null) != "$version" ]]; then
    step "installing $tool==$version into $venv"
    if [[ ! -x $venv/bin/python ]]; then
      python3 -m venv "$venv" >&2 || fail "python3 -m venv $venv (install Debian's python3-venv)"
    fi
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$venv/bin/python" -m pip install --quiet "$tool==$version" >&2 ||
      fail "pip install $tool==$version"
    printf '%s\n' "$version" >"$venv/.zonetrail-$tool"
  fi
  printf '%s\n' "$venv/bin/$tool"
}

if [[ -n ${ZONETRAIL_VENV:-} && -x $ZONETRAIL_VENV/bin/cfn-lint ]]; then
  cfn_lint=$ZONETRAIL_VENV/bin/cfn-lint
else
  cfn_lint=$(ensure_tool cfn-lint "$CFN_LINT_VERSION" "${ZONETRAIL_VENV:-$CDK_DIR/.venv}")
fi
if [[ -n ${ZONETRAIL_CHECKOV_VENV:-} && -x $ZONETRAIL_CHECKOV_VENV/bin/checkov ]]; then
  checkov=$ZONETRAIL_CHECKOV_VENV/bin/checkov
elif [[ -n ${ZONETRAIL_VENV:-} && -x $ZONETRAIL_VENV/bin/checkov ]]; then
  checkov=$ZONETRAIL_VENV/bin/checkov
else
  # Never into ZONETRAIL_VENV: checkov's exact boto3 pins would drag moto back.
  checkov=$(ensure_tool checkov "$CHECKOV_VERSION" "${ZONETRAIL_CHECKOV_VENV:-$CDK_DIR/.venv-checkov}")
fi

# --- 5. cfn-lint: no errors (warnings are printed, not fatal) -----------------------------------
started=$SECONDS
step "cfn-lint $("$cfn_lint" --version 2>&1 | tr -d '\n')"
set +e
"$cfn_lint" --format parseable "${templates[@]}" >"$out/cfn-lint.txt" 2>&1
rc=$?
set -e
errors=$(grep -c ':E[0-9]' "$out/cfn-lint.txt" || true)
warnings=$(grep -c ':W[0-9]' "$out/cfn-lint.txt" || true)
if ((rc & 3)) || ((errors > 0)); then
  cat "$out/cfn-lint.txt" >&2
  fail "cfn-lint: $errors error(s)"
fi
step "cfn-lint: 0 errors, $warnings warning(s) in $(elapsed "$started") (details: $out/cfn-lint.txt)"

# --- 6. checkov: no failed check that lacks a skip with its reason --------------------------------
started=$SECONDS
step "checkov $("$checkov" --version 2>&1 | tail -n1)"
files=()
for t in "${templates[@]}"; do files+=(--file "$t"); done
set +e
"$checkov" "${files[@]}" --framework cloudformation --compact --skip-download --output cli >"$out/checkov.txt" 2>&1
rc=$?
set -e
summary=$(grep -m1 -E 'Passed checks: [0-9]+, Failed checks: [0-9]+' "$out/checkov.txt" || true)
if ((rc != 0)) || [[ -z $summary ]]; then
  cat "$out/checkov.txt" >&2
  fail "checkov (exit $rc)"
fi
step "checkov: $summary in $(elapsed "$started")"

printf '[cdk] all checks passed\n' >&2
