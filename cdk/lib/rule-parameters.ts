/**
 * The rule's InputParameters: what the function accepts, how they are
 * validated at synth time, and how they are rendered for AWS Config.
 *
 * The function rejects unknown parameter names, so only parameters that were
 * set are ever emitted; an unset parameter means "use the function's default".
 */

/** Values of `desiredEncryptionLevel` that the function understands. */
export const ENCRYPTION_LEVELS = ['CUSTOMER_MANAGED', 'EXTERNAL', 'CLOUDHSM'] as const;
export type EncryptionLevel = (typeof ENCRYPTION_LEVELS)[number];

/** Values of `requireEnabledKey` as rendered into InputParameters. */
export const REQUIRE_ENABLED_KEY_VALUES = ['true', 'false'] as const;

/** The resource types the rule judges (Neptune is recorded as RDS types). */
export const NEPTUNE_RESOURCE_TYPES = [
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBClusterSnapshot',
] as const;

/**
 * The rule's scope: the Neptune types plus KMS keys. A key's configuration
 * item triggers a re-evaluation of every Neptune resource it encrypts; the key
 * itself is written NOT_APPLICABLE (keys are triggers, not judged).
 */
export const RULE_SCOPE_RESOURCE_TYPES = [...NEPTUNE_RESOURCE_TYPES, 'AWS::KMS::Key'] as const;

/** The InputParameters key of the member-account role name (organization mode). */
export const EXECUTION_ROLE_PARAMETER = 'ExecutionRoleName';

/** Default AWS Config rule name (single account and organization). */
export const DEFAULT_RULE_NAME = 'neptune-cmk-encrypted';

/** Default name of the role the function assumes in each member account. */
export const DEFAULT_EXECUTION_ROLE_NAME = 'NeptuneCmkExecutionRole';

/** Rule description shown in the Config console (Config accepts at most 256 characters). */
export const RULE_DESCRIPTION =
  'Checks that every Amazon Neptune DB cluster, DB instance and DB cluster snapshot is encrypted at rest ' +
  'with an AWS KMS customer managed key. A key change re-evaluates the resources it encrypts.';

/** PutConfigRule accepts at most 1024 characters of InputParameters. */
export const MAX_RULE_INPUT_PARAMETERS = 1024;
/** OrganizationCustomRuleMetadata accepts at most 2048 characters of InputParameters. */
export const MAX_ORG_RULE_INPUT_PARAMETERS = 2048;

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Rule parameters as typed values; every field is optional. */
export interface RuleParameters {
  /** Which kind of key counts as compliant. Function default: CUSTOMER_MANAGED. */
  readonly desiredEncryptionLevel?: EncryptionLevel;
  /** Optional allow-list of KMS key ARNs; a key outside it is NON_COMPLIANT. */
  readonly allowedKmsKeyArns?: readonly string[];
  /** Whether a disabled or pending-deletion key is NON_COMPLIANT. Function default: true. */
  readonly requireEnabledKey?: boolean;
}

/**
 * The fields of RuleParameters, listed once; the mapped type makes the
 * compiler reject a field added to RuleParameters but not here (and the
 * reverse). Tests compare this list with evaluator/rule-parameters.json.
 */
const RULE_PARAMETER_FIELD_SET: { readonly [K in keyof Required<RuleParameters>]: true } = {
  desiredEncryptionLevel: true,
  allowedKmsKeyArns: true,
  requireEnabledKey: true,
};
export const RULE_PARAMETER_FIELDS = Object.keys(RULE_PARAMETER_FIELD_SET) as (keyof RuleParameters)[];

/**
 * CloudFormation parameter carrying each rule parameter, in the conformance
 * pack and the standalone templates ('' there means "not set").
 */
export const CFN_PARAMETER_NAMES: { readonly [K in keyof Required<RuleParameters>]: string } & {
  readonly [EXECUTION_ROLE_PARAMETER]: string;
} = {
  desiredEncryptionLevel: 'DesiredEncryptionLevel',
  allowedKmsKeyArns: 'AllowedKmsKeyArns',
  requireEnabledKey: 'RequireEnabledKey',
  [EXECUTION_ROLE_PARAMETER]: 'ExecutionRoleName',
};

/** Pattern of one KMS key ARN, shared with the CloudFormation parameters of the standalone templates. */
export const KMS_KEY_ARN_PATTERN = 'arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[A-Za-z0-9-]+';
const KMS_KEY_ARN = new RegExp(`^${KMS_KEY_ARN_PATTERN}$`);

/** Raised for a value that the function would reject; synth fails with this message. */
export class RuleParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleParameterError';
  }
}

/** Checks every set parameter; throws a RuleParameterError naming the bad value. */
export function validateRuleParameters(params: RuleParameters): void {
  const level = params.desiredEncryptionLevel;
  if (level !== undefined && !(ENCRYPTION_LEVELS as readonly string[]).includes(level)) {
    throw new RuleParameterError(
      `desiredEncryptionLevel must be one of ${ENCRYPTION_LEVELS.join(', ')}; got '${level}'`,
    );
  }
  if (params.allowedKmsKeyArns !== undefined) {
    if (params.allowedKmsKeyArns.length === 0) {
      throw new RuleParameterError('allowedKmsKeyArns is set but empty; leave it unset to allow any key');
    }
    for (const arn of params.allowedKmsKeyArns) {
      if (!KMS_KEY_ARN.test(arn)) {
        throw new RuleParameterError(
          `allowedKmsKeyArns entries must be KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>); got '${arn}'`,
        );
      }
    }
  }
}

/** Checks a role name (IAM rules: 1-64 of [A-Za-z0-9+=,.@_-]). */
export function validateRoleName(name: string, what: string): void {
  if (!ROLE_NAME.test(name)) {
    throw new RuleParameterError(`${what} must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-]); got '${name}'`);
  }
}

/**
 * Renders the set parameters as Config InputParameters (string values only).
 * Returns undefined when nothing is set, so the property can be omitted.
 */
export function renderInputParameters(
  params: RuleParameters,
  extra: Record<string, string> = {},
): Record<string, string> | undefined {
  validateRuleParameters(params);
  const out: Record<string, string> = {};
  if (params.desiredEncryptionLevel !== undefined) {
    out.desiredEncryptionLevel = params.desiredEncryptionLevel;
  }
  if (params.allowedKmsKeyArns !== undefined) {
    out.allowedKmsKeyArns = params.allowedKmsKeyArns.join(',');
  }
  if (params.requireEnabledKey !== undefined) {
    out.requireEnabledKey = params.requireEnabledKey ? REQUIRE_ENABLED_KEY_VALUES[0] : REQUIRE_ENABLED_KEY_VALUES[1];
  }
  Object.assign(out, extra);
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * The rendered parameters as the JSON text AWS Config hands the function
 * (`ruleParameters`), '{}' when none is set. The deploy-time hook reads the
 * same text from its environment (NEPTUNE_CMK_RULE_PARAMETERS), so the rule
 * and the hook judge with the same parameters.
 */
export function inputParametersAsJson(rendered: Record<string, string> | undefined): string {
  return JSON.stringify(rendered ?? {});
}

/** Throws when the JSON form of the parameters exceeds what Config accepts. */
export function assertInputParametersFit(rendered: Record<string, string> | undefined, max: number): void {
  if (rendered === undefined) {
    return;
  }
  const length = JSON.stringify(rendered).length;
  if (length > max) {
    throw new RuleParameterError(
      `InputParameters are ${length} characters once rendered as JSON; AWS Config accepts at most ${max}. ` +
        'Shorten allowedKmsKeyArns (for example, list fewer keys).',
    );
  }
}
