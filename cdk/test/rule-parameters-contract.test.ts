/**
 * One parameter contract (issue #10): evaluator/rule-parameters.json lists every
 * rule parameter the function accepts, with its values, CLI flag, CDK property and
 * conformance-pack parameter. These tests fail when lib/rule-parameters.ts, the
 * conformance pack or the standalone templates drift from it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CfnParameter, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { DeployTimeRuleParameters } from '../lib/standalone';
import {
  CFN_PARAMETER_NAMES,
  ENCRYPTION_LEVELS,
  EXECUTION_ROLE_PARAMETER,
  REQUIRE_ENABLED_KEY_VALUES,
  RULE_PARAMETER_FIELDS,
  RuleParameters,
  renderInputParameters,
} from '../lib/rule-parameters';
import { CDK_DIR, KEY_A, newApp } from './helpers';

interface ManifestEntry {
  readonly name: string;
  readonly aliases: string[];
  readonly values: string[] | null;
  readonly default: string | null;
  readonly cli: string | null;
  readonly cdk: string;
  readonly conformancePack: string;
}

const MANIFEST_FILE = path.join(CDK_DIR, '..', 'evaluator', 'rule-parameters.json');
const MANIFEST: ManifestEntry[] = JSON.parse(fs.readFileSync(MANIFEST_FILE, 'utf8')).parameters;
/** Pack parameters that configure the pack itself, not a rule parameter. */
const PACK_ONLY_PARAMETERS = [
  'LambdaFunctionArn',
  'MaximumExecutionFrequency',
  'RemediationDocumentName',
  'RemediationRoleArn',
  'AutomaticRemediation',
];
/** Manifest entries set through a CDK rule parameter field (not organization options). */
const FIELD_ENTRIES = MANIFEST.filter((e) => !e.cdk.includes('.'));
const entry = (name: string) => MANIFEST.find((e) => e.name === name)!;
const sorted = (list: readonly string[]) => [...list].sort();

/** A value for every field, so that renderInputParameters emits all it can. */
const EVERY_FIELD: Required<RuleParameters> = {
  desiredEncryptionLevel: 'EXTERNAL',
  allowedKmsKeyArns: [KEY_A],
  requireEnabledKey: false,
};

describe('evaluator/rule-parameters.json', () => {
  test('every entry names its InputParameters key, CDK property and conformance-pack parameter', () => {
    expect(MANIFEST.length).toBeGreaterThan(0);
    for (const e of MANIFEST) {
      expect(e).toEqual(
        expect.objectContaining({
          name: expect.any(String),
          aliases: expect.any(Array),
          cdk: expect.any(String),
          conformancePack: expect.any(String),
        }),
      );
    }
  });
});

