/** lib/context.ts parsing and bin/app.ts end to end (run with ts-node, as `cdk synth` does). */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_BOOTSTRAP_DIR, STACK_KINDS, readAppContext, workspaceVersion } from '../lib/context';
import { CDK_DIR, KEY_A, fakeBootstrapDir, newApp } from './helpers';

describe('readAppContext', () => {
  test('defaults: all four stacks, x86_64, bootstrap under <repo>/target/lambda, the hook on with FAIL', () => {
    const app = newApp({ bootstrapDir: undefined });
    const ctx = readAppContext(app.node);
    expect(ctx.stacks).toEqual(STACK_KINDS);
    expect(ctx.rule.bootstrapDir).toBe(DEFAULT_BOOTSTRAP_DIR);
    expect(DEFAULT_BOOTSTRAP_DIR).toBe(path.resolve(CDK_DIR, '..', 'target', 'lambda', 'neptune-cmk-rule'));
    expect(ctx.rule.architecture).toBe(lambda.Architecture.X86_64);
    expect(ctx.rule.ruleParameters).toEqual({});
    expect(ctx.rule.remediation).toBeUndefined();
    expect(ctx.organization).toEqual({});
    expect(ctx.hook).toEqual({ enabled: true, failureMode: 'FAIL' });
    expect(ctx.codeSource).toBe('asset');
    expect(ctx.codeVersion).toBeUndefined();
  });

  test('codeSource=s3 takes the version from -c codeVersion, else from <repo>/Cargo.toml', () => {
    expect(readAppContext(newApp({ codeSource: 's3', codeVersion: '1.2.3' }).node).codeVersion).toBe('1.2.3');
    const cargo = fs.readFileSync(path.join(CDK_DIR, '..', 'Cargo.toml'), 'utf8');
    expect(cargo).toContain(`version = "${workspaceVersion()}"`);
    expect(readAppContext(newApp({ codeSource: 's3' }).node).codeVersion).toBe(workspaceVersion());
  });

  test('codeSource and codeVersion are validated', () => {
    expect(() => readAppContext(newApp({ codeSource: 'git' }).node)).toThrow(/context 'codeSource'.*asset, s3/);
    expect(() => readAppContext(newApp({ codeSource: 's3', codeVersion: '../x' }).node)).toThrow(/context 'codeVersion'/);
  });

  test.each([
    ['allowedKmsKeyArns', KEY_A, 'AllowedKmsKeyArns'],
    ['organizationId', 'o-a1b2c3d4e5', 'OrganizationId'],
    ['remediation', 'manual', 'Remediation'],
    ['logRetentionDays', '30', 'LogRetentionDays'],
    ['hook', 'false', 'CreateHook'],
    ['hookFailureMode', 'WARN', 'HookFailureMode'],
  ])('codeSource=s3 refuses -c %s: it is the parameter of the same meaning', (key, value, parameter) => {
    expect(() => readAppContext(newApp({ codeSource: 's3', [key]: value }).node)).toThrow(
      new RegExp(`context '${key}': with codeSource=s3 this is the CloudFormation parameter ${parameter}`),
    );
  });

  test('codeSource=s3 refuses sourceAccounts, which the standalone template cannot express', () => {
    expect(() => readAppContext(newApp({ codeSource: 's3', sourceAccounts: '111122223333' }).node)).toThrow(
      /context 'sourceAccounts'.*aws lambda add-permission/,
    );
  });

  test('a Cargo.toml without a workspace version asks for -c codeVersion', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-cargo-'));
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "x"\n');
    expect(() => workspaceVersion(path.join(dir, 'Cargo.toml'))).toThrow(/-c codeVersion=<version>/);
  });

  test('remediation modes', () => {
    expect(readAppContext(newApp({ remediation: 'off' }).node).rule.remediation).toBeUndefined();
    expect(readAppContext(newApp({ remediation: 'manual' }).node).rule.remediation).toEqual({
      enabled: true,
      automatic: false,
      maximumAutomaticAttempts: 3,
      retryAttemptSeconds: 60,
    });
    expect(
      readAppContext(newApp({ remediation: 'automatic', remediationMaximumAttempts: 10 }).node).rule.remediation,
    ).toMatchObject({ automatic: true, maximumAutomaticAttempts: 10 });
  });

  test('stack picks one stack', () => {
    expect(readAppContext(newApp({ stack: 'member' }).node).stacks).toEqual(['member']);
    expect(readAppContext(newApp({ stack: 'hook' }).node).stacks).toEqual(['hook']);
  });

  test('unknown stack kind is rejected', () => {
    expect(() => readAppContext(newApp({ stack: 'all' }).node)).toThrow(/context 'stack'.*account, organization, member, hook/);
  });

  test('hook and hookFailureMode', () => {
    expect(readAppContext(newApp({ hook: 'false' }).node).hook).toEqual({ enabled: false, failureMode: 'FAIL' });
    expect(readAppContext(newApp({ hook: false, hookFailureMode: 'WARN' }).node).hook).toEqual({ enabled: false, failureMode: 'WARN' });
    expect(() => readAppContext(newApp({ hookFailureMode: 'ROLLBACK' }).node)).toThrow(/context 'hookFailureMode'.*FAIL, WARN/);
    expect(() => readAppContext(newApp({ hook: 'off' }).node)).toThrow(/context 'hook'.*true or false/);
  });

  test('stack=hook with hook=false is a contradiction', () => {
    expect(() => readAppContext(newApp({ stack: 'hook', hook: 'false' }).node)).toThrow(/context 'hook'.*stack=hook/);
  });

  test('empty strings count as unset', () => {
    const ctx = readAppContext(newApp({ allowedKmsKeyArns: '', desiredEncryptionLevel: '', organizationId: '' }).node);
    expect(ctx.rule.ruleParameters).toEqual({});
    expect(ctx.organization.organizationId).toBeUndefined();
  });

  test('a relative bootstrapDir is resolved against the working directory', () => {
    const ctx = readAppContext(newApp({ bootstrapDir: 'some/dir' }).node);
    expect(ctx.rule.bootstrapDir).toBe(path.resolve('some/dir'));
  });

  test('typed values from cdk.json are accepted', () => {
    const ctx = readAppContext(
      newApp({ requireEnabledKey: false, logRetentionDays: 90, allowedKmsKeyArns: [KEY_A], excludedAccounts: ['111122223333'] })
        .node,
    );
    expect(ctx.rule.ruleParameters?.requireEnabledKey).toBe(false);
    expect(ctx.rule.logRetention).toBe(90);
    expect(ctx.rule.ruleParameters?.allowedKmsKeyArns).toEqual([KEY_A]);
    expect(ctx.organization.excludedAccounts).toEqual(['111122223333']);
  });
});

