/**
 * AWS Config remediation of key-state failures: an SSM Automation runbook
 * (schemaVersion 0.3, a YAML document) whose one `aws:executeScript` step runs
 * runbooks/repair_key.py, inlined at synth; its automation role; and the
 * binding of Config's RESOURCE_ID to the runbook's ResourceId parameter.
 *
 * The runbook cancels a key deletion and re-enables a disabled key of this
 * account, then starts the cluster if Neptune left it
 * `inaccessible-encryption-credentials-recoverable` and waits until it is
 * `available` (a cluster in the terminal `inaccessible-encryption-credentials`
 * state fails the run with the restore commands). It never moves data to
 * another key: that needs a snapshot, a restore and a cut-over, which stay
 * with `neptune-cmk remediate apply`.
 *
 * The document is YAML because the Systems Manager documentation shows an
 * inline `Script` for YAML runbooks (JSON runbooks were documented with the
 * script as an attachment). The .py file stays the single source of truth:
 * it is inlined verbatim as a literal block scalar, and the YAML is parsed
 * back at synth and must give exactly the document it was made from.
 *
 * Everything is checked at synth: the document's schema, the Python runtime
 * (3.11 or newer), that the step's timeout covers the script's wait, that the
 * script defines the handler and reads the InputPayload keys, that Config's
 * parameters bind every runbook parameter, and that the automation role grants
 * exactly the AWS calls the script makes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Aws, CfnCondition, IResolvable, Token } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ReadScope, describeStatements } from './permissions';

export const RUNBOOK_SCRIPT_PATH = path.resolve(__dirname, '..', 'runbooks', 'repair_key.py');
export const RUNBOOK_RUNTIME = 'python3.11';
export const RUNBOOK_HANDLER = 'handler';
export const RUNBOOK_STEP = 'RepairKeyState';
/**
 * The step's timeout: the most `aws:executeScript` allows ("Each
 * aws:executeScript action can run up to a maximum duration of 600 seconds"),
 * since the script may wait for a cluster to start.
 */
export const RUNBOOK_TIMEOUT_SECONDS = 600;
/** The runbook parameter that AWS Config fills with the non-compliant resource id. */
export const RESOURCE_ID_PARAMETER = 'ResourceId';
/** The runbook parameter naming its role; automatic remediation requires exactly this name. */
export const ASSUME_ROLE_PARAMETER = 'AutomationAssumeRole';
/** Config's placeholder for the non-compliant resource's id in a ResourceValue. */
export const CONFIG_RESOURCE_ID = 'RESOURCE_ID';

/**
 * The oldest Python runtime the synth check accepts. The Systems Manager User
 * Guide (aws:executeScript) says runbooks on Python 3.6, 3.7 or 3.8 can no
 * longer be created or updated (4 December 2024) nor run (18 February 2025),
 * and recommends upgrading to Python 3.11; the project's fact sheet (section
 * 11) records 3.6-3.9 as no longer run. 3.9 and 3.10 are refused here too, so
 * the runbook never ships on a runtime on its way out.
 */
const MIN_PYTHON_MINOR = 11;
const PARAMETER_TYPES = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'];
/** SSM documents hold at most 64 KB of content. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
/** The longest an `aws:executeScript` step may run. */
const MAX_SCRIPT_STEP_SECONDS = 600;
/** What the step keeps for its own lookups and repair besides the script's wait for a cluster. */
const WAIT_MARGIN_SECONDS = 60;

/** Raised when the runbook, its binding or its IAM do not fit together; synth fails with it. */
export class RunbookError extends Error {
  constructor(message: string) {
    super(`remediation runbook: ${message}`);
    this.name = 'RunbookError';
  }
}

export interface RunbookParameter {
  readonly type: string;
  readonly description: string;
  readonly allowedPattern?: string;
  readonly default?: unknown;
}

