/** NeptuneCmkMemberRole: the StackSet-ready execution role in each member account. */
import { Template } from 'aws-cdk-lib/assertions';
import { SID } from '../lib/permissions';
import { arn, memberStack, nagFindings, statementsBySid } from './helpers';

describe('member role stack', () => {
  const stack = memberStack();
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const roles = template.findResources('AWS::IAM::Role');
  const roleId = Object.keys(roles).find((id) => id.startsWith('ExecutionRole'))!;
  const role = { id: roleId, resource: roles[roleId] };
  const statements = statementsBySid(template, (id) => id.startsWith('ExecutionRole'));

  test('the execution role, and the audit role (conditional), nothing else', () => {
    expect(Object.values(json.Resources).map((r: any) => r.Type)).toEqual(['AWS::IAM::Role', 'AWS::IAM::Role']);
  });

  test('parameters: role name (default NeptuneCmkExecutionRole) and the central function role ARN', () => {
    template.hasParameter('ExecutionRoleName', {
      Type: 'String',
      Default: 'NeptuneCmkExecutionRole',
      AllowedPattern: '[\\w+=,.@-]{1,64}',
    });
    template.hasParameter('CentralFunctionRoleArn', {
      Type: 'String',
      AllowedPattern: 'arn:aws[a-zA-Z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+',
    });
    expect(json.Parameters.CentralFunctionRoleArn.Default).toBeUndefined();
  });

  test('StackSet-ready: no account id, no bootstrap version check, no assets, no CDK metadata', () => {
    expect(JSON.stringify(json)).not.toMatch(/\d{12}/);
    expect(json.Parameters.BootstrapVersion).toBeUndefined();
    expect(json.Rules).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain('cdk-hnb659fds');
    template.resourceCountIs('AWS::CDK::Metadata', 0);
  });

  test('role is named by the parameter', () => {
    expect(role.resource.Properties.RoleName).toEqual({ Ref: 'ExecutionRoleName' });
  });

  test('trust: only the central function role (central account root + aws:PrincipalArn condition)', () => {
    expect(role.resource.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: {
          AWS: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':iam::',
                { 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'CentralFunctionRoleArn' }] }] },
                ':root',
              ],
            ],
          },
        },
        Condition: { ArnEquals: { 'aws:PrincipalArn': { Ref: 'CentralFunctionRoleArn' } } },
      },
    ]);
    expect(role.resource.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('IAM: exactly the statements the function needs in a member account', () => {
    expect(Object.keys(statements).sort()).toEqual(
      [
        SID.describeKeys,
        SID.describeClusters,
        SID.describeInstances,
        SID.describeSnapshots,
        SID.listTags,
        SID.reportEvaluations,
        SID.readRuleScope,
        SID.readRuleCompliance,
      ].sort(),
    );
    for (const statement of Object.values(statements)) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Condition).toBeUndefined();
    }
  });

  test.each([
    [SID.describeKeys, 'kms:DescribeKey', arn(':kms:*:*:key/*')],
    [SID.describeClusters, 'rds:DescribeDBClusters', arn(':rds:*:<Account>:cluster:*')],
    [SID.describeInstances, 'rds:DescribeDBInstances', arn(':rds:*:<Account>:db:*')],
    [
      SID.describeSnapshots,
      'rds:DescribeDBClusterSnapshots',
      [arn(':rds:*:<Account>:cluster-snapshot:*'), arn(':rds:*:<Account>:cluster:*')],
    ],
    [
      SID.listTags,
      'rds:ListTagsForResource',
      [arn(':rds:*:<Account>:cluster-snapshot:*'), arn(':rds:*:<Account>:cluster:*'), arn(':rds:*:<Account>:db:*')],
    ],
    [SID.reportEvaluations, ['config:GetResourceConfigHistory', 'config:PutEvaluations'], '*'],
    [SID.readRuleScope, 'config:DescribeConfigRules', '*'],
    [SID.readRuleCompliance, 'config:GetComplianceDetailsByConfigRule', arn(':config:*:<Account>:config-rule/*')],
  ])('IAM %s: actions and resources', (sid, action, resource) => {
    expect(statements[sid]).toEqual({ Sid: sid, Effect: 'Allow', Action: action, Resource: resource });
  });

  test('outputs the role ARN', () => {
    template.hasOutput('ExecutionRoleArn', { Value: { 'Fn::GetAtt': [role.id, 'Arn'] } });
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

describe('member role stack: audit role for `neptune-cmk audit --organization`', () => {
  const stack = memberStack();
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const audit = json.Resources.AuditRole;
  const statements = statementsBySid(template, (id) => id === 'AuditRole');

  test('parameters: auditor principal (empty = no role), role name, optional external id', () => {
    template.hasParameter('AuditorPrincipalArn', {
      Type: 'String',
      Default: '',
      AllowedPattern: '(arn:aws[a-zA-Z-]*:iam::\\d{12}:(root|role/[\\w+=,.@/-]+|user/[\\w+=,.@/-]+))?',
    });
    template.hasParameter('AuditRoleName', { Type: 'String', Default: 'NeptuneCmkAuditRole', AllowedPattern: '[\\w+=,.@-]{1,64}' });
    template.hasParameter('AuditorExternalId', {
      Type: 'String',
      Default: '',
      NoEcho: true,
      AllowedPattern: '([\\w+=,.@:/-]{2,1224})?',
    });
  });

  test('created only when AuditorPrincipalArn is non-empty', () => {
    expect(audit.Condition).toBe('CreateAuditRole');
    expect(json.Conditions.CreateAuditRole).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AuditorPrincipalArn' }, ''] }] });
    expect(json.Outputs.AuditRoleArn).toEqual({ Value: { 'Fn::GetAtt': ['AuditRole', 'Arn'] }, Condition: 'CreateAuditRole' });
  });

  test('named by AuditRoleName; separate from the execution role; no managed policies', () => {
    expect(audit.Properties.RoleName).toEqual({ Ref: 'AuditRoleName' });
    expect(audit.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('trust: the auditor principal, with sts:ExternalId only when AuditorExternalId is set', () => {
    expect(audit.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: { Ref: 'AuditorPrincipalArn' } },
          Action: 'sts:AssumeRole',
          Condition: {
            'Fn::If': [
              'HasAuditorExternalId',
              { StringEquals: { 'sts:ExternalId': { Ref: 'AuditorExternalId' } } },
              { Ref: 'AWS::NoValue' },
            ],
          },
        },
      ],
    });
    expect(json.Conditions.HasAuditorExternalId).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AuditorExternalId' }, ''] }],
    });
  });

  test('IAM: read-only, exactly these statements', () => {
    expect(Object.keys(statements).sort()).toEqual(
      [
        SID.describeKeys,
        SID.describeClusters,
        SID.describeInstances,
        SID.describeSnapshots,
        SID.listTags,
        SID.auditListRegions,
        SID.auditReadGraphs,
      ].sort(),
    );
  });

  test.each([
    [SID.describeKeys, 'kms:DescribeKey', arn(':kms:*:*:key/*')],
    [SID.describeClusters, 'rds:DescribeDBClusters', arn(':rds:*:<Account>:cluster:*')],
    [SID.describeInstances, 'rds:DescribeDBInstances', arn(':rds:*:<Account>:db:*')],
    [
      SID.describeSnapshots,
      'rds:DescribeDBClusterSnapshots',
      [arn(':rds:*:<Account>:cluster-snapshot:*'), arn(':rds:*:<Account>:cluster:*')],
    ],
    [
      SID.listTags,
      'rds:ListTagsForResource',
      [arn(':rds:*:<Account>:cluster-snapshot:*'), arn(':rds:*:<Account>:cluster:*'), arn(':rds:*:<Account>:db:*')],
    ],
    [SID.auditListRegions, 'account:ListRegions', arn(':account::<Account>:account')],
    [
      SID.auditReadGraphs,
      ['neptune-graph:GetGraph', 'neptune-graph:ListGraphs'],
      arn(':neptune-graph:*:<Account>:graph/*'),
    ],
  ])('IAM %s: actions and resources', (sid, action, resource) => {
    expect(statements[sid]).toEqual({ Sid: sid, Effect: 'Allow', Action: action, Resource: resource });
  });

  test('Neptune Analytics: only ListGraphs and GetGraph, on graph ARNs of this account (any region)', () => {
    const graphActions = Object.values(statements)
      .flatMap((s: any) => [s.Action].flat())
      .filter((a: string) => a.startsWith('neptune-graph:'));
    expect(graphActions.sort()).toEqual(['neptune-graph:GetGraph', 'neptune-graph:ListGraphs']);
    expect(JSON.stringify(statements[SID.auditReadGraphs].Resource)).toContain(':graph/*');
  });

  test('no write, no Config, no STS in the audit role', () => {
    const actions = Object.values(statements).flatMap((s: any) => [s.Action].flat());
    expect(
      actions.filter(
        (a: string) =>
          !/^(rds:(Describe|List)|kms:DescribeKey$|account:ListRegions$|neptune-graph:(ListGraphs|GetGraph)$)/.test(a),
      ),
    ).toEqual([]);
  });

  test('the execution role gets no Neptune Analytics permission (the rule does not read graphs)', () => {
    const execution = statementsBySid(template, (id) => id.startsWith('ExecutionRole'));
    expect(JSON.stringify(execution)).not.toContain('neptune-graph');
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings with the audit role', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});
