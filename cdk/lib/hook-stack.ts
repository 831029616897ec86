/**
 * The deploy-time hook alone (`-c stack=hook`, id NeptuneCmkHook): for an
 * account or region that gets the hook without the Config rule. Its
 * standalone form (lib/standalone.ts, `NeptuneCmkHook.template.json`) is the
 * one an organization rolls out with a service-managed StackSet.
 *
 * The hook's alias is unique per account and region: do not deploy this stack
 * where the account stack already has its hook (`-c hook=false` there).
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AccountRuleProps, HookOptions, addHookOutputs } from './account-stack';
import { NeptuneCmkHook } from './neptune-cmk-hook';
import { functionCode, validateArns } from './neptune-cmk-rule';
import {
  MAX_RULE_INPUT_PARAMETERS,
  assertInputParametersFit,
  inputParametersAsJson,
  renderInputParameters,
} from './rule-parameters';

export interface NeptuneCmkHookStackProps extends StackProps {
  /** The code, architecture, logging and rule parameters of the account stack's settings. */
  readonly rule: Pick<AccountRuleProps, 'bootstrapDir' | 'code' | 'architecture' | 'logRetention' | 'logKmsKeyArn' | 'ruleParameters'>;
  readonly hook?: Pick<HookOptions, 'failureMode'>;
}

export class NeptuneCmkHookStack extends Stack {
  readonly hook: NeptuneCmkHook;

  constructor(scope: Construct, id: string, props: NeptuneCmkHookStackProps) {
    super(scope, id, {
      description:
        'neptune-cmk: CloudFormation Lambda Hook refusing Neptune clusters and graphs not encrypted with a KMS customer managed key',
      ...props,
    });
    // Rendered and bounded exactly as the account rule's InputParameters, so a
    // parameter set the rule accepts is the one the hook judges with.
    const rendered = renderInputParameters(props.rule.ruleParameters ?? {});
    assertInputParametersFit(rendered, MAX_RULE_INPUT_PARAMETERS);
    validateArns(props.rule);
    const architecture = props.rule.architecture ?? lambda.Architecture.X86_64;
    this.hook = new NeptuneCmkHook(this, 'NeptuneCmkHook', {
      code: functionCode(this, props.rule, architecture),
      architecture,
      ruleParametersJson: inputParametersAsJson(rendered),
      failureMode: props.hook?.failureMode,
      logRetention: props.rule.logRetention,
      logKmsKeyArn: props.rule.logKmsKeyArn,
    });
    addHookOutputs(this, this.hook);
  }
}
