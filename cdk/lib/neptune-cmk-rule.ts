/**
 * `NeptuneCmkRule`: the rule function (prebuilt Rust `bootstrap`), its log
 * group, IAM role and alarms, the Lambda permission for AWS Config, and the
 * Config rule itself: an account-level `AWS::Config::ConfigRule`, or with
 * `organization` set an `AWS::Config::OrganizationConfigRule` whose
 * evaluations run through a role the function assumes in each member account.
 * With `createRule: false` only the function side is deployed, for rules that
 * come from the conformance pack (conformance-pack/neptune-cmk.yaml).
 *
 * Every setting may be a literal (CDK context, validated at synth) or a
 * CloudFormation token (the standalone templates of lib/standalone.ts, where
 * CloudFormation parameters validate it); literal-only checks skip tokens.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aws, CfnCondition, Duration, Fn, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { SID, neptuneReadStatements, readStatementSuppressions, ruleComplianceStatement } from './permissions';
import { RemediationOptions, RepairKeyRunbook, attachRemediation } from './remediation';
import {
  DEFAULT_EXECUTION_ROLE_NAME,
  DEFAULT_RULE_NAME,
  EXECUTION_ROLE_PARAMETER,
  KMS_KEY_ARN_PATTERN,
  MAX_ORG_RULE_INPUT_PARAMETERS,
  MAX_RULE_INPUT_PARAMETERS,
  RULE_DESCRIPTION,
  RULE_SCOPE_RESOURCE_TYPES,
  RuleParameterError,
  RuleParameters,
  assertInputParametersFit,
  inputParametersAsJson,
  renderInputParameters,
  validateRoleName,
} from './rule-parameters';

/** The three notifications the rule reacts to, in the order Config documents them. */
export const TRIGGERS = [
  'ConfigurationItemChangeNotification',
  'OversizedConfigurationItemChangeNotification',
  'ScheduledNotification',
] as const;

/** The function's custom metrics (CloudWatch Embedded Metric Format in its log group). */
export const METRIC_NAMESPACE = 'NeptuneCmk';
export const NOT_WRITTEN_METRIC = 'EvaluationsNotWritten';

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const KMS_KEY_ARN = new RegExp(`^${KMS_KEY_ARN_PATTERN}$`);
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

/** Organization-mode settings. */
export interface OrganizationOptions {
  /** The organization (o-...). Limits sts:AssumeRole to roles inside it (aws:ResourceOrgID). */
  readonly organizationId: string;
  /** Member-account role the function assumes. @default NeptuneCmkExecutionRole */
  readonly executionRoleName?: string;
  /** Accounts the organization rule is not deployed to. */
  readonly excludedAccounts?: readonly string[];
  /**
   * Accounts whose AWS Config may invoke the function. When set, one Lambda
   * permission per account with SourceAccount; when unset, a single permission
   * for config.amazonaws.com without a SourceAccount (see DEPLOY.md).
   */
  readonly sourceAccounts?: readonly string[];
  /**
   * Fixed name for the function's role, so member roles can trust it before it
   * exists. @default NeptuneCmkOrgFunctionRole-<region>
   */
  readonly functionRoleName?: string;
}

/** InputParameters decided at deploy time from CloudFormation parameters (standalone templates). */
export interface DeployTimeInputParameters {
  /** The account rule's InputParameters object; unset parameters vanish (AWS::NoValue). */
  accountRule(): Record<string, unknown>;
  /** The same object as JSON text, for the hook function's environment. */
  accountRuleJson(): string;
  /** The organization rule's InputParameters JSON string, ending with ExecutionRoleName. */
  organizationRule(executionRoleName: string): string;
}