/** Runs bin/app.ts the way the CDK CLI does and returns the stacks in the cloud assembly. */
/** Runs bin/app.ts the way the CDK CLI does; returns the output directory and its stacks. */
function synthApp(context: Record<string, string>): { outdir: string; stacks: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-cdkout-'));
  const cdkJson = JSON.parse(fs.readFileSync(path.join(CDK_DIR, 'cdk.json'), 'utf8')).context;
  execFileSync(path.join(CDK_DIR, 'node_modules', '.bin', 'ts-node'), ['--prefer-ts-exts', 'bin/app.ts'], {
    cwd: CDK_DIR,
    // Type checking is `npm run build`'s job; transpiling only keeps this fast.
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: 'true',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson, ...context }),
    },
    stdio: 'pipe',
  });
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, artifact]: [string, any]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id]) => id)
    .sort();
  return { outdir, stacks };
}

function runApp(context: Record<string, string>): string[] {
  return synthApp(context).stacks;
}

describe('bin/app.ts', () => {
  test('defines NeptuneCmkRule, NeptuneCmkOrgRule, NeptuneCmkMemberRole and NeptuneCmkHook', () => {
    expect(runApp({ bootstrapDir: fakeBootstrapDir(), organizationId: 'o-a1b2c3d4e5' })).toEqual(
      ['NeptuneCmkHook', 'NeptuneCmkMemberRole', 'NeptuneCmkOrgRule', 'NeptuneCmkRule'].sort(),
    );
  });

  test('codeSource=s3: the four standalone templates, without a bootstrap, an organization id or CDK assets', () => {
    const { outdir, stacks } = synthApp({ codeSource: 's3', codeVersion: '0.0.1', bootstrapDir: path.join(os.tmpdir(), 'no-such-dir') });
    expect(stacks).toEqual(['NeptuneCmkHook', 'NeptuneCmkMemberRole', 'NeptuneCmkOrgRule', 'NeptuneCmkRule']);
    for (const stack of ['NeptuneCmkRule', 'NeptuneCmkOrgRule', 'NeptuneCmkHook']) {
      const template = JSON.parse(fs.readFileSync(path.join(outdir, `${stack}.template.json`), 'utf8'));
      expect(template.Parameters.CodeS3Key.Default).toBe('neptune-cmk-rule-0.0.1-x86_64.zip');
      expect(Object.keys(template.Parameters).filter((p) => /Asset|BootstrapVersion/.test(p))).toEqual([]);
    }
    expect(fs.readdirSync(outdir).filter((f) => f.startsWith('asset.'))).toEqual([]);
  });

  test('stack=hook: the hook stack alone, with -c hookFailureMode', () => {
    const { outdir, stacks } = synthApp({ stack: 'hook', hookFailureMode: 'WARN', bootstrapDir: fakeBootstrapDir() });
    expect(stacks).toEqual(['NeptuneCmkHook']);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'NeptuneCmkHook.template.json'), 'utf8'));
    const hooks = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::CloudFormation::LambdaHook');
    expect(hooks.map((h: any) => h.Properties.FailureMode)).toEqual(['WARN']);
  });

  test('hook=false: the account stack without any hook resource', () => {
    const { outdir } = synthApp({ stack: 'account', hook: 'false', bootstrapDir: fakeBootstrapDir() });
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'NeptuneCmkRule.template.json'), 'utf8'));
    expect(Object.keys(template.Resources).filter((id) => id.startsWith('NeptuneCmkHook'))).toEqual([]);
  });

  test('stack=member needs neither a bootstrap nor an organization id', () => {
    expect(runApp({ stack: 'member', bootstrapDir: path.join(os.tmpdir(), 'no-such-dir') })).toEqual([
      'NeptuneCmkMemberRole',
    ]);
  });
});
