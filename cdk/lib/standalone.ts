/**
 * Standalone templates (`-c codeSource=s3`, scripts/dist.sh): the account,
 * organization and hook stacks as plain CloudFormation templates that need
 * neither the CDK nor `cdk bootstrap`. The function code is the release zip named by the
 * CloudFormation parameters CodeS3Bucket/CodeS3Key, and every setting that is
 * CDK context in the CDK path is a CloudFormation parameter here, validated
 * with AllowedValues/AllowedPattern ('' meaning "not set", as in the
 * conformance pack). The stacks use BootstraplessSynthesizer, which rejects
 * assets and emits no BootstrapVersion parameter or rule.
 */
import {
  Aws,
  BootstraplessSynthesizer,
  CfnCondition,
  CfnOutput,
  CfnParameter,
  Fn,
  Stack,
  StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { addAlarmOutputs, addHookOutputs, addRemediationOutputs } from './account-stack';
import { DEFAULT_HOOK_FAILURE_MODE, HOOK_FAILURE_MODES, NeptuneCmkHook, NeptuneCmkHookProps } from './neptune-cmk-hook';
import { DeployTimeInputParameters, NeptuneCmkRule, NeptuneCmkRuleProps } from './neptune-cmk-rule';
import {
  DEFAULT_REMEDIATION_ATTEMPTS,
  DEFAULT_REMEDIATION_RETRY_SECONDS,
  REMEDIATION_MODES,
  RemediationOptions,
} from './remediation';
import {
  CFN_PARAMETER_NAMES,
  DEFAULT_EXECUTION_ROLE_NAME,
  DEFAULT_RULE_NAME,
  ENCRYPTION_LEVELS,
  EXECUTION_ROLE_PARAMETER,
  KMS_KEY_ARN_PATTERN,
  REQUIRE_ENABLED_KEY_VALUES,
} from './rule-parameters';

/** The release zip `make dist` produces (it holds one file, `bootstrap`). */
export function releaseZipName(version: string): string {
  return `neptune-cmk-rule-${version}-x86_64.zip`;
}

/** CloudWatch Logs retention values in days, as the LogRetentionDays parameter allows them. */
export const LOG_RETENTION_DAYS = Object.values(logs.RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v > 0 && v !== logs.RetentionDays.INFINITE)
  .sort((a, b) => a - b);

const FREQUENCIES = Object.values(config.MaximumExecutionFrequency);
const ROLE_NAME_PATTERN = '[\\w+=,.@-]{1,64}';

/** `Not(Equals('', Ref param))`, named after the parameter. */
function hasValue(scope: Construct, parameter: CfnParameter): CfnCondition {
  return new CfnCondition(scope, `Has${parameter.node.id}`, {
    expression: Fn.conditionNot(Fn.conditionEquals(parameter.valueAsString, '')),
  });
}

/** The parameter's value when set, otherwise AWS::NoValue. */
function ifSet(condition: CfnCondition, value: string): string {
  return Fn.conditionIf(condition.logicalId, value, Aws.NO_VALUE).toString();
}

/**
 * The rule parameters as CloudFormation parameters, with the names the
 * conformance pack uses (CFN_PARAMETER_NAMES); '' leaves a parameter unset,
 * so the function uses its default.
 */
export class DeployTimeRuleParameters implements DeployTimeInputParameters {
  private readonly entries: { readonly key: string; readonly value: string; readonly condition: CfnCondition }[];
  private json?: string;

  /** `maxKeyListLength` keeps the rendered InputParameters within Config's limit. */
  constructor(
    private readonly scope: Construct,
    maxKeyListLength: number,
  ) {
    const level = new CfnParameter(scope, CFN_PARAMETER_NAMES.desiredEncryptionLevel, {
      type: 'String',
      default: '',
      allowedValues: ['', ...ENCRYPTION_LEVELS],
      description: 'Key origin that counts as compliant; empty means the function default (CUSTOMER_MANAGED).',
    });
    const keys = new CfnParameter(scope, CFN_PARAMETER_NAMES.allowedKmsKeyArns, {
      type: 'String',
      default: '',
      allowedPattern: `(${KMS_KEY_ARN_PATTERN}(,${KMS_KEY_ARN_PATTERN})*)?`,
      maxLength: maxKeyListLength,
      constraintDescription: 'a comma-separated list of KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>), no spaces',
      description: 'Optional comma-separated allow-list of KMS key ARNs; empty allows any customer managed key.',
    });
    const requireEnabled = new CfnParameter(scope, CFN_PARAMETER_NAMES.requireEnabledKey, {
      type: 'String',
      default: '',
      allowedValues: ['', ...REQUIRE_ENABLED_KEY_VALUES],
      description: 'Whether a disabled or pending-deletion key is NON_COMPLIANT; empty means the function default (true).',
    });
    this.entries = [
      ['desiredEncryptionLevel', level],
      ['allowedKmsKeyArns', keys],
      ['requireEnabledKey', requireEnabled],
    ].map(([key, parameter]) => ({
      key: key as string,
      value: (parameter as CfnParameter).valueAsString,
      condition: hasValue(scope, parameter as CfnParameter),
    }));
  }

  accountRule(): Record<string, unknown> {
    return Object.fromEntries(this.entries.map((e) => [e.key, ifSet(e.condition, e.value)]));
  }

  /**
   * `accountRule()` as JSON text: the set members, comma-separated. A member
   * is preceded by a comma only when a member before it is set (condition
   * AnyRuleParameterBefore<Parameter>). Every value is constrained by its
   * parameter, so none needs escaping.
   */
  accountRuleJson(): string {
    if (this.json === undefined) {
      const members = this.entries.map((e, i) => {
        const comma = i === 0 ? '' : Fn.conditionIf(this.anySetBefore(i).logicalId, ',', '');
        return Fn.conditionIf(e.condition.logicalId, Fn.join('', [comma as string, `"${e.key}":"`, e.value, '"']), '');
      });
      this.json = Fn.join('', ['{', ...(members as unknown as string[]), '}']);
    }
    return this.json;
  }

  private anySetBefore(index: number): CfnCondition {
    if (index === 1) {
      return this.entries[0].condition;
    }
    const name = CFN_PARAMETER_NAMES[this.entries[index].key as keyof typeof CFN_PARAMETER_NAMES];
    return new CfnCondition(this.scope, `AnyRuleParameterBefore${name}`, {
      expression: Fn.conditionOr(...this.entries.slice(0, index).map((e) => e.condition)),
    });
  }

  /** JSON text; every value is constrained by its parameter, so none needs escaping. */
  organizationRule(executionRoleName: string): string {
    const optional = this.entries.map((e) =>
      Fn.conditionIf(e.condition.logicalId, Fn.join('', [`"${e.key}":"`, e.value, '",']), ''),
    );
    return Fn.join('', ['{', ...(optional as unknown as string[]), `"${EXECUTION_ROLE_PARAMETER}":"`, executionRoleName, '"}']);
  }
}

interface CommonSettings {
  readonly rule: Omit<NeptuneCmkRuleProps, 'organization' | 'deployTimeParameters'>;
  readonly architecture: CfnParameter;
}

interface CodeSettings {
  readonly code: lambda.Code;
  readonly architecture: CfnParameter;
}

/** The release zip in S3 and the architecture of its bootstrap: every function of every template. */
function codeSettings(stack: Stack, version: string): CodeSettings {
  const bucket = new CfnParameter(stack, 'CodeS3Bucket', {
    type: 'String',
    allowedPattern: '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]',
    description: 'S3 bucket (in this region) holding the release zip of the neptune-cmk-rule function',
  });
  const key = new CfnParameter(stack, 'CodeS3Key', {
    type: 'String',
    default: releaseZipName(version),
    allowedPattern: '[^\\s].{0,1023}',
    description: 'S3 key of the release zip (it contains one file, bootstrap)',
  });
  const architecture = new CfnParameter(stack, 'Architecture', {
    type: 'String',
    default: 'x86_64',
    allowedValues: ['x86_64', 'arm64'],
    description: 'Instruction set of the bootstrap in the zip (release zips are x86_64)',
  });
  const bucketRef = s3.Bucket.fromBucketName(stack, 'CodeBucket', bucket.valueAsString);
  Validations.of(bucketRef).acknowledge({
    id: 'Annotation::@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified',
    reason:
      'the release zip is named after its version (neptune-cmk-rule-<version>-x86_64.zip): a new release is a ' +
      'new CodeS3Key, which CloudFormation deploys as a code update',
  });
  return { code: lambda.Code.fromBucket(bucketRef, key.valueAsString), architecture };
}

/** Retention and optional key of the log groups. */
function logSettings(stack: Stack): Pick<NeptuneCmkRuleProps, 'logRetention' | 'logKmsKeyArn'> {
  const retention = new CfnParameter(stack, 'LogRetentionDays', {
    type: 'Number',
    default: String(logs.RetentionDays.ONE_YEAR),
    allowedValues: LOG_RETENTION_DAYS.map(String),
    description: 'Retention of the function log groups, in days',
  });
  const logKey = new CfnParameter(stack, 'LogKmsKeyArn', {
    type: 'String',
    default: '',
    allowedPattern: `(${KMS_KEY_ARN_PATTERN})?`,
    description: 'Optional customer managed KMS key for the log groups (its key policy must allow CloudWatch Logs); empty for default encryption',
  });
  return {
    logRetention: retention.valueAsNumber as logs.RetentionDays,
    logKmsKeyArn: ifSet(hasValue(stack, logKey), logKey.valueAsString),
  };
}

/** Code, architecture, rule name and frequency, logs and alarms: the parameters both rule templates share. */
function commonSettings(stack: Stack, version: string): CommonSettings {
  const { code, architecture } = codeSettings(stack, version);
  const ruleName = new CfnParameter(stack, 'RuleName', {
    type: 'String',
    default: DEFAULT_RULE_NAME,
    allowedPattern: '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}',
    description: 'Name of the AWS Config rule (organization rule)',
  });
  const frequency = new CfnParameter(stack, 'MaximumExecutionFrequency', {
    type: 'String',
    default: config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS,
    allowedValues: FREQUENCIES,
    description: 'How often the periodic sweep of all Neptune resources runs',
  });
  const logging = logSettings(stack);
  const topic = new CfnParameter(stack, 'AlarmTopicArn', {
    type: 'String',
    default: '',
    allowedPattern: '(arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[\\w-]{1,256})?',
    description: 'Optional SNS topic the two alarms notify; empty for alarms without actions',
  });
  return {
    architecture,
    rule: {
      code,
      ruleName: ruleName.valueAsString,
      maximumExecutionFrequency: frequency.valueAsString as config.MaximumExecutionFrequency,
      ...logging,
      alarmTopicArn: ifSet(hasValue(stack, topic), topic.valueAsString),
      createRule: createRuleCondition(stack),
    },
  };
}

function createRuleCondition(stack: Stack): CfnCondition {
  const createRule = new CfnParameter(stack, 'CreateRule', {
    type: 'String',
    default: 'true',
    allowedValues: ['true', 'false'],
    description: 'false deploys only the function side, for the rule of the conformance pack',
  });
  return new CfnCondition(stack, 'CreateRuleCondition', {
    expression: Fn.conditionEquals(createRule.valueAsString, 'true'),
  });
}

/** The functions' Architectures follow the Architecture parameter. */
function useArchitectureParameter(functions: lambda.Function[], architecture: CfnParameter): void {
  for (const fn of functions) {
    (fn.node.defaultChild as lambda.CfnFunction).addPropertyOverride('Architectures', [architecture.valueAsString]);
  }
}

/** FailureMode of the hook: FAIL refuses the operation, WARN lets it go on with a warning. */
function hookFailureModeParameter(stack: Stack): CfnParameter {
  return new CfnParameter(stack, 'HookFailureMode', {
    type: 'String',
    default: DEFAULT_HOOK_FAILURE_MODE,
    allowedValues: [...HOOK_FAILURE_MODES],
    description:
      'What the deploy-time hook does with a Neptune cluster or graph whose key is not customer managed: FAIL refuses it, WARN lets it go on with a warning',
  });
}

/** CreateHook (default true) and HookFailureMode of the standalone account template. */
function hookSettings(stack: Stack): Pick<NeptuneCmkHookProps, 'condition' | 'failureMode'> {
  const createHook = new CfnParameter(stack, 'CreateHook', {
    type: 'String',
    default: 'true',
    allowedValues: ['true', 'false'],
    description:
      'false leaves out the deploy-time hook (CloudFormation Lambda Hook), e.g. where the NeptuneCmkHook StackSet already deploys it',
  });
  const condition = new CfnCondition(stack, 'CreateHookCondition', {
    expression: Fn.conditionEquals(createHook.valueAsString, 'true'),
  });
  return { condition, failureMode: hookFailureModeParameter(stack).valueAsString };
}

function remediationSettings(stack: Stack): RemediationOptions {
  const mode = new CfnParameter(stack, 'Remediation', {
    type: 'String',
    default: 'off',
    allowedValues: [...REMEDIATION_MODES],
    description:
      'Key-state remediation runbook: off, manual (run it from the Config console) or automatic (Config runs it for every non-compliant resource)',
  });
  const attempts = new CfnParameter(stack, 'RemediationMaximumAttempts', {
    type: 'Number',
    default: DEFAULT_REMEDIATION_ATTEMPTS,
    minValue: 1,
    maxValue: 25,
    description: 'Automatic remediation: attempts per resource within RemediationRetrySeconds',
  });
  const retrySeconds = new CfnParameter(stack, 'RemediationRetrySeconds', {
    type: 'Number',
    default: DEFAULT_REMEDIATION_RETRY_SECONDS,
    minValue: 1,
    maxValue: 2678000,
    description: 'Automatic remediation: the window, in seconds, for RemediationMaximumAttempts',
  });
  const enabled = new CfnCondition(stack, 'RemediationOn', {
    expression: Fn.conditionNot(Fn.conditionEquals(mode.valueAsString, 'off')),
  });
  const automatic = new CfnCondition(stack, 'RemediationAutomatic', {
    expression: Fn.conditionEquals(mode.valueAsString, 'automatic'),
  });
  return {
    enabled,
    automatic: Fn.conditionIf(automatic.logicalId, true, false),
    maximumAutomaticAttempts: attempts.valueAsNumber,
    retryAttemptSeconds: retrySeconds.valueAsNumber,
  };
}

/** Console grouping of the parameters (AWS::CloudFormation::Interface). */
function parameterGroups(stack: Stack, groups: [string, string[]][]): void {
  stack.templateOptions.metadata = {
    'AWS::CloudFormation::Interface': {
      ParameterGroups: groups.map(([label, parameters]) => ({ Label: { default: label }, Parameters: parameters })),
    },
  };
}

const CODE_GROUP: [string, string[]] = ['Function code (release zip in S3)', ['CodeS3Bucket', 'CodeS3Key', 'Architecture']];
const RULE_PARAMETER_GROUP = Object.values(CFN_PARAMETER_NAMES).filter((n) => n !== CFN_PARAMETER_NAMES[EXECUTION_ROLE_PARAMETER]);
const OPERATIONS_GROUP: [string, string[]] = ['Operations', ['LogRetentionDays', 'LogKmsKeyArn', 'AlarmTopicArn']];
const HOOK_GROUP_LABEL = 'Deploy-time hook (CloudFormation Lambda Hook)';

export interface StandaloneStackProps extends StackProps {
  /** Version in the default CodeS3Key. */
  readonly codeVersion: string;
}

/**
 * CDK's built-in template validation (W1030) substitutes an optional
 * parameter's default '' into the Fn::If branch guarded by Has<Parameter>,
 * which CloudFormation takes only when the parameter is non-empty.
 */
function acknowledgeOptionalParameters(stack: Stack): void {
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::W1030',
    reason:
      "optional parameters default to '' and are used only in the Fn::If branch of their Has<Parameter> " +
      "condition, where they are non-empty; the validator resolves them to '' regardless of the condition",
  });
}

