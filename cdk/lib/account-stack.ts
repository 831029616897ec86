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
  }
}
