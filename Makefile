# neptune-cmk — every command a developer or CI needs.
#
#   make demo      the rule at work against a local moto server, no AWS account
#   make test      fmt check, module layering (no import cycles), clippy
#                  -D warnings, evaluator purity, the moto
#                  launcher's own tests, all Rust tests (moto-backed ones
#                  included), the pre-commit hook through pre-commit
#                  try-repo, the HTML report in headless Chromium, dist/
#                  (release bootstrap with its glibc check, the CLI,
#                  completions, man pages, standalone templates, SBOMs
#                  validated), the CDK tests, cdk-nag, the runbook
#                  tests, synth and cfn-lint
#   make bench     benchmarks; rewrites the results in docs/PERFORMANCE.md
#   make package   the Lambda bootstrap and its zip (release, x86_64); Rust only
#   make dist      dist/: the zip, the CLI, its completions and man pages,
#                  standalone templates, CycloneDX SBOMs, SHA256SUMS
#   make deploy    package + cdk deploy of the single-account rule
#
# A CARGO_TARGET_DIR set in the environment is honoured everywhere.

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV := $(CURDIR)/.venv
VENV_STAMP := $(VENV)/.installed
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),$(CURDIR)/target))
LAMBDA_DIR := $(TARGET_DIR)/lambda/neptune-cmk-rule
BOOTSTRAP := $(LAMBDA_DIR)/bootstrap
CLI := $(TARGET_DIR)/release/neptune-cmk
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
DIST := $(CURDIR)/dist
# The SBOM tool (make sbom), pinned; built once into the target directory.
CYCLONEDX_VERSION := 0.5.9
CYCLONEDX_ROOT := $(TARGET_DIR)/tools/cargo-cyclonedx-$(CYCLONEDX_VERSION)
CARGO_CYCLONEDX := $(CYCLONEDX_ROOT)/bin/cargo-cyclonedx
# Lambda provided.al2023 ships glibc 2.34.
MAX_GLIBC := 2.34
# The stripped bootstrap's size budget (8.5 MiB): every cold start pays for it.
MAX_BOOTSTRAP_BYTES := 8912896
# The CDK app packages the bootstrap `make package` built (cdk/cdk.mk).
CDK_DIR := cdk
CDK_BOOTSTRAP_DIR := $(LAMBDA_DIR)
# cdk-test lints the standalone templates dist/ already holds: one synth.
CDK_STANDALONE_DIR := $(DIST)

.PHONY: test demo bench fmt-check layers clippy evaluator-purity moto-test rust-test precommit-test browser-test package cli-release dist sbom sbom-tool venv fuzz clean

test: fmt-check layers clippy evaluator-purity moto-test rust-test precommit-test browser-test dist cdk-test

# See the rule work on this machine: local moto, a seeded fleet, the CLI's
# audit, and two Config events through the Lambda bootstrap.
demo: venv
	$(CARGO) build --quiet -p neptune-cmk-rule -p neptune-cmk
	tools/demo.sh $(TARGET_DIR)/debug

fmt-check:
	$(CARGO) fmt --all -- --check

# Dependencies between the modules of cli/src and rule/src run one way:
# no import cycle, a parent and its children included (docs/ARCHITECTURE.md).
layers:
	$(PYTHON) tools/check-layers.py cli/src rule/src

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The evaluator must stay pure: no async runtime, no AWS SDK, no Lambda crate.
evaluator-purity:
	@if $(CARGO) tree -p neptune-cmk-evaluator -e normal --prefix none \
	    | grep -E '^(tokio|aws|lambda|hyper|reqwest)' ; then \
	  echo "neptune-cmk-evaluator must not depend on the crates above" >&2; exit 1; \
	else echo "evaluator-purity: ok"; fi

# The patched moto launcher's own contract tests.
moto-test: venv
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/moto

rust-test: venv
	NEPTUNE_CMK_PYTHON=$(VENV)/bin/python $(CARGO) test --workspace --locked

