/** conformance-pack/neptune-cmk.yaml, loaded through cloudformation-include. */
import * as fs from 'fs';
import * as path from 'path';
import { DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { RULE_DESCRIPTION } from '../lib/rule-parameters';
import { CDK_DIR, newApp, only } from './helpers';

const PACK = path.join(CDK_DIR, 'conformance-pack', 'neptune-cmk.yaml');

describe('conformance pack template', () => {
  // No bootstrap-version parameter: the template must be exactly the file.
  const stack = new Stack(newApp(), 'ConformancePack', {
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  new CfnInclude(stack, 'Pack', { templateFile: PACK });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const rule = only(template, 'AWS::Config::ConfigRule').resource.Properties;

  test('contains the one Config rule and its optional remediation', () => {
    expect(Object.values(json.Resources).map((r: any) => r.Type)).toEqual([
      'AWS::Config::ConfigRule',
      'AWS::Config::RemediationConfiguration',
    ]);
  });

  test('rule description is the CDK rule description', () => {
    expect(rule.Description).toBe(RULE_DESCRIPTION);
  });

  test('uses long-form intrinsics only (no YAML short tags)', () => {
    expect(fs.readFileSync(PACK, 'utf8')).not.toMatch(/!(Ref|If|Not|Equals|Sub|GetAtt)\b/);
  });

  test('parameters: the Lambda ARN (required) and the rule parameters (optional)', () => {
    expect(Object.keys(json.Parameters).sort()).toEqual(
      [
        'AllowedKmsKeyArns',
        'DesiredEncryptionLevel',
        'ExecutionRoleName',
        'LambdaFunctionArn',
        'MaximumExecutionFrequency',
        'RequireEnabledKey',
        'RemediationDocumentName',
        'RemediationRoleArn',
        'AutomaticRemediation',
      ].sort(),
    );
    expect(json.Parameters.LambdaFunctionArn.Default).toBeUndefined();
    template.hasParameter('MaximumExecutionFrequency', { Default: 'TwentyFour_Hours' });
    template.hasParameter('DesiredEncryptionLevel', {
      Default: '',
      AllowedValues: ['', 'CUSTOMER_MANAGED', 'EXTERNAL', 'CLOUDHSM'],
    });
    template.hasParameter('RequireEnabledKey', { Default: '', AllowedValues: ['', 'true', 'false'] });
    template.hasParameter('AllowedKmsKeyArns', { Default: '' });
    template.hasParameter('ExecutionRoleName', { Default: '' });
  });

  test('rule is CUSTOM_LAMBDA on the Lambda ARN parameter', () => {
    expect(rule.Source.Owner).toBe('CUSTOM_LAMBDA');
    expect(rule.Source.SourceIdentifier).toEqual({ Ref: 'LambdaFunctionArn' });
    expect(rule.ConfigRuleName).toBe('neptune-cmk-encrypted');
  });

  test('rule has the three triggers, the scheduled one with the frequency parameter', () => {
    expect(rule.Source.SourceDetails).toEqual([
      { EventSource: 'aws.config', MessageType: 'ConfigurationItemChangeNotification' },
      { EventSource: 'aws.config', MessageType: 'OversizedConfigurationItemChangeNotification' },
      {
        EventSource: 'aws.config',
        MessageType: 'ScheduledNotification',
        MaximumExecutionFrequency: { Ref: 'MaximumExecutionFrequency' },
      },
    ]);
  });

  test('rule scope is the three RDS types plus KMS keys (key changes trigger)', () => {
    expect(rule.Scope).toEqual({
      ComplianceResourceTypes: [
        'AWS::RDS::DBCluster',
        'AWS::RDS::DBInstance',
        'AWS::RDS::DBClusterSnapshot',
        'AWS::KMS::Key',
      ],
    });
  });

  test('remediation: attached only with RemediationDocumentName, manual unless AutomaticRemediation=true', () => {
    const [id, remediation] = Object.entries(json.Resources).find(
      ([, r]: [string, any]) => r.Type === 'AWS::Config::RemediationConfiguration',
    ) as [string, any];
    expect(id).toBe('NeptuneCmkKeyStateRemediation');
    expect(remediation.Condition).toBe('HasRemediation');
    expect(remediation.DependsOn).toEqual(['NeptuneCmkEncrypted']);
    expect(json.Conditions.HasRemediation).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', { Ref: 'RemediationDocumentName' }] }] });
    expect(json.Conditions.IsAutomaticRemediation).toEqual({ 'Fn::Equals': ['true', { Ref: 'AutomaticRemediation' }] });
    template.hasParameter('AutomaticRemediation', { Default: 'false', AllowedValues: ['false', 'true'] });
    expect(remediation.Properties).toEqual({
      ConfigRuleName: rule.ConfigRuleName,
      TargetType: 'SSM_DOCUMENT',
      TargetId: { Ref: 'RemediationDocumentName' },
      Parameters: {
        ResourceId: { ResourceValue: { Value: 'RESOURCE_ID' } },
        AutomationAssumeRole: { StaticValue: { Values: [{ Ref: 'RemediationRoleArn' }] } },
      },
      Automatic: { 'Fn::If': ['IsAutomaticRemediation', true, false] },
      MaximumAutomaticAttempts: 3,
      RetryAttemptSeconds: 60,
    });
  });

  test.each([
    ['desiredEncryptionLevel', 'DesiredEncryptionLevel'],
    ['allowedKmsKeyArns', 'AllowedKmsKeyArns'],
    ['requireEnabledKey', 'RequireEnabledKey'],
    ['ExecutionRoleName', 'ExecutionRoleName'],
  ])('InputParameters.%s is omitted when %s is empty', (key, param) => {
    const condition = `Has${param}`;
    expect(rule.InputParameters[key]).toEqual({ 'Fn::If': [condition, { Ref: param }, { Ref: 'AWS::NoValue' }] });
    expect(json.Conditions[condition]).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', { Ref: param }] }] });
  });

  test('InputParameters has no other keys', () => {
    expect(Object.keys(rule.InputParameters).sort()).toEqual(
      ['ExecutionRoleName', 'allowedKmsKeyArns', 'desiredEncryptionLevel', 'requireEnabledKey'].sort(),
    );
  });
});