export interface NeptuneCmkRuleProps {
  /** Directory holding the prebuilt `bootstrap` (from `make package`); required unless `code` is set. */
  readonly bootstrapDir?: string;
  /** The function code; replaces the `bootstrapDir` asset (standalone templates: S3). */
  readonly code?: lambda.Code;
  /** @default X86_64 */
  readonly architecture?: lambda.Architecture;
  /** Log retention in days (a CloudWatch Logs retention value). @default 365 */
  readonly logRetention?: logs.RetentionDays;
  /** Customer managed key for the log group; its key policy must allow CloudWatch Logs (DEPLOY.md). */
  readonly logKmsKeyArn?: string;
  /** SNS topic notified by the two alarms. @default no actions */
  readonly alarmTopicArn?: string;
  /** Config rule name (organization rule name in organization mode). @default neptune-cmk-encrypted */
  readonly ruleName?: string;
  /** Rule InputParameters; unset ones are not emitted. */
  readonly ruleParameters?: RuleParameters;
  /** Replaces `ruleParameters` with parameters chosen at deploy time. */
  readonly deployTimeParameters?: DeployTimeInputParameters;
  /** How often the periodic sweep runs. @default TWENTY_FOUR_HOURS */
  readonly maximumExecutionFrequency?: config.MaximumExecutionFrequency;
  /** Deploy as an organization rule instead of an account rule. */
  readonly organization?: OrganizationOptions;
  /**
   * Create the Config rule (account or organization). false deploys only the
   * function, its permission and IAM, for rules created by the conformance
   * pack; a CfnCondition decides at deploy time. @default true
   */
  readonly createRule?: boolean | CfnCondition;
  /**
   * Key-state remediation (account mode only): the runbook, its role and,
   * with a rule, the AWS::Config::RemediationConfiguration. @default off
   */
  readonly remediation?: RemediationOptions;
}

/** ELF e_machine values of the two Lambda architectures. */
const ELF_MACHINES: Record<string, number> = { x86_64: 0x3e, arm64: 0xb7 };

/**
 * Fails synth unless `<dir>/bootstrap` is a file, and when it is an ELF binary
 * built for the other architecture; warns when it is not executable.
 */
export function assertBootstrap(scope: Construct, dir: string, architecture: lambda.Architecture): void {
  const file = path.join(dir, 'bootstrap');
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file);
  } catch {
    stat = undefined;
  }
  if (stat === undefined || !stat.isFile()) {
    throw new Error(
      `No Lambda bootstrap at ${file}: run \`make package\` first ` +
        '(it builds target/lambda/neptune-cmk-rule/bootstrap with cargo build --release), ' +
        'or pass -c bootstrapDir=<directory containing bootstrap>.',
    );
  }
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  const read = fs.readSync(fd, header, 0, header.length, 0);
  fs.closeSync(fd);
  // Little-endian ELF (EI_DATA=1): e_machine is the uint16 at offset 18.
  if (read === header.length && header.readUInt32BE(0) === 0x7f454c46 && header[5] === 1) {
    const machine = header.readUInt16LE(18);
    const expected = ELF_MACHINES[architecture.name];
    if (expected !== undefined && machine !== expected) {
      const actual = Object.keys(ELF_MACHINES).find((name) => ELF_MACHINES[name] === machine);
      throw new Error(
        `${file} is built for ${actual ?? `ELF machine 0x${machine.toString(16)}`}, but the function is ` +
          `configured for ${architecture.name}: rebuild it for ${architecture.name}` +
          (actual === undefined ? '.' : `, or pass -c architecture=${actual}.`),
      );
    }
  }
  if ((stat.mode & 0o111) === 0) {
    Annotations.of(scope).addWarningV2(
      'neptune-cmk:bootstrap-not-executable',
      `${file} is not executable; Lambda will fail to start it. Rebuild with \`make package\`.`,
    );
  }
}

/**
 * The function code: `code` when given (standalone templates: S3), else the
 * checked `bootstrap` of `bootstrapDir` as an asset. The rule and the hook
 * function of one stack share the returned Code, hence one asset.
 */
export function functionCode(
  scope: Construct,
  source: Pick<NeptuneCmkRuleProps, 'code' | 'bootstrapDir'>,
  architecture: lambda.Architecture,
): lambda.Code {
  if (source.code !== undefined) {
    return source.code;
  }
  if (source.bootstrapDir === undefined) {
    throw new Error('the function needs bootstrapDir (the directory of the prebuilt bootstrap) or code');
  }
  assertBootstrap(scope, source.bootstrapDir, architecture);
  // Only the binary: nothing else that happens to sit in the directory is shipped.
  return lambda.Code.fromAsset(source.bootstrapDir, { exclude: ['*', '!bootstrap'] });
}

