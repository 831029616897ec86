/**
 * Reads CDK context (`-c key=value` or cdk.json "context") into typed stack
 * props. Values given with -c arrive as strings; cdk.json may hold JSON
 * arrays, booleans or numbers, so both forms are accepted.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as config from 'aws-cdk-lib/aws-config';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Node } from 'constructs';
import { AccountRuleProps, HookOptions } from './account-stack';
import { DEFAULT_HOOK_FAILURE_MODE, HOOK_FAILURE_MODES } from './neptune-cmk-hook';
import { NeptuneCmkOrgStackProps } from './organization-stack';
import {
  DEFAULT_REMEDIATION_ATTEMPTS,
  DEFAULT_REMEDIATION_RETRY_SECONDS,
  REMEDIATION_MODES,
  RemediationOptions,
} from './remediation';
import { ENCRYPTION_LEVELS, EncryptionLevel, RuleParameters } from './rule-parameters';

/** Which stacks `bin/app.ts` instantiates (context `stack`; all of them when unset). */
export const STACK_KINDS = ['account', 'organization', 'member', 'hook'] as const;
export type StackKind = (typeof STACK_KINDS)[number];

/** Stack ids, as used by `cdk deploy <id>` and the Makefile. */
export const STACK_IDS: Record<StackKind, string> = {
  account: 'NeptuneCmkRule',
  organization: 'NeptuneCmkOrgRule',
  member: 'NeptuneCmkMemberRole',
  hook: 'NeptuneCmkHook',
};

/** `<repo>/target/lambda/neptune-cmk-rule`, where `make package` puts the bootstrap. */
export const DEFAULT_BOOTSTRAP_DIR = path.resolve(__dirname, '..', '..', 'target', 'lambda', 'neptune-cmk-rule');

/**
 * Where the function code comes from: `asset` uploads bootstrapDir through the
 * CDK bootstrap stack; `s3` makes standalone templates whose code is the zip
 * named by the CloudFormation parameters CodeS3Bucket/CodeS3Key.
 */
export const CODE_SOURCES = ['asset', 's3'] as const;
export type CodeSource = (typeof CODE_SOURCES)[number];

/**
 * Context that the standalone templates take as CloudFormation parameters
 * instead; setting it with codeSource=s3 would be silently ignored, so it is
 * an error that names the parameter.
 */
const STANDALONE_PARAMETERS: Record<string, string> = {
  architecture: 'Architecture',
  ruleName: 'RuleName',
  maximumExecutionFrequency: 'MaximumExecutionFrequency',
  desiredEncryptionLevel: 'DesiredEncryptionLevel',
  allowedKmsKeyArns: 'AllowedKmsKeyArns',
  requireEnabledKey: 'RequireEnabledKey',
  createRule: 'CreateRule',
  logRetentionDays: 'LogRetentionDays',
  logKmsKeyArn: 'LogKmsKeyArn',
  alarmTopicArn: 'AlarmTopicArn',
  remediation: 'Remediation',
  remediationMaximumAttempts: 'RemediationMaximumAttempts',
  remediationRetrySeconds: 'RemediationRetrySeconds',
  organizationId: 'OrganizationId',
  executionRoleName: 'ExecutionRoleName',
  excludedAccounts: 'ExcludedAccounts',
  functionRoleName: 'FunctionRoleName',
  hook: 'CreateHook',
  hookFailureMode: 'HookFailureMode',
};

function assertNoStandaloneContext(node: Node): void {
  for (const [key, parameter] of Object.entries(STANDALONE_PARAMETERS)) {
    if (raw(node, key) !== undefined) {
      throw new ContextError(key, `with codeSource=s3 this is the CloudFormation parameter ${parameter}, set at deploy time`);
    }
  }
  if (raw(node, 'sourceAccounts') !== undefined) {
    throw new ContextError(
      'sourceAccounts',
      'the standalone organization template has one permission without SourceAccount; add per-account ' +
        'permissions with `aws lambda add-permission --source-account` (docs/DEPLOY.md) or use the CDK path',
    );
  }
}

/** The workspace version in <repo>/Cargo.toml, which names the release zip. */
export function workspaceVersion(cargoToml = path.resolve(__dirname, '..', '..', 'Cargo.toml')): string {
  const text = fs.existsSync(cargoToml) ? fs.readFileSync(cargoToml, 'utf8') : '';
  const match = /\[workspace\.package\][^[]*?^version\s*=\s*"([^"]+)"/ms.exec(text);
  if (match === null) {
    throw new ContextError('codeVersion', `no [workspace.package] version in ${cargoToml}; pass -c codeVersion=<version>`);
  }
  return match[1];
}