describe('lib/rule-parameters.ts follows the manifest', () => {
  test('RuleParameters has one field per manifest entry with a CDK field, named like the InputParameters key', () => {
    expect(sorted(RULE_PARAMETER_FIELDS)).toEqual(sorted(FIELD_ENTRIES.map((e) => e.cdk)));
    for (const e of FIELD_ENTRIES) {
      expect(e.name).toBe(e.cdk);
    }
  });

  test('the organization-only entry is ExecutionRoleName, set through organization.executionRoleName', () => {
    const organizationEntries = MANIFEST.filter((e) => e.cdk.includes('.'));
    expect(organizationEntries.map((e) => [e.name, e.cdk])).toEqual([[EXECUTION_ROLE_PARAMETER, 'organization.executionRoleName']]);
  });

  test('ENCRYPTION_LEVELS are exactly the manifest values of desiredEncryptionLevel', () => {
    expect(sorted(ENCRYPTION_LEVELS)).toEqual(sorted(entry('desiredEncryptionLevel').values!));
  });

  test('requireEnabledKey renders exactly the manifest values', () => {
    const rendered = [true, false].map((v) => renderInputParameters({ requireEnabledKey: v })!.requireEnabledKey);
    expect(sorted(rendered)).toEqual(sorted(entry('requireEnabledKey').values!));
    expect(sorted(REQUIRE_ENABLED_KEY_VALUES)).toEqual(sorted(entry('requireEnabledKey').values!));
  });

  test('every manifest value of desiredEncryptionLevel renders as itself; anything else is rejected', () => {
    for (const level of entry('desiredEncryptionLevel').values!) {
      expect(renderInputParameters({ desiredEncryptionLevel: level as any })).toEqual({ desiredEncryptionLevel: level });
    }
    expect(() => renderInputParameters({ desiredEncryptionLevel: 'AWS_MANAGED' as any })).toThrow(/desiredEncryptionLevel/);
  });

  test('renderInputParameters can emit exactly the manifest names, never an alias', () => {
    const all = renderInputParameters(EVERY_FIELD, { [EXECUTION_ROLE_PARAMETER]: 'NeptuneCmkExecutionRole' })!;
    expect(sorted(Object.keys(all))).toEqual(sorted(MANIFEST.map((e) => e.name)));
    const aliases = MANIFEST.flatMap((e) => e.aliases);
    expect(aliases).toContain('KmsKeyArns'); // accepted by the function (NEPTUNE_CLUSTER_ENCRYPTED's name)
    expect(Object.keys(renderInputParameters(EVERY_FIELD)!).filter((k) => aliases.includes(k))).toEqual([]);
  });

  test('CFN_PARAMETER_NAMES are the manifest conformance-pack names', () => {
    expect(CFN_PARAMETER_NAMES).toEqual(Object.fromEntries(MANIFEST.map((e) => [e.name, e.conformancePack])));
  });
});

describe('conformance pack follows the manifest', () => {
  const stack = new Stack(newApp(), 'Pack', {
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  new CfnInclude(stack, 'Pack', { templateFile: path.join(CDK_DIR, 'conformance-pack', 'neptune-cmk.yaml') });
  const json = Template.fromStack(stack).toJSON();
  const rule = Object.values(json.Resources).find((r: any) => r.Type === 'AWS::Config::ConfigRule') as any;

  test('every pack parameter is a manifest entry or a pack-only setting, and every entry has its parameter', () => {
    const ruleParameters = Object.keys(json.Parameters).filter((p) => !PACK_ONLY_PARAMETERS.includes(p));
    expect(sorted(ruleParameters)).toEqual(sorted(MANIFEST.map((e) => e.conformancePack)));
  });

  test('InputParameters keys are the manifest names', () => {
    expect(sorted(Object.keys(rule.Properties.InputParameters))).toEqual(sorted(MANIFEST.map((e) => e.name)));
  });

  test.each(MANIFEST.map((e) => [e.name, e]))('%s comes from its pack parameter, omitted when empty', (_name, e) => {
    const { name, conformancePack, values } = e as ManifestEntry;
    expect(rule.Properties.InputParameters[name]).toEqual({
      'Fn::If': [`Has${conformancePack}`, { Ref: conformancePack }, { Ref: 'AWS::NoValue' }],
    });
    expect(json.Parameters[conformancePack].Default).toBe('');
    expect(json.Parameters[conformancePack].AllowedValues).toEqual(values === null ? undefined : ['', ...values]);
  });
});

describe('standalone templates follow the manifest', () => {
  // Only the parameters (a template without resources does not synthesize).
  const stack = new Stack(newApp(), 'Standalone');
  new DeployTimeRuleParameters(stack, 900);
  const parameters = Object.fromEntries(
    stack.node.children.filter((c): c is CfnParameter => c instanceof CfnParameter).map((p) => [p.node.id, p]),
  );

  test('one parameter per rule parameter the CDK sets', () => {
    expect(sorted(Object.keys(parameters))).toEqual(sorted(FIELD_ENTRIES.map((e) => e.conformancePack)));
  });

  test.each(FIELD_ENTRIES.map((e) => [e.conformancePack, e]))('parameter %s: empty or a manifest value', (_name, e) => {
    const { conformancePack, values } = e as ManifestEntry;
    expect(parameters[conformancePack].default).toBe('');
    expect(parameters[conformancePack].allowedValues).toEqual(values === null ? undefined : ['', ...values]);
  });
});
