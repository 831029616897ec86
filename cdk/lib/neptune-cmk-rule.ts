/**
 * `NeptuneCmkRule`: the rule function (prebuilt Rust `bootstrap`), its log
 * group and IAM role, the Lambda permission for AWS Config, and the Config
 * rule itself: an account-level `AWS::Config::ConfigRule`, or with
 * `organization` set an `AWS::Config::OrganizationConfigRule` whose
 * evaluations run through a role the function assumes in each member account.
 * With `createRule: false` only the function side is deployed, for rules that
 * come from the conformance pack (conformance-pack/neptune-cmk.yaml).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { SID, neptuneReadStatements, readStatementSuppressions, ruleComplianceStatement } from './permissions';
import {
  DEFAULT_EXECUTION_ROLE_NAME,
  DEFAULT_RULE_NAME,
  MAX_ORG_RULE_INPUT_PARAMETERS,
  MAX_RULE_INPUT_PARAMETERS,
  NEPTUNE_RESOURCE_TYPES,
  RULE_DESCRIPTION,
  RuleParameterError,
  RuleParameters,
  assertInputParametersFit,
  renderInputParameters,
  validateRoleName,
} from './rule-parameters';

/** The three notifications the rule reacts to, in the order Config documents them. */
export const TRIGGERS = [
  'ConfigurationItemChangeNotification',
  'OversizedConfigurationItemChangeNotification',
  'ScheduledNotification',
] as const;

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;

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

export interface NeptuneCmkRuleProps {
  /** Directory holding the prebuilt `bootstrap` (from `make package`). */
  readonly bootstrapDir: string;
  /** @default X86_64 */
  readonly architecture?: lambda.Architecture;
  /** @default ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Config rule name (organization rule name in organization mode). @default neptune-cmk-encrypted */
  readonly ruleName?: string;
  /** Rule InputParameters; unset ones are not emitted. */
  readonly ruleParameters?: RuleParameters;
  /** How often the periodic sweep runs. @default TWENTY_FOUR_HOURS */
  readonly maximumExecutionFrequency?: config.MaximumExecutionFrequency;
  /** Deploy as an organization rule instead of an account rule. */
  readonly organization?: OrganizationOptions;
  /**
   * Create the Config rule (account or organization). false deploys only the
   * function, its permission and IAM, for rules created by the conformance
   * pack. @default true
   */
  readonly createRule?: boolean;
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
        '(it builds target/lambda/neptune-cmk-rule/bootstrap with cargo lambda), ' +
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

function assertAccountIds(ids: readonly string[] | undefined, what: string): void {
  for (const id of ids ?? []) {
    if (!ACCOUNT_ID.test(id)) {
      throw new RuleParameterError(`${what} must be 12-digit AWS account ids; got '${id}'`);
    }
  }
}

export class NeptuneCmkRule extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The Lambda permissions for config.amazonaws.com (one, or one per source account). */
  readonly permissions: lambda.CfnPermission[] = [];
  /** Set in account mode. */
  readonly configRule?: config.CfnConfigRule;
  /** Set in organization mode. */
  readonly organizationConfigRule?: config.CfnOrganizationConfigRule;

