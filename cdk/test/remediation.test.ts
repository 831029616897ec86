/**
 * Key-state remediation: the SSM Automation runbook around runbooks/repair_key.py,
 * its automation role, the AWS::Config::RemediationConfiguration, and the synth-time
 * checks that keep the three consistent. The script itself is tested against moto by
 * runbooks/test_repair_key.py.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import {
  RunbookError,
  assertRoleMatchesScript,
  buildRepairKeyDocument,
  isSupportedPythonRuntime,
  readRunbookScript,
  remediationParameters,
  remediationStatements,
  renderRunbook,
  scriptCalls,
  scriptWaitSeconds,
  validateRemediationBinding,
  validateRunbook,
} from '../lib/remediation';
import { accountStack, arn, nagFindings, only, statementsBySid } from './helpers';

const SCRIPT = readRunbookScript();
const SCOPE = { region: 'us-east-1', account: '111122223333' };

describe('account stack with remediation=manual', () => {
  const stack = accountStack({ remediation: 'manual' });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const doc = only(template, 'AWS::SSM::Document');
  const yamlText: string = doc.resource.Properties.Content;
  // Parsed with YAML 1.1 rules, as the parsers SSM and cfn-lint use read it.
  const content = parseYaml(yamlText, { version: '1.1' });
  const remediation = only(template, 'AWS::Config::RemediationConfiguration');
  const rule = only(template, 'AWS::Config::ConfigRule');
  const [roleId, role] = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) =>
    id.includes('RepairKeyRunbook'),
  ) as [string, any];
  const statements = statementsBySid(template, (id) => id === roleId);

  test('an Automation document in YAML: Content is the YAML text, the script a literal block', () => {
    expect(doc.resource.Properties.DocumentType).toBe('Automation');
    expect(doc.resource.Properties.DocumentFormat).toBe('YAML');
    expect(doc.resource.Properties.Name).toBeUndefined();
    expect(typeof yamlText).toBe('string');
    expect(yamlText).toBe(renderRunbook(buildRepairKeyDocument(SCRIPT)));
    expect(yamlText).toMatch(/^schemaVersion: "0\.3"$/m);
    expect(yamlText).toMatch(/^ {6}Script: \|\n {8}"""Repairs the KMS key/m);
    // no JSON document hiding in the YAML
    expect(() => JSON.parse(yamlText)).toThrow();
  });

  test('schemaVersion 0.3, assumeRole from the AutomationAssumeRole parameter', () => {
    expect(content.schemaVersion).toBe('0.3');
    expect(content.assumeRole).toBe('{{ AutomationAssumeRole }}');
    expect(Object.keys(content.parameters).sort()).toEqual(['AutomationAssumeRole', 'ResourceId']);
    expect(content.parameters.ResourceId).toMatchObject({ type: 'String', allowedPattern: '^[A-Za-z0-9][A-Za-z0-9:-]{0,254}$' });
    expect(content.parameters.AutomationAssumeRole).toMatchObject({ type: 'String' });
  });

  test('one aws:executeScript step: python3.11, handler `handler`, the script file inlined verbatim', () => {
    expect(content.mainSteps).toHaveLength(1);
    const [step] = content.mainSteps;
    expect(step).toMatchObject({ name: 'RepairKeyState', action: 'aws:executeScript', isEnd: true, timeoutSeconds: 600 });
    expect(step.inputs).toEqual({
      Runtime: 'python3.11',
      Handler: 'handler',
      InputPayload: { ResourceId: '{{ ResourceId }}' },
      Script: SCRIPT,
    });
    expect(SCRIPT).toMatch(/^def handler\(events: dict\[str, Any\], context: Any\)/m);
    expect(step.outputs).toEqual([
      { Name: 'KeyState', Selector: '$.Payload.KeyState', Type: 'String' },
      { Name: 'ClusterStatus', Selector: '$.Payload.ClusterStatus', Type: 'String' },
      { Name: 'Message', Selector: '$.Payload.Message', Type: 'String' },
    ]);
    expect(content.outputs).toEqual(['RepairKeyState.KeyState', 'RepairKeyState.ClusterStatus', 'RepairKeyState.Message']);
  });

  test('remediation configuration: manual, Config RESOURCE_ID bound to ResourceId, the role as AutomationAssumeRole', () => {
    expect(remediation.resource.Properties).toEqual({
      ConfigRuleName: { Ref: rule.id },
      TargetType: 'SSM_DOCUMENT',
      TargetId: { Ref: doc.id },
      Parameters: {
        ResourceId: { ResourceValue: { Value: 'RESOURCE_ID' } },
        AutomationAssumeRole: { StaticValue: { Values: [{ 'Fn::GetAtt': [roleId, 'Arn'] }] } },
      },
      Automatic: false,
      MaximumAutomaticAttempts: 3,
      RetryAttemptSeconds: 60,
    });
  });

  test('automation role: assumable by SSM of this account and region only', () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'ssm.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': arn(':ssm:<Region>:<Account>:automation-execution/*') },
        },
      },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('automation role: Neptune Describe calls, the key-state repair and StartDBCluster, in this account and region only', () => {
    expect(statements).toEqual({
      DescribeNeptuneClusters: {
        Sid: 'DescribeNeptuneClusters',
        Effect: 'Allow',
        Action: 'rds:DescribeDBClusters',
        Resource: arn(':rds:<Region>:<Account>:cluster:*'),
      },
      DescribeNeptuneInstances: {
        Sid: 'DescribeNeptuneInstances',
        Effect: 'Allow',
        Action: 'rds:DescribeDBInstances',
        Resource: arn(':rds:<Region>:<Account>:db:*'),
      },
      DescribeNeptuneClusterSnapshots: {
        Sid: 'DescribeNeptuneClusterSnapshots',
        Effect: 'Allow',
        Action: 'rds:DescribeDBClusterSnapshots',
        Resource: [arn(':rds:<Region>:<Account>:cluster-snapshot:*'), arn(':rds:<Region>:<Account>:cluster:*')],
      },
      RepairOwnKeyState: {
        Sid: 'RepairOwnKeyState',
        Effect: 'Allow',
        Action: ['kms:CancelKeyDeletion', 'kms:DescribeKey', 'kms:EnableKey'],
        Resource: arn(':kms:<Region>:<Account>:key/*'),
      },
      StartOwnNeptuneCluster: {
        Sid: 'StartOwnNeptuneCluster',
        Effect: 'Allow',
        Action: 'rds:StartDBCluster',
        Resource: arn(':rds:<Region>:<Account>:cluster:*'),
      },
    });
  });

  test('automation role: no other RDS write (no Stop, Modify, Delete, Restore, Create)', () => {
    const actions = Object.values(statements).flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('rds:') && !a.startsWith('rds:Describe'))).toEqual(['rds:StartDBCluster']);
  });

  test('the function role gains no remediation permission', () => {
    const functionStatements = statementsBySid(template, (id) => id.startsWith('NeptuneCmkRule') && !id.includes('RepairKeyRunbook'));
    const actions = Object.values(functionStatements).flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => /^(kms:(Cancel|Enable)|ssm:|iam:PassRole)/.test(a))).toEqual([]);
  });

  test('outputs the runbook name and role for the conformance pack', () => {
    expect(json.Outputs.RemediationDocumentName).toEqual({ Value: { Ref: doc.id } });
    expect(json.Outputs.RemediationRoleArn).toEqual({ Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });

  test('cdk-nag AwsSolutions: no unsuppressed errors or warnings', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

describe('remediation context', () => {
  test('automatic with attempts and retry window', () => {
    const template = Template.fromStack(
      accountStack({ remediation: 'automatic', remediationMaximumAttempts: '5', remediationRetrySeconds: '600' }),
    );
    expect(only(template, 'AWS::Config::RemediationConfiguration').resource.Properties).toMatchObject({
      Automatic: true,
      MaximumAutomaticAttempts: 5,
      RetryAttemptSeconds: 600,
    });
  });

  test('createRule=false: runbook and role for the conformance pack, no remediation configuration', () => {
    const stack = accountStack({ remediation: 'manual', createRule: 'false' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SSM::Document', 1);
    template.resourceCountIs('AWS::Config::RemediationConfiguration', 0);
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['RemediationDocumentName', 'RemediationRoleArn']),
    );
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });

  test.each([
    [{ remediation: 'yes' }, /context 'remediation'.*off, manual, automatic/],
    [{ remediation: 'automatic', remediationMaximumAttempts: '0' }, /context 'remediationMaximumAttempts'.*1 to 25/],
    [{ remediation: 'automatic', remediationRetrySeconds: '1.5' }, /context 'remediationRetrySeconds'/],
    [{ remediationMaximumAttempts: '3' }, /need -c remediation=automatic/],
  ])('bad context %j fails synth', (context, message) => {
    expect(() => accountStack(context)).toThrow(message);
  });
});

describe('synth-time checks of the runbook', () => {
  const content = () => JSON.parse(JSON.stringify(buildRepairKeyDocument(SCRIPT)));

  test('the real runbook passes', () => {
    expect(() => validateRunbook(buildRepairKeyDocument(SCRIPT))).not.toThrow();
  });

  test('schemaVersion must be 0.3', () => {
    const doc = { ...content(), schemaVersion: '2.2' };
    expect(() => validateRunbook(doc)).toThrow(/schemaVersion must be '0.3'/);
  });

  test('assumeRole must be the AutomationAssumeRole parameter', () => {
    expect(() => validateRunbook({ ...content(), assumeRole: '{{ Role }}' })).toThrow(/assumeRole must be \{\{ AutomationAssumeRole \}\}/);
    const doc = content();
    delete doc.parameters.AutomationAssumeRole;
    expect(() => validateRunbook(doc)).toThrow(/assumeRole must be/);
  });

  test('a parameter needs a known type and a description', () => {
    const doc = content();
    doc.parameters.ResourceId.type = 'Text';
    expect(() => validateRunbook(doc)).toThrow(/parameter ResourceId has type 'Text'/);
  });

  test('steps may only refer to declared parameters', () => {
    const doc = content();
    doc.mainSteps[0].inputs.InputPayload = { ResourceId: '{{ ResourceIdentifier }}' };
    expect(() => validateRunbook(doc)).toThrow(/refers to \{\{ ResourceIdentifier \}\}, which is not a parameter/);
  });

  test.each(['python3.6', 'python3.8', 'python3.9', 'python3.10', 'python3', 'python3.x', 'PowerShell 7.4', 'Python3.11', ''])(
    'the runtime %j is refused: only python3.11 or newer',
    (runtime) => {
      const doc = content();
      doc.mainSteps[0].inputs.Runtime = runtime;
      expect(() => validateRunbook(doc)).toThrow(/is not allowed: use python3\.11 or newer/);
    },
  );

  test.each(['python3.11', 'python3.12', 'python3.13'])('the runtime %j is accepted', (runtime) => {
    expect(isSupportedPythonRuntime(runtime)).toBe(true);
    const doc = content();
    doc.mainSteps[0].inputs.Runtime = runtime;
    expect(() => validateRunbook(doc)).not.toThrow();
  });

  test("the step's timeout must cover the script's wait for a cluster, within aws:executeScript's 600 s", () => {
    expect(scriptWaitSeconds(SCRIPT)).toBe(480);
    const short = content();
    short.mainSteps[0].timeoutSeconds = 300;
    expect(() => validateRunbook(short)).toThrow(/timeoutSeconds 300 leaves less than 60 s beside the script's START_WAIT_SECONDS 480/);
    const long = content();
    long.mainSteps[0].timeoutSeconds = 900;
    expect(() => validateRunbook(long)).toThrow(/timeoutSeconds must be set, at most 600/);
    const unset = content();
    delete unset.mainSteps[0].timeoutSeconds;
    expect(() => validateRunbook(unset)).toThrow(/timeoutSeconds must be set/);
    const noWait = content();
    noWait.mainSteps[0].inputs.Script = SCRIPT.replace(/^START_WAIT_SECONDS = .*$/m, '');
    expect(() => validateRunbook(noWait)).toThrow(/declares no START_WAIT_SECONDS/);
  });

  test('the YAML keeps every string as it was, YAML 1.1 look-alikes included', () => {
    const doc = content();
    doc.description = 'on';
    doc.parameters.ResourceId.description = 'yes: no # not a comment\n  indented';
    const text = renderRunbook(doc);
    expect(text).toMatch(/^description: "on"$/m);
    expect(parseYaml(text, { version: '1.1' })).toEqual(doc);
  });

  test('the script must define the handler', () => {
    const doc = content();
    doc.mainSteps[0].inputs.Handler = 'script_handler';
    expect(() => validateRunbook(doc)).toThrow(/defines no top-level `def script_handler\(events, context\)`/);
    expect(() => validateRunbook(buildRepairKeyDocument(SCRIPT.replace('def handler(', 'def main(')))).toThrow(
      /defines no top-level `def handler/,
    );
  });

  test('the script must read every InputPayload key', () => {
    const doc = content();
    doc.mainSteps[0].inputs.InputPayload = { ResourceId: '{{ ResourceId }}', AutomationAssumeRole: '{{ AutomationAssumeRole }}' };
    expect(() => validateRunbook(doc)).toThrow(/InputPayload key AutomationAssumeRole is never read/);
  });

  test('document outputs must name step outputs', () => {
    expect(() => validateRunbook({ ...content(), outputs: ['RepairKeyState.Nope'] })).toThrow(/'RepairKeyState.Nope' names no step output/);
  });

  test("the script's boto3 calls are exactly the role's actions", () => {
    expect(scriptCalls(SCRIPT)).toEqual(
      [
        'kms:cancelkeydeletion',
        'kms:describekey',
        'kms:enablekey',
        'rds:describedbclusters',
        'rds:describedbclustersnapshots',
        'rds:describedbinstances',
        'rds:startdbcluster',
      ].sort(),
    );
    expect(() => assertRoleMatchesScript(remediationStatements(SCOPE), SCRIPT)).not.toThrow();
  });

  test('a call the role does not grant fails synth', () => {
    const script = SCRIPT.replace('kms.enable_key(KeyId=key_id)', 'kms.enable_key(KeyId=key_id)\n        kms.schedule_key_deletion(KeyId=key_id)');
    expect(() => assertRoleMatchesScript(remediationStatements(SCOPE), script)).toThrow(/declares ALLOWED_CALLS/);
    const declared = script.replace('"kms:EnableKey",', '"kms:EnableKey",\n    "kms:ScheduleKeyDeletion",');
    expect(() => assertRoleMatchesScript(remediationStatements(SCOPE), declared)).toThrow(
      /the automation role grants .* but the script calls .*kms:ScheduleKeyDeletion/,
    );
  });

  test('a granted action the script does not use fails synth (least privilege)', () => {
    const statements = [
      ...remediationStatements(SCOPE),
      new iam.PolicyStatement({ actions: ['kms:ScheduleKeyDeletion'], resources: ['*'] }),
    ];
    expect(() => assertRoleMatchesScript(statements, SCRIPT)).toThrow(/the automation role grants .*kms:ScheduleKeyDeletion/);
  });

  test("Config's parameters must bind RESOURCE_ID to ResourceId and pass every required parameter", () => {
    const doc = buildRepairKeyDocument(SCRIPT);
    const role = 'arn:aws:iam::111122223333:role/r';
    expect(() => validateRemediationBinding(remediationParameters(role), doc)).not.toThrow();
    expect(() =>
      validateRemediationBinding({ ...remediationParameters(role), InstanceId: { ResourceValue: { Value: 'RESOURCE_ID' } } }, doc),
    ).toThrow(/passes parameter InstanceId, which the runbook does not declare/);
    const { AutomationAssumeRole: _role, ...noRole } = remediationParameters(role) as Record<string, unknown>;
    expect(() => validateRemediationBinding(noRole, doc)).toThrow(/AutomationAssumeRole is required but Config does not pass it/);
    expect(() =>
      validateRemediationBinding({ ...remediationParameters(role), ResourceId: { StaticValue: { Values: ['x'] } } }, doc),
    ).toThrow(/exactly ResourceId must be bound to Config's RESOURCE_ID/);
  });

  test('the errors are RunbookErrors', () => {
    expect(() => validateRunbook({ ...content(), mainSteps: [] })).toThrow(RunbookError);
  });
});
