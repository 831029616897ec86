# CDK targets for neptune-cmk. Include from the root Makefile:
#
#     include cdk/cdk.mk
#
# Paths are relative to the repository root (where make runs). The including
# Makefile must define `package`, which builds
# target/lambda/neptune-cmk-rule/bootstrap (cargo build --release -p
# neptune-cmk-rule, copied there).
#
# Variables (override on the command line):
#   CDK_ARGS           extra arguments for `cdk deploy`, e.g.
#                      CDK_ARGS='-c allowedKmsKeyArns=arn:aws:kms:... --require-approval never'
#   CDK_BOOTSTRAP_DIR  directory with the bootstrap (default target/lambda/neptune-cmk-rule)
#   VENV               venv with cfn-lint, pytest and moto for cdk-test (the root Makefile's; empty means .venv)
#   DIST_DIR           where cdk-dist writes the standalone templates (default dist)
#   DIST_VERSION       version in their default CodeS3Key (default: Cargo.toml's workspace version)

CDK_DIR ?= cdk
CDK_BOOTSTRAP_DIR ?= $(CURDIR)/target/lambda/neptune-cmk-rule
CDK_ARGS ?=
# Where `make dist` put the standalone templates (empty: check.sh synthesizes them).
CDK_STANDALONE_DIR ?=
CDK_CLI = npx --no-install cdk
DIST_DIR ?= dist
DIST_VERSION ?=

.PHONY: cdk-test cdk-dist deploy deploy-org deploy-member-role deploy-hook

# npm ci when node_modules is missing or older than the lockfile.
$(CDK_DIR)/node_modules/.package-lock.json: $(CDK_DIR)/package-lock.json
	cd $(CDK_DIR) && npm ci --no-audit --no-fund

## cdk-test: jest + cdk-nag, runbook pytest, cdk synth of every stack and of the standalone templates, cfn-lint
cdk-test: package
	VENV="$(VENV)" STANDALONE_DIR="$(CDK_STANDALONE_DIR)" $(CDK_DIR)/scripts/check.sh $(CDK_BOOTSTRAP_DIR)

## cdk-dist: NeptuneCmkRule/NeptuneCmkOrgRule/NeptuneCmkMemberRole/NeptuneCmkHook templates and the conformance pack in
## $(DIST_DIR), deployable with the AWS CLI alone (code from CodeS3Bucket/CodeS3Key); no Rust build needed
cdk-dist: $(CDK_DIR)/node_modules/.package-lock.json
	$(CDK_DIR)/scripts/dist.sh $(DIST_DIR) $(DIST_VERSION)

## deploy: the single-account rule and its deploy-time hook (stack NeptuneCmkRule) into the current AWS
## account/region; CDK_ARGS='-c hook=false' leaves the hook out, '-c hookFailureMode=WARN' only warns
deploy: package $(CDK_DIR)/node_modules/.package-lock.json
	cd $(CDK_DIR) && $(CDK_CLI) deploy NeptuneCmkRule -c stack=account -c bootstrapDir=$(CDK_BOOTSTRAP_DIR) $(CDK_ARGS)

## deploy-org: the organization rule (stack NeptuneCmkOrgRule); needs CDK_ARGS='-c organizationId=o-...'
deploy-org: package $(CDK_DIR)/node_modules/.package-lock.json
	cd $(CDK_DIR) && $(CDK_CLI) deploy NeptuneCmkOrgRule -c stack=organization -c bootstrapDir=$(CDK_BOOTSTRAP_DIR) $(CDK_ARGS)

## deploy-member-role: the execution role into the current account (e.g. the management account,
## which service-managed StackSets skip); needs CDK_ARGS='--parameters CentralFunctionRoleArn=arn:...'
deploy-member-role: $(CDK_DIR)/node_modules/.package-lock.json
	cd $(CDK_DIR) && $(CDK_CLI) deploy NeptuneCmkMemberRole -c stack=member $(CDK_ARGS)

## deploy-hook: the deploy-time hook alone (stack NeptuneCmkHook), where NeptuneCmkRule is not deployed
## or has -c hook=false (a hook's alias is unique per account and region)
deploy-hook: package $(CDK_DIR)/node_modules/.package-lock.json
	cd $(CDK_DIR) && $(CDK_CLI) deploy NeptuneCmkHook -c stack=hook -c bootstrapDir=$(CDK_BOOTSTRAP_DIR) $(CDK_ARGS)
