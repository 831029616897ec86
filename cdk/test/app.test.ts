/** lib/context.ts parsing and bin/app.ts end to end (run with ts-node, as `cdk synth` does). */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_BOOTSTRAP_DIR, STACK_KINDS, readAppContext } from '../lib/context';
import { CDK_DIR, KEY_A, fakeBootstrapDir, newApp } from './helpers';

describe('readAppContext', () => {
  test('defaults: all three stacks, x86_64, bootstrap under <repo>/target/lambda', () => {
    const app = newApp({ bootstrapDir: undefined });
    const ctx = readAppContext(app.node);
    expect(ctx.stacks).toEqual(STACK_KINDS);
    expect(ctx.rule.bootstrapDir).toBe(DEFAULT_BOOTSTRAP_DIR);
    expect(DEFAULT_BOOTSTRAP_DIR).toBe(path.resolve(CDK_DIR, '..', 'target', 'lambda', 'neptune-cmk-rule'));
    expect(ctx.rule.architecture).toBe(lambda.Architecture.X86_64);
    expect(ctx.rule.ruleParameters).toEqual({});
    expect(ctx.organization).toEqual({});
  });

  test('stack picks one stack', () => {
    expect(readAppContext(newApp({ stack: 'member' }).node).stacks).toEqual(['member']);
  });

  test('unknown stack kind is rejected', () => {
    expect(() => readAppContext(newApp({ stack: 'all' }).node)).toThrow(/context 'stack'.*account, organization, member/);
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
function runApp(context: Record<string, string>): string[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'neptune-cmk-cdkout-'));
  execFileSync(path.join(CDK_DIR, 'node_modules', '.bin', 'ts-node'), ['--prefer-ts-exts', 'bin/app.ts'], {
    cwd: CDK_DIR,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    stdio: 'pipe',
  });
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  return Object.entries(manifest.artifacts)
    .filter(([, artifact]: [string, any]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id]) => id)
    .sort();
}

describe('bin/app.ts', () => {
  test('defines NeptuneCmkRule, NeptuneCmkOrgRule and NeptuneCmkMemberRole', () => {
    expect(runApp({ bootstrapDir: fakeBootstrapDir(), organizationId: 'o-a1b2c3d4e5' })).toEqual(
      ['NeptuneCmkMemberRole', 'NeptuneCmkOrgRule', 'NeptuneCmkRule'].sort(),
    );
  });

  test('stack=member needs neither a bootstrap nor an organization id', () => {
    expect(runApp({ stack: 'member', bootstrapDir: path.join(os.tmpdir(), 'no-such-dir') })).toEqual([
      'NeptuneCmkMemberRole',
    ]);
  });
});
