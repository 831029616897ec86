/**
 * Test helpers: an App with the same feature flags as cdk.json, a fake
 * `bootstrap` so no Rust build is needed, stacks built from context exactly
 * as bin/app.ts builds them, the cdk-nag findings of a stack, and an
 * evaluator of the intrinsics the standalone templates use.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NeptuneCmkAccountStack } from '../lib/account-stack';
import { readAppContext } from '../lib/context';
import { NeptuneCmkHookStack } from '../lib/hook-stack';
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
  return withNag(new NeptuneCmkAccountStack(app, 'NeptuneCmkRule', { rule: ctx.rule, hook: ctx.hook }));
}

/** Context that leaves the hook out of the account stack, for tests of the rule's resources alone. */
export const NO_HOOK = { hook: 'false' } as const;

export function hookStack(context: Record<string, unknown> = {}): NeptuneCmkHookStack {
  const app = newApp({ stack: 'hook', ...context });
  const ctx = readAppContext(app.node);
  return withNag(new NeptuneCmkHookStack(app, 'NeptuneCmkHook', { rule: ctx.rule, hook: ctx.hook }));
}

export function orgStack(context: Record<string, unknown> = { organizationId: ORG_ID }): NeptuneCmkOrgStack {
  const app = newApp(context);
  const ctx = readAppContext(app.node);
  return withNag(new NeptuneCmkOrgStack(app, 'NeptuneCmkOrgRule', { rule: ctx.rule, organization: ctx.organization }));
}

export function memberStack(): NeptuneCmkMemberRoleStack {
  return withNag(new NeptuneCmkMemberRoleStack(newApp(), 'NeptuneCmkMemberRole'));
}

/** A standalone stack (`codeSource=s3`) with cdk-nag, its template and the template's JSON. */
export function buildStandalone<T extends Stack>(make: (app: App) => T): { stack: T; json: any; template: Template } {
  const app = newApp({ codeSource: 's3' });
  const stack = make(app);
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  const template = Template.fromStack(stack);
  return { stack, json: template.toJSON(), template };
}

/** The single resource of a type in template JSON whose logical id contains `idPart`. */
export function resource(json: any, type: string, idPart = ''): any {
  const found = Object.entries(json.Resources).filter(([id, r]: [string, any]) => r.Type === type && id.includes(idPart));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} (${idPart}), found ${found.length}`);
  }
  return found[0][1];
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

/**
 * Evaluates the intrinsics a standalone template uses for InputParameters and
 * the hook's environment, given parameter values: what CloudFormation would
 * send. Unset parameters take their Default.
 */
export function evaluate(value: any, json: any, parameters: Record<string, string>): any {
  const condition = (name: string): boolean => evaluate(json.Conditions[name], json, parameters);
  if (Array.isArray(value)) {
    return value.map((v) => evaluate(v, json, parameters)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const [fn] = Object.keys(value);
  const args = value[fn];
  switch (fn) {
    case 'Ref':
      if (args === 'AWS::NoValue') return NO_VALUE;
      return parameters[args] ?? json.Parameters[args].Default;
    case 'Fn::If':
      return evaluate(condition(args[0]) ? args[1] : args[2], json, parameters);
    case 'Fn::Join':
      return evaluate(args[1], json, parameters).join(args[0]);
    case 'Fn::Equals':
      return evaluate(args[0], json, parameters) === evaluate(args[1], json, parameters);
    case 'Fn::Not':
      return !evaluate(args[0], json, parameters);
    case 'Fn::Or':
      return args.some((a: unknown) => evaluate(a, json, parameters));
    case 'Fn::And':
      return args.every((a: unknown) => evaluate(a, json, parameters));
    case 'Condition':
      return condition(args);
    default:
      return Object.fromEntries(
        Object.entries(value)
          .map(([k, v]) => [k, evaluate(v, json, parameters)])
          .filter(([, v]) => v !== NO_VALUE),
      );
  }
}
const NO_VALUE = Symbol('AWS::NoValue');