function standaloneProps(description: string, props: StandaloneStackProps): StackProps {
  const { codeVersion: _codeVersion, ...rest } = props;
  return { description, synthesizer: new BootstraplessSynthesizer(), analyticsReporting: false, ...rest };
}

/** NeptuneCmkRule as a standalone template (single account), with the hook unless CreateHook=false. */
export class NeptuneCmkStandaloneAccountStack extends Stack {
  readonly rule: NeptuneCmkRule;
  readonly hook: NeptuneCmkHook;

  constructor(scope: Construct, id: string, props: StandaloneStackProps) {
    super(
      scope,
      id,
      standaloneProps(
        'neptune-cmk: AWS Config custom Lambda rule checking Neptune encryption with a KMS customer managed key (standalone template)',
        props,
      ),
    );
    acknowledgeOptionalParameters(this);
    const common = commonSettings(this, props.codeVersion);
    this.rule = new NeptuneCmkRule(this, 'NeptuneCmkRule', {
      ...common.rule,
      // {"desiredEncryptionLevel":"CUSTOMER_MANAGED","allowedKmsKeyArns":"…","requireEnabledKey":"false"} fits 1024.
      deployTimeParameters: new DeployTimeRuleParameters(this, 900),
      remediation: remediationSettings(this),
    });
    // The hook under CreateHook: the rule's code and its InputParameters as text.
    this.hook = new NeptuneCmkHook(this, 'NeptuneCmkHook', {
      ...hookSettings(this),
      code: this.rule.code,
      ruleParametersJson: this.rule.inputParametersJson,
      logRetention: common.rule.logRetention,
      logKmsKeyArn: common.rule.logKmsKeyArn,
    });
    useArchitectureParameter([this.rule.function, this.hook.function], common.architecture);
    parameterGroups(this, [
      CODE_GROUP,
      ['Rule', ['RuleName', 'CreateRule', 'MaximumExecutionFrequency', ...RULE_PARAMETER_GROUP]],
      [HOOK_GROUP_LABEL, ['CreateHook', 'HookFailureMode']],
      ['Remediation of key-state failures', ['Remediation', 'RemediationMaximumAttempts', 'RemediationRetrySeconds']],
      OPERATIONS_GROUP,
    ]);
    new CfnOutput(this, 'FunctionArn', { value: this.rule.function.functionArn });
    const configRule = this.rule.configRule!;
    new CfnOutput(this, 'ConfigRuleName', { value: configRule.ref, condition: configRule.cfnOptions.condition });
    addAlarmOutputs(this, this.rule);
    addRemediationOutputs(this, this.rule);
    addHookOutputs(this, this.hook);
  }
}

