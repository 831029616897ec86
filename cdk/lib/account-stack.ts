/** Single-account deployment: the function and an account-level AWS Config rule. */
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { NeptuneCmkRule, NeptuneCmkRuleProps } from './neptune-cmk-rule';

export type AccountRuleProps = Omit<NeptuneCmkRuleProps, 'organization'>;

export interface NeptuneCmkAccountStackProps extends StackProps {
  readonly rule: AccountRuleProps;
}

export class NeptuneCmkAccountStack extends Stack {
  readonly rule: NeptuneCmkRule;

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