function assertAccountIds(ids: readonly string[] | undefined, what: string): void {
  if (Token.isUnresolved(ids)) {
    return;
  }
  for (const id of ids ?? []) {
    if (!Token.isUnresolved(id) && !ACCOUNT_ID.test(id)) {
      throw new RuleParameterError(`${what} must be 12-digit AWS account ids; got '${id}'`);
    }
  }
}

function validateOrganization(org: OrganizationOptions, executionRoleName: string): void {
  if (!Token.isUnresolved(org.organizationId) && !ORGANIZATION_ID.test(org.organizationId)) {
    throw new RuleParameterError(`organizationId must look like o-xxxxxxxxxx; got '${org.organizationId}'`);
  }
  if (!Token.isUnresolved(executionRoleName)) {
    validateRoleName(executionRoleName, 'executionRoleName');
  }
  assertAccountIds(org.excludedAccounts, 'excludedAccounts');
  assertAccountIds(org.sourceAccounts, 'sourceAccounts');
}

/** Literal ARNs are checked here; tokens are checked by their CloudFormation parameter. */
export function validateArns(props: Pick<NeptuneCmkRuleProps, 'logKmsKeyArn' | 'alarmTopicArn'>): void {
  const key = props.logKmsKeyArn;
  if (key !== undefined && !Token.isUnresolved(key) && !KMS_KEY_ARN.test(key)) {
    throw new RuleParameterError(`logKmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); got '${key}'`);
  }
  const topic = props.alarmTopicArn;
  if (topic !== undefined && !Token.isUnresolved(topic) && !SNS_TOPIC_ARN.test(topic)) {
    throw new RuleParameterError(`alarmTopicArn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>); got '${topic}'`);
  }
}

export class NeptuneCmkRule extends Construct {
  readonly function: lambda.Function;
  /** The function's code, for the hook function of the same stack (same asset or S3 object). */
  readonly code: lambda.Code;
  /** InputParameters as the JSON text Config passes the function ('{}' when none is set). */
  readonly inputParametersJson: string;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The Lambda permissions for config.amazonaws.com (one, or one per source account). */
  readonly permissions: lambda.CfnPermission[];
  /** `Errors` of the function, and the function's own `EvaluationsNotWritten`. */
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly notWrittenAlarm: cloudwatch.Alarm;
  /** Set in account mode (conditional when createRule is a CfnCondition). */
  readonly configRule?: config.CfnConfigRule;
  /** Set in organization mode. */
  readonly organizationConfigRule?: config.CfnOrganizationConfigRule;
  /** Set when remediation is on. */
  readonly runbook?: RepairKeyRunbook;
  /** Set when remediation is on and the rule is created here. */
  readonly remediationConfiguration?: config.CfnRemediationConfiguration;

