/**
 * Organization deployment, for the management or delegated-administrator
 * account: the function and an AWS::Config::OrganizationConfigRule. Member
 * accounts need the execution role from `NeptuneCmkMemberRoleStack`.
 */
import { Annotations, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AccountRuleProps, addAlarmOutputs } from './account-stack';
import { NeptuneCmkRule, OrganizationOptions } from './neptune-cmk-rule';
import { DEFAULT_EXECUTION_ROLE_NAME } from './rule-parameters';

export interface NeptuneCmkOrgStackProps extends StackProps {
  readonly rule: AccountRuleProps;
  /** organizationId is required; without it the stack carries a synth error instead of resources. */
  readonly organization: Omit<OrganizationOptions, 'organizationId'> & { readonly organizationId?: string };
}

export class NeptuneCmkOrgStack extends Stack {
  /** Undefined only when organizationId was missing (the stack then fails synth). */
  readonly rule?: NeptuneCmkRule;

  constructor(scope: Construct, id: string, props: NeptuneCmkOrgStackProps) {
    super(scope, id, {
      description:
        'neptune-cmk: AWS Config organization rule (Lambda in this account) checking Neptune encryption with a KMS customer managed key',
      ...props,
    });
    const { organizationId } = props.organization;
    if (props.rule.remediation !== undefined && props.rule.remediation.enabled !== false) {
      // PutRemediationConfigurations does not accept organization rules (Config API reference).
      Annotations.of(this).addError(
        'Remediation cannot be attached to an organization rule (AWS Config does not allow it): drop ' +
          '-c remediation for this stack; run the runbook per account with the account stack or use ' +
          '`neptune-cmk remediate` (docs/DEPLOY.md, "Remediation").',
      );
      return;
    }
    if (organizationId === undefined) {
      // An error annotation, not an exception: only synthesizing or deploying
      // this stack fails, so `cdk deploy NeptuneCmkRule` still works without it.
      Annotations.of(this).addError(
        'The organization stack needs the organization id: pass -c organizationId=o-xxxxxxxxxx ' +
          '(aws organizations describe-organization --query Organization.Id).',
      );
      return;
    }
    this.rule = new NeptuneCmkRule(this, 'NeptuneCmkRule', {
      ...props.rule,
      organization: { ...props.organization, organizationId },
    });
    new CfnOutput(this, 'FunctionArn', { value: this.rule.function.functionArn });
    new CfnOutput(this, 'FunctionRoleArn', {
      value: this.rule.role.roleArn,
      description: 'CentralFunctionRoleArn parameter of the member-account execution role stack',
    });
    if (this.rule.organizationConfigRule !== undefined) {
      new CfnOutput(this, 'OrganizationConfigRuleName', { value: this.rule.organizationConfigRule.ref });
    }
    new CfnOutput(this, 'ExecutionRoleName', {
      value: props.organization.executionRoleName ?? DEFAULT_EXECUTION_ROLE_NAME,
    });
    addAlarmOutputs(this, this.rule);
  }
}