/** NeptuneCmkOrgRule as a standalone template (management or delegated administrator account). */
export class NeptuneCmkStandaloneOrgStack extends Stack {
  readonly rule: NeptuneCmkRule;

  constructor(scope: Construct, id: string, props: StandaloneStackProps) {
    super(
      scope,
      id,
      standaloneProps(
        'neptune-cmk: AWS Config organization rule (Lambda in this account) checking Neptune encryption with a KMS customer managed key (standalone template)',
        props,
      ),
    );
    acknowledgeOptionalParameters(this);
    const common = commonSettings(this, props.codeVersion);
    const organizationId = new CfnParameter(this, 'OrganizationId', {
      type: 'String',
      allowedPattern: 'o-[a-z0-9]{10,32}',
      description: 'The organization (aws organizations describe-organization --query Organization.Id)',
    });
    const executionRoleName = new CfnParameter(this, CFN_PARAMETER_NAMES[EXECUTION_ROLE_PARAMETER], {
      type: 'String',
      default: DEFAULT_EXECUTION_ROLE_NAME,
      allowedPattern: ROLE_NAME_PATTERN,
      description: 'Role the function assumes in each member account (ExecutionRoleName of the member role StackSet)',
    });
    const excluded = new CfnParameter(this, 'ExcludedAccounts', {
      type: 'String',
      default: '',
      allowedPattern: '(\\d{12}(,\\d{12})*)?',
      description: 'Optional comma-separated account ids the organization rule skips',
    });
    const functionRoleName = new CfnParameter(this, 'FunctionRoleName', {
      type: 'String',
      default: '',
      allowedPattern: `(${ROLE_NAME_PATTERN})?`,
      description: 'Name of the function role; empty means NeptuneCmkOrgFunctionRole-<region>',
    });
    this.rule = new NeptuneCmkRule(this, 'NeptuneCmkRule', {
      ...common.rule,
      // The organization rule takes 2048 characters, ExecutionRoleName included.
      deployTimeParameters: new DeployTimeRuleParameters(this, 1800),
      organization: {
        organizationId: organizationId.valueAsString,
        executionRoleName: executionRoleName.valueAsString,
        excludedAccounts: Token.asList(
          Fn.conditionIf(hasValue(this, excluded).logicalId, Fn.split(',', excluded.valueAsString), Aws.NO_VALUE),
        ),
        functionRoleName: Fn.conditionIf(
          hasValue(this, functionRoleName).logicalId,
          functionRoleName.valueAsString,
          `NeptuneCmkOrgFunctionRole-${Aws.REGION}`,
        ).toString(),
      },
    });
    useArchitectureParameter([this.rule.function], common.architecture);
    Validations.of(this.rule.organizationConfigRule!).acknowledge({
      id: 'CloudFormation-Validate::F3031',
      reason:
        "ExcludedAccounts is Fn::Split of the parameter only under HasExcludedAccounts (non-empty, each item \\d{12} " +
        "by AllowedPattern); the validator splits the default '' regardless of the condition",
    });
    parameterGroups(this, [
      CODE_GROUP,
      ['Organization', ['OrganizationId', 'ExecutionRoleName', 'ExcludedAccounts', 'FunctionRoleName']],
      ['Rule', ['RuleName', 'CreateRule', 'MaximumExecutionFrequency', ...RULE_PARAMETER_GROUP]],
      OPERATIONS_GROUP,
    ]);
    new CfnOutput(this, 'FunctionArn', { value: this.rule.function.functionArn });
    new CfnOutput(this, 'FunctionRoleArn', {
      value: this.rule.role.roleArn,
      description: 'CentralFunctionRoleArn parameter of the member-account execution role stack',
    });
    const orgRule = this.rule.organizationConfigRule!;
    new CfnOutput(this, 'OrganizationConfigRuleName', { value: orgRule.ref, condition: orgRule.cfnOptions.condition });
    addAlarmOutputs(this, this.rule);
  }
}

