#!/usr/bin/env node
/**
 * Instantiates the neptune-cmk stacks from CDK context; all settings are read
 * in lib/context.ts. `-c stack=account|organization|member|hook` picks one
 * stack, otherwise all four are defined (select with `cdk deploy <id>`).
 *
 * `-c codeSource=s3` makes the account, organization and hook stacks
 * standalone templates (lib/standalone.ts) whose code and settings are
 * CloudFormation parameters; scripts/dist.sh uses it. The member role stack
 * is standalone in both modes.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NeptuneCmkAccountStack } from '../lib/account-stack';
import { STACK_IDS, readAppContext } from '../lib/context';
import { NeptuneCmkHookStack } from '../lib/hook-stack';
import { NeptuneCmkMemberRoleStack } from '../lib/member-role-stack';
import { NeptuneCmkOrgStack } from '../lib/organization-stack';
import {
  NeptuneCmkStandaloneAccountStack,
  NeptuneCmkStandaloneHookStack,
  NeptuneCmkStandaloneOrgStack,
} from '../lib/standalone';

const app = new App();
const ctx = readAppContext(app.node);
const standalone = ctx.codeSource === 's3' ? { codeVersion: ctx.codeVersion! } : undefined;

if (ctx.stacks.includes('account')) {
  if (standalone !== undefined) {
    new NeptuneCmkStandaloneAccountStack(app, STACK_IDS.account, standalone);
  } else {
    new NeptuneCmkAccountStack(app, STACK_IDS.account, { rule: ctx.rule, hook: ctx.hook });
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
if (ctx.stacks.includes('hook')) {
  if (standalone !== undefined) {
    new NeptuneCmkStandaloneHookStack(app, STACK_IDS.hook, standalone);
  } else {
    new NeptuneCmkHookStack(app, STACK_IDS.hook, { rule: ctx.rule, hook: ctx.hook });
  }
}

// cdk-nag AwsSolutions on every stack: an unsuppressed finding fails synth.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
