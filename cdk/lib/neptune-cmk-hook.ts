/**
 * `NeptuneCmkHook`: the deploy-time side of the rule (issue #19). A second
 * function from the rule's own code answers CloudFormation Lambda Hook
 * requests, and an `AWS::CloudFormation::LambdaHook` sends it every CREATE and
 * UPDATE of a Neptune cluster or Neptune Analytics graph, from CloudFormation
 * stacks and from Cloud Control, before it is provisioned. The function tells
 * a hook request from a Config event by its shape and judges the template's
 * properties with the rule's decision and parameters, so a cluster that the
 * rule would call NON_COMPLIANT is refused (FailureMode FAIL) or let through
 * with a warning (WARN) before it exists.
 *
 * Used by the account stack, the standalone account template and the hook
 * stack (lib/hook-stack.ts, lib/standalone.ts): one definition of the hook.
 * With `condition` every resource here carries that CloudFormation condition
 * (the standalone templates' CreateHook switch).
 */
import { Aws, CfnCondition, CfnResource, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { SID, hookStatements } from './permissions';

/** The hook's type name in the account's CloudFormation registry (unique per account and region). */
export const HOOK_ALIAS = 'NeptuneCmk::Encryption::Guard';

/** CloudFormation's resource types for a Neptune cluster and a Neptune Analytics graph. */
export const HOOK_TARGET_TYPES = ['AWS::Neptune::DBCluster', 'AWS::NeptuneGraph::Graph'] as const;

/**
 * Creates and updates only: deleting a database can make nothing less
 * encrypted, and PRE_PROVISION is the only invocation point hooks have.
 */
export const HOOK_ACTIONS = ['CREATE', 'UPDATE'] as const;
export const HOOK_INVOCATION_POINT = 'PRE_PROVISION';

/**
 * Resource operations of CloudFormation stacks, and Cloud Control requests
 * (the AWS CLI's `cloudcontrol` commands, Terraform's awscc provider). Not
 * STACK or CHANGE_SET: those hand over the whole template, which the function
 * does not judge.
 */
export const HOOK_TARGET_OPERATIONS = ['RESOURCE', 'CLOUD_CONTROL'] as const;

/** FAIL refuses the operation; WARN lets it go on with a warning (roll out with WARN first). */
export const HOOK_FAILURE_MODES = ['FAIL', 'WARN'] as const;
export type HookFailureMode = (typeof HOOK_FAILURE_MODES)[number];
export const DEFAULT_HOOK_FAILURE_MODE: HookFailureMode = 'FAIL';

/** The environment variable holding the rule parameters (the InputParameters JSON text). */
export const RULE_PARAMETERS_ENV = 'NEPTUNE_CMK_RULE_PARAMETERS';

/**
 * Hooks wait up to 30 s for the function (CloudFormation Hooks User Guide,
 * "Create Lambda functions to evaluate resources for Lambda Hooks"). The
 * function answers before its own deadline, so the deadline must come first:
 * 25 s leaves the hook service time to receive the answer.
 */
export const HOOK_FUNCTION_TIMEOUT = Duration.seconds(25);

const HOOKS_SERVICE_PRINCIPAL = 'hooks.cloudformation.amazonaws.com';

export interface NeptuneCmkHookProps {
  /** The rule function's code: the same bootstrap answers both kinds of request. */
  readonly code: lambda.Code;
  /** @default X86_64 */
  readonly architecture?: lambda.Architecture;
  /**
   * The rule's InputParameters as JSON text (NeptuneCmkRule.inputParametersJson,
   * or the same rendering where the stack has no rule).
   */
  readonly ruleParametersJson: string;
  /** FAIL or WARN, or a CloudFormation parameter's value. @default FAIL */
  readonly failureMode?: string;
  /** @default 365 days */
  readonly logRetention?: logs.RetentionDays;
  /** Customer managed key for the log group, as for the rule function. */
  readonly logKmsKeyArn?: string;
  /** When set, every resource of the hook is created only under this condition. */
  readonly condition?: CfnCondition;
}

export class NeptuneCmkHook extends Construct {
  readonly function: lambda.Function;
  readonly functionRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The role CloudFormation Hooks assume to invoke the function. */
  readonly executionRole: iam.Role;
  readonly hook: cloudformation.CfnLambdaHook;

  constructor(scope: Construct, id: string, props: NeptuneCmkHookProps) {
    super(scope, id);
    const failureMode = props.failureMode ?? DEFAULT_HOOK_FAILURE_MODE;
    assertFailureMode(failureMode);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      // The hook's verdicts are deploy-time evidence, like the rule's evaluations.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.logKmsKeyArn !== undefined) {
      (this.logGroup.node.defaultChild as logs.CfnLogGroup).kmsKeyId = props.logKmsKeyArn;
    }
    this.functionRole = this.createFunctionRole();
    this.function = this.createFunction(props);
    this.executionRole = this.createExecutionRole();
    this.hook = new cloudformation.CfnLambdaHook(this, 'LambdaHook', {
      alias: HOOK_ALIAS,
      lambdaFunction: this.function.functionArn,
      executionRole: this.executionRole.roleArn,
      failureMode,
      hookStatus: 'ENABLED',
      targetOperations: [...HOOK_TARGET_OPERATIONS],
      targetFilters: {
        targets: HOOK_TARGET_TYPES.flatMap((targetName) =>
          HOOK_ACTIONS.map((action) => ({ targetName, action, invocationPoint: HOOK_INVOCATION_POINT })),
        ),
      },
    });
    this.addNagSuppressions();
    if (props.condition !== undefined) {
      for (const child of this.node.findAll()) {
        if (child instanceof CfnResource) {
          child.cfnOptions.condition = props.condition;
        }
      }
    }
  }

  /** Its own log group, and the reads of hookStatements: no Config, no instances, no tags. */
  private createFunctionRole(): iam.Role {
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the neptune-cmk CloudFormation Lambda Hook function',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: SID.writeLogs,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    for (const statement of hookStatements({ region: Aws.REGION, account: Aws.ACCOUNT_ID })) {
      role.addToPrincipalPolicy(statement);
    }
    return role;
  }

  private createFunction(props: NeptuneCmkHookProps): lambda.Function {
    return new lambda.Function(this, 'Function', {
      description:
        'CloudFormation Lambda Hook: refuses Neptune clusters and Neptune Analytics graphs whose key is not customer managed',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      code: props.code,
      architecture: props.architecture ?? lambda.Architecture.X86_64,
      memorySize: 128,
      timeout: HOOK_FUNCTION_TIMEOUT,
      role: this.functionRole,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      environment: {
        RUST_LOG: 'info',
        // A hook request carries no rule parameters: the function reads the rule's from here.
        [RULE_PARAMETERS_ENV]: props.ruleParametersJson,
      },
    });
  }

  /**
   * Assumable by CloudFormation Hooks on behalf of this account only
   * (aws:SourceAccount, against the confused deputy), allowed to invoke this
   * function and nothing else. Inline, so the hook never exists before its
   * permission does.
   */
  private createExecutionRole(): iam.Role {
    return new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal(HOOKS_SERVICE_PRINCIPAL).withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
      description: `Assumed by CloudFormation Hooks to invoke the ${HOOK_ALIAS} hook function`,
      inlinePolicies: {
        InvokeHookFunction: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: SID.invokeHookFunction,
              actions: ['lambda:InvokeFunction'],
              resources: [this.function.functionArn],
            }),
          ],
        }),
      },
    });
  }

  private addNagSuppressions(): void {
    const rds = (type: string) => `Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:${type}:*`;
    NagSuppressions.addResourceSuppressions(
      this.functionRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'kms:DescribeKey on any key ARN: the template being deployed may name a key of any account ' +
            '(cross-account customer managed keys) and, by its ARN, of any region (described in that region), ' +
            'only known when the hook is invoked. Key ARNs only, read-only metadata.',
          appliesTo: ['Resource::arn:<AWS::Partition>:kms:*:*:key/*'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'rds:DescribeDBClusters and rds:DescribeDBClusterSnapshots on cluster:* and cluster-snapshot:* of this ' +
            'account and region: a restore or clone in the template names its snapshot or source cluster only at ' +
            'deploy time, and the hook judges it by that snapshot or cluster key. Read-only.',
          appliesTo: [rds('cluster'), rds('cluster-snapshot')],
        },
      ],
      true,
    );
  }
}

/** A literal failure mode must be FAIL or WARN; a token is checked by its CloudFormation parameter. */
function assertFailureMode(value: string): void {
  if (!Token.isUnresolved(value) && !(HOOK_FAILURE_MODES as readonly string[]).includes(value)) {
    throw new Error(`hook failure mode must be one of ${HOOK_FAILURE_MODES.join(', ')}; got '${value}'`);
  }
}
