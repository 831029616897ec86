#!/usr/bin/env bash
# neptune-cmk working end to end on this machine, with no AWS account: a local AWS
# (the patched moto launcher), a seeded Neptune fleet, the CLI's audit, and the Lambda
# bootstrap run through a local Lambda Runtime API.
#
#   tools/demo.sh BIN_DIR          # make demo: tools/demo.sh target/debug
#
# BIN_DIR holds neptune-cmk (the CLI) and neptune-cmk-rule (the Lambda bootstrap).
# NEPTUNE_CMK_DEMO_SKIP_AUDIT=1 skips step 4 (the CLI), so the rest can run before the
# CLI exists. Exit status: 0 when every step did what it should.
set -euo pipefail

die() { echo "demo: $*" >&2; exit 1; }
step() { printf '\n== %s ==\n' "$*"; }

[[ $# -eq 1 ]] || die "usage: tools/demo.sh BIN_DIR   (e.g. target/debug)"
[[ -d $1 ]] || die "$1 is not a directory; build first (make demo does: cargo build -p neptune-cmk-rule -p neptune-cmk)"
BIN_DIR=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CLI=$BIN_DIR/neptune-cmk
RULE=$BIN_DIR/neptune-cmk-rule
SKIP_AUDIT=${NEPTUNE_CMK_DEMO_SKIP_AUDIT:-0}

[[ -x $PY ]] || die "$PY not found: make venv creates it"
[[ -x $RULE ]] || die "$RULE not found: build it first (cargo build -p neptune-cmk-rule)"
[[ $SKIP_AUDIT == 1 || -x $CLI ]] ||
  die "$CLI not found: build the CLI first (cargo build -p neptune-cmk), or set NEPTUNE_CMK_DEMO_SKIP_AUDIT=1"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/neptune-cmk-demo.XXXXXX")
moto_pid=
moto_in=
# EOF on the launcher's stdin stops it cleanly (a signal while its stdin is open makes
# it abort at interpreter shutdown); kill it only if that did not work within 5 s.
stop_moto() {
  [[ -n $moto_pid ]] || return 0
  if [[ -n $moto_in ]]; then exec {moto_in}>&-; fi
  moto_in=
  for _ in $(seq 50); do kill -0 "$moto_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  moto_pid=
}
cleanup() {
  local status=$?
  stop_moto
  if [[ $status -eq 0 || $status -eq 130 || $status -eq 143 ]]; then
    rm -rf "$tmp"
  else
    echo "demo: failed; kept $tmp (moto.log, seed.json, events, lambda.log)" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "neptune-cmk demo: is every Neptune database encrypted with a KMS customer managed key?"
echo "Everything runs on this machine against a simulated AWS: no account, no network."

step "1. Start a local AWS (moto)"
# The launcher's stdin is a pipe this script holds open: when the script ends, however
# it ends, the pipe closes and the launcher exits (--exit-on-stdin-eof); the EXIT trap
# makes sure. Its own session keeps a Ctrl-C from reaching it directly.
setsid=$(command -v setsid || true)
coproc MOTO { exec $setsid "$PY" tests/moto/launcher.py --port 0 --exit-on-stdin-eof 2>"$tmp/moto.log"; }
moto_pid=$MOTO_PID
moto_in=${MOTO[1]}
moto_out=${MOTO[0]}
read -r -t 60 ready port <&"$moto_out" || true
[[ ${ready:-} == READY && ${port:-} =~ ^[0-9]+$ ]] || die "the moto launcher did not start: $(tail -5 "$tmp/moto.log")"
endpoint=http://127.0.0.1:$port
echo "  moto with the project's patches listening on $endpoint (pid $moto_pid)"

step "2. Seed a demo fleet"
"$PY" tests/moto/seed.py --endpoint "$endpoint" --fleet demo >"$tmp/seed.json"
"$PY" tools/demo_events.py summary "$tmp/seed.json"

step "3. Point the AWS SDKs at it"
export AWS_ENDPOINT_URL=$endpoint AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
# Nothing may send the demo to a real account: no profile, no session, no ~/.aws files
# (their ignore_configured_endpoint_urls would bypass AWS_ENDPOINT_URL), no per-service
# endpoint overrides.
export AWS_CONFIG_FILE=$tmp/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$tmp/no-aws-credentials
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
while read -r name; do unset "$name"; done < <(compgen -e | grep '^AWS_ENDPOINT_URL_' || true)
echo "  AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_REGION=$AWS_REGION (test credentials; AWS_PROFILE unset)"

step "4. Audit the account with the CLI: neptune-cmk audit"
if [[ $SKIP_AUDIT == 1 ]]; then
  echo "  skipped (NEPTUNE_CMK_DEMO_SKIP_AUDIT=1)"
else
  echo "\$ neptune-cmk audit --region us-east-1 --format table"
  audit_rc=0
  "$CLI" audit --region us-east-1 --format table || audit_rc=$?
  echo "audit exit code: $audit_rc (1 = something is not compliant)"
  # The demo fleet has non-compliant clusters, so anything but 1 is a bug.
  [[ $audit_rc -eq 1 ]] || die "expected exit code 1 from neptune-cmk audit on the demo fleet, got $audit_rc"
fi

step "5. Check templates before deploy: neptune-cmk check"
echo "\$ neptune-cmk check tests/fixtures/templates/cfn/cluster-aws-rds-alias.yaml tests/fixtures/templates/cfn/cluster-cmk-in-template.yaml"
check_rc=0
"$CLI" check tests/fixtures/templates/cfn/cluster-aws-rds-alias.yaml tests/fixtures/templates/cfn/cluster-cmk-in-template.yaml || check_rc=$?
echo "check exit code: $check_rc (1 = a template would deploy a NON_COMPLIANT database)"
[[ $check_rc -eq 1 ]] || die "expected exit code 1 from neptune-cmk check on the aws/rds template, got $check_rc"

step "6. Build two AWS Config events for the Lambda"
"$PY" tools/demo_events.py events "$tmp/seed.json" "$tmp" --endpoint "$endpoint"

step "7. Run them through the Lambda bootstrap (local Lambda Runtime API)"
lambda_rc=0
"$PY" tools/runtime_api.py --bootstrap "$RULE" --event "$tmp/change.json" --event "$tmp/scheduled.json" \
  --logs "$tmp/lambda.log" || lambda_rc=$?
[[ $lambda_rc -ne 130 ]] || exit 130 # Ctrl-C
[[ $lambda_rc -eq 0 ]] || die "the Lambda bootstrap did not answer every event (exit $lambda_rc)"

step "8. What the Lambda wrote to AWS Config (PutEvaluations)"
"$PY" tools/demo_events.py evaluations --endpoint "$endpoint" --seed "$tmp/seed.json"

step "9. The deploy-time hook: the same bootstrap answers CloudFormation Lambda Hook requests"
"$PY" tools/demo_events.py hooks "$tmp/seed.json" "$tmp"
hook_rc=0
"$PY" tools/runtime_api.py --bootstrap "$RULE" --event "$tmp/hook-aws-rds.json" --event "$tmp/hook-cmk.json" \
  --logs "$tmp/hook.log" --json >"$tmp/hook-answers.jsonl" || hook_rc=$?
[[ $hook_rc -ne 130 ]] || exit 130 # Ctrl-C
[[ $hook_rc -eq 0 ]] || die "the Lambda bootstrap did not answer every hook request (exit $hook_rc)"
"$PY" tools/demo_events.py hook-answers "$tmp/hook-answers.jsonl" ||
  die "expected the hook to refuse the aws/rds cluster and allow the customer managed key"

step "10. Stop the local AWS"
stop_moto
echo "demo: done"
