/**
 * Single-account deployment: the function and an account-level AWS Config
 * rule, and by default the deploy-time hook (lib/neptune-cmk-hook.ts) from
 * the same code and with the same rule parameters.
 */
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HookFailureMode, NeptuneCmkHook } from './neptune-cmk-hook';
import { NeptuneCmkRule, NeptuneCmkRuleProps } from './neptune-cmk-rule';

export type AccountRuleProps = Omit<NeptuneCmkRuleProps, 'organization'>;

/** Context `hook` and `hookFailureMode`. */
export interface HookOptions {
  /** false leaves every hook resource out. @default true */
  readonly enabled?: boolean;
  /** @default FAIL */
  readonly failureMode?: HookFailureMode;
}

export interface NeptuneCmkAccountStackProps extends StackProps {
  readonly rule: AccountRuleProps;
  /** @default the hook, with FailureMode FAIL */
  readonly hook?: HookOptions;
}

export class NeptuneCmkAccountStack extends Stack {
  readonly rule: NeptuneCmkRule;
  /** Undefined with `hook.enabled: false`. */
  readonly hook?: NeptuneCmkHook;

  constructor(scope: Construct, id: string, props: NeptuneCmkAccountStackProps) {
    super(scope, id, {
      description: 'neptune-cmk: AWS Config custom Lambda rule checking Neptune encryption with a KMS customer managed key',
      ...props,
    });
    this.rule = new NeptuneCmkRule(this, 'NeptuneCmkRule', props.rule);
    new CfnOutput(this, 'FunctionArn', { value: this.rule.function.functionArn });
    if (this.rule.configRule !== undefined) {
      new CfnOutput(this, 'ConfigRuleName', { value: this.rule.configRule.ref });
    }
    addAlarmOutputs(this, this.rule);
    addRemediationOutputs(this, this.rule);
    if (props.hook?.enabled !== false) {
      this.hook = new NeptuneCmkHook(this, 'NeptuneCmkHook', {
        // The rule's own code and rendered parameters: the two cannot drift apart.
        code: this.rule.code,
        architecture: props.rule.architecture,
        ruleParametersJson: this.rule.inputParametersJson,
        failureMode: props.hook?.failureMode,
        logRetention: props.rule.logRetention,
        logKmsKeyArn: props.rule.logKmsKeyArn,
      });
      addHookOutputs(this, this.hook);
    }
  }
}

/** The alarm names, for `aws cloudwatch describe-alarms --alarm-names`. */
export function addAlarmOutputs(scope: Construct, rule: NeptuneCmkRule): void {
  new CfnOutput(scope, 'ErrorsAlarmName', { value: rule.errorsAlarm.alarmName });
  new CfnOutput(scope, 'EvaluationsNotWrittenAlarmName', { value: rule.notWrittenAlarm.alarmName });
}

/** The runbook and its role, which the conformance pack's remediation parameters take. */
export function addRemediationOutputs(scope: Construct, rule: NeptuneCmkRule): void {
  const runbook = rule.runbook;
  if (runbook === undefined) {
    return;
  }
  const condition = runbook.document.cfnOptions.condition;
  new CfnOutput(scope, 'RemediationDocumentName', { value: runbook.document.ref, condition });
  new CfnOutput(scope, 'RemediationRoleArn', { value: runbook.role.roleArn, condition });
}

/** The hook's ARN (`aws cloudformation list-hook-results --type-arn`) and its function. */
export function addHookOutputs(scope: Construct, hook: NeptuneCmkHook): void {
  const condition = hook.hook.cfnOptions.condition;
  new CfnOutput(scope, 'HookArn', { value: hook.hook.attrHookArn, condition });
  new CfnOutput(scope, 'HookFunctionArn', { value: hook.function.functionArn, condition });
}
