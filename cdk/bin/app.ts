#!/usr/bin/env node
/**
 * Instantiates the neptune-cmk stacks from CDK context; all settings are read
 * in lib/context.ts. `-c stack=account|organization|member` picks one stack,
 * otherwise all three are defined (select with `cdk deploy <id>`).
 *
 * `-c codeSource=s3` makes the account and organization stacks standalone
 * templates (lib/standalone.ts) whose code and settings are CloudFormation
 * parameters; scripts/dist.sh uses it. The member role stack is standalone
 * in both modes.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NeptuneCmkAccountStack } from '../lib/account-stack';
import { STACK_IDS, readAppContext } from '../lib/context';
import { NeptuneCmkMemberRoleStack } from '../lib/member-role-stack';
import { NeptuneCmkOrgStack } from '../lib/organization-stack';
import { NeptuneCmkStandaloneAccountStack, NeptuneCmkStandaloneOrgStack } from '../lib/standalone';

const app = new App();
const ctx = readAppContext(app.node);
const standalone = ctx.codeSource === 's3' ? { codeVersion: ctx.codeVersion! } : undefined;

if (ctx.stacks.includes('account')) {
  if (standalone !== undefined) {
    new NeptuneCmkStandaloneAccountStack(app, STACK_IDS.account, standalone);
  } else {
    new NeptuneCmkAccountStack(app, STACK_IDS.account, { rule: ctx.rule });
  }
}
if (ctx.stacks.includes('organization')) {
  if (standalone !== undefined) {
    new NeptuneCmkStandaloneOrgStack(app, STACK_IDS.organization, standalone);
  } else {
    new NeptuneCmkOrgStack(app, STACK_IDS.organization, { rule: ctx.rule, organization: ctx.organization });
  }
}
if (ctx.stacks.includes('member')) {
  new NeptuneCmkMemberRoleStack(app, STACK_IDS.member);
}

// cdk-nag AwsSolutions on every stack: an unsuppressed finding fails synth.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