export interface RunbookStep {
  readonly name: string;
  readonly action: string;
  readonly isEnd?: boolean;
  readonly timeoutSeconds?: number;
  readonly inputs: Record<string, any>;
  readonly outputs?: { Name: string; Selector: string; Type: string }[];
}

/** The Automation document, as CloudFormation's AWS::SSM::Document Content. */
export interface RunbookContent {
  readonly schemaVersion: string;
  readonly description: string;
  readonly assumeRole: string;
  readonly parameters: Record<string, RunbookParameter>;
  readonly mainSteps: RunbookStep[];
  readonly outputs: string[];
}

export function readRunbookScript(file: string = RUNBOOK_SCRIPT_PATH): string {
  return fs.readFileSync(file, 'utf8');
}

/** The runbook around the script. */
export function buildRepairKeyDocument(script: string): RunbookContent {
  return {
    schemaVersion: '0.3',
    description:
      'neptune-cmk: repairs the state of the customer managed KMS key that encrypts a Neptune DB cluster, DB ' +
      'instance or DB cluster snapshot of this account (PendingDeletion or PendingReplicaDeletion: cancel the ' +
      'deletion, then enable; Disabled: enable), then starts the cluster if Neptune left it ' +
      'inaccessible-encryption-credentials-recoverable and waits until it is available. Fails with the restore ' +
      'commands for a cluster in the terminal inaccessible-encryption-credentials state. Refuses, changing ' +
      'nothing, for unencrypted resources, AWS managed keys and keys of other accounts: those need a migration ' +
      'with `neptune-cmk remediate apply`.',
    assumeRole: `{{ ${ASSUME_ROLE_PARAMETER} }}`,
    parameters: {
      [RESOURCE_ID_PARAMETER]: {
        type: 'String',
        description:
          'The non-compliant resource as AWS Config identifies it: a DB cluster resource id (cluster-...), a DB ' +
          'instance resource id (db-...) or a DB cluster snapshot identifier.',
        allowedPattern: '^[A-Za-z0-9][A-Za-z0-9:-]{0,254}$',
      },
      [ASSUME_ROLE_PARAMETER]: {
        type: 'String',
        description: 'The role the automation runs as (the NeptuneCmk remediation role of this stack).',
        allowedPattern: '^arn:aws[a-z0-9-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
      },
    },
    mainSteps: [
      {
        name: RUNBOOK_STEP,
        action: 'aws:executeScript',
        isEnd: true,
        timeoutSeconds: RUNBOOK_TIMEOUT_SECONDS,
        inputs: {
          Runtime: RUNBOOK_RUNTIME,
          Handler: RUNBOOK_HANDLER,
          InputPayload: { [RESOURCE_ID_PARAMETER]: `{{ ${RESOURCE_ID_PARAMETER} }}` },
          Script: script,
        },
        outputs: [
          { Name: 'KeyState', Selector: '$.Payload.KeyState', Type: 'String' },
          { Name: 'ClusterStatus', Selector: '$.Payload.ClusterStatus', Type: 'String' },
          { Name: 'Message', Selector: '$.Payload.Message', Type: 'String' },
        ],
      },
    ],
    outputs: [`${RUNBOOK_STEP}.KeyState`, `${RUNBOOK_STEP}.ClusterStatus`, `${RUNBOOK_STEP}.Message`],
  };
}

/**
 * The document as SSM YAML. YAML 1.1 quoting (so that a YAML 1.1 parser, such
 * as cfn-lint's PyYAML, reads `on`, `yes` and the like as the strings they
 * are; which YAML version SSM parses is not documented), no line folding, and
 * multi-line strings (the script) as literal block scalars, so the script
 * reads in the console exactly as in the .py file. Parsed back, the text must
 * give the very document it was made from.
 */
export function renderRunbook(content: RunbookContent): string {
  const text = stringifyYaml(content, { version: '1.1', lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false });
  if (JSON.stringify(parseYaml(text, { version: '1.1' })) !== JSON.stringify(content)) {
    throw new RunbookError('the YAML rendering of the document does not parse back to the same document');
  }
  return text;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_:.]+)\s*\}\}/g;

