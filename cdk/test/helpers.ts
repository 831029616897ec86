/**
 * Test helpers: an App with the same feature flags as cdk.json, a fake
 * `bootstrap` so no Rust build is needed, stacks built from context exactly
 * as bin/app.ts builds them, and the cdk-nag findings of a stack.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NeptuneCmkAccountStack } from '../lib/account-stack';
import { readAppContext } from '../lib/context';
import { NeptuneCmkMemberRoleStack } from '../lib/member-role-stack';
import { NeptuneCmkOrgStack } from '../lib/organization-stack';

export const CDK_DIR = path.resolve(__dirname, '..');
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(CDK_DIR, 'cdk.json'), 'utf8')).context;

export const ORG_ID = 'o-a1b2c3d4e5';
export const KEY_A = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_B = 'arn:aws:kms:us-east-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab';

let fakeDir: string | undefined;

/** A temp directory holding an executable fake `bootstrap` (created once per test file). */
export function fakeBootstrapDir(): string {
  if (fakeDir === undefined) {
    fakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-bootstrap-'));
    fs.writeFileSync(path.join(fakeDir, 'bootstrap'), '#!/bin/sh\necho "fake bootstrap for CDK tests"\n');
    fs.chmodSync(path.join(fakeDir, 'bootstrap'), 0o755);
  }
  return fakeDir;
}

/** An App with cdk.json's feature flags plus the given context (bootstrapDir defaults to the fake one). */
export function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_JSON_CONTEXT, bootstrapDir: fakeBootstrapDir(), ...context } });
}

function withNag<T extends Stack>(stack: T): T {
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  return stack;
}

export function accountStack(context: Record<string, unknown> = {}): NeptuneCmkAccountStack {
  const app = newApp(context);
  const ctx = readAppContext(app.node);
  return withNag(new NeptuneCmkAccountStack(app, 'NeptuneCmkRule', { rule: ctx.rule }));
}

export function orgStack(context: Record<string, unknown> = { organizationId: ORG_ID }): NeptuneCmkOrgStack {
  const app = newApp(context);
  const ctx = readAppContext(app.node);
  return withNag(new NeptuneCmkOrgStack(app, 'NeptuneCmkOrgRule', { rule: ctx.rule, organization: ctx.organization }));
}

export function memberStack(): NeptuneCmkMemberRoleStack {
  return withNag(new NeptuneCmkMemberRoleStack(newApp(), 'NeptuneCmkMemberRole'));
}

/** Unsuppressed cdk-nag AwsSolutions errors and warnings of a stack. */
export function nagFindings(stack: Stack): { errors: unknown[]; warnings: unknown[] } {
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
  return { errors: annotations.findError('*', pattern), warnings: annotations.findWarning('*', pattern) };
}

/** The single resource of a type: its logical id and body. */
export function only(template: Template, type: string): { id: string; resource: any } {
  const found = template.findResources(type);
  const ids = Object.keys(found);
  if (ids.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${ids.length}`);
  }
  return { id: ids[0], resource: found[ids[0]] };
}

/**
 * Every IAM statement in the stack's AWS::IAM::Policy resources and inline role
 * policies, by Sid; `include` picks resources by logical id (default: all).
 */
export function statementsBySid(template: Template, include: (logicalId: string) => boolean = () => true): Record<string, any> {
  const out: Record<string, any> = {};
  const add = (statement: any) => {
    if (statement.Sid === undefined) {
      throw new Error(`statement without Sid: ${JSON.stringify(statement)}`);
    }
    if (out[statement.Sid] !== undefined) {
      throw new Error(`duplicate Sid ${statement.Sid}`);
    }
    out[statement.Sid] = statement;
  };
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    if (include(id)) {
      (policy as any).Properties.PolicyDocument.Statement.forEach(add);
    }
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    if (!include(id)) {
      continue;
    }
    for (const inline of (role as any).Properties.Policies ?? []) {
      inline.PolicyDocument.Statement.forEach(add);
    }
  }
  return out;
}

/** `arn:${Partition}:<rest>` as CDK renders it, with `<Region>`/`<Account>` placeholders for pseudo parameters. */
export function arn(rest: string): unknown {
  const parts: unknown[] = ['arn:', { Ref: 'AWS::Partition' }];
  for (const piece of rest.split(/(<Region>|<Account>)/)) {
    if (piece === '<Region>') {
      parts.push({ Ref: 'AWS::Region' });
    } else if (piece === '<Account>') {
      parts.push({ Ref: 'AWS::AccountId' });
    } else if (piece !== '') {
      parts.push(piece);
    }
  }
  return { 'Fn::Join': ['', parts] };
}
