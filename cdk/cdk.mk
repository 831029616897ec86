# CDK targets for neptune-cmk. Include from the root Makefile:
#
#     include cdk/cdk.mk
#
# Paths are relative to the repository root (where make runs). The including
# Makefile must define `package`, which builds
# target/lambda/neptune-cmk-rule/bootstrap (cargo lambda build --release
# --x86-64 --bin neptune-cmk-rule).
#
# Variables (override on the command line):
#   CDK_ARGS           extra arguments for `cdk deploy`, e.g.
#                      CDK_ARGS='-c allowedKmsKeyArns=arn:aws:kms:... --require-approval never'
#   CDK_BOOTSTRAP_DIR  directory with the bootstrap (default target/lambda/neptune-cmk-rule)
#   VENV               venv with cfn-lint for cdk-test (the root Makefile's; empty means .venv)

CDK_DIR ?= cdk
CDK_BOOTSTRAP_DIR ?= $(CURDIR)/target/lambda/neptune-cmk-rule
CDK_ARGS ?=
CDK_CLI = npx --no-install cdk

.PHONY: cdk-test deploy deploy-org deploy-member-role

# npm ci when node_modules is missing or older than the lockfile.
$(CDK_DIR)/node_modules/.package-lock.json: $(CDK_DIR)/package-lock.json
	cd $(CDK_DIR) && npm ci --no-audit --no-fund

## cdk-test: jest + cdk-nag, cdk synth of every stack, cfn-lint (against the packaged bootstrap)
cdk-test: package
	VENV="$(VENV)" $(CDK_DIR)/scripts/check.sh $(CDK_BOOTSTRAP_DIR)

## deploy: the single-account rule (stack NeptuneCmkRule) into the current AWS account/region
deploy: package $(CDK_DIR)/node_modules/.package-lock.json
	cd $(CDK_DIR) && $(CDK_CLI) deploy NeptuneCmkRule -c stack=account -c bootstrapDir=$(CDK_BOOTSTRAP_DIR) $(CDK_ARGS)

## deploy-org: the organization rule (stack NeptuneCmkOrgRule); needs CDK_ARGS='-c organizationId=o-...'
deploy-org: package $(CDK_DIR)/node_modules/.package-lock.json
	cd $(CDK_DIR) && $(CDK_CLI) deploy NeptuneCmkOrgRule -c stack=organization -c bootstrapDir=$(CDK_BOOTSTRAP_DIR) $(CDK_ARGS)

## deploy-member-role: the execution role into the current account (e.g. the management account,
## which service-managed StackSets skip); needs CDK_ARGS='--parameters CentralFunctionRoleArn=arn:...'
deploy-member-role: $(CDK_DIR)/node_modules/.package-lock.json
	cd $(CDK_DIR) && $(CDK_CLI) deploy NeptuneCmkMemberRole -c stack=member $(CDK_ARGS)