function placeholders(value: unknown): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/** Checks the document against the Automation schema rules this runbook relies on. */
export function validateRunbook(content: RunbookContent): void {
  if (content.schemaVersion !== '0.3') {
    throw new RunbookError(`schemaVersion must be '0.3' (Automation); got '${content.schemaVersion}'`);
  }
  validateParameters(content);
  if (content.mainSteps.length === 0) {
    throw new RunbookError('mainSteps is empty');
  }
  const stepNames = new Set<string>();
  for (const step of content.mainSteps) {
    if (!/^[A-Za-z0-9_]{1,128}$/.test(step.name) || stepNames.has(step.name)) {
      throw new RunbookError(`step name '${step.name}' must be unique and match [A-Za-z0-9_]{1,128}`);
    }
    stepNames.add(step.name);
    for (const name of placeholders(step.inputs)) {
      if (!(name in content.parameters) && !name.startsWith('automation:') && !name.startsWith('global:')) {
        throw new RunbookError(`step ${step.name} refers to {{ ${name} }}, which is not a parameter`);
      }
    }
    if (step.action === 'aws:executeScript') {
      validateScriptStep(step);
    }
  }
  for (const output of content.outputs) {
    const [stepName, outputName] = output.split('.');
    const step = content.mainSteps.find((s) => s.name === stepName);
    if (step === undefined || !(step.outputs ?? []).some((o) => o.Name === outputName)) {
      throw new RunbookError(`document output '${output}' names no step output`);
    }
  }
  const size = Buffer.byteLength(renderRunbook(content), 'utf8');
  if (size > MAX_DOCUMENT_BYTES) {
    throw new RunbookError(`the document is ${size} bytes; SSM accepts at most ${MAX_DOCUMENT_BYTES}`);
  }
}

/** Whether `runtime` is `python3.N` with N at least MIN_PYTHON_MINOR. */
export function isSupportedPythonRuntime(runtime: unknown): boolean {
  const match = typeof runtime === 'string' ? /^python3\.(\d+)$/.exec(runtime) : null;
  return match !== null && Number(match[1]) >= MIN_PYTHON_MINOR;
}

/** The script's own bound on its wait for a cluster (`START_WAIT_SECONDS = N`). */
export function scriptWaitSeconds(script: string): number {
  const match = /^START_WAIT_SECONDS = (\d+)\s*$/m.exec(script);
  if (match === null) {
    throw new RunbookError('the script declares no START_WAIT_SECONDS = <seconds>');
  }
  return Number(match[1]);
}

function validateParameters(content: RunbookContent): void {
  for (const [name, parameter] of Object.entries(content.parameters)) {
    if (!PARAMETER_TYPES.includes(parameter.type)) {
      throw new RunbookError(`parameter ${name} has type '${parameter.type}'; expected one of ${PARAMETER_TYPES.join(', ')}`);
    }
    if (!parameter.description) {
      throw new RunbookError(`parameter ${name} has no description`);
    }
  }
  const roles = placeholders(content.assumeRole);
  if (roles.length !== 1 || roles[0] !== ASSUME_ROLE_PARAMETER || !(ASSUME_ROLE_PARAMETER in content.parameters)) {
    throw new RunbookError(`assumeRole must be {{ ${ASSUME_ROLE_PARAMETER} }}, a declared parameter (Config's automatic remediation passes the role under that name)`);
  }
}