# The pre-commit hook (.pre-commit-hooks.yaml) installed from this repository as pre-commit
# installs it, and run with `pre-commit try-repo` on a good and a bad template
# (tools/precommit-test.sh). pre-commit's `cargo install --path .` honours CARGO_TARGET_DIR,
# so it builds in the shared target directory after cli-release: the crates.io dependencies
# are reused, only the local crates (at the clone's path) and the link are built again.
# cargo install leaves its binary at $(CLI); dist's cli-release puts the worktree's back.
precommit-test: venv cli-release
	CARGO_TARGET_DIR=$(TARGET_DIR) tools/precommit-test.sh $(VENV)/bin/pre-commit

# The Lambda bootstrap: a plain release build of the rule package alone (so
# none of the CLI's features are unified into it), checked against Lambda's
# glibc, then zipped reproducibly by `cargo xtask`. Needs Rust only.
package:
	$(CARGO) build --release --locked -p neptune-cmk-rule --bin neptune-cmk-rule
	mkdir -p $(LAMBDA_DIR)
	cp $(TARGET_DIR)/release/neptune-cmk-rule $(BOOTSTRAP)
	tools/check-glibc.sh $(BOOTSTRAP) $(MAX_GLIBC)
	@size=$$(stat -c %s $(BOOTSTRAP)); if [ $$size -gt $(MAX_BOOTSTRAP_BYTES) ]; then \
	  echo "package: the bootstrap is $$size bytes, over the $(MAX_BOOTSTRAP_BYTES)-byte (8.5 MiB) budget" >&2; exit 1; \
	else echo "package: bootstrap $$size bytes (budget $(MAX_BOOTSTRAP_BYTES))"; fi
	$(CARGO) xtask zip $(BOOTSTRAP) $(LAMBDA_DIR)/bootstrap.zip
	@ls -l $(BOOTSTRAP) $(LAMBDA_DIR)/bootstrap.zip

# The CLI, with SSO and credential_process support, in its own build.
cli-release:
	$(CARGO) build --release --locked -p neptune-cmk --bin neptune-cmk

# Everything an operator with only the AWS CLI needs (docs/DEPLOY.md), the CLI's shell
# completions and man pages (generated by the CLI itself), and a CycloneDX SBOM of each
# binary. SHA256SUMS covers every file, those in completions/ and man/man1/ included.
dist: package cli-release venv $(CARGO_CYCLONEDX) $(CDK_DIR)/node_modules/.package-lock.json
	rm -rf $(DIST) && mkdir -p $(DIST)/completions $(DIST)/man/man1
	cp $(LAMBDA_DIR)/bootstrap.zip $(DIST)/neptune-cmk-rule-$(VERSION)-x86_64.zip
	cp $(CLI) $(DIST)/neptune-cmk-$(VERSION)-x86_64-linux
	$(CLI) completions bash > $(DIST)/completions/neptune-cmk.bash
	$(CLI) completions zsh > $(DIST)/completions/_neptune-cmk
	$(CLI) completions fish > $(DIST)/completions/neptune-cmk.fish
	$(CLI) completions powershell > $(DIST)/completions/_neptune-cmk.ps1
	$(CLI) man --dir $(DIST)/man/man1
	$(MAKE) --no-print-directory sbom
	$(CDK_DIR)/scripts/dist.sh $(DIST) $(VERSION)
	cd $(DIST) && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort \
	  | xargs sha256sum -- > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

