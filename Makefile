# neptune-cmk — every command a developer or CI needs.
#
#   make demo      the rule at work against a local moto server, no AWS account
#   make test      fmt check, clippy -D warnings, evaluator purity, the moto
#                  launcher's own tests, all Rust tests (moto-backed ones
#                  included), the release bootstrap and its glibc check, the
#                  CDK tests, cdk-nag, synth and cfn-lint
#   make bench     benchmarks; rewrites the results in docs/PERFORMANCE.md
#   make package   target/lambda/neptune-cmk-rule/bootstrap (release, x86_64)
#   make deploy    package + cdk deploy of the single-account rule

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV := $(CURDIR)/.venv
VENV_STAMP := $(VENV)/.installed
BOOTSTRAP := target/lambda/neptune-cmk-rule/bootstrap
# Lambda provided.al2023 ships glibc 2.34.
MAX_GLIBC := 2.34

.PHONY: test demo bench fmt-check clippy evaluator-purity moto-test rust-test package venv fuzz clean

test: fmt-check clippy evaluator-purity moto-test rust-test cdk-test

# See the rule work on this machine: local moto, a seeded fleet, the CLI's
# audit, and two Config events through the Lambda bootstrap.
demo: venv
	$(CARGO) build --quiet -p neptune-cmk-rule --features cli --bins
	tools/demo.sh target/debug

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

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
	NEPTUNE_CMK_PYTHON=$(VENV)/bin/python $(CARGO) test --workspace --all-features

# The Lambda bootstrap, built by cargo-lambda (plain cargo as the compiler:
# no zig download, works offline), then checked against Lambda's glibc.
package: venv
	PATH="$(VENV)/bin:$$PATH" cargo lambda build --release --x86-64 --compiler cargo \
	  -p neptune-cmk-rule --bin neptune-cmk-rule
	tools/check-glibc.sh $(BOOTSTRAP) $(MAX_GLIBC)
	cd $(dir $(BOOTSTRAP)) && rm -f bootstrap.zip && $(VENV)/bin/python -m zipfile -c bootstrap.zip bootstrap
	@ls -l $(BOOTSTRAP) $(dir $(BOOTSTRAP))bootstrap.zip

# Evaluator throughput (criterion), then cold start, warm invoke, sweeps of
# 100 / 1,000 / 10,000 clusters and binary size against a local moto.
bench: package venv
	$(CARGO) bench -p neptune-cmk-evaluator --bench evaluate
	$(VENV)/bin/python tools/bench.py

# Coverage-guided fuzzing of parsing and evaluation (nightly + cargo-fuzz),
# bounded by FUZZ_SECONDS. New inputs go to fuzz/work-corpus (ignored); the
# committed seed corpus is fuzz/corpus/evaluate; crashes land in
# fuzz/artifacts/evaluate and become regression fixtures in tests/fixtures/bad/.
FUZZ_SECONDS ?= 120
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/work-corpus
	$(CARGO) +nightly fuzz run evaluate fuzz/work-corpus fuzz/corpus/evaluate -- \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=65536

# A project-local Python environment: moto (tests), cfn-lint (CDK), cargo-lambda (package).
venv: $(VENV_STAMP)
$(VENV_STAMP): tests/moto/requirements.txt cdk/requirements.txt tools/package-requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
	  -r tests/moto/requirements.txt -r cdk/requirements.txt -r tools/package-requirements.txt
	touch $@

include cdk/cdk.mk

clean:
	$(CARGO) clean
	rm -rf $(VENV) cdk/node_modules cdk/cdk.out