function validateScriptStep(step: RunbookStep): void {
  const { Runtime: runtime, Handler: handler, Script: script, InputPayload: payload } = step.inputs;
  if (!isSupportedPythonRuntime(runtime)) {
    throw new RunbookError(
      `step ${step.name}: Runtime '${runtime}' is not allowed: use python3.${MIN_PYTHON_MINOR} or newer ` +
        '(Systems Manager retires older Python runtimes of aws:executeScript: 3.6-3.8 no longer run since 18 February 2025)',
    );
  }
  const timeout = step.timeoutSeconds;
  if (timeout === undefined || timeout > MAX_SCRIPT_STEP_SECONDS) {
    throw new RunbookError(
      `step ${step.name}: timeoutSeconds must be set, at most ${MAX_SCRIPT_STEP_SECONDS} (aws:executeScript); got ${timeout}`,
    );
  }
  if (typeof handler !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(handler)) {
    throw new RunbookError(`step ${step.name}: Handler must be a Python function name; got ${JSON.stringify(handler)}`);
  }
  if (typeof script !== 'string' || !new RegExp(`^def ${handler}\\(\\s*events\\b[^)]*\\bcontext\\b`, 'm').test(script)) {
    throw new RunbookError(`step ${step.name}: the script defines no top-level \`def ${handler}(events, context)\``);
  }
  for (const key of Object.keys(payload ?? {})) {
    if (!new RegExp(`events(\\.get\\(|\\[)\\s*["']${key}["']`).test(script)) {
      throw new RunbookError(`step ${step.name}: InputPayload key ${key} is never read by the script (events["${key}"])`);
    }
  }
  const wait = scriptWaitSeconds(script);
  if (wait + WAIT_MARGIN_SECONDS > timeout) {
    throw new RunbookError(
      `step ${step.name}: timeoutSeconds ${timeout} leaves less than ${WAIT_MARGIN_SECONDS} s beside the script's ` +
        `START_WAIT_SECONDS ${wait}: SSM would stop the step before the script reports`,
    );
  }
}

/**
 * The IAM actions behind the script's boto3 calls: `x = boto3.client("svc")`
 * makes `x.some_call` the action `svc:SomeCall` (compared case-insensitively,
 * since boto3 spells DescribeDBClusters as describe_db_clusters).
 */