  constructor(scope: Construct, id: string, props: NeptuneCmkRuleProps) {
    super(scope, id);
    const architecture = props.architecture ?? lambda.Architecture.X86_64;
    assertBootstrap(this, props.bootstrapDir, architecture);

    const org = props.organization;
    const ruleName = props.ruleName ?? DEFAULT_RULE_NAME;
    const frequency = props.maximumExecutionFrequency ?? config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS;
    const executionRoleName = org?.executionRoleName ?? DEFAULT_EXECUTION_ROLE_NAME;
    if (org !== undefined) {
      if (!ORGANIZATION_ID.test(org.organizationId)) {
        throw new RuleParameterError(`organizationId must look like o-xxxxxxxxxx; got '${org.organizationId}'`);
      }
      validateRoleName(executionRoleName, 'executionRoleName');
      assertAccountIds(org.excludedAccounts, 'excludedAccounts');
      assertAccountIds(org.sourceAccounts, 'sourceAccounts');
    }
    const inputParameters = renderInputParameters(
      props.ruleParameters ?? {},
      org !== undefined ? { ExecutionRoleName: executionRoleName } : {},
    );
    assertInputParametersFit(
      inputParameters,
      org !== undefined ? MAX_ORG_RULE_INPUT_PARAMETERS : MAX_RULE_INPUT_PARAMETERS,
    );

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      // Evaluation logs are audit evidence: keep them after `cdk destroy`.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'FunctionRole', {
      roleName: org !== undefined ? (org.functionRoleName ?? `NeptuneCmkOrgFunctionRole-${Aws.REGION}`) : undefined,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the neptune-cmk AWS Config rule function',
    });
    // Only the two log calls, only on this function's group (no AWSLambdaBasicExecutionRole).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: SID.writeLogs,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new lambda.Function(this, 'Function', {
      description: 'AWS Config rule: Neptune clusters, instances and cluster snapshots use a KMS customer managed key',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      // Only the binary: nothing else that happens to sit in the directory is shipped.
      code: lambda.Code.fromAsset(props.bootstrapDir, { exclude: ['*', '!bootstrap'] }),
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

    const sourceAccounts = org === undefined ? [Aws.ACCOUNT_ID] : (org.sourceAccounts ?? []);
    if (sourceAccounts.length === 0) {
      // Organization mode without an account list. AddPermission's PrincipalOrgID
      // becomes an aws:PrincipalOrgID condition, which requests made by a service
      // principal (config.amazonaws.com) do not carry, so it would block every
      // invocation; aws:SourceOrgID cannot be expressed in a Lambda permission.
      this.permissions.push(this.configPermission('ConfigInvokePermission', undefined));
    } else {
      for (const account of sourceAccounts) {
        const permissionId = org === undefined ? 'ConfigInvokePermission' : `ConfigInvokePermission${account}`;
        this.permissions.push(this.configPermission(permissionId, account));
      }
    }

    const createRule = props.createRule ?? true;
    if (org === undefined) {
      for (const statement of neptuneReadStatements({ region: Aws.REGION, account: Aws.ACCOUNT_ID })) {
        this.role.addToPrincipalPolicy(statement);
      }
      if (createRule) {
        this.configRule = this.accountRule(ruleName, frequency, inputParameters);
      } else {
        // The conformance pack's rule gets an id generated by Config: any rule of this account and region.
        this.role.addToPrincipalPolicy(
          ruleComplianceStatement([`arn:${Aws.PARTITION}:config:${Aws.REGION}:${Aws.ACCOUNT_ID}:config-rule/*`]),
        );
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
      if (createRule) {
        this.organizationConfigRule = this.organizationRule(ruleName, frequency, inputParameters, org);
      }
    }

    this.addNagSuppressions(org !== undefined, createRule, executionRoleName);
  }

  private accountRule(
    ruleName: string,
    frequency: config.MaximumExecutionFrequency,
    inputParameters: Record<string, string> | undefined,
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
      scope: { complianceResourceTypes: [...NEPTUNE_RESOURCE_TYPES] },
      inputParameters,
    });
    // Config checks at PutConfigRule time that it may invoke the function.
    this.permissions.forEach((p) => rule.node.addDependency(p));
    rule.node.addDependency(this.role);
    // Scoped to this rule's ARN. A separate policy (not the role's default
    // policy) because the function must not depend on the rule: the rule
    // already depends on the function through the permission.
    new iam.Policy(this, 'RuleCompliancePolicy', {
      roles: [this.role],
      statements: [ruleComplianceStatement([rule.attrArn])],
    });
    return rule;
  }

  private organizationRule(
    ruleName: string,
    frequency: config.MaximumExecutionFrequency,
    inputParameters: Record<string, string> | undefined,
    org: OrganizationOptions,
  ): config.CfnOrganizationConfigRule {
    const orgRule = new config.CfnOrganizationConfigRule(this, 'OrganizationConfigRule', {
      organizationConfigRuleName: ruleName,
      excludedAccounts: org.excludedAccounts?.length ? [...org.excludedAccounts] : undefined,
      organizationCustomRuleMetadata: {
        description: RULE_DESCRIPTION,
        lambdaFunctionArn: this.function.functionArn,
        organizationConfigRuleTriggerTypes: [...TRIGGERS],
        maximumExecutionFrequency: frequency,
        resourceTypesScope: [...NEPTUNE_RESOURCE_TYPES],
        inputParameters: inputParameters === undefined ? undefined : JSON.stringify(inputParameters),
      },
    });
    this.permissions.forEach((p) => orgRule.node.addDependency(p));
    orgRule.node.addDependency(this.role);
    return orgRule;
  }

  private configPermission(id: string, sourceAccount: string | undefined): lambda.CfnPermission {
    return new lambda.CfnPermission(this, id, {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'config.amazonaws.com',
      sourceAccount,
    });
  }

  private addNagSuppressions(organization: boolean, createRule: boolean, executionRoleName: string): void {
    NagSuppressions.addResourceSuppressions(
      this.role,
      organization
        ? [
            {
              id: 'AwsSolutions-IAM5',
              reason:
                'sts:AssumeRole on the execution role name in every account: the organization rule runs in ' +
                'every member account, whose ids are not known here. The statement is limited to roles named ' +
                `${executionRoleName} in this organization (aws:ResourceOrgID), and each such role trusts only ` +
                'this function role.',
              appliesTo: [`Resource::arn:<AWS::Partition>:iam::*:role/${executionRoleName}`],
            },
          ]
        : [
            ...readStatementSuppressions('<AWS::Region>'),
            ...(createRule
              ? []
              : [
                  {
                    id: 'AwsSolutions-IAM5',
                    reason:
                      'config:GetComplianceDetailsByConfigRule on config-rule/* of this account and region: with ' +
                      'createRule=false the rule comes from the conformance pack, and its ARN ends in a rule id ' +
                      'that AWS Config generates when the pack is deployed.',
                    appliesTo: ['Resource::arn:<AWS::Partition>:config:<AWS::Region>:<AWS::AccountId>:config-rule/*'],
                  },
                ]),
          ],
      true,
    );
  }
}
