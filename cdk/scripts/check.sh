#!/usr/bin/env bash
# Checks the CDK app end to end: npm ci (when needed), type check, jest
# (assertions + cdk-nag), `cdk synth` of every stack, and cfn-lint over every
# synthesized template and the conformance pack. Warnings count as failures
# unless ignored, with a reason, in cdk/.cfnlintrc. Works offline once the
# npm packages and cfn-lint are installed.
#
# Usage: cdk/scripts/check.sh [BOOTSTRAP_DIR]
#   BOOTSTRAP_DIR    directory containing the Lambda `bootstrap`
#                    (default: <repo>/target/lambda/neptune-cmk-rule, i.e.
#                    ../target/lambda/neptune-cmk-rule from cdk/); a relative
#                    path is taken from the current directory.
# Environment:
#   VENV             Python venv providing cfn-lint (default: <repo>/.venv). It
#                    is created, and cdk/requirements.txt installed into it,
#                    when cfn-lint is missing or not the pinned version.
#   ORGANIZATION_ID  organization id used only to synthesize NeptuneCmkOrgRule
#                    for linting (default: a placeholder, o-exampleorg1).
set -euo pipefail

CDK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
BOOTSTRAP_DIR="$(abspath "${1:-$CDK_DIR/../target/lambda/neptune-cmk-rule}")"
VENV="$(abspath "${VENV:-$CDK_DIR/../.venv}")"
ORGANIZATION_ID="${ORGANIZATION_ID:-o-exampleorg1}"
PACK=conformance-pack/neptune-cmk.yaml

say() { printf 'check.sh: %s\n' "$*"; }

if [ ! -f "$BOOTSTRAP_DIR/bootstrap" ]; then
  say "no Lambda bootstrap at $BOOTSTRAP_DIR/bootstrap: run \`make package\` first" >&2
  exit 1
fi

cd "$CDK_DIR"
export CDK_DISABLE_CLI_TELEMETRY=true

# npm ci only when node_modules is missing or older than the lockfile
# (npm writes node_modules/.package-lock.json on every install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

say "type check"
npm run --silent build

say "jest"
test_log="$(mktemp)"
trap 'rm -f "$test_log"' EXIT
npm test --silent -- --ci 2>&1 | tee "$test_log"
tests_summary="$(sed -n 's/^Tests: *//p' "$test_log" | tail -n 1)"

say "cdk synth (bootstrap from $BOOTSTRAP_DIR)"
rm -rf cdk.out
npx --no-install cdk synth --quiet --no-notices \
  -c bootstrapDir="$BOOTSTRAP_DIR" -c organizationId="$ORGANIZATION_ID"
shopt -s nullglob
templates=(cdk.out/*.template.json)
shopt -u nullglob
if [ "${#templates[@]}" -ne 3 ]; then
  say "expected 3 templates in cdk.out, found ${#templates[@]}" >&2
  exit 1
fi

pinned="$(sed -n 's/^cfn-lint==//p' requirements.txt)"
if [ "$("$VENV/bin/cfn-lint" --version 2>/dev/null || true)" != "cfn-lint $pinned" ]; then
  say "installing cfn-lint $pinned into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi

say "cfn-lint $pinned"
if ! "$VENV/bin/cfn-lint" -- "${templates[@]}" "$PACK"; then
  say "cfn-lint reported problems (warnings fail too; ignores live in cdk/.cfnlintrc)" >&2
  exit 1
fi

stacks="$(for t in "${templates[@]}"; do basename "$t" .template.json; done | paste -sd, -)"
say "OK - jest: ${tests_summary:-?}; synthesized ${#templates[@]} stacks ($stacks); cfn-lint $pinned clean on $((${#templates[@]} + 1)) templates"
