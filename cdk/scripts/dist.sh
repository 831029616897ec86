#!/usr/bin/env bash
# Writes the templates for deploying neptune-cmk without the CDK, from the same
# CDK app (`-c codeSource=s3`, lib/standalone.ts):
#
#   OUT_DIR/NeptuneCmkRule.template.json        single account, with the deploy-time hook (CAPABILITY_IAM)
#   OUT_DIR/NeptuneCmkOrgRule.template.json     organization rule (CAPABILITY_NAMED_IAM)
#   OUT_DIR/NeptuneCmkMemberRole.template.json  member execution role, StackSet-ready
#   OUT_DIR/NeptuneCmkHook.template.json        the deploy-time hook alone, StackSet-ready (CAPABILITY_IAM)
#   OUT_DIR/neptune-cmk-conformance-pack.yaml   the conformance pack
#
# The function code is a CloudFormation parameter pair, CodeS3Bucket and
# CodeS3Key; CodeS3Key defaults to neptune-cmk-rule-<VERSION>-x86_64.zip, the
# zip `make dist` builds (one file, bootstrap). The templates have no CDK asset
# parameters and no BootstrapVersion check, so they need no `cdk bootstrap`.
# cdk-nag runs during the synth, as for every stack of the app.
#
# Usage: cdk/scripts/dist.sh OUT_DIR [VERSION]
#   VERSION defaults to [workspace.package] version in <repo>/Cargo.toml.
# Environment:
#   TS_NODE_TRANSPILE_ONLY=true  skip ts-node's type check (check.sh sets it after tsc)
set -euo pipefail

CDK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
say() { printf 'dist.sh: %s\n' "$*"; }

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  echo "usage: $0 OUT_DIR [VERSION]" >&2
  exit 2
fi
OUT_DIR="$(abspath "$1")"
VERSION="${2:-$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$CDK_DIR/../Cargo.toml")}"
if ! [[ "$VERSION" =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$ ]]; then
  say "VERSION '$VERSION' is not a version such as 0.2.0 (pass it, or set [workspace.package] version in Cargo.toml)" >&2
  exit 2
fi

cd "$CDK_DIR"
export CDK_DISABLE_CLI_TELEMETRY=true
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

synth_dir="$(mktemp -d)"
trap 'rm -rf "$synth_dir"' EXIT
say "synthesizing standalone templates for version $VERSION"
npx --no-install cdk synth --quiet --no-notices -c codeSource=s3 -c codeVersion="$VERSION" -o "$synth_dir" >/dev/null

mkdir -p "$OUT_DIR"
STACKS=(NeptuneCmkRule NeptuneCmkOrgRule NeptuneCmkMemberRole NeptuneCmkHook)
for stack in "${STACKS[@]}"; do
  template="$synth_dir/$stack.template.json"
  if [ ! -f "$template" ]; then
    say "cdk synth wrote no $stack.template.json" >&2
    exit 1
  fi
  # A template that needs CDK assets or a bootstrap stack is not standalone.
  if grep -Eq 'AssetParameters|BootstrapVersion|cdk-hnb659fds' "$template"; then
    say "$stack.template.json refers to CDK assets or the CDK bootstrap stack" >&2
    exit 1
  fi
  cp "$template" "$OUT_DIR/$stack.template.json"
done
cp conformance-pack/neptune-cmk.yaml "$OUT_DIR/neptune-cmk-conformance-pack.yaml"
say "wrote $OUT_DIR: $(printf '%s.template.json ' "${STACKS[@]}")neptune-cmk-conformance-pack.yaml (CodeS3Key default neptune-cmk-rule-$VERSION-x86_64.zip)"
