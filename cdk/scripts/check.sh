#!/usr/bin/env bash
# Checks the CDK app end to end: npm ci (when needed), type check, jest
# (assertions + cdk-nag), pytest of the remediation runbook's script against
# the patched moto (runbooks/), `cdk synth` of every stack, the standalone
# templates of scripts/dist.sh (cdk-nag runs in both synths), and cfn-lint over
# every synthesized template and the conformance pack (E3051, the SSM document
# check, on parsed copies: scripts/ssm-documents.py). Warnings count as
# failures unless ignored, with a reason, in cdk/.cfnlintrc. Works offline once
# the npm packages and the venv's packages are installed.
#
# Usage: cdk/scripts/check.sh [BOOTSTRAP_DIR]
#   BOOTSTRAP_DIR    directory containing the Lambda `bootstrap`
#                    (default: <repo>/target/lambda/neptune-cmk-rule, i.e.
#                    ../target/lambda/neptune-cmk-rule from cdk/); a relative
#                    path is taken from the current directory.
# Environment:
#   STANDALONE_DIR   lint the standalone templates already in this directory
#                    (make dist's dist/) instead of synthesizing them again.
#   VENV             Python venv providing cfn-lint, pytest, boto3 and moto
#                    (default: <repo>/.venv). It is created, and
#                    cdk/requirements.txt or tests/moto/requirements.txt
#                    installed into it, when cfn-lint is missing or not the
#                    pinned version, or when pytest/moto are missing.
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
# Everything below runs the TypeScript just checked: ts-node need not check it again.
export TS_NODE_TRANSPILE_ONLY=true

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
# NeptuneCmkRule, NeptuneCmkOrgRule, NeptuneCmkMemberRole, NeptuneCmkHook
if [ "${#templates[@]}" -ne 4 ]; then
  say "expected 4 templates in cdk.out (account, organization, member role, hook), found ${#templates[@]}" >&2
  exit 1
fi

standalone_dir="$(mktemp -d)"
trap 'rm -f "$test_log"; rm -rf "$standalone_dir"' EXIT
if [ -n "${STANDALONE_DIR:-}" ]; then
  # make test builds dist/ once; lint those very templates rather than a second synth.
  say "standalone templates from $STANDALONE_DIR (make dist)"
  standalone=("$(abspath "$STANDALONE_DIR")"/*.template.json)
  if [ "${#standalone[@]}" -ne 4 ] || [ ! -f "${standalone[0]}" ]; then
    say "expected 4 standalone templates (account, organization, member role, hook) in $STANDALONE_DIR: run make dist" >&2
    exit 1
  fi
else
  say "cdk synth of the standalone templates (scripts/dist.sh)"
  scripts/dist.sh "$standalone_dir" >/dev/null
  standalone=("$standalone_dir"/*.template.json)
fi

pinned="$(sed -n 's/^cfn-lint==//p' requirements.txt)"
if [ "$("$VENV/bin/cfn-lint" --version 2>/dev/null || true)" != "cfn-lint $pinned" ]; then
  say "installing cfn-lint $pinned into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi
if ! "$VENV/bin/python" -c 'import boto3, moto, pytest' 2>/dev/null; then
  say "installing tests/moto/requirements.txt into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r ../tests/moto/requirements.txt
fi

say "pytest runbooks/ (remediation script against the patched moto)"
pytest_log="$(mktemp)"
trap 'rm -f "$test_log" "$pytest_log"; rm -rf "$standalone_dir"' EXIT
PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -q -p no:cacheprovider runbooks 2>&1 | tee "$pytest_log"
pytest_summary="$(grep -E '^[0-9]+ passed' "$pytest_log" | tail -n 1 | sed 's/ in .*//')"

say "cfn-lint $pinned"
if ! "$VENV/bin/cfn-lint" -- "${templates[@]}" "${standalone[@]}" "$PACK"; then
  say "cfn-lint reported problems (warnings fail too; ignores live in cdk/.cfnlintrc)" >&2
  exit 1
fi
# E3051 (SSM document structure) cannot read the runbook's YAML Content as the
# templates carry it (a string; see scripts/ssm-documents.py), so .cfnlintrc
# ignores it there and it runs here on copies with the documents parsed, from a
# directory without .cfnlintrc: every check applies.
say "cfn-lint $pinned on the SSM documents, Content parsed (scripts/ssm-documents.py)"
ssm_dir="$(mktemp -d)"
trap 'rm -f "$test_log" "$pytest_log"; rm -rf "$standalone_dir" "$ssm_dir"' EXIT
ssm_list="$("$VENV/bin/python" scripts/ssm-documents.py "$ssm_dir" "${templates[@]}" "${standalone[@]}")"
mapfile -t ssm_copies <<<"$ssm_list"
if ! (cd "$ssm_dir" && "$VENV/bin/cfn-lint" -- "${ssm_copies[@]}"); then
  say "cfn-lint reported problems in the SSM documents" >&2
  exit 1
fi

stacks="$(for t in "${templates[@]}"; do basename "$t" .template.json; done | paste -sd, -)"
linted=$((${#templates[@]} + ${#standalone[@]} + 1))
say "OK - jest: ${tests_summary:-?}; pytest runbooks: ${pytest_summary:-?}; synthesized ${#templates[@]} stacks ($stacks) and ${#standalone[@]} standalone templates; cfn-lint $pinned clean on $linted templates and ${#ssm_copies[@]} SSM document copies"