export function scriptCalls(script: string): string[] {
  const clients = [...script.matchAll(/(\w+)\s*=\s*boto3\.client\(\s*["']([\w-]+)["']\s*\)/g)];
  if (clients.length === 0) {
    throw new RunbookError('the script creates no boto3 client (x = boto3.client("service"))');
  }
  const calls = new Set<string>();
  for (const [, variable, service] of clients) {
    for (const [, method] of script.matchAll(new RegExp(`\\b${variable}\\.([a-z_]+)\\b`, 'g'))) {
      calls.add(`${service}:${method.replace(/_/g, '')}`.toLowerCase());
    }
  }
  return [...calls].sort();
}

/** The script's own list of the calls it makes (ALLOWED_CALLS), as written. */
export function declaredScriptCalls(script: string): string[] {
  const match = /^ALLOWED_CALLS = \(([^)]*)\)/m.exec(script);
  if (match === null) {
    throw new RunbookError('the script declares no ALLOWED_CALLS tuple');
  }
  return [...match[1].matchAll(/["']([\w-]+:\w+)["']/g)].map((m) => m[1]).sort();
}

/**
 * The automation role's statements: read Neptune encryption and cluster status
 * (the Describe calls of the rule), repair this account's keys, and start this
 * account's clusters (rds:StartDBCluster authorizes against the cluster ARN;
 * Neptune's management API uses rds: actions).
 */
export function remediationStatements(scope: ReadScope): iam.PolicyStatement[] {
  return [
    ...describeStatements(scope),
    new iam.PolicyStatement({
      sid: 'RepairOwnKeyState',
      actions: ['kms:DescribeKey', 'kms:CancelKeyDeletion', 'kms:EnableKey'],
      resources: [`arn:${Aws.PARTITION}:kms:${scope.region}:${scope.account}:key/*`],
    }),
    new iam.PolicyStatement({
      sid: 'StartOwnNeptuneCluster',
      actions: ['rds:StartDBCluster'],
      resources: [`arn:${Aws.PARTITION}:rds:${scope.region}:${scope.account}:cluster:*`],
    }),
  ];
}

/** Fails unless the role grants exactly what the script calls and declares. */
export function assertRoleMatchesScript(statements: iam.PolicyStatement[], script: string): void {
  const granted = [...new Set(statements.flatMap((s) => s.actions))].sort();
  const declared = declaredScriptCalls(script);
  const lower = (list: string[]) => list.map((a) => a.toLowerCase()).sort();
  const called = scriptCalls(script);
  if (JSON.stringify(lower(declared)) !== JSON.stringify(called)) {
    throw new RunbookError(`the script calls ${called.join(', ')} but declares ALLOWED_CALLS ${declared.join(', ')}`);
  }
  if (JSON.stringify(lower(granted)) !== JSON.stringify(called)) {
    throw new RunbookError(`the automation role grants ${granted.join(', ')} but the script calls ${declared.join(', ')}`);
  }
}

/** Config's RemediationConfiguration parameters for this runbook. */
export function remediationParameters(roleArn: string): Record<string, unknown> {
  return {
    [RESOURCE_ID_PARAMETER]: { ResourceValue: { Value: CONFIG_RESOURCE_ID } },
    [ASSUME_ROLE_PARAMETER]: { StaticValue: { Values: [roleArn] } },
  };
}

/** Fails unless Config's parameters bind every runbook parameter, RESOURCE_ID to ResourceId. */
export function validateRemediationBinding(parameters: Record<string, any>, content: RunbookContent): void {
  for (const name of Object.keys(parameters)) {
    if (!(name in content.parameters)) {
      throw new RunbookError(`Config passes parameter ${name}, which the runbook does not declare`);
    }
  }
  for (const [name, parameter] of Object.entries(content.parameters)) {
    if (parameter.default === undefined && !(name in parameters)) {
      throw new RunbookError(`runbook parameter ${name} is required but Config does not pass it`);
    }
  }
  const fromResource = Object.entries(parameters).filter(([, value]) => value.ResourceValue !== undefined);
  if (
    fromResource.length !== 1 ||
    fromResource[0][0] !== RESOURCE_ID_PARAMETER ||
    fromResource[0][1].ResourceValue.Value !== CONFIG_RESOURCE_ID
  ) {
    throw new RunbookError(`exactly ${RESOURCE_ID_PARAMETER} must be bound to Config's ${CONFIG_RESOURCE_ID}`);
  }
}

export interface RepairKeyRunbookProps {
  /** CloudFormation condition for all its resources (standalone templates). */
  readonly condition?: CfnCondition;
  /** Overrides the script (tests). @default runbooks/repair_key.py */
  readonly script?: string;
}

/** The runbook document and its automation role, validated together. */
export class RepairKeyRunbook extends Construct {
  readonly document: ssm.CfnDocument;
  readonly role: iam.Role;
  readonly content: RunbookContent;
  /** The document as deployed (DocumentFormat YAML). */
  readonly yaml: string;

  constructor(scope: Construct, id: string, props: RepairKeyRunbookProps = {}) {
    super(scope, id);
    const script = props.script ?? readRunbookScript();
    this.content = buildRepairKeyDocument(script);
    validateRunbook(this.content);
    this.yaml = renderRunbook(this.content);
    const statements = remediationStatements({ region: Aws.REGION, account: Aws.ACCOUNT_ID });
    assertRoleMatchesScript(statements, script);

    this.document = new ssm.CfnDocument(this, 'Document', {
      documentType: 'Automation',
      documentFormat: 'YAML',
      content: {}, // replaced below by the YAML text
    });
    // CloudFormation's Content is typed Json but "also supports String data types"
    // (AWS::SSM::Document reference); the YAML text has to go in as a string, which
    // CfnDocumentProps' type check refuses, so it is set as a property override.
    this.document.addPropertyOverride('Content', this.yaml);
    this.role = new iam.Role(this, 'AutomationRole', {
      description: 'Assumed by SSM Automation to run the neptune-cmk key-state remediation runbook',
      // Only automations of this account and region (confused-deputy protection).
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:automation-execution/*` },
      }),
      inlinePolicies: { RepairKeyState: new iam.PolicyDocument({ statements }) },
    });
    if (props.condition !== undefined) {
      this.document.cfnOptions.condition = props.condition;
      (this.role.node.defaultChild as iam.CfnRole).cfnOptions.condition = props.condition;
    }
    NagSuppressions.addResourceSuppressions(this.role, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'kms:DescribeKey/CancelKeyDeletion/EnableKey on key/* of this account and region: the key to repair is ' +
          'whichever one encrypts the non-compliant resource, unknown at deploy time. The script refuses keys of ' +
          'other accounts and AWS managed keys before any change; KMS itself refuses those calls on AWS managed keys.',
        appliesTo: ['Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'rds:DescribeDBClusters/DescribeDBInstances/DescribeDBClusterSnapshots find the non-compliant resource ' +
          'by its resource id (a listing, which RDS authorizes against <type>:* in the caller account) and read its ' +
          "cluster's status and snapshots; rds:StartDBCluster starts that cluster when Neptune left it " +
          'inaccessible-encryption-credentials-recoverable. Which cluster is known only when Config runs the ' +
          'remediation. Limited to this account and region; the script starts only the Neptune cluster of the ' +
          'resource it repaired, and only in that status.',
        appliesTo: [
          'Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:cluster:*',
          'Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:db:*',
          'Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:cluster-snapshot:*',
        ],
      },
    ]);
  }
}

export type RemediationMode = 'off' | 'manual' | 'automatic';
export const REMEDIATION_MODES: readonly RemediationMode[] = ['off', 'manual', 'automatic'];

export interface RemediationOptions {
  /** Runbook, role and remediation configuration exist only when this holds. */
  readonly enabled: boolean | CfnCondition;
  /** Whether Config runs the runbook on its own for every non-compliant resource. */
  readonly automatic: boolean | IResolvable;
  /** @default 3 */
  readonly maximumAutomaticAttempts?: number;
  /** @default 60 */
  readonly retryAttemptSeconds?: number;
}

export const DEFAULT_REMEDIATION_ATTEMPTS = 3;
export const DEFAULT_REMEDIATION_RETRY_SECONDS = 60;

/** Checks literal attempt and retry values against Config's limits. */
export function validateRemediationLimits(attempts: number, retrySeconds: number): void {
  if (!Token.isUnresolved(attempts) && (!Number.isInteger(attempts) || attempts < 1 || attempts > 25)) {
    throw new RunbookError(`maximumAutomaticAttempts must be an integer from 1 to 25; got ${attempts}`);
  }
  if (!Token.isUnresolved(retrySeconds) && (!Number.isInteger(retrySeconds) || retrySeconds < 1 || retrySeconds > 2678000)) {
    throw new RunbookError(`retryAttemptSeconds must be an integer from 1 to 2678000; got ${retrySeconds}`);
  }
}

/** Binds the runbook to a rule (by name) with Config's RESOURCE_ID. */
export function attachRemediation(
  scope: Construct,
  runbook: RepairKeyRunbook,
  ruleName: string,
  options: RemediationOptions,
): config.CfnRemediationConfiguration {
  const attempts = options.maximumAutomaticAttempts ?? DEFAULT_REMEDIATION_ATTEMPTS;
  const retrySeconds = options.retryAttemptSeconds ?? DEFAULT_REMEDIATION_RETRY_SECONDS;
  validateRemediationLimits(attempts, retrySeconds);
  const parameters = remediationParameters(runbook.role.roleArn);
  validateRemediationBinding(parameters, runbook.content);
  return new config.CfnRemediationConfiguration(scope, 'Remediation', {
    configRuleName: ruleName,
    targetType: 'SSM_DOCUMENT',
    targetId: runbook.document.ref,
    parameters,
    automatic: options.automatic,
    maximumAutomaticAttempts: attempts,
    retryAttemptSeconds: retrySeconds,
  });
}