# CycloneDX 1.5 JSON SBOMs of the Lambda bootstrap and the CLI into dist/: each binary's
# dependencies with versions, licenses and purls, by cargo-cyclonedx (the CycloneDX project's
# tool; pinned, installed into the target directory on first use, from crates.io). It reads
# `cargo metadata`, whose feature resolution covers the whole workspace, so an SBOM can list a
# few crates its binary does not link; tools/check-sbom.py validates each against the schema
# and proves every crate `cargo tree` says the binary links is listed. cargo-cyclonedx writes
# next to each manifest; the files are moved into dist/ at once. SOURCE_DATE_EPOCH (the commit's
# time) makes the timestamp reproducible.
sbom: $(CARGO_CYCLONEDX) venv
	mkdir -p $(DIST) $(TARGET_DIR)/sbom
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 0) PATH=$(CYCLONEDX_ROOT)/bin:$$PATH \
	  $(CARGO) cyclonedx --manifest-path Cargo.toml --format json --spec-version 1.5 \
	    --describe binaries --no-build-deps --quiet
	mv neptune-cmk_bin.cdx.json $(DIST)/neptune-cmk-$(VERSION).cdx.json
	mv rule/neptune-cmk-rule_bin.cdx.json $(DIST)/neptune-cmk-rule-$(VERSION).cdx.json
	rm -f xtask/xtask_bin.cdx.json
	$(CARGO) tree --locked -p neptune-cmk-rule -e normal --prefix none > $(TARGET_DIR)/sbom/neptune-cmk-rule.linked.txt
	$(CARGO) tree --locked -p neptune-cmk -e normal --prefix none > $(TARGET_DIR)/sbom/neptune-cmk.linked.txt
	$(VENV)/bin/python tools/check-sbom.py $(DIST)/neptune-cmk-rule-$(VERSION).cdx.json neptune-cmk-rule \
	  $(TARGET_DIR)/sbom/neptune-cmk-rule.linked.txt
	$(VENV)/bin/python tools/check-sbom.py $(DIST)/neptune-cmk-$(VERSION).cdx.json neptune-cmk \
	  $(TARGET_DIR)/sbom/neptune-cmk.linked.txt

sbom-tool: $(CARGO_CYCLONEDX)
$(CARGO_CYCLONEDX):
	$(CARGO) install cargo-cyclonedx --version $(CYCLONEDX_VERSION) --locked \
	  --root $(CYCLONEDX_ROOT) --target-dir $(TARGET_DIR)/tools/build

# Evaluator throughput (criterion), then init and cold start, warm invoke,
# sweeps of 100 / 1,000 / 10,000 clusters (1,000 and 10,000 also with 50 ms
# added to every AWS call), binary size, and the organization audit, all
# against a local moto.
bench: package venv
	$(CARGO) bench -p neptune-cmk-evaluator --bench evaluate
	$(VENV)/bin/python tools/bench.py --bootstrap $(BOOTSTRAP) --criterion $(TARGET_DIR)/criterion
	$(MAKE) cli-release && $(VENV)/bin/python tools/bench_org.py --cli $(CLI)

# Coverage-guided fuzzing (nightly + cargo-fuzz), FUZZ_SECONDS per target:
#   evaluate  what the Lambda reads (Config events, items, rule parameters,
#             hook requests) and the decision;
#   template  what `check` reads (CloudFormation JSON/YAML, Terraform plans
#             and .tf source) and every output format.
# New inputs go to fuzz/work-corpus/<target> (ignored); the committed seed
# corpora are fuzz/corpus/<target>; crashes land in fuzz/artifacts/<target>
# and become regression fixtures (tests/fixtures/bad/, the hostile tests).
FUZZ_SECONDS ?= 120
FUZZ_TARGETS := evaluate template
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	for target in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/work-corpus/$$target && \
	  $(CARGO) +nightly fuzz run $$target fuzz/work-corpus/$$target fuzz/corpus/$$target -- \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 || exit 1; \
	done

# The HTML report as a person sees it: an organization audit against moto,
# opened offline in Debian's headless Chromium (tests/browser/; screenshot
# in $(TARGET_DIR)/browser/). A missing Chromium fails it, never skips it.
# It drives the release CLI that dist/ ships: one build for both.
browser-test: venv cli-release tests/browser/node_modules/.package-lock.json
	cd tests/browser && NEPTUNE_CMK_BIN=$(CLI) NEPTUNE_CMK_PYTHON=$(VENV)/bin/python \
	  BROWSER_ARTIFACTS=$(TARGET_DIR)/browser node --test report.test.mjs

tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund

# A project-local Python environment: moto (tests), cfn-lint (CDK checks), pre-commit and the
# CycloneDX validator (tools/requirements.txt).
venv: $(VENV_STAMP)
$(VENV_STAMP): tests/moto/requirements.txt cdk/requirements.txt tools/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
	  -r tests/moto/requirements.txt -r cdk/requirements.txt -r tools/requirements.txt
	touch $@

include cdk/cdk.mk

# The CDK checks lint the standalone templates of dist/ (built once).
cdk-test: dist

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(DIST) cdk/node_modules cdk/cdk.out
