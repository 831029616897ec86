/** NeptuneCmkMemberRole: the StackSet-ready execution role in each member account. */
import { Template } from 'aws-cdk-lib/assertions';
import { SID } from '../lib/permissions';
import { arn, memberStack, nagFindings, only, statementsBySid } from './helpers';

describe('member role stack', () => {
  const stack = memberStack();
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const role = only(template, 'AWS::IAM::Role');
  const statements = statementsBySid(template);

  test('only an IAM role (inline policy), nothing else', () => {
    expect(Object.values(json.Resources).map((r: any) => r.Type)).toEqual(['AWS::IAM::Role']);
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
        SID.reportEvaluations,
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
    [SID.reportEvaluations, ['config:GetResourceConfigHistory', 'config:PutEvaluations'], '*'],
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
