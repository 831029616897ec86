/**
 * The deploy-time hook (issue #19, lib/neptune-cmk-hook.ts): an
 * AWS::CloudFormation::LambdaHook on Neptune clusters and graphs, its
 * execution role, and a second function from the rule's code with the rule's
 * parameters in NEPTUNE_CMK_RULE_PARAMETERS. In the account stack (default on,
 * `-c hook=false` leaves it out), the hook stack (`-c stack=hook`), the
 * standalone account template (CreateHook) and the standalone hook template.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { SID } from '../lib/permissions';
import { NeptuneCmkStandaloneAccountStack, NeptuneCmkStandaloneHookStack } from '../lib/standalone';
import {
  KEY_A,
  KEY_B,
  NO_HOOK,
  accountStack,
  arn,
  buildStandalone,
  evaluate,
  hookStack,
  nagFindings,
  only,
  resource,
  statementsBySid,
} from './helpers';

const HOOK_ID = 'NeptuneCmkHook';
const ENV = 'NEPTUNE_CMK_RULE_PARAMETERS';

/** Every Neptune cluster and graph, created or updated, before provisioning. */
const TARGETS = [
  { TargetName: 'AWS::Neptune::DBCluster', Action: 'CREATE', InvocationPoint: 'PRE_PROVISION' },
  { TargetName: 'AWS::Neptune::DBCluster', Action: 'UPDATE', InvocationPoint: 'PRE_PROVISION' },
  { TargetName: 'AWS::NeptuneGraph::Graph', Action: 'CREATE', InvocationPoint: 'PRE_PROVISION' },
  { TargetName: 'AWS::NeptuneGraph::Graph', Action: 'UPDATE', InvocationPoint: 'PRE_PROVISION' },
];

/** The logical ids and bodies of the hook's resources, found by the construct id NeptuneCmkHook. */
function hookParts(json: any) {
  const find = (type: string, part: string): [string, any] => {
    const found = Object.entries(json.Resources).filter(
      ([id, r]: [string, any]) => id.startsWith(HOOK_ID) && r.Type === type && id.includes(part),
    );
    if (found.length !== 1) {
      throw new Error(`expected one ${type} ${part} of the hook, found ${found.length}`);
    }
    return found[0] as [string, any];
  };
  const [hookId, hook] = find('AWS::CloudFormation::LambdaHook', 'LambdaHook');
  const [fnId, fn] = find('AWS::Lambda::Function', 'Function');
  const [fnRoleId, fnRole] = find('AWS::IAM::Role', 'FunctionRole');
  const [execRoleId, execRole] = find('AWS::IAM::Role', 'ExecutionRole');
  const [logGroupId, logGroup] = find('AWS::Logs::LogGroup', 'LogGroup');
  return { hookId, hook, fnId, fn, fnRoleId, fnRole, execRoleId, execRole, logGroupId, logGroup };
}

const hookResourceIds = (json: any) => Object.keys(json.Resources).filter((id) => id.startsWith(HOOK_ID));
const actionsOf = (statements: Record<string, any>) => Object.values(statements).flatMap((s: any) => [s.Action].flat()).sort();

