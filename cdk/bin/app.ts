#!/usr/bin/env node
/**
 * Instantiates the neptune-cmk stacks from CDK context; all settings are read
 * in lib/context.ts. `-c stack=account|organization|member` picks one stack,
 * otherwise all three are defined (select with `cdk deploy <id>`).
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NeptuneCmkAccountStack } from '../lib/account-stack';
import { STACK_IDS, readAppContext } from '../lib/context';
import { NeptuneCmkMemberRoleStack } from '../lib/member-role-stack';
import { NeptuneCmkOrgStack } from '../lib/organization-stack';

const app = new App();
const ctx = readAppContext(app.node);

if (ctx.stacks.includes('account')) {
  new NeptuneCmkAccountStack(app, STACK_IDS.account, { rule: ctx.rule });
}
if (ctx.stacks.includes('organization')) {
  new NeptuneCmkOrgStack(app, STACK_IDS.organization, { rule: ctx.rule, organization: ctx.organization });
}
if (ctx.stacks.includes('member')) {
  new NeptuneCmkMemberRoleStack(app, STACK_IDS.member);
}

// cdk-nag AwsSolutions on every stack: an unsuppressed finding fails synth.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
