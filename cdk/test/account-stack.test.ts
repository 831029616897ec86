/**
 * NeptuneCmkRule (single account): function, log group, IAM, permission, Config
 * rule. The rule's resources are asserted alone (NO_HOOK); the hook the stack
 * has by default is asserted in hook.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { SID } from '../lib/permissions';
import { RULE_DESCRIPTION } from '../lib/rule-parameters';
import { KEY_A, KEY_B, NO_HOOK, accountStack, arn, nagFindings, only, statementsBySid } from './helpers';

const RESOURCE_TYPES = ['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::RDS::DBClusterSnapshot', 'AWS::KMS::Key'];
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:neptune-cmk-ops';

describe('account stack with default context, without the hook', () => {
  const stack = accountStack(NO_HOOK);
  const template = Template.fromStack(stack);
  const fn = only(template, 'AWS::Lambda::Function');
  const rule = only(template, 'AWS::Config::ConfigRule');
  const permission = only(template, 'AWS::Lambda::Permission');
  const logGroup = only(template, 'AWS::Logs::LogGroup');
  const role = only(template, 'AWS::IAM::Role');
  const statements = statementsBySid(template);

  test('defines exactly the expected resources', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::IAM::Policy', 2);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.resourceCountIs('AWS::Config::ConfigRule', 1);
    template.resourceCountIs('AWS::Config::OrganizationConfigRule', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    // Remediation is off by default.
    template.resourceCountIs('AWS::SSM::Document', 0);
    template.resourceCountIs('AWS::Config::RemediationConfiguration', 0);
  });

  test('function runs the prebuilt bootstrap on provided.al2023, x86_64, 128 MB, 300 s', () => {
    expect(fn.resource.Properties).toMatchObject({
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Architectures: ['x86_64'],
      MemorySize: 128,
      Timeout: 300,
      Role: { 'Fn::GetAtt': [role.id, 'Arn'] },
    });
    expect(fn.resource.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('function logs JSON to its own log group', () => {
    expect(fn.resource.Properties.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'INFO',
      LogGroup: { Ref: logGroup.id },
    });
    expect(fn.resource.Properties.Environment).toEqual({ Variables: { RUST_LOG: 'info' } });
  });

  test('log group keeps one year, default encryption, and survives stack deletion', () => {
    expect(logGroup.resource.Properties).toEqual({ RetentionInDays: 365 });
    expect(logGroup.resource.DeletionPolicy).toBe('Retain');
  });

  test.each([
    ['ErrorsAlarm', 'AWS/Lambda', 'Errors'],
    ['EvaluationsNotWrittenAlarm', 'NeptuneCmk', 'EvaluationsNotWritten'],
  ])('alarm %s: %s %s, Sum >= 1 in one 5-minute period, missing data not breaching, no actions', (id, ns, metric) => {
    const [, alarm] = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).find(([logicalId]) =>
      logicalId.includes(id),
    ) as [string, any];
    expect(alarm.Properties).toEqual({
      AlarmDescription: expect.stringContaining('neptune-cmk'),
      Namespace: ns,
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn.id } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('outputs the alarm names', () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(
      ['ConfigRuleName', 'ErrorsAlarmName', 'EvaluationsNotWrittenAlarmName', 'FunctionArn'].sort(),
    );
  });

  test('rule is a CUSTOM_LAMBDA rule pointing at the function', () => {
    expect(rule.resource.Properties.ConfigRuleName).toBe('neptune-cmk-encrypted');
    expect(rule.resource.Properties.Description).toBe(RULE_DESCRIPTION);
    expect(RULE_DESCRIPTION.length).toBeLessThanOrEqual(256); // Config's limit
    expect(rule.resource.Properties.Source.Owner).toBe('CUSTOM_LAMBDA');
    expect(rule.resource.Properties.Source.SourceIdentifier).toEqual({ 'Fn::GetAtt': [fn.id, 'Arn'] });
  });

  test('rule scope is the three RDS types Neptune is recorded as, plus KMS keys (key changes trigger)', () => {
    expect(rule.resource.Properties.Scope).toEqual({ ComplianceResourceTypes: RESOURCE_TYPES });
  });

  test('rule has exactly three triggers', () => {
    expect(rule.resource.Properties.Source.SourceDetails).toHaveLength(3);
  });

  test.each([
    ['ConfigurationItemChangeNotification', undefined],
    ['OversizedConfigurationItemChangeNotification', undefined],
    ['ScheduledNotification', 'TwentyFour_Hours'],
  ])('trigger %s (frequency %s)', (messageType, frequency) => {
    const detail = rule.resource.Properties.Source.SourceDetails.find((d: any) => d.MessageType === messageType);
    expect(detail).toEqual({
      EventSource: 'aws.config',
      MessageType: messageType,
      ...(frequency === undefined ? {} : { MaximumExecutionFrequency: frequency }),
    });
  });

  test('no InputParameters when no rule parameter is set', () => {
    expect(rule.resource.Properties.InputParameters).toBeUndefined();
  });

  test('permission lets config.amazonaws.com of this account invoke the function', () => {
    expect(permission.resource.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] },
      Principal: 'config.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  test('rule is created after the permission and the role policy', () => {
    const defaultPolicyId = Object.keys(template.findResources('AWS::IAM::Policy')).find((id) =>
      id.includes('DefaultPolicy'),
    );
    expect(rule.resource.DependsOn).toEqual(expect.arrayContaining([permission.id, role.id, defaultPolicyId]));
  });

  test('role is assumable by Lambda only and has no managed policies', () => {
    expect(role.resource.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(role.resource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.resource.Properties.RoleName).toBeUndefined();
  });

  test('IAM: exactly these statements', () => {
    expect(Object.keys(statements).sort()).toEqual(
      [
        SID.writeLogs,
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

  test('IAM: rds:ListTagsForResource (tag-scoped sweep) on Neptune resource types of this account and region', () => {
    expect(statements[SID.listTags]).toMatchObject({
      Action: 'rds:ListTagsForResource',
      Resource: [
        arn(':rds:<Region>:<Account>:cluster-snapshot:*'),
        arn(':rds:<Region>:<Account>:cluster:*'),
        arn(':rds:<Region>:<Account>:db:*'),
      ],
    });
  });

  test('IAM: config:DescribeConfigRules (its own scope) on "*" (no resource-level support)', () => {
    expect(statements[SID.readRuleScope]).toMatchObject({ Action: 'config:DescribeConfigRules', Resource: '*' });
  });

  test('IAM: no KMS action but DescribeKey (key changes are read from the key configuration item)', () => {
    const actions = Object.values(statements).flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('kms:'))).toEqual(['kms:DescribeKey']);
  });

  test('IAM: logs only to its own log group', () => {
    expect(statements[SID.writeLogs]).toMatchObject({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [logGroup.id, 'Arn'] },
    });
  });

  test('IAM: kms:DescribeKey on key ARNs of any account in this region', () => {
    expect(statements[SID.describeKeys]).toMatchObject({
      Action: 'kms:DescribeKey',
      Resource: arn(':kms:<Region>:*:key/*'),
    });
  });

  test('IAM: rds:DescribeDBClusters on clusters of this account and region', () => {
    expect(statements[SID.describeClusters]).toMatchObject({
      Action: 'rds:DescribeDBClusters',
      Resource: arn(':rds:<Region>:<Account>:cluster:*'),
    });
  });

  test('IAM: rds:DescribeDBInstances on instances of this account and region', () => {
    expect(statements[SID.describeInstances]).toMatchObject({
      Action: 'rds:DescribeDBInstances',
      Resource: arn(':rds:<Region>:<Account>:db:*'),
    });
  });

  test('IAM: rds:DescribeDBClusterSnapshots on cluster snapshots and clusters of this account and region', () => {
    expect(statements[SID.describeSnapshots]).toMatchObject({
      Action: 'rds:DescribeDBClusterSnapshots',
      Resource: [arn(':rds:<Region>:<Account>:cluster-snapshot:*'), arn(':rds:<Region>:<Account>:cluster:*')],
    });
  });

  test('IAM: config:PutEvaluations and GetResourceConfigHistory on "*" (no resource-level support)', () => {
    expect(statements[SID.reportEvaluations]).toMatchObject({
      Action: ['config:GetResourceConfigHistory', 'config:PutEvaluations'],
      Resource: '*',
    });
  });

  test('IAM: config:GetComplianceDetailsByConfigRule only on this rule', () => {
    expect(statements[SID.readRuleCompliance]).toMatchObject({
      Action: 'config:GetComplianceDetailsByConfigRule',
      Resource: { 'Fn::GetAtt': [rule.id, 'Arn'] },
    });
  });

  test('IAM: no sts:AssumeRole without an execution role', () => {
    const actions = Object.values(statements).flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('sts:'))).toEqual([]);
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

describe('account stack context', () => {
  const ruleOf = (context: Record<string, unknown>) =>
    only(Template.fromStack(accountStack(context)), 'AWS::Config::ConfigRule').resource.Properties;

  test('architecture=arm64 builds an arm64 function', () => {
    Template.fromStack(accountStack({ architecture: 'arm64' })).hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
    });
  });

  test('architecture must be x86_64 or arm64', () => {
    expect(() => accountStack({ architecture: 'aarch64' })).toThrow(/context 'architecture'.*x86_64, arm64/);
  });

  test('ruleName renames the rule', () => {
    expect(ruleOf({ ruleName: 'neptune-cmk-prod' }).ConfigRuleName).toBe('neptune-cmk-prod');
  });

  test('maximumExecutionFrequency sets the scheduled trigger', () => {
    const details = ruleOf({ maximumExecutionFrequency: 'Six_Hours' }).Source.SourceDetails;
    expect(details.filter((d: any) => d.MaximumExecutionFrequency !== undefined)).toEqual([
      { EventSource: 'aws.config', MessageType: 'ScheduledNotification', MaximumExecutionFrequency: 'Six_Hours' },
    ]);
  });

  test('maximumExecutionFrequency must be a Config frequency', () => {
    expect(() => accountStack({ maximumExecutionFrequency: 'Daily' })).toThrow(/TwentyFour_Hours/);
  });

  test('logRetentionDays sets the retention', () => {
    Template.fromStack(accountStack({ logRetentionDays: '30' })).hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
    });
  });

  test('logRetentionDays must be a CloudWatch Logs retention', () => {
    expect(() => accountStack({ logRetentionDays: '31' })).toThrow(/context 'logRetentionDays'/);
  });

  test('logKmsKeyArn encrypts the log group with that key', () => {
    expect(only(Template.fromStack(accountStack({ ...NO_HOOK, logKmsKeyArn: KEY_A })), 'AWS::Logs::LogGroup').resource.Properties).toEqual({
      RetentionInDays: 365,
      KmsKeyId: KEY_A,
    });
  });

  test('logKmsKeyArn must be a key ARN', () => {
    expect(() => accountStack({ logKmsKeyArn: 'alias/logs' })).toThrow(/logKmsKeyArn must be a KMS key ARN.*alias\/logs/);
  });

  test('alarmTopicArn becomes the action of both alarms', () => {
    const alarms = Object.values(Template.fromStack(accountStack({ alarmTopicArn: TOPIC })).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((a: any) => a.Properties.AlarmActions)).toEqual([[TOPIC], [TOPIC]]);
  });

  test('alarmTopicArn must be an SNS topic ARN', () => {
    expect(() => accountStack({ alarmTopicArn: 'neptune-cmk-ops' })).toThrow(/alarmTopicArn must be an SNS topic ARN/);
  });

  test('desiredEncryptionLevel alone is the only InputParameter', () => {
    expect(ruleOf({ desiredEncryptionLevel: 'EXTERNAL' }).InputParameters).toEqual({
      desiredEncryptionLevel: 'EXTERNAL',
    });
  });

  test('desiredEncryptionLevel must be a known level', () => {
    expect(() => accountStack({ desiredEncryptionLevel: 'AWS_MANAGED' })).toThrow(/CUSTOMER_MANAGED, EXTERNAL, CLOUDHSM/);
  });

  test('allowedKmsKeyArns is emitted comma-separated without blanks', () => {
    expect(ruleOf({ allowedKmsKeyArns: ` ${KEY_A} , ${KEY_B},` }).InputParameters).toEqual({
      allowedKmsKeyArns: `${KEY_A},${KEY_B}`,
    });
  });

  test('allowedKmsKeyArns also accepts a JSON list (cdk.json)', () => {
    expect(ruleOf({ allowedKmsKeyArns: [KEY_A] }).InputParameters).toEqual({ allowedKmsKeyArns: KEY_A });
  });

  test('allowedKmsKeyArns entries must be key ARNs', () => {
    expect(() => accountStack({ allowedKmsKeyArns: 'alias/aws/rds' })).toThrow(/KMS key ARNs.*alias\/aws\/rds/);
  });

  test.each(['true', 'false'])('requireEnabledKey=%s is emitted as a string', (value) => {
    expect(ruleOf({ requireEnabledKey: value }).InputParameters).toEqual({ requireEnabledKey: value });
  });

  test('requireEnabledKey must be true or false', () => {
    expect(() => accountStack({ requireEnabledKey: 'yes' })).toThrow(/context 'requireEnabledKey'/);
  });

  test('all parameters together, and never ExecutionRoleName in account mode', () => {
    expect(
      ruleOf({ desiredEncryptionLevel: 'CUSTOMER_MANAGED', allowedKmsKeyArns: KEY_A, requireEnabledKey: 'false' })
        .InputParameters,
    ).toEqual({ desiredEncryptionLevel: 'CUSTOMER_MANAGED', allowedKmsKeyArns: KEY_A, requireEnabledKey: 'false' });
  });

  test('InputParameters over 1024 characters fail synth', () => {
    const many = Array.from({ length: 15 }, () => KEY_A).join(',');
    expect(() => accountStack({ allowedKmsKeyArns: many })).toThrow(/at most 1024/);
  });

  test('createRule=false: function, permission and IAM only (for the conformance pack)', () => {
    const stack = accountStack({ ...NO_HOOK, createRule: 'false' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Config::ConfigRule', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'config.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    expect(statementsBySid(template)[SID.readRuleCompliance]).toMatchObject({
      Action: 'config:GetComplianceDetailsByConfigRule',
      Resource: arn(':config:<Region>:<Account>:config-rule/*'),
    });
    expect(template.toJSON().Outputs.ConfigRuleName).toBeUndefined();
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });

  test('a missing bootstrap fails synth with "run `make package` first"', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-empty-'));
    expect(() => accountStack({ bootstrapDir: empty })).toThrow(/run `make package` first/);
    expect(() => accountStack({ bootstrapDir: path.join(empty, 'missing') })).toThrow(/run `make package` first/);
  });

  /** A directory whose bootstrap starts with a little-endian ELF header for the given e_machine. */
  const elfBootstrap = (machine: number) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-elf-'));
    const header = Buffer.alloc(64);
    header.write('\x7fELF', 0, 'latin1');
    header[4] = 2; // ELFCLASS64
    header[5] = 1; // little-endian
    header.writeUInt16LE(2, 16); // ET_EXEC
    header.writeUInt16LE(machine, 18);
    fs.writeFileSync(path.join(dir, 'bootstrap'), header, { mode: 0o755 });
    return dir;
  };

  test('an x86_64 ELF bootstrap is accepted for x86_64, rejected for arm64', () => {
    const dir = elfBootstrap(0x3e);
    expect(() => accountStack({ bootstrapDir: dir })).not.toThrow();
    expect(() => accountStack({ bootstrapDir: dir, architecture: 'arm64' })).toThrow(
      /built for x86_64, but the function is configured for arm64.*-c architecture=x86_64/,
    );
  });

  test('an aarch64 ELF bootstrap is accepted for arm64, rejected for x86_64', () => {
    const dir = elfBootstrap(0xb7);
    expect(() => accountStack({ bootstrapDir: dir, architecture: 'arm64' })).not.toThrow();
    expect(() => accountStack({ bootstrapDir: dir })).toThrow(/built for arm64.*-c architecture=arm64/);
  });

  test('only the bootstrap is packaged, not bootstrap.zip or anything else in the directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-pkg-'));
    fs.writeFileSync(path.join(dir, 'bootstrap'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bootstrap.zip'), 'zip');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'notes');
    const assembly = (accountStack({ bootstrapDir: dir }).node.root as App).synth();
    const assetDirs = fs.readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assetDirs).toHaveLength(1);
    const staged = path.join(assembly.directory, assetDirs[0]);
    expect(fs.readdirSync(staged)).toEqual(['bootstrap']);
    expect(fs.statSync(path.join(staged, 'bootstrap')).mode & 0o111).not.toBe(0);
  });

  test('a bootstrap that is not executable gives a warning', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-noexec-'));
    fs.writeFileSync(path.join(dir, 'bootstrap'), 'not executable');
    fs.chmodSync(path.join(dir, 'bootstrap'), 0o644);
    const stack = accountStack({ bootstrapDir: dir });
    // Synthesis prints the warning report to stderr; keep the test output clean.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('not executable'));
    } finally {
      quiet.mockRestore();
    }
  });
});