describe('account stack: the hook by default', () => {
  const stack = accountStack();
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const parts = hookParts(json);
  const ruleFn = resource(json, 'AWS::Lambda::Function', 'NeptuneCmkRule');
  const rule = only(template, 'AWS::Config::ConfigRule');
  const hookStatements = statementsBySid(template, (id) => id.startsWith(`${HOOK_ID}FunctionRole`));

  test('the rule resources plus exactly six hook resources', () => {
    template.resourceCountIs('AWS::CloudFormation::LambdaHook', 1);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.resourceCountIs('AWS::IAM::Role', 3);
    template.resourceCountIs('AWS::IAM::Policy', 3);
    template.resourceCountIs('AWS::Lambda::Permission', 1); // config.amazonaws.com only: the hook invokes through its role
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(hookResourceIds(json).map((id) => json.Resources[id].Type).sort()).toEqual(
      [
        'AWS::CloudFormation::LambdaHook',
        'AWS::IAM::Policy',
        'AWS::IAM::Role',
        'AWS::IAM::Role',
        'AWS::Lambda::Function',
        'AWS::Logs::LogGroup',
      ].sort(),
    );
  });

  test('alias NeptuneCmk::Encryption::Guard, enabled', () => {
    expect(parts.hook.Properties.Alias).toBe('NeptuneCmk::Encryption::Guard');
    expect(parts.hook.Properties.HookStatus).toBe('ENABLED');
  });

  test('targets resource operations of stacks and Cloud Control, nothing else', () => {
    expect(parts.hook.Properties.TargetOperations).toEqual(['RESOURCE', 'CLOUD_CONTROL']);
    expect(parts.hook.Properties.StackFilters).toBeUndefined();
  });

  test('filters: Neptune clusters and graphs x CREATE/UPDATE, at PRE_PROVISION, and nothing else', () => {
    expect(parts.hook.Properties.TargetFilters).toEqual({ Targets: TARGETS });
  });

  test('FailureMode FAIL by default', () => {
    expect(parts.hook.Properties.FailureMode).toBe('FAIL');
  });

  test('invokes the hook function through the execution role', () => {
    expect(parts.hook.Properties.LambdaFunction).toEqual({ 'Fn::GetAtt': [parts.fnId, 'Arn'] });
    expect(parts.hook.Properties.ExecutionRole).toEqual({ 'Fn::GetAtt': [parts.execRoleId, 'Arn'] });
  });

  test('execution role: trusted by CloudFormation Hooks for this account only', () => {
    expect(parts.execRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'hooks.cloudformation.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  test('execution role: lambda:InvokeFunction on the hook function, its only permission', () => {
    expect(parts.execRole.Properties.ManagedPolicyArns).toBeUndefined();
    expect(parts.execRole.Properties.Policies).toEqual([
      {
        PolicyName: 'InvokeHookFunction',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: SID.invokeHookFunction,
              Effect: 'Allow',
              Action: 'lambda:InvokeFunction',
              Resource: { 'Fn::GetAtt': [parts.fnId, 'Arn'] },
            },
          ],
        },
      },
    ]);
    const attached = Object.values(json.Resources).filter(
      (r: any) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(parts.execRoleId),
    );
    expect(attached).toEqual([]);
  });

  test('function: the rule function code, provided.al2023, x86_64, bootstrap, 128 MB, 25 s', () => {
    expect(parts.fn.Properties.Code).toEqual(ruleFn.Properties.Code);
    expect(parts.fn.Properties).toMatchObject({
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Architectures: ['x86_64'],
      MemorySize: 128,
      Timeout: 25,
      Role: { 'Fn::GetAtt': [parts.fnRoleId, 'Arn'] },
    });
  });

  test('function logs JSON to its own retained log group', () => {
    expect(parts.fn.Properties.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'INFO',
      LogGroup: { Ref: parts.logGroupId },
    });
    expect(parts.logGroup.Properties).toEqual({ RetentionInDays: 365 });
    expect(parts.logGroup.DeletionPolicy).toBe('Retain');
  });

  test('function environment: RUST_LOG and the rule parameters ({} when none is set)', () => {
    expect(parts.fn.Properties.Environment).toEqual({ Variables: { RUST_LOG: 'info', [ENV]: '{}' } });
    expect(rule.resource.Properties.InputParameters).toBeUndefined();
  });

  test('function role: assumable by Lambda only, no managed policies', () => {
    expect(parts.fnRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(parts.fnRole.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('function IAM: exactly kms:DescribeKey, rds:DescribeDBClusterSnapshots, rds:DescribeDBClusters, and its logs', () => {
    expect(Object.keys(hookStatements).sort()).toEqual(
      [SID.writeLogs, SID.describeKeys, SID.describeClusters, SID.describeSnapshots].sort(),
    );
    expect(actionsOf(hookStatements)).toEqual(
      ['kms:DescribeKey', 'logs:CreateLogStream', 'logs:PutLogEvents', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusters'].sort(),
    );
    expect(actionsOf(hookStatements).filter((a) => a.startsWith('config:'))).toEqual([]);
  });

  test('function IAM: resources of this account and region; keys of any account; logs of its own group', () => {
    expect(hookStatements[SID.describeKeys]).toMatchObject({ Resource: arn(':kms:*:*:key/*') });
    expect(hookStatements[SID.describeClusters]).toMatchObject({ Resource: arn(':rds:<Region>:<Account>:cluster:*') });
    expect(hookStatements[SID.describeSnapshots]).toMatchObject({
      Resource: [arn(':rds:<Region>:<Account>:cluster-snapshot:*'), arn(':rds:<Region>:<Account>:cluster:*')],
    });
    expect(hookStatements[SID.writeLogs]).toMatchObject({ Resource: { 'Fn::GetAtt': [parts.logGroupId, 'Arn'] } });
    for (const statement of Object.values(hookStatements)) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Condition).toBeUndefined();
    }
  });

  test('outputs the hook ARN (list-hook-results --type-arn) and the hook function ARN', () => {
    expect(json.Outputs.HookArn).toEqual({ Value: { 'Fn::GetAtt': [parts.hookId, 'HookArn'] } });
    expect(json.Outputs.HookFunctionArn).toEqual({ Value: { 'Fn::GetAtt': [parts.fnId, 'Arn'] } });
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

describe('account stack: hook settings', () => {
  const partsOf = (context: Record<string, unknown>) => hookParts(Template.fromStack(accountStack(context)).toJSON());

  test('hookFailureMode=WARN', () => {
    expect(partsOf({ hookFailureMode: 'WARN' }).hook.Properties.FailureMode).toBe('WARN');
  });

  test('hookFailureMode must be FAIL or WARN', () => {
    expect(() => accountStack({ hookFailureMode: 'warn' })).toThrow(/context 'hookFailureMode'.*FAIL, WARN/);
  });

  test('hook=false leaves every hook resource and output out, and changes nothing else', () => {
    const withHook = Template.fromStack(accountStack()).toJSON();
    const without = Template.fromStack(accountStack(NO_HOOK)).toJSON();
    expect(hookResourceIds(withHook)).toHaveLength(6);
    expect(hookResourceIds(without)).toEqual([]);
    expect(Object.keys(without.Resources).sort()).toEqual(
      Object.keys(withHook.Resources).filter((id) => !id.startsWith(HOOK_ID)).sort(),
    );
    for (const id of Object.keys(without.Resources)) {
      expect(without.Resources[id]).toEqual(withHook.Resources[id]);
    }
    Template.fromJSON(without).resourceCountIs('AWS::CloudFormation::LambdaHook', 0);
    expect(Object.keys(without.Outputs).filter((o) => o.startsWith('Hook'))).toEqual([]);
  });

  test('architecture, log retention and log key follow the rule function', () => {
    const parts = partsOf({ architecture: 'arm64', logRetentionDays: '30', logKmsKeyArn: KEY_A });
    expect(parts.fn.Properties.Architectures).toEqual(['arm64']);
    expect(parts.logGroup.Properties).toEqual({ RetentionInDays: 30, KmsKeyId: KEY_A });
  });

  test.each([
    [{}],
    [{ desiredEncryptionLevel: 'EXTERNAL' }],
    [{ allowedKmsKeyArns: `${KEY_A},${KEY_B}` }],
    [{ requireEnabledKey: 'false' }],
    [{ desiredEncryptionLevel: 'CLOUDHSM', allowedKmsKeyArns: KEY_A, requireEnabledKey: 'true' }],
  ])('NEPTUNE_CMK_RULE_PARAMETERS is the rule InputParameters as JSON text: %j', (context) => {
    const json = Template.fromStack(accountStack(context)).toJSON();
    const inputParameters = resource(json, 'AWS::Config::ConfigRule').Properties.InputParameters ?? {};
    const text = hookParts(json).fn.Properties.Environment.Variables[ENV];
    expect(JSON.parse(text)).toEqual(inputParameters);
    expect(text).toBe(JSON.stringify(inputParameters));
  });

  test('createRule=false keeps the hook, with the parameters the rule would have had', () => {
    const json = Template.fromStack(accountStack({ createRule: 'false', requireEnabledKey: 'false' })).toJSON();
    expect(JSON.parse(hookParts(json).fn.Properties.Environment.Variables[ENV])).toEqual({ requireEnabledKey: 'false' });
  });
});

describe('hook stack (-c stack=hook)', () => {
  const stack = hookStack({ hookFailureMode: 'WARN', desiredEncryptionLevel: 'EXTERNAL', allowedKmsKeyArns: KEY_A });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const parts = hookParts(json);

  test('the hook and nothing else: no rule, no Config, no alarms', () => {
    expect(Object.keys(json.Resources).filter((id) => json.Resources[id].Type !== 'AWS::CDK::Metadata').sort()).toEqual(
      hookResourceIds(json).sort(),
    );
    expect(hookResourceIds(json)).toHaveLength(6);
    expect(JSON.stringify(json.Resources)).not.toMatch(/AWS::Config::|config:/);
  });

  test('same hook definition as the account stack, with this stack settings', () => {
    const account = hookParts(Template.fromStack(accountStack({ hookFailureMode: 'WARN' })).toJSON());
    expect(parts.hook.Properties).toEqual(account.hook.Properties);
    expect(parts.fn.Properties.Timeout).toBe(25);
    expect(parts.hook.Properties.FailureMode).toBe('WARN');
  });

  test('rule parameters rendered as the account rule renders them', () => {
    expect(parts.fn.Properties.Environment.Variables[ENV]).toBe(
      JSON.stringify({ desiredEncryptionLevel: 'EXTERNAL', allowedKmsKeyArns: KEY_A }),
    );
  });

  test('bad rule parameters fail synth as they do for the rule', () => {
    expect(() => hookStack({ allowedKmsKeyArns: 'alias/aws/rds' })).toThrow(/KMS key ARNs.*alias\/aws\/rds/);
    expect(() => hookStack({ logKmsKeyArn: 'alias/logs' })).toThrow(/logKmsKeyArn must be a KMS key ARN/);
  });

  test('outputs HookArn and HookFunctionArn', () => {
    expect(Object.keys(json.Outputs).sort()).toEqual(['HookArn', 'HookFunctionArn']);
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

/** Every combination of set and unset rule parameters, as CloudFormation parameter values. */
const PARAMETER_COMBINATIONS: Record<string, string>[] = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => ({
  ...(bits & 1 ? { DesiredEncryptionLevel: 'EXTERNAL' } : {}),
  ...(bits & 2 ? { AllowedKmsKeyArns: `${KEY_A},${KEY_B}` } : {}),
  ...(bits & 4 ? { RequireEnabledKey: 'false' } : {}),
}));

/** What the function must see for those values: the set ones under their InputParameters names. */
function expectedRuleParameters(values: Record<string, string>): Record<string, string> {
  const names: Record<string, string> = {
    DesiredEncryptionLevel: 'desiredEncryptionLevel',
    AllowedKmsKeyArns: 'allowedKmsKeyArns',
    RequireEnabledKey: 'requireEnabledKey',
  };
  return Object.fromEntries(Object.entries(values).map(([parameter, value]) => [names[parameter], value]));
}

describe('standalone account template: the hook under CreateHook', () => {
  const { stack, json, template } = buildStandalone(
    (app) => new NeptuneCmkStandaloneAccountStack(app, 'NeptuneCmkRule', { codeVersion: '9.8.7' }),
  );
  const parts = hookParts(json);
  const ruleFn = resource(json, 'AWS::Lambda::Function', 'NeptuneCmkRule');
  const rule = resource(json, 'AWS::Config::ConfigRule');

  test('CreateHook (default true) is the switch; every hook resource and output is under it', () => {
    template.hasParameter('CreateHook', { Type: 'String', Default: 'true', AllowedValues: ['true', 'false'] });
    expect(json.Conditions.CreateHookCondition).toEqual({ 'Fn::Equals': [{ Ref: 'CreateHook' }, 'true'] });
    expect(hookResourceIds(json)).toHaveLength(6);
    for (const id of hookResourceIds(json)) {
      expect([id, json.Resources[id].Condition]).toEqual([id, 'CreateHookCondition']);
    }
    expect(json.Outputs.HookArn.Condition).toBe('CreateHookCondition');
    expect(json.Outputs.HookFunctionArn.Condition).toBe('CreateHookCondition');
  });

  test('CreateHook=false leaves out every hook resource and nothing else', () => {
    const created = (values: Record<string, string>) =>
      Object.keys(json.Resources).filter((id) => {
        const condition = json.Resources[id].Condition;
        return condition === undefined || evaluate({ Condition: condition }, json, values);
      });
    const everything = { CreateHook: 'true', CreateRule: 'true', Remediation: 'manual' };
    const withoutHook = created({ ...everything, CreateHook: 'false' });
    expect(withoutHook.filter((id) => id.startsWith(HOOK_ID))).toEqual([]);
    expect(created(everything).filter((id) => !withoutHook.includes(id)).sort()).toEqual(hookResourceIds(json).sort());
  });

  test('HookFailureMode: FAIL by default, FAIL or WARN', () => {
    template.hasParameter('HookFailureMode', { Type: 'String', Default: 'FAIL', AllowedValues: ['FAIL', 'WARN'] });
    expect(parts.hook.Properties.FailureMode).toEqual({ Ref: 'HookFailureMode' });
  });

  test('same filters, alias and trust as the CDK path', () => {
    expect(parts.hook.Properties).toMatchObject({
      Alias: 'NeptuneCmk::Encryption::Guard',
      HookStatus: 'ENABLED',
      TargetOperations: ['RESOURCE', 'CLOUD_CONTROL'],
      TargetFilters: { Targets: TARGETS },
    });
    expect(parts.execRole.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
  });

  test('function: the rule code from CodeS3Bucket/CodeS3Key, Architecture parameter, 25 s', () => {
    expect(parts.fn.Properties.Code).toEqual({ S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } });
    expect(parts.fn.Properties.Code).toEqual(ruleFn.Properties.Code);
    expect(parts.fn.Properties.Architectures).toEqual([{ Ref: 'Architecture' }]);
    expect(parts.fn.Properties.Timeout).toBe(25);
  });

  test.each(PARAMETER_COMBINATIONS)('NEPTUNE_CMK_RULE_PARAMETERS is the InputParameters CloudFormation sends: %j', (values) => {
    const text = evaluate(parts.fn.Properties.Environment.Variables[ENV], json, values);
    expect(JSON.parse(text)).toEqual(evaluate(rule.Properties.InputParameters, json, values));
    expect(JSON.parse(text)).toEqual(expectedRuleParameters(values));
  });

  test('the hook parameters are in the console group of the hook', () => {
    const groups = json.Metadata['AWS::CloudFormation::Interface'].ParameterGroups;
    expect(groups.find((g: any) => g.Parameters.includes('CreateHook')).Parameters).toEqual(['CreateHook', 'HookFailureMode']);
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

describe('standalone hook template (NeptuneCmkHook.template.json, StackSet-ready)', () => {
  const { stack, json, template } = buildStandalone(
    (app) => new NeptuneCmkStandaloneHookStack(app, 'NeptuneCmkHook', { codeVersion: '9.8.7' }),
  );
  const parts = hookParts(json);

  test('the hook alone, unconditionally: six resources, no rule, no Config, no CDK metadata', () => {
    expect(Object.keys(json.Resources).sort()).toEqual(hookResourceIds(json).sort());
    expect(hookResourceIds(json)).toHaveLength(6);
    for (const id of hookResourceIds(json)) {
      expect(json.Resources[id].Condition).toBeUndefined();
    }
    expect(JSON.stringify(json.Resources)).not.toMatch(/AWS::Config::|config:/);
  });

  test('standalone: no CDK assets, bootstrap parameter or rule', () => {
    expect(JSON.stringify(json)).not.toMatch(/cdk-hnb659fds|AssetParameters|BootstrapVersion/);
    expect(json.Rules).toBeUndefined();
  });

  test('parameters: code, HookFailureMode, the rule parameters and logging, nothing of the rule itself', () => {
    expect(Object.keys(json.Parameters).sort()).toEqual(
      [
        'CodeS3Bucket',
        'CodeS3Key',
        'Architecture',
        'HookFailureMode',
        'DesiredEncryptionLevel',
        'AllowedKmsKeyArns',
        'RequireEnabledKey',
        'LogRetentionDays',
        'LogKmsKeyArn',
      ].sort(),
    );
    template.hasParameter('CodeS3Key', { Default: 'neptune-cmk-rule-9.8.7-x86_64.zip' });
    template.hasParameter('HookFailureMode', { Default: 'FAIL', AllowedValues: ['FAIL', 'WARN'] });
    template.hasParameter('DesiredEncryptionLevel', { Default: '', AllowedValues: ['', 'CUSTOMER_MANAGED', 'EXTERNAL', 'CLOUDHSM'] });
    template.hasParameter('RequireEnabledKey', { Default: '', AllowedValues: ['', 'true', 'false'] });
    template.hasParameter('AllowedKmsKeyArns', { Default: '', MaxLength: 900 });
  });

  test('every parameter is in exactly one console parameter group', () => {
    const grouped = json.Metadata['AWS::CloudFormation::Interface'].ParameterGroups.flatMap((g: any) => g.Parameters);
    expect([...grouped].sort()).toEqual(Object.keys(json.Parameters).sort());
  });

  test('the hook: filters, failure mode parameter, function and execution role', () => {
    expect(parts.hook.Properties).toEqual({
      Alias: 'NeptuneCmk::Encryption::Guard',
      HookStatus: 'ENABLED',
      FailureMode: { Ref: 'HookFailureMode' },
      TargetOperations: ['RESOURCE', 'CLOUD_CONTROL'],
      TargetFilters: { Targets: TARGETS },
      LambdaFunction: { 'Fn::GetAtt': [parts.fnId, 'Arn'] },
      ExecutionRole: { 'Fn::GetAtt': [parts.execRoleId, 'Arn'] },
    });
  });

  test('roles without names (CAPABILITY_IAM); the execution role trusts the account it is deployed to', () => {
    expect(parts.execRole.Properties.RoleName).toBeUndefined();
    expect(parts.fnRole.Properties.RoleName).toBeUndefined();
    expect(parts.execRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'hooks.cloudformation.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  test('function: code from CodeS3Bucket/CodeS3Key, Architecture parameter, 25 s, logs per LogRetentionDays/LogKmsKeyArn', () => {
    expect(parts.fn.Properties).toMatchObject({
      Code: { S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } },
      Architectures: [{ Ref: 'Architecture' }],
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Timeout: 25,
    });
    expect(parts.logGroup.Properties).toEqual({
      RetentionInDays: { Ref: 'LogRetentionDays' },
      KmsKeyId: { 'Fn::If': ['HasLogKmsKeyArn', { Ref: 'LogKmsKeyArn' }, { Ref: 'AWS::NoValue' }] },
    });
  });

  test('function IAM: the three read actions and its logs, no config:', () => {
    const statements = statementsBySid(template, (id) => id.startsWith(`${HOOK_ID}FunctionRole`));
    expect(actionsOf(statements)).toEqual(
      ['kms:DescribeKey', 'logs:CreateLogStream', 'logs:PutLogEvents', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusters'].sort(),
    );
  });

  test.each(PARAMETER_COMBINATIONS)('NEPTUNE_CMK_RULE_PARAMETERS is valid JSON of the set parameters: %j', (values) => {
    const text = evaluate(parts.fn.Properties.Environment.Variables[ENV], json, values);
    expect(JSON.parse(text)).toEqual(expectedRuleParameters(values));
  });

  test('outputs HookArn and HookFunctionArn, unconditionally', () => {
    expect(json.Outputs.HookArn).toEqual({ Value: { 'Fn::GetAtt': [parts.hookId, 'HookArn'] } });
    expect(json.Outputs.HookFunctionArn.Condition).toBeUndefined();
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});
