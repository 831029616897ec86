/**
 * The IAM statements the rule function needs where the evaluated resources
 * live: in the single-account stack they go on the function's own role, in
 * organization mode on the member-account execution role. One definition
 * keeps the two identical.
 *
 * Resource scoping, per the Service Authorization Reference:
 * - kms:DescribeKey authorizes against the key ARN. The key of a Neptune
 *   cluster can belong to any account (cross-account CMKs), so the account is
 *   a wildcard; only `key/*` ARNs (no aliases) and only the evaluated region.
 * - rds:DescribeDB* (Neptune's management API authorizes with rds: actions)
 *   authorizes a list call without an identifier against `<type>:*` in the
 *   caller's account and region, e.g. `arn:aws:rds:us-east-1:111122223333:db:*`.
 *   DescribeDBClusterSnapshots takes both `cluster` and `cluster-snapshot`.
 * - config:PutEvaluations and config:GetResourceConfigHistory support no
 *   resource-level permissions, so they need "*".
 * - config:GetComplianceDetailsByConfigRule authorizes against the rule ARN
 *   (which contains the rule ID, not its name); see `ruleComplianceStatement`.
 *
 * `readStatementSuppressions` holds the cdk-nag acknowledgement, with its
 * reason, for each wildcard above.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Where the evaluated resources are: a region (or "*") and an account. */
export interface ReadScope {
  readonly region: string;
  readonly account: string;
}

/** Statement ids, exported for tests and the docs. */
export const SID = {
  describeKeys: 'DescribeKmsKeys',
  describeClusters: 'DescribeNeptuneClusters',
  describeInstances: 'DescribeNeptuneInstances',
  describeSnapshots: 'DescribeNeptuneClusterSnapshots',
  reportEvaluations: 'PutEvaluationsAndReadConfigHistory',
  readRuleCompliance: 'ReadOwnRuleCompliance',
  writeLogs: 'WriteOwnLogGroup',
  assumeExecutionRole: 'AssumeMemberExecutionRole',
} as const;

function rdsArn(scope: ReadScope, resource: string): string {
  return `arn:${Aws.PARTITION}:rds:${scope.region}:${scope.account}:${resource}:*`;
}

/** KMS, RDS and Config statements (everything except the rule-scoped one and logs). */
export function neptuneReadStatements(scope: ReadScope): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: SID.describeKeys,
      actions: ['kms:DescribeKey'],
      resources: [`arn:${Aws.PARTITION}:kms:${scope.region}:*:key/*`],
    }),
    new iam.PolicyStatement({
      sid: SID.describeClusters,
      actions: ['rds:DescribeDBClusters'],
      resources: [rdsArn(scope, 'cluster')],
    }),
    new iam.PolicyStatement({
      sid: SID.describeInstances,
      actions: ['rds:DescribeDBInstances'],
      resources: [rdsArn(scope, 'db')],
    }),
    new iam.PolicyStatement({
      sid: SID.describeSnapshots,
      actions: ['rds:DescribeDBClusterSnapshots'],
      resources: [rdsArn(scope, 'cluster-snapshot'), rdsArn(scope, 'cluster')],
    }),
    new iam.PolicyStatement({
      sid: SID.reportEvaluations,
      actions: ['config:PutEvaluations', 'config:GetResourceConfigHistory'],
      resources: ['*'],
    }),
  ];
}

/** config:GetComplianceDetailsByConfigRule on the given rule ARN(s). */
export function ruleComplianceStatement(ruleArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: SID.readRuleCompliance,
    actions: ['config:GetComplianceDetailsByConfigRule'],
    resources: ruleArns,
  });
}

/**
 * cdk-nag AwsSolutions-IAM5 suppressions for `neptuneReadStatements`, one per
 * wildcard, each with the reason it cannot be narrower. `region` is how cdk-nag
 * prints the region part ("<AWS::Region>" or "*").
 */
export function readStatementSuppressions(region: string): { id: string; reason: string; appliesTo: string[] }[] {
  const rds = (type: string) => `Resource::arn:<AWS::Partition>:rds:${region}:<AWS::AccountId>:${type}:*`;
  const regionNote =
    region === '*'
      ? ' in any region, because this IAM role is global and the organization rule may run in several regions'
      : ' in the evaluated region';
  return [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'kms:DescribeKey on any key ARN: a Neptune cluster or snapshot may be encrypted with a key in any ' +
        'account (cross-account customer managed keys), and the rule must read KeyManager/KeyState of whatever ' +
        `key it finds. Limited to key/* ARNs (no aliases)${regionNote}; read-only metadata.`,
      appliesTo: [`Resource::arn:<AWS::Partition>:kms:${region}:*:key/*`],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'rds:DescribeDBClusters/DescribeDBInstances/DescribeDBClusterSnapshots list every Neptune resource of the ' +
        'account in a periodic sweep (no identifier, engine filter), which RDS authorizes against <type>:* in the ' +
        `caller account; the resources are not known at deploy time. Read-only, limited to this account${region === '*' ? '' : ' and region'}.`,
      appliesTo: [rds('cluster'), rds('db'), rds('cluster-snapshot')],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'config:PutEvaluations and config:GetResourceConfigHistory support no resource-level permissions ' +
        '(Service Authorization Reference), so the only valid Resource is "*".',
      appliesTo: ['Resource::*'],
    },
  ];
}