  constructor(scope: Construct, id: string, props: NeptuneCmkRuleProps) {
    super(scope, id);
    const architecture = props.architecture ?? lambda.Architecture.X86_64;
    this.code = functionCode(this, props, architecture);
    const org = props.organization;
    const ruleName = props.ruleName ?? DEFAULT_RULE_NAME;
    const frequency = props.maximumExecutionFrequency ?? config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS;
    const executionRoleName = org?.executionRoleName ?? DEFAULT_EXECUTION_ROLE_NAME;
    if (org !== undefined) {
      validateOrganization(org, executionRoleName);
    }
    validateArns(props);
    const remediationOn = props.remediation !== undefined && props.remediation.enabled !== false;
    if (remediationOn && org !== undefined) {
      throw new RuleParameterError(
        'remediation is available for account rules only: AWS Config attaches no remediation to organization rules',
      );
    }
    // Built before any resource so that a bad parameter fails synth first.
    const inputParameters = this.inputParameters(props, org !== undefined, executionRoleName);
    this.inputParametersJson = NeptuneCmkRule.asJson(props, inputParameters);

    this.logGroup = this.createLogGroup(props);
    this.role = this.createRole(org);
    this.function = this.createFunction(this.code, architecture);
    [this.errorsAlarm, this.notWrittenAlarm] = this.alarms(props.alarmTopicArn);
    this.permissions = this.configPermissions(org);

    const createRule = props.createRule ?? true;
    if (org === undefined) {
      for (const statement of neptuneReadStatements({ region: Aws.REGION, account: Aws.ACCOUNT_ID })) {
        this.role.addToPrincipalPolicy(statement);
      }
      if (createRule !== false) {
        this.configRule = this.accountRule(ruleName, frequency, inputParameters, createRule);
      } else {
        // The conformance pack's rule gets an id generated by Config: any rule of this account and region.
        this.role.addToPrincipalPolicy(ruleComplianceStatement([this.anyRuleArn()]));
      }
    } else {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: SID.assumeExecutionRole,
          actions: ['sts:AssumeRole'],
          resources: [`arn:${Aws.PARTITION}:iam::*:role/${executionRoleName}`],
          conditions: { StringEquals: { 'aws:ResourceOrgID': org.organizationId } },
        }),
      );
      if (createRule !== false) {
        this.organizationConfigRule = this.organizationRule(ruleName, frequency, inputParameters, org, createRule);
      }
    }

    if (remediationOn) {
      [this.runbook, this.remediationConfiguration] = this.remediation(props.remediation!, createRule);
    }
    this.addNagSuppressions(org !== undefined, createRule, executionRoleName);
  }

  private createLogGroup(props: NeptuneCmkRuleProps): logs.LogGroup {
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      // Evaluation logs are audit evidence: keep them after `cdk destroy`.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.logKmsKeyArn !== undefined) {
      (logGroup.node.defaultChild as logs.CfnLogGroup).kmsKeyId = props.logKmsKeyArn;
    }
    return logGroup;
  }

  /** The function's role: its own log group only; the rest is added by mode. */
  private createRole(org: OrganizationOptions | undefined): iam.Role {
    const role = new iam.Role(this, 'FunctionRole', {
      roleName: org !== undefined ? (org.functionRoleName ?? `NeptuneCmkOrgFunctionRole-${Aws.REGION}`) : undefined,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the neptune-cmk AWS Config rule function',
    });
    // Only the two log calls, only on this function's group (no AWSLambdaBasicExecutionRole).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: SID.writeLogs,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    return role;
  }

  private createFunction(code: lambda.Code, architecture: lambda.Architecture): lambda.Function {
    return new lambda.Function(this, 'Function', {
      description: 'AWS Config rule: Neptune clusters, instances and cluster snapshots use a KMS customer managed key',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      code,
      architecture,
      memorySize: 128,
      // A ScheduledNotification sweeps every Neptune cluster, instance and cluster
      // snapshot in the account (paged Describe calls, one DescribeKey per distinct
      // key, PutEvaluations in batches of 100, SDK retries under throttling).
      // Config invokes asynchronously, so a long timeout blocks no caller.
      timeout: Duration.seconds(300),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      environment: {
        // lambda_runtime's tracing subscriber reads AWS_LAMBDA_LOG_FORMAT/LEVEL
        // (set by Lambda from the logging config above) and RUST_LOG directives.
        RUST_LOG: 'info',
      },
    });
  }

  /** One permission for config.amazonaws.com, or one per source account. */
  private configPermissions(org: OrganizationOptions | undefined): lambda.CfnPermission[] {
    const sourceAccounts = org === undefined ? [Aws.ACCOUNT_ID] : (org.sourceAccounts ?? []);
    if (sourceAccounts.length === 0) {
      // Organization mode without an account list. AddPermission's PrincipalOrgID
      // becomes an aws:PrincipalOrgID condition, which requests made by a service
      // principal (config.amazonaws.com) do not carry, so it would block every
      // invocation; aws:SourceOrgID cannot be expressed in a Lambda permission.
      return [this.configPermission('ConfigInvokePermission', undefined)];
    }
    return sourceAccounts.map((account) =>
      this.configPermission(org === undefined ? 'ConfigInvokePermission' : `ConfigInvokePermission${account}`, account),
    );
  }

  /** InputParameters: an object for the account rule, a JSON string for the organization rule. */
  private inputParameters(
    props: NeptuneCmkRuleProps,
    organization: boolean,
    executionRoleName: string,
  ): Record<string, unknown> | string | undefined {
    if (props.deployTimeParameters !== undefined) {
      return organization
        ? props.deployTimeParameters.organizationRule(executionRoleName)
        : props.deployTimeParameters.accountRule();
    }
    const rendered = renderInputParameters(
      props.ruleParameters ?? {},
      organization ? { [EXECUTION_ROLE_PARAMETER]: executionRoleName } : {},
    );
    assertInputParametersFit(rendered, organization ? MAX_ORG_RULE_INPUT_PARAMETERS : MAX_RULE_INPUT_PARAMETERS);
    if (rendered === undefined) {
      return undefined;
    }
    return organization ? JSON.stringify(rendered) : rendered;
  }

  /** The InputParameters rendered above, as text: one rendering for the rule and the hook. */
  private static asJson(props: NeptuneCmkRuleProps, inputParameters: Record<string, unknown> | string | undefined): string {
    if (typeof inputParameters === 'string') {
      return inputParameters; // organization mode: already JSON text
    }
    if (props.deployTimeParameters !== undefined) {
      return props.deployTimeParameters.accountRuleJson();
    }
    return inputParametersAsJson(inputParameters as Record<string, string> | undefined);
  }

  /** Errors of the function and its EvaluationsNotWritten: Sum >= 1 in one 5-minute period. */
  private alarms(topicArn: string | undefined): [cloudwatch.Alarm, cloudwatch.Alarm] {
    const period = Duration.minutes(5);
    const common = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No invocation means nothing failed; Config's schedule guarantees invocations.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const errors = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      ...common,
      metric: this.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      alarmDescription:
        'neptune-cmk: the rule function failed; AWS Config results may be missing or stale. See the function log group.',
    });
    const notWritten = new cloudwatch.Alarm(this, 'EvaluationsNotWrittenAlarm', {
      ...common,
      metric: new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: NOT_WRITTEN_METRIC,
        dimensionsMap: { FunctionName: this.function.functionName },
        period,
        statistic: cloudwatch.Stats.SUM,
      }),
      alarmDescription:
        'neptune-cmk: the function reached verdicts it could not write to AWS Config; results may be missing or stale. See the function log group.',
    });
    if (topicArn !== undefined) {
      for (const alarm of [errors, notWritten]) {
        (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmActions = [topicArn];
      }
    }
    return [errors, notWritten];
  }

  private anyRuleArn(): string {
    return `arn:${Aws.PARTITION}:config:${Aws.REGION}:${Aws.ACCOUNT_ID}:config-rule/*`;
  }

  private accountRule(
    ruleName: string,
    frequency: config.MaximumExecutionFrequency,
    inputParameters: Record<string, unknown> | string | undefined,
    createRule: true | CfnCondition,
  ): config.CfnConfigRule {
    const rule = new config.CfnConfigRule(this, 'ConfigRule', {
      configRuleName: ruleName,
      description: RULE_DESCRIPTION,
      source: {
        owner: 'CUSTOM_LAMBDA',
        sourceIdentifier: this.function.functionArn,
        sourceDetails: TRIGGERS.map((messageType) => ({
          eventSource: 'aws.config',
          messageType,
          maximumExecutionFrequency: messageType === 'ScheduledNotification' ? frequency : undefined,
        })),
      },
      scope: { complianceResourceTypes: [...RULE_SCOPE_RESOURCE_TYPES] },
      inputParameters,
    });
    // Config checks at PutConfigRule time that it may invoke the function.
    this.permissions.forEach((p) => rule.node.addDependency(p));
    rule.node.addDependency(this.role);
    // Scoped to this rule's ARN (any rule of the account and region when the
    // rule is not created). A separate policy (not the role's default policy)
    // because the function must not depend on the rule: the rule already
    // depends on the function through the permission.
    let ruleArn = rule.attrArn;
    if (createRule instanceof CfnCondition) {
      rule.cfnOptions.condition = createRule;
      ruleArn = Fn.conditionIf(createRule.logicalId, rule.attrArn, this.anyRuleArn()).toString();
    }
    const policy = new iam.Policy(this, 'RuleCompliancePolicy', {
      roles: [this.role],
      statements: [ruleComplianceStatement([ruleArn])],
    });
    if (createRule instanceof CfnCondition) {
      NagSuppressions.addResourceSuppressions(policy, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'config:GetComplianceDetailsByConfigRule on this rule when the template creates it; otherwise ' +
            '(CreateRule=false, the conformance pack has the rule) on config-rule/* of this account and region, ' +
            'because AWS Config generates the pack rule id at deploy time.',
          appliesTo: [{ regex: '/^Resource::\\{"Fn::If":\\[.*:config-rule\\/\\*"\\]\\]\\}\\]\\}$/' }],
        },
      ]);
    }
    return rule;
  }

  private organizationRule(
    ruleName: string,
    frequency: config.MaximumExecutionFrequency,
    inputParameters: Record<string, unknown> | string | undefined,
    org: OrganizationOptions,
    createRule: true | CfnCondition,
  ): config.CfnOrganizationConfigRule {
    const orgRule = new config.CfnOrganizationConfigRule(this, 'OrganizationConfigRule', {
      organizationConfigRuleName: ruleName,
      excludedAccounts: org.excludedAccounts?.length ? [...org.excludedAccounts] : undefined,
      organizationCustomRuleMetadata: {
        description: RULE_DESCRIPTION,
        lambdaFunctionArn: this.function.functionArn,
        organizationConfigRuleTriggerTypes: [...TRIGGERS],
        maximumExecutionFrequency: frequency,
        resourceTypesScope: [...RULE_SCOPE_RESOURCE_TYPES],
        inputParameters: inputParameters as string | undefined,
      },
    });
    if (createRule instanceof CfnCondition) {
      orgRule.cfnOptions.condition = createRule;
    }
    this.permissions.forEach((p) => orgRule.node.addDependency(p));
    orgRule.node.addDependency(this.role);
    return orgRule;
  }

  private remediation(
    options: RemediationOptions,
    createRule: boolean | CfnCondition,
  ): [RepairKeyRunbook, config.CfnRemediationConfiguration | undefined] {
    const enabled = options.enabled instanceof CfnCondition ? options.enabled : undefined;
    const runbook = new RepairKeyRunbook(this, 'RepairKeyRunbook', { condition: enabled });
    if (this.configRule === undefined) {
      return [runbook, undefined];
    }
    const remediation = attachRemediation(this, runbook, this.configRule.ref, options);
    const conditions = [enabled, createRule instanceof CfnCondition ? createRule : undefined].filter(
      (c): c is CfnCondition => c !== undefined,
    );
    if (conditions.length === 1) {
      remediation.cfnOptions.condition = conditions[0];
    } else if (conditions.length === 2) {
      remediation.cfnOptions.condition = new CfnCondition(this, 'RemediationWithRule', {
        expression: Fn.conditionAnd(...conditions),
      });
    }
    return [runbook, remediation];
  }

  private configPermission(id: string, sourceAccount: string | undefined): lambda.CfnPermission {
    return new lambda.CfnPermission(this, id, {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'config.amazonaws.com',
      sourceAccount,
    });
  }
  private addNagSuppressions(organization: boolean, createRule: boolean | CfnCondition, executionRoleName: string): void {
    const roleResource = Token.isUnresolved(executionRoleName)
      ? { regex: '/^Resource::arn:<AWS::Partition>:iam::\\*:role\\/<[A-Za-z0-9]+>$/' }
      : `Resource::arn:<AWS::Partition>:iam::*:role/${executionRoleName}`;
    const anyRule = {
      id: 'AwsSolutions-IAM5',
      reason:
        'config:GetComplianceDetailsByConfigRule on config-rule/* of this account and region: without a rule ' +
        'created here (createRule=false) the rule comes from the conformance pack, and its ARN ends in a rule id ' +
        'that AWS Config generates when the pack is deployed.',
      appliesTo: ['Resource::arn:<AWS::Partition>:config:<AWS::Region>:<AWS::AccountId>:config-rule/*'],
    };
    NagSuppressions.addResourceSuppressions(
      this.role,
      organization
        ? [
            {
              id: 'AwsSolutions-IAM5',
              reason:
                'sts:AssumeRole on the execution role name in every account: the organization rule runs in ' +
                'every member account, whose ids are not known here. The statement is limited to roles named ' +
                `${Token.isUnresolved(executionRoleName) ? 'ExecutionRoleName' : executionRoleName} in this ` +
                'organization (aws:ResourceOrgID), and each such role trusts only this function role.',
              appliesTo: [roleResource],
            },
          ]
        : [...readStatementSuppressions('<AWS::Region>'), ...(createRule === true ? [] : [anyRule])],
      true,
    );
  }
}
