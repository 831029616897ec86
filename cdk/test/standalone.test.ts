/**
 * Standalone templates (`-c codeSource=s3`, scripts/dist.sh): no CDK assets or
 * bootstrap, code from CodeS3Bucket/CodeS3Key, every setting a validated
 * CloudFormation parameter, with the same alarms, log group and IAM as the CDK path.
 */
import * as fs from 'fs';
import { App } from 'aws-cdk-lib';
import { SID } from '../lib/permissions';
import {
  LOG_RETENTION_DAYS,
  NeptuneCmkStandaloneAccountStack,
  NeptuneCmkStandaloneOrgStack,
  releaseZipName,
} from '../lib/standalone';
import { arn, buildStandalone as build, evaluate, nagFindings, only, resource, statementsBySid } from './helpers';

const VERSION = '9.8.7';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe.each([
  ['account', (app: App) => new NeptuneCmkStandaloneAccountStack(app, 'NeptuneCmkRule', { codeVersion: VERSION })],
  ['organization', (app: App) => new NeptuneCmkStandaloneOrgStack(app, 'NeptuneCmkOrgRule', { codeVersion: VERSION })],
])('standalone %s template', (_kind, make) => {
  const { stack, json, template } = build(make);
  // The rule's function; the account template's hook is asserted in hook.test.ts.
  const fn = resource(json, 'AWS::Lambda::Function', 'NeptuneCmkRule');

  test('no CDK asset parameters, no BootstrapVersion parameter or rule, no CDK metadata resource', () => {
    expect(Object.keys(json.Parameters).filter((p) => /^AssetParameters|BootstrapVersion/.test(p))).toEqual([]);
    expect(json.Rules).toBeUndefined();
    expect(JSON.stringify(json)).not.toMatch(/cdk-hnb659fds|AssetParameters|BootstrapVersion/);
    template.resourceCountIs('AWS::CDK::Metadata', 0);
  });

  test('synthesizes without any asset (BootstraplessSynthesizer would reject one)', () => {
    const assembly = (stack.node.root as App).synth();
    expect(fs.readdirSync(assembly.directory).filter((f) => f.startsWith('asset.'))).toEqual([]);
    expect(assembly.getStackByName(stack.stackName).assets).toEqual([]);
  });

  test('code from CodeS3Bucket/CodeS3Key; CodeS3Key defaults to the release zip of the version', () => {
    expect(fn.Properties.Code).toEqual({ S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } });
    expect(json.Parameters.CodeS3Bucket).toMatchObject({ Type: 'String', AllowedPattern: '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]' });
    expect(json.Parameters.CodeS3Bucket.Default).toBeUndefined();
    expect(json.Parameters.CodeS3Key).toMatchObject({ Type: 'String', Default: 'neptune-cmk-rule-9.8.7-x86_64.zip' });
    expect(releaseZipName(VERSION)).toBe('neptune-cmk-rule-9.8.7-x86_64.zip');
  });

  test('function: bootstrap on provided.al2023, architecture from the Architecture parameter (default x86_64)', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      MemorySize: 128,
      Timeout: 300,
      Architectures: [{ Ref: 'Architecture' }],
    });
    template.hasParameter('Architecture', { Default: 'x86_64', AllowedValues: ['x86_64', 'arm64'] });
  });

  test('log group: retention from LogRetentionDays (default 365), key from LogKmsKeyArn when set, retained', () => {
    const logGroup = resource(json, 'AWS::Logs::LogGroup', 'NeptuneCmkRule');
    expect(logGroup.Properties).toEqual({
      RetentionInDays: { Ref: 'LogRetentionDays' },
      KmsKeyId: { 'Fn::If': ['HasLogKmsKeyArn', { Ref: 'LogKmsKeyArn' }, { Ref: 'AWS::NoValue' }] },
    });
    expect(logGroup.DeletionPolicy).toBe('Retain');
    template.hasParameter('LogRetentionDays', { Type: 'Number', Default: '365', AllowedValues: LOG_RETENTION_DAYS.map(String) });
    expect(LOG_RETENTION_DAYS).toEqual(expect.arrayContaining([1, 30, 365, 3653]));
    expect(json.Parameters.LogKmsKeyArn).toMatchObject({ Default: '' });
    expect(json.Conditions.HasLogKmsKeyArn).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'LogKmsKeyArn' }, ''] }] });
  });

  test('log key parameter accepts a key ARN or nothing', () => {
    const pattern = new RegExp(`^${json.Parameters.LogKmsKeyArn.AllowedPattern}$`);
    expect(pattern.test('')).toBe(true);
    expect(pattern.test(KEY)).toBe(true);
    expect(pattern.test('alias/aws/logs')).toBe(false);
  });

  test.each([
    ['ErrorsAlarm', 'AWS/Lambda', 'Errors'],
    ['EvaluationsNotWrittenAlarm', 'NeptuneCmk', 'EvaluationsNotWritten'],
  ])('alarm %s (%s %s), notifying AlarmTopicArn only when set', (id, namespace, metric) => {
    expect(resource(json, 'AWS::CloudWatch::Alarm', id).Properties).toMatchObject({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/Function/) } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ 'Fn::If': ['HasAlarmTopicArn', { Ref: 'AlarmTopicArn' }, { Ref: 'AWS::NoValue' }] }],
    });
    expect(json.Parameters.AlarmTopicArn).toMatchObject({ Default: '' });
  });

  test('rule name and frequency are parameters', () => {
    template.hasParameter('RuleName', { Default: 'neptune-cmk-encrypted' });
    template.hasParameter('MaximumExecutionFrequency', {
      Default: 'TwentyFour_Hours',
      AllowedValues: ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'],
    });
  });

  test("rule parameters: '' means the function default", () => {
    template.hasParameter('DesiredEncryptionLevel', { Default: '', AllowedValues: ['', 'CUSTOMER_MANAGED', 'EXTERNAL', 'CLOUDHSM'] });
    template.hasParameter('RequireEnabledKey', { Default: '', AllowedValues: ['', 'true', 'false'] });
    const keys = new RegExp(`^${json.Parameters.AllowedKmsKeyArns.AllowedPattern}$`);
    expect(keys.test('')).toBe(true);
    expect(keys.test(`${KEY},${KEY}`)).toBe(true);
    expect(keys.test(`${KEY}, ${KEY}`)).toBe(false);
    expect(keys.test('"},"x":"')).toBe(false);
  });

  test('the rule is created unless CreateRule=false', () => {
    template.hasParameter('CreateRule', { Default: 'true', AllowedValues: ['true', 'false'] });
    expect(json.Conditions.CreateRuleCondition).toEqual({ 'Fn::Equals': [{ Ref: 'CreateRule' }, 'true'] });
    const rules = Object.values(json.Resources).filter((r: any) => /AWS::Config::(Organization)?ConfigRule/.test(r.Type));
    expect(rules.map((r: any) => r.Condition)).toEqual(['CreateRuleCondition']);
  });

  test('every parameter is in exactly one console parameter group', () => {
    const groups = json.Metadata['AWS::CloudFormation::Interface'].ParameterGroups;
    const grouped = groups.flatMap((g: any) => g.Parameters);
    expect(sorted(grouped)).toEqual(sorted(Object.keys(json.Parameters)));
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

const sorted = (list: string[]) => [...list].sort();

describe('standalone account template', () => {
  const { json, template } = build((app) => new NeptuneCmkStandaloneAccountStack(app, 'NeptuneCmkRule', { codeVersion: VERSION }));
  const rule = resource(json, 'AWS::Config::ConfigRule');

  test('InputParameters carry only the parameters that are set', () => {
    const params = rule.Properties.InputParameters;
    expect(evaluate(params, json, {})).toEqual({});
    expect(evaluate(params, json, { DesiredEncryptionLevel: 'EXTERNAL', AllowedKmsKeyArns: KEY })).toEqual({
      desiredEncryptionLevel: 'EXTERNAL',
      allowedKmsKeyArns: KEY,
    });
    expect(evaluate(params, json, { RequireEnabledKey: 'false' })).toEqual({ requireEnabledKey: 'false' });
  });

  test('the allow-list cannot push InputParameters over 1024 characters', () => {
    const longest = { DesiredEncryptionLevel: 'CUSTOMER_MANAGED', RequireEnabledKey: 'false', AllowedKmsKeyArns: 'x'.repeat(json.Parameters.AllowedKmsKeyArns.MaxLength) };
    expect(JSON.stringify(evaluate(rule.Properties.InputParameters, json, longest)).length).toBeLessThanOrEqual(1024);
  });

  test('remediation: off by default; on, the runbook and role exist; attached to the rule only when it is created', () => {
    template.hasParameter('Remediation', { Default: 'off', AllowedValues: ['off', 'manual', 'automatic'] });
    template.hasParameter('RemediationMaximumAttempts', { Type: 'Number', Default: 3, MinValue: 1, MaxValue: 25 });
    template.hasParameter('RemediationRetrySeconds', { Type: 'Number', Default: 60, MinValue: 1, MaxValue: 2678000 });
    expect(json.Conditions.RemediationOn).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Remediation' }, 'off'] }] });
    expect(resource(json, 'AWS::SSM::Document').Condition).toBe('RemediationOn');
    expect(resource(json, 'AWS::IAM::Role', 'RepairKeyRunbook').Condition).toBe('RemediationOn');
    const remediation = resource(json, 'AWS::Config::RemediationConfiguration');
    expect(json.Conditions[remediation.Condition]).toEqual({
      'Fn::And': [{ Condition: 'RemediationOn' }, { Condition: 'CreateRuleCondition' }],
    });
    expect(remediation.Properties).toMatchObject({
      Automatic: { 'Fn::If': ['RemediationAutomatic', true, false] },
      MaximumAutomaticAttempts: { Ref: 'RemediationMaximumAttempts' },
      RetryAttemptSeconds: { Ref: 'RemediationRetrySeconds' },
    });
    expect(json.Outputs.RemediationDocumentName.Condition).toBe('RemediationOn');
  });

  test('rule compliance is read on this rule, or on config-rule/* of the account when the pack owns the rule', () => {
    const statement = statementsBySid(template, (id) => id.startsWith('NeptuneCmkRule') && !id.includes('RepairKeyRunbook'))[
      SID.readRuleCompliance
    ];
    const ruleId = Object.keys(json.Resources).find((id) => json.Resources[id].Type === 'AWS::Config::ConfigRule');
    expect(statement.Resource).toEqual({
      'Fn::If': ['CreateRuleCondition', { 'Fn::GetAtt': [ruleId, 'Arn'] }, arn(':config:<Region>:<Account>:config-rule/*')],
    });
  });
});

describe('standalone organization template', () => {
  const { json, template } = build((app) => new NeptuneCmkStandaloneOrgStack(app, 'NeptuneCmkOrgRule', { codeVersion: VERSION }));
  const orgRule = resource(json, 'AWS::Config::OrganizationConfigRule');
  const metadata = orgRule.Properties.OrganizationCustomRuleMetadata;
  const statements = statementsBySid(template);

  test('organization parameters', () => {
    template.hasParameter('OrganizationId', { AllowedPattern: 'o-[a-z0-9]{10,32}' });
    expect(json.Parameters.OrganizationId.Default).toBeUndefined();
    template.hasParameter('ExecutionRoleName', { Default: 'NeptuneCmkExecutionRole', AllowedPattern: '[\\w+=,.@-]{1,64}' });
    template.hasParameter('ExcludedAccounts', { Default: '', AllowedPattern: '(\\d{12}(,\\d{12})*)?' });
    template.hasParameter('FunctionRoleName', { Default: '' });
  });

  test('InputParameters is valid JSON with ExecutionRoleName and the set rule parameters', () => {
    const text = (params: Record<string, string>) => JSON.parse(evaluate(metadata.InputParameters, json, params));
    expect(text({})).toEqual({ ExecutionRoleName: 'NeptuneCmkExecutionRole' });
    expect(text({ DesiredEncryptionLevel: 'CLOUDHSM', AllowedKmsKeyArns: `${KEY},${KEY}`, RequireEnabledKey: 'true', ExecutionRoleName: 'Audit' })).toEqual({
      desiredEncryptionLevel: 'CLOUDHSM',
      allowedKmsKeyArns: `${KEY},${KEY}`,
      requireEnabledKey: 'true',
      ExecutionRoleName: 'Audit',
    });
  });

  test('excluded accounts only when set; no remediation in the organization template', () => {
    expect(orgRule.Properties.ExcludedAccounts).toEqual({
      'Fn::If': ['HasExcludedAccounts', { 'Fn::Split': [',', { Ref: 'ExcludedAccounts' }] }, { Ref: 'AWS::NoValue' }],
    });
    expect(json.Parameters.Remediation).toBeUndefined();
    template.resourceCountIs('AWS::SSM::Document', 0);
    template.resourceCountIs('AWS::Config::RemediationConfiguration', 0);
  });

  test('function role name: FunctionRoleName, or NeptuneCmkOrgFunctionRole-<region>', () => {
    expect(resource(json, 'AWS::IAM::Role').Properties.RoleName).toEqual({
      'Fn::If': [
        'HasFunctionRoleName',
        { Ref: 'FunctionRoleName' },
        { 'Fn::Join': ['', ['NeptuneCmkOrgFunctionRole-', { Ref: 'AWS::Region' }]] },
      ],
    });
  });

  test('sts:AssumeRole on ExecutionRoleName in accounts of OrganizationId', () => {
    expect(statements[SID.assumeExecutionRole]).toEqual({
      Sid: SID.assumeExecutionRole,
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/', { Ref: 'ExecutionRoleName' }]] },
      Condition: { StringEquals: { 'aws:ResourceOrgID': { Ref: 'OrganizationId' } } },
    });
    expect(Object.keys(statements).sort()).toEqual([SID.assumeExecutionRole, SID.writeLogs].sort());
  });

  test('the allow-list cannot push InputParameters over 2048 characters', () => {
    const longest = {
      DesiredEncryptionLevel: 'CUSTOMER_MANAGED',
      RequireEnabledKey: 'false',
      AllowedKmsKeyArns: 'x'.repeat(json.Parameters.AllowedKmsKeyArns.MaxLength),
      ExecutionRoleName: 'r'.repeat(64),
    };
    expect(evaluate(metadata.InputParameters, json, longest).length).toBeLessThanOrEqual(2048);
  });

  test('outputs for the member role StackSet', () => {
    expect(json.Outputs.FunctionRoleArn).toBeDefined();
    expect(json.Outputs.OrganizationConfigRuleName.Condition).toBe('CreateRuleCondition');
    expect(only(template, 'AWS::Lambda::Permission').resource.Properties.SourceAccount).toBeUndefined();
  });
});
