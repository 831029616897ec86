/**
 * Reads CDK context (`-c key=value` or cdk.json "context") into typed stack
 * props. Values given with -c arrive as strings; cdk.json may hold JSON
 * arrays, booleans or numbers, so both forms are accepted.
 */
import * as path from 'path';
import * as config from 'aws-cdk-lib/aws-config';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Node } from 'constructs';
import { AccountRuleProps } from './account-stack';
import { NeptuneCmkOrgStackProps } from './organization-stack';
import { ENCRYPTION_LEVELS, EncryptionLevel, RuleParameters } from './rule-parameters';

/** Which stacks `bin/app.ts` instantiates (context `stack`; all three when unset). */
export const STACK_KINDS = ['account', 'organization', 'member'] as const;
export type StackKind = (typeof STACK_KINDS)[number];

/** Stack ids, as used by `cdk deploy <id>` and the Makefile. */
export const STACK_IDS: Record<StackKind, string> = {
  account: 'NeptuneCmkRule',
  organization: 'NeptuneCmkOrgRule',
  member: 'NeptuneCmkMemberRole',
};

/** `<repo>/target/lambda/neptune-cmk-rule`, where `make package` puts the bootstrap. */
export const DEFAULT_BOOTSTRAP_DIR = path.resolve(__dirname, '..', '..', 'target', 'lambda', 'neptune-cmk-rule');

export interface AppContext {
  readonly stacks: readonly StackKind[];
  readonly rule: AccountRuleProps;
  readonly organization: NeptuneCmkOrgStackProps['organization'];
}

/** Thrown for a context value that cannot be used; the message names the key. */
export class ContextError extends Error {
  constructor(key: string, message: string) {
    super(`context '${key}': ${message}`);
    this.name = 'ContextError';
  }
}

function raw(node: Node, key: string): unknown {
  const value = node.tryGetContext(key);
  return value === '' ? undefined : value;
}

function str(node: Node, key: string): string | undefined {
  const value = raw(node, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ContextError(key, `expected a string, got ${JSON.stringify(value)}`);
  }
  return value.trim();
}

function oneOf<T extends string>(node: Node, key: string, allowed: readonly T[]): T | undefined {
  const value = str(node, key);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw new ContextError(key, `expected one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T | undefined;
}

/** A list from a JSON array or a comma-separated string; blanks dropped. */
function list(node: Node, key: string): string[] | undefined {
  const value = raw(node, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (items === undefined || items.some((item) => typeof item !== 'string')) {
    throw new ContextError(key, `expected a comma-separated string or a list of strings, got ${JSON.stringify(value)}`);
  }
  const cleaned = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  return cleaned.length === 0 ? undefined : cleaned;
}

function bool(node: Node, key: string): boolean | undefined {
  const value = raw(node, key);
  if (value === undefined || value === null || typeof value === 'boolean') {
    return value ?? undefined;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw new ContextError(key, `expected true or false, got ${JSON.stringify(value)}`);
}

function retention(node: Node, key: string): logs.RetentionDays | undefined {
  const value = raw(node, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  const days = typeof value === 'number' ? value : Number(value);
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) {
    throw new ContextError(key, `expected a CloudWatch Logs retention in days (${allowed.join(', ')}), got ${JSON.stringify(value)}`);
  }
  return days as logs.RetentionDays;
}

const FREQUENCIES = Object.values(config.MaximumExecutionFrequency) as config.MaximumExecutionFrequency[];

/** Reads every supported context key; throws a ContextError for a bad value. */
export function readAppContext(node: Node): AppContext {
  const stack = oneOf(node, 'stack', STACK_KINDS);
  const architecture = oneOf(node, 'architecture', ['x86_64', 'arm64'] as const);
  const bootstrapDir = str(node, 'bootstrapDir');

  const ruleParameters: RuleParameters = {
    desiredEncryptionLevel: oneOf<EncryptionLevel>(node, 'desiredEncryptionLevel', ENCRYPTION_LEVELS),
    allowedKmsKeyArns: list(node, 'allowedKmsKeyArns'),
    requireEnabledKey: bool(node, 'requireEnabledKey'),
  };

  return {
    stacks: stack === undefined ? STACK_KINDS : [stack],
    rule: {
      bootstrapDir: bootstrapDir === undefined ? DEFAULT_BOOTSTRAP_DIR : path.resolve(bootstrapDir),
      architecture: architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      logRetention: retention(node, 'logRetentionDays'),
      ruleName: str(node, 'ruleName'),
      ruleParameters,
      maximumExecutionFrequency: oneOf(node, 'maximumExecutionFrequency', FREQUENCIES),
      createRule: bool(node, 'createRule'),
    },
    organization: {
      organizationId: str(node, 'organizationId'),
      executionRoleName: str(node, 'executionRoleName'),
      excludedAccounts: list(node, 'excludedAccounts'),
      sourceAccounts: list(node, 'sourceAccounts'),
      functionRoleName: str(node, 'functionRoleName'),
    },
  };
}
