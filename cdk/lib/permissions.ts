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
 * - rds:ListTagsForResource (tag-scoped sweep) authorizes against the
 *   resource's own ARN; the sweep lists tags of clusters, instances and
 *   cluster snapshots, so `cluster:*`, `db:*` and `cluster-snapshot:*`.
 * - config:PutEvaluations, config:GetResourceConfigHistory and
 *   config:DescribeConfigRules (the function reads its own rule's scope)
 *   support no resource-level permissions, so they need "*".
 * - config:GetComplianceDetailsByConfigRule authorizes against the rule ARN
 *   (which contains the rule ID, not its name); see `ruleComplianceStatement`.
 *
 * `readStatementSuppressions` holds the cdk-nag acknowledgement, with its
 * reason, for each wildcard above.
 *
 * The deploy-time hook (lib/neptune-cmk-hook.ts) judges one template resource
 * and reads only the key, and for a restore or clone the snapshot or source
 * cluster: `hookStatements` picks those three statements out of the same
 * builders, so its role cannot drift from the rule's.
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
  listTags: 'ListNeptuneTags',
  reportEvaluations: 'PutEvaluationsAndReadConfigHistory',
  readRuleScope: 'ReadOwnRuleScope',
  readRuleCompliance: 'ReadOwnRuleCompliance',
  writeLogs: 'WriteOwnLogGroup',
  assumeExecutionRole: 'AssumeMemberExecutionRole',
  auditListRegions: 'ListEnabledRegions',
  auditReadGraphs: 'ReadNeptuneAnalyticsGraphs',
  invokeHookFunction: 'InvokeHookFunction',
} as const;

function rdsArn(scope: ReadScope, resource: string): string {
  return `arn:${Aws.PARTITION}:rds:${scope.region}:${scope.account}:${resource}:*`;
}

/** The three Neptune resource types of an account, as RDS ARNs with a wildcard name. */
export function neptuneResourceArns(scope: ReadScope): string[] {
  return [rdsArn(scope, 'cluster'), rdsArn(scope, 'db'), rdsArn(scope, 'cluster-snapshot')];
}

/** The three RDS Describe calls of the sweep, each on its own resource types. */
export function describeStatements(scope: ReadScope): iam.PolicyStatement[] {
  return [
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
  ];
}

/** kms:DescribeKey on key ARNs of any account (cross-account customer managed keys). */
export function describeKeyStatement(scope: ReadScope): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: SID.describeKeys,
    actions: ['kms:DescribeKey'],
    resources: [`arn:${Aws.PARTITION}:kms:${scope.region}:*:key/*`],
  });
}

/** KMS, RDS and Config statements (everything except the rule-scoped one and logs). */
export function neptuneReadStatements(scope: ReadScope): iam.PolicyStatement[] {
  return [
    describeKeyStatement(scope),
    ...describeStatements(scope),
    new iam.PolicyStatement({
      sid: SID.listTags,
      actions: ['rds:ListTagsForResource'],
      resources: neptuneResourceArns(scope),
    }),
    new iam.PolicyStatement({
      sid: SID.reportEvaluations,
      actions: ['config:PutEvaluations', 'config:GetResourceConfigHistory'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: SID.readRuleScope,
      actions: ['config:DescribeConfigRules'],
      resources: ['*'],
    }),
  ];
}

/** Neptune Analytics graph ARNs of an account (the `graph` resource type), any graph id. */
export function neptuneGraphArn(scope: ReadScope): string {
  return `arn:${Aws.PARTITION}:neptune-graph:${scope.region}:${scope.account}:graph/*`;
}

/**
 * The read-only audit role of `neptune-cmk audit --organization`: the same
 * Describe calls as the sweep, tags, DescribeKey, the account's enabled
 * regions (--all-regions), and its Neptune Analytics graphs.
 * account:ListRegions authorizes against the account's own ARN
 * (arn:<partition>:account::<account>:account). neptune-graph:ListGraphs and
 * neptune-graph:GetGraph both require the `graph` resource type
 * (arn:<partition>:neptune-graph:<region>:<account>:graph/<id>) in the Service
 * Authorization Reference, so `graph/*` of the account: the graph ids are not
 * known at deploy time.
 */
export function auditStatements(scope: ReadScope): iam.PolicyStatement[] {
  const [describeKeys, clusters, instances, snapshots, tags] = neptuneReadStatements(scope);
  return [
    describeKeys,
    clusters,
    instances,
    snapshots,
    tags,
    new iam.PolicyStatement({
      sid: SID.auditListRegions,
      actions: ['account:ListRegions'],
      resources: [`arn:${Aws.PARTITION}:account::${scope.account}:account`],
    }),
    new iam.PolicyStatement({
      sid: SID.auditReadGraphs,
      actions: ['neptune-graph:GetGraph', 'neptune-graph:ListGraphs'],
      resources: [neptuneGraphArn(scope)],
    }),
  ];
}

/**
 * The hook function's reads: the key named by the template (or by the snapshot
 * or source cluster a restore or clone starts from), and that snapshot or
 * cluster. No instances (a template's cluster is judged by its own
 * properties), no tags, and nothing of AWS Config: the hook writes no results.
 */
export function hookStatements(scope: ReadScope): iam.PolicyStatement[] {
  const [clusters, , snapshots] = describeStatements(scope);
  // A template may name a key of another region by its ARN; the hook describes
  // it in that region (a denial there would be misread as a key policy's).
  return [describeKeyStatement({ ...scope, region: '*' }), clusters, snapshots];
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
    rdsSuppression(region),
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'config:PutEvaluations, config:GetResourceConfigHistory and config:DescribeConfigRules (the function reads ' +
        "its own rule's scope) support no resource-level permissions (Service Authorization Reference), so the only " +
        'valid Resource is "*".',
      appliesTo: ['Resource::*'],
    },
  ];
}

/** The cdk-nag acknowledgement of the audit role's `graph/*` (Neptune Analytics) resource. */
export function graphSuppression(region: string): { id: string; reason: string; appliesTo: string[] } {
  return {
    id: 'AwsSolutions-IAM5',
    reason:
      'neptune-graph:ListGraphs lists every Neptune Analytics graph of the account and neptune-graph:GetGraph ' +
      'reads whichever graph the listing returned; both require the graph resource type (Service Authorization ' +
      'Reference), and graph ids are generated by AWS, unknown at deploy time. Read-only, limited to this account' +
      `${region === '*' ? '' : ' and region'}.`,
    appliesTo: [`Resource::arn:<AWS::Partition>:neptune-graph:${region}:<AWS::AccountId>:graph/*`],
  };
}

/** The cdk-nag acknowledgement of the `<type>:*` RDS resources (sweep, tags, audit). */
export function rdsSuppression(region: string): { id: string; reason: string; appliesTo: string[] } {
  const rds = (type: string) => `Resource::arn:<AWS::Partition>:rds:${region}:<AWS::AccountId>:${type}:*`;
  return {
    id: 'AwsSolutions-IAM5',
    reason:
      'rds:DescribeDBClusters/DescribeDBInstances/DescribeDBClusterSnapshots list every Neptune resource of the ' +
      'account (no identifier, engine filter), which RDS authorizes against <type>:* in the caller account, and ' +
      'rds:ListTagsForResource reads the tags of whichever cluster, instance or cluster snapshot the listing ' +
      'returned; the resources are not known at deploy time. Read-only, limited to this account' +
      `${region === '*' ? '' : ' and region'}.`,
    appliesTo: [rds('cluster'), rds('db'), rds('cluster-snapshot')],
  };
}
