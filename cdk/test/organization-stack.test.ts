/** NeptuneCmkOrgRule: function + AWS::Config::OrganizationConfigRule for the management/delegated-admin account. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SID } from '../lib/permissions';
import { KEY_A, ORG_ID, nagFindings, only, orgStack, statementsBySid } from './helpers';

const RESOURCE_TYPES = ['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::RDS::DBClusterSnapshot', 'AWS::KMS::Key'];
const TRIGGERS = [
  'ConfigurationItemChangeNotification',
  'OversizedConfigurationItemChangeNotification',
  'ScheduledNotification',
];

describe('organization stack with default context', () => {
  const stack = orgStack();
  const template = Template.fromStack(stack);
  const fn = only(template, 'AWS::Lambda::Function');
  const orgRule = only(template, 'AWS::Config::OrganizationConfigRule');
  const metadata = orgRule.resource.Properties.OrganizationCustomRuleMetadata;
  const permission = only(template, 'AWS::Lambda::Permission');
  const role = only(template, 'AWS::IAM::Role');
  const statements = statementsBySid(template);

  test('defines an organization rule and no account rule', () => {
    template.resourceCountIs('AWS::Config::OrganizationConfigRule', 1);
    template.resourceCountIs('AWS::Config::ConfigRule', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.resourceCountIs('AWS::Config::RemediationConfiguration', 0);
  });

  test('alarms watch the central function (Errors and EvaluationsNotWritten)', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms.map((a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`).sort()).toEqual([
      'AWS/Lambda/Errors',
      'NeptuneCmk/EvaluationsNotWritten',
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: fn.id } }]);
    }
  });

  test('function settings match the account stack', () => {
    expect(fn.resource.Properties).toMatchObject({
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Architectures: ['x86_64'],
      MemorySize: 128,
      Timeout: 300,
      LoggingConfig: { LogFormat: 'JSON' },
    });
  });

  test('organization rule name and Lambda', () => {
    expect(orgRule.resource.Properties.OrganizationConfigRuleName).toBe('neptune-cmk-encrypted');
    expect(metadata.LambdaFunctionArn).toEqual({ 'Fn::GetAtt': [fn.id, 'Arn'] });
  });

  test('organization rule triggers on change, oversized change and schedule', () => {
    expect(metadata.OrganizationConfigRuleTriggerTypes).toEqual(TRIGGERS);
  });

  test('organization rule runs the periodic sweep every 24 hours by default', () => {
    expect(metadata.MaximumExecutionFrequency).toBe('TwentyFour_Hours');
  });

  test('organization rule scope is the three RDS types plus KMS keys', () => {
    expect(metadata.ResourceTypesScope).toEqual(RESOURCE_TYPES);
  });

  test('InputParameters carry only ExecutionRoleName by default', () => {
    expect(JSON.parse(metadata.InputParameters)).toEqual({ ExecutionRoleName: 'NeptuneCmkExecutionRole' });
  });

  test('no excluded accounts by default', () => {
    expect(orgRule.resource.Properties.ExcludedAccounts).toBeUndefined();
  });

  test('permission: config.amazonaws.com from any member account (no SourceAccount, no PrincipalOrgID)', () => {
    expect(permission.resource.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] },
      Principal: 'config.amazonaws.com',
    });
  });

  test('organization rule is created after the permission and the role policy', () => {
    expect(orgRule.resource.DependsOn).toEqual(expect.arrayContaining([permission.id, role.id]));
  });

  test('function role has a fixed, region-specific name that member roles can trust', () => {
    expect(role.resource.Properties.RoleName).toEqual({
      'Fn::Join': ['', ['NeptuneCmkOrgFunctionRole-', { Ref: 'AWS::Region' }]],
    });
    expect(role.resource.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('IAM: only its own logs and sts:AssumeRole (everything else runs as the member role)', () => {
    expect(Object.keys(statements).sort()).toEqual([SID.assumeExecutionRole, SID.writeLogs].sort());
  });

  test('IAM: sts:AssumeRole on the execution role name in any account of this organization', () => {
    expect(statements[SID.assumeExecutionRole]).toEqual({
      Sid: SID.assumeExecutionRole,
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/NeptuneCmkExecutionRole']] },
      Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } },
    });
  });

  test('outputs the function role ARN for the member role stack', () => {
    template.hasOutput('FunctionRoleArn', { Value: { 'Fn::GetAtt': [role.id, 'Arn'] } });
    template.hasOutput('ExecutionRoleName', { Value: 'NeptuneCmkExecutionRole' });
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

describe('organization stack context', () => {
  const templateOf = (context: Record<string, unknown>) =>
    Template.fromStack(orgStack({ organizationId: ORG_ID, ...context }));
  const metadataOf = (context: Record<string, unknown>) =>
    only(templateOf(context), 'AWS::Config::OrganizationConfigRule').resource.Properties.OrganizationCustomRuleMetadata;

  test('missing organizationId is a synth error on this stack, not an exception for the whole app', () => {
    let stack: ReturnType<typeof orgStack> | undefined;
    expect(() => (stack = orgStack({}))).not.toThrow();
    expect(stack!.rule).toBeUndefined();
    const errors = stack!.node.metadata.filter((m) => m.type === 'aws:cdk:error').map((m) => String(m.data));
    expect(errors).toEqual([expect.stringContaining('-c organizationId=o-')]);
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => (stack!.node.root as App).synth()).toThrow(/-c organizationId=o-/);
    } finally {
      quiet.mockRestore();
    }
  });

  test('remediation is a synth error on this stack: Config attaches no remediation to organization rules', () => {
    const stack = orgStack({ organizationId: ORG_ID, remediation: 'manual' });
    expect(stack.rule).toBeUndefined();
    const errors = stack.node.metadata.filter((m) => m.type === 'aws:cdk:error').map((m) => String(m.data));
    expect(errors).toEqual([expect.stringContaining('Remediation cannot be attached to an organization rule')]);
  });

  test('organizationId must look like o-...', () => {
    expect(() => orgStack({ organizationId: 'r-abcd' })).toThrow(/organizationId must look like o-/);
  });

  test('excludedAccounts are passed to the organization rule', () => {
    const template = templateOf({ excludedAccounts: '111122223333, 444455556666' });
    template.hasResourceProperties('AWS::Config::OrganizationConfigRule', {
      ExcludedAccounts: ['111122223333', '444455556666'],
    });
  });

  test('excludedAccounts must be account ids', () => {
    expect(() => orgStack({ organizationId: ORG_ID, excludedAccounts: '1234' })).toThrow(/excludedAccounts/);
  });

  test('executionRoleName changes both InputParameters and the sts:AssumeRole resource', () => {
    const template = templateOf({ executionRoleName: 'NeptuneAudit' });
    const metadata = only(template, 'AWS::Config::OrganizationConfigRule').resource.Properties
      .OrganizationCustomRuleMetadata;
    expect(JSON.parse(metadata.InputParameters)).toEqual({ ExecutionRoleName: 'NeptuneAudit' });
    expect(statementsBySid(template)[SID.assumeExecutionRole].Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/NeptuneAudit']],
    });
  });

  test('executionRoleName must be a role name', () => {
    expect(() => orgStack({ organizationId: ORG_ID, executionRoleName: 'a/b' })).toThrow(/executionRoleName/);
  });

  test('rule parameters are added next to ExecutionRoleName; unset ones are omitted', () => {
    expect(JSON.parse(metadataOf({ allowedKmsKeyArns: KEY_A, requireEnabledKey: 'false' }).InputParameters)).toEqual({
      allowedKmsKeyArns: KEY_A,
      requireEnabledKey: 'false',
      ExecutionRoleName: 'NeptuneCmkExecutionRole',
    });
  });

  test('maximumExecutionFrequency and ruleName apply to the organization rule', () => {
    const template = templateOf({ maximumExecutionFrequency: 'Twelve_Hours', ruleName: 'neptune-cmk-org' });
    const props = only(template, 'AWS::Config::OrganizationConfigRule').resource.Properties;
    expect(props.OrganizationConfigRuleName).toBe('neptune-cmk-org');
    expect(props.OrganizationCustomRuleMetadata.MaximumExecutionFrequency).toBe('Twelve_Hours');
  });

  test('sourceAccounts gives one permission per account, each with SourceAccount', () => {
    const template = templateOf({ sourceAccounts: '111122223333,444455556666' });
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as any[];
    expect(permissions.map((p) => p.Properties.SourceAccount).sort()).toEqual(['111122223333', '444455556666']);
    for (const p of permissions) {
      expect(p.Properties.Principal).toBe('config.amazonaws.com');
      expect(p.Properties.PrincipalOrgID).toBeUndefined();
    }
    const orgRule = only(template, 'AWS::Config::OrganizationConfigRule');
    expect(orgRule.resource.DependsOn).toEqual(
      expect.arrayContaining(Object.keys(template.findResources('AWS::Lambda::Permission'))),
    );
  });

  test('createRule=false: no organization rule (the conformance pack creates the rules)', () => {
    const stack = orgStack({ organizationId: ORG_ID, createRule: 'false' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Config::OrganizationConfigRule', 0);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    expect(Object.keys(statementsBySid(template)).sort()).toEqual([SID.assumeExecutionRole, SID.writeLogs].sort());
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });

  test('functionRoleName overrides the role name', () => {
    templateOf({ functionRoleName: 'NeptuneCmkCentral' }).hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'NeptuneCmkCentral',
    });
  });

  test('architecture=arm64 builds an arm64 function', () => {
    templateOf({ architecture: 'arm64' }).hasResourceProperties('AWS::Lambda::Function', { Architectures: ['arm64'] });
  });

  test('cdk-nag stays clean with every option set', () => {
    const stack = orgStack({
      organizationId: ORG_ID,
      sourceAccounts: '111122223333',
      excludedAccounts: '444455556666',
      executionRoleName: 'NeptuneAudit',
    });
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});
