/** conformance-pack/neptune-cmk.yaml, loaded through cloudformation-include. */
import * as fs from 'fs';
import * as path from 'path';
import { DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
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

  test('contains only the one Config rule', () => {
    expect(Object.values(json.Resources).map((r: any) => r.Type)).toEqual(['AWS::Config::ConfigRule']);
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

  test('rule scope is the three RDS types', () => {
    expect(rule.Scope).toEqual({
      ComplianceResourceTypes: ['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::RDS::DBClusterSnapshot'],
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