export interface AppContext {
  readonly stacks: readonly StackKind[];
  readonly rule: AccountRuleProps;
  readonly organization: NeptuneCmkOrgStackProps['organization'];
  /** The account stack's hook (`hook`, default on) and the failure mode of every hook (`hookFailureMode`). */
  readonly hook: Required<HookOptions>;
  readonly codeSource: CodeSource;
  /** Version in the default CodeS3Key of the standalone templates (codeSource=s3 only). */
  readonly codeVersion?: string;
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

function integer(node: Node, key: string, min: number, max: number): number | undefined {
  const value = raw(node, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ContextError(key, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}

function remediation(node: Node): RemediationOptions | undefined {
  const mode = oneOf(node, 'remediation', REMEDIATION_MODES) ?? 'off';
  const maximumAutomaticAttempts = integer(node, 'remediationMaximumAttempts', 1, 25);
  const retryAttemptSeconds = integer(node, 'remediationRetrySeconds', 1, 2678000);
  if (mode === 'off') {
    if (maximumAutomaticAttempts !== undefined || retryAttemptSeconds !== undefined) {
      throw new ContextError('remediation', 'remediationMaximumAttempts/remediationRetrySeconds need -c remediation=automatic');
    }
    return undefined;
  }
  return {
    enabled: true,
    automatic: mode === 'automatic',
    maximumAutomaticAttempts: maximumAutomaticAttempts ?? DEFAULT_REMEDIATION_ATTEMPTS,
    retryAttemptSeconds: retryAttemptSeconds ?? DEFAULT_REMEDIATION_RETRY_SECONDS,
  };
}

const FREQUENCIES = Object.values(config.MaximumExecutionFrequency) as config.MaximumExecutionFrequency[];

/** Reads every supported context key; throws a ContextError for a bad value. */
export function readAppContext(node: Node): AppContext {
  const stack = oneOf(node, 'stack', STACK_KINDS);
  const architecture = oneOf(node, 'architecture', ['x86_64', 'arm64'] as const);
  const bootstrapDir = str(node, 'bootstrapDir');
  const codeSource = oneOf(node, 'codeSource', CODE_SOURCES) ?? 'asset';
  if (codeSource === 's3') {
    assertNoStandaloneContext(node);
  }
  const codeVersion = str(node, 'codeVersion');
  if (codeVersion !== undefined && !/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/.test(codeVersion)) {
    throw new ContextError('codeVersion', `expected a version such as 0.2.0, got '${codeVersion}'`);
  }

  const hookEnabled = bool(node, 'hook') ?? true;
  if (stack === 'hook' && !hookEnabled) {
    throw new ContextError('hook', 'false leaves the hook out of NeptuneCmkRule; -c stack=hook is the hook itself: drop one of them');
  }

  const ruleParameters: RuleParameters = {
    desiredEncryptionLevel: oneOf<EncryptionLevel>(node, 'desiredEncryptionLevel', ENCRYPTION_LEVELS),
    allowedKmsKeyArns: list(node, 'allowedKmsKeyArns'),
    requireEnabledKey: bool(node, 'requireEnabledKey'),
  };

  return {
    stacks: stack === undefined ? STACK_KINDS : [stack],
    codeSource,
    codeVersion: codeSource === 's3' ? (codeVersion ?? workspaceVersion()) : undefined,
    rule: {
      bootstrapDir: bootstrapDir === undefined ? DEFAULT_BOOTSTRAP_DIR : path.resolve(bootstrapDir),
      architecture: architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      logRetention: retention(node, 'logRetentionDays'),
      ruleName: str(node, 'ruleName'),
      ruleParameters,
      maximumExecutionFrequency: oneOf(node, 'maximumExecutionFrequency', FREQUENCIES),
      createRule: bool(node, 'createRule'),
      remediation: remediation(node),
      alarmTopicArn: str(node, 'alarmTopicArn'),
      logKmsKeyArn: str(node, 'logKmsKeyArn'),
    },
    hook: {
      enabled: hookEnabled,
      failureMode: oneOf(node, 'hookFailureMode', HOOK_FAILURE_MODES) ?? DEFAULT_HOOK_FAILURE_MODE,
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
