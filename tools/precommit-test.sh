#!/usr/bin/env bash
# The pre-commit hook (.pre-commit-hooks.yaml) installed and run the way a user's pre-commit
# does: `pre-commit try-repo` of this repository (with its uncommitted changes; a new file
# counts once staged) against a scratch git repository holding a good CloudFormation template,
# a bad one, a Terraform graph without a key and two files that are no templates. The hook
# must fail, name both bad files NON_COMPLIANT, judge the good one COMPLIANT and skip the rest.
#
#   tools/precommit-test.sh PRE_COMMIT      (the venv's pre-commit; run by `make precommit-test`)
#
# try-repo installs into a temporary store every time, so the script runs it once: one
# `cargo install --bins --root <env> --path .` in pre-commit's clone, in release. With
# CARGO_TARGET_DIR set (the Makefile passes the shared target directory) cargo install builds
# there: the crates.io dependencies `make cli-release` built are reused, and only the four
# local crates (at the clone's path) and the final LTO link are built again (about 100 s on
# this 2-core machine). pre-commit runs cargo install without --locked, so cargo resolves the
# newest compatible versions rather than Cargo.lock's ("Locking … to latest compatible
# versions"): a dependency released since Cargo.lock was written is compiled as well.
# What the hook's flag does with each kind of file is tested in cli/tests/cli/precommit.rs.
set -euo pipefail

pre_commit=${1:?usage: tools/precommit-test.sh PRE_COMMIT}
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$root/tests/fixtures/templates
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cd "$scratch"
git init -q
mkdir -p infra terraform
cp "$fixtures/cfn/cluster-cmk-in-template.yaml" infra/good.yaml
cp "$fixtures/cfn/cluster-aws-rds-alias.yaml" infra/bad.yaml
cp "$fixtures/cfn/not-a-template.yaml" ci.yml
printf '{"name": "not a template"}\n' > package.json
cat > terraform/main.tf <<'TF'
resource "aws_neptunegraph_graph" "owned" {
  graph_name         = "owned"
  provisioned_memory = 16
}
TF
git add -A

fail() { printf '%s\n' "$out"; echo "precommit-test: FAILED: $1" >&2; exit 1; }

start=$SECONDS
if out=$("$pre_commit" try-repo "$root" neptune-cmk-check --all-files --verbose --color never 2>&1); then
  fail "the hook passed a commit with a bad template"
fi
printf '%s\n' "$out"
echo "precommit-test: install and run took $((SECONDS - start)) s"
grep -q '^neptune-cmk check\.*Failed$' <<<"$out" || fail "the hook did not run, or did not fail"
grep -q '^infra/good\.yaml:[0-9]*: COMPLIANT Cluster' <<<"$out" || fail "good.yaml is not judged COMPLIANT"
grep -q '^infra/bad\.yaml:[0-9]*: NON_COMPLIANT' <<<"$out" || fail "bad.yaml is not named NON_COMPLIANT"
grep -q '^terraform/main\.tf:[0-9]*: NON_COMPLIANT' <<<"$out" || fail "main.tf is not named NON_COMPLIANT"
grep -q '^package\.json: skipped' <<<"$out" || fail "package.json is not skipped"
grep -q '^ci\.yml: skipped' <<<"$out" || fail "ci.yml is not skipped"
echo "precommit-test: 1 passed, 0 failed"