/**
 * NeptuneCmkHook as a standalone template, StackSet-ready: the hook alone,
 * for an organization that rolls it out to every account and region with a
 * service-managed StackSet (its roles have no names: CAPABILITY_IAM). The
 * rule parameters are the account template's, with the same names and limits.
 */
export class NeptuneCmkStandaloneHookStack extends Stack {
  readonly hook: NeptuneCmkHook;

  constructor(scope: Construct, id: string, props: StandaloneStackProps) {
    super(
      scope,
      id,
      standaloneProps(
        'neptune-cmk: CloudFormation Lambda Hook refusing Neptune clusters and graphs not encrypted with a KMS customer managed key (standalone template, StackSet-ready)',
        props,
      ),
    );
    acknowledgeOptionalParameters(this);
    const { code, architecture } = codeSettings(this, props.codeVersion);
    const failureMode = hookFailureModeParameter(this);
    // The account template's limit, so one set of values suits both templates.
    const ruleParameters = new DeployTimeRuleParameters(this, 900);
    this.hook = new NeptuneCmkHook(this, 'NeptuneCmkHook', {
      code,
      ruleParametersJson: ruleParameters.accountRuleJson(),
      failureMode: failureMode.valueAsString,
      ...logSettings(this),
    });
    useArchitectureParameter([this.hook.function], architecture);
    parameterGroups(this, [
      CODE_GROUP,
      [HOOK_GROUP_LABEL, ['HookFailureMode']],
      ['Rule parameters (as the Config rule takes them)', RULE_PARAMETER_GROUP],
      ['Operations', ['LogRetentionDays', 'LogKmsKeyArn']],
    ]);
    addHookOutputs(this, this.hook);
  }
}
