//! The command line: every subcommand's arguments, and the pieces several
//! commands share (region and profile, where `audit` looks, the rule's
//! parameters, output formats). It imports nothing of the crate.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use neptune_cmk_evaluator::RuleParameters;

/// Proves Amazon Neptune databases are encrypted with a KMS customer managed key.
#[derive(Parser, Debug)]
#[command(name = "neptune-cmk", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Each subcommand's examples and exit codes, after its options in
/// `--help` (and in its man page); `help_examples_parse` proves every
/// example is a command line the parser takes.
pub const AUDIT_HELP: &str = include_str!("../help/audit.txt");
/// `report --help`'s examples and exit codes.
pub const REPORT_HELP: &str = include_str!("../help/report.txt");
/// `check --help`'s examples and exit codes.
pub const CHECK_HELP: &str = include_str!("../help/check.txt");
/// `evaluate --help`'s examples and exit codes.
pub const EVALUATE_HELP: &str = include_str!("../help/evaluate.txt");
/// `completions --help`'s examples and exit codes.
pub const COMPLETIONS_HELP: &str = include_str!("../help/completions.txt");
/// `man --help`'s examples and exit codes.
pub const MAN_HELP: &str = include_str!("../help/man.txt");

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Evaluate every Neptune cluster, instance and cluster snapshot now.
    Audit(AuditArgs),
    /// Run the Lambda handler on a saved Config event (print its evaluations)
    /// or CloudFormation hook request (print the hook's answer).
    Evaluate(EvaluateArgs),
    /// Report the rule's results for every account and region from a Config aggregator.
    Report(ReportArgs),
    /// Give the rule's verdict on CloudFormation, CDK and Terraform before deploy.
    Check(CheckArgs),
    /// Move a cluster onto a customer managed key.
    #[command(after_long_help = REMEDIATE_HELP)]
    Remediate {
        /// Plan or apply.
        #[command(subcommand)]
        command: RemediateCommand,
    },
    /// Print a shell completion script for bash, zsh, fish or PowerShell.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write every page (one per subcommand)
    /// into a directory; generated from these same definitions.
    Man(ManArgs),
}

/// `remediate` subcommands.
#[derive(Subcommand, Debug)]
pub enum RemediateCommand {
    /// Print the ordered, runnable steps; changes nothing.
    #[command(after_long_help = PLAN_HELP)]
    Plan(PlanArgs),
    /// Run the plan up to a new cluster the rule judges COMPLIANT; never
    /// changes the source, and prints the cut-over for a human.
    #[command(after_long_help = APPLY_HELP)]
    Apply(ApplyArgs),
}

/// `neptune-cmk completions`.
#[derive(Args, Debug)]
#[command(after_help = COMPLETIONS_HELP)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `neptune-cmk man`.
#[derive(Args, Debug)]
#[command(after_help = MAN_HELP)]
pub struct ManArgs {
    /// Write neptune-cmk.1 and a page per subcommand (neptune-cmk-audit.1,
    /// …) into DIR instead of printing neptune-cmk.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The shells `completions` writes scripts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash (with the bash-completion package).
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// How audit rows are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON array.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// OCSF 1.3.0 Compliance Findings (class 2003), one JSON array.
    Ocsf,
    /// Security Hub BatchImportFindings requests, one JSON line per batch of
    /// at most 100 findings of one account and region.
    Asff,
    /// One self-contained HTML page: headline numbers, charts, table.
    Html,
}

/// The AWS CLI's `--region` and `--profile`, for commands that work in one
/// region.
#[derive(Args, Clone, Debug, Default)]
pub struct AwsFlags {
    /// Region to work in (`report`: the aggregator's; `remediate`: the
    /// cluster's; `check`: for --resolve); default: the profile's or
    /// AWS_REGION.
    #[arg(long, value_parser = region_name)]
    pub region: Option<String>,
    /// Named profile from the AWS config files.
    #[arg(long)]
    pub profile: Option<String>,
}

/// Where `audit` looks: one region or many, as the AWS CLI names them.
#[derive(Args, Clone, Debug)]
pub struct ScanFlags {
    /// Region to scan (repeatable); default: the profile's or AWS_REGION.
    #[arg(long = "region", value_name = "REGION", value_parser = region_name)]
    pub regions: Vec<String>,
    /// Scan every region enabled for the account (needs account:ListRegions).
    #[arg(long, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Named profile from the AWS config files.
    #[arg(long)]
    pub profile: Option<String>,
}

/// Which resources `audit` keeps (default: all); a resource is kept when it
/// matches any of them.
#[derive(Args, Clone, Debug, Default)]
pub struct FilterFlags {
    /// Only this DB cluster (identifier or ARN), its instances and its
    /// cluster snapshots (repeatable). Exit 2 when it is not found.
    #[arg(long = "cluster", value_name = "ID")]
    pub clusters: Vec<String>,
    /// Only this resource: an identifier, Config resource id (cluster-…,
    /// db-…, g-…) or ARN (repeatable). Exit 2 when it is not found.
    #[arg(long = "resource", value_name = "ID")]
    pub resources: Vec<String>,
}

/// The rule's parameters, as flags (see `evaluator/rule-parameters.json`).
#[derive(Args, Clone, Debug, Default)]
pub struct RuleFlags {
    /// desiredEncryptionLevel: CUSTOMER_MANAGED, EXTERNAL or CLOUDHSM.
    #[arg(long, value_name = "LEVEL", default_value = "CUSTOMER_MANAGED")]
    pub level: Option<String>,
    /// allowedKmsKeyArns entry (repeatable); default: any customer managed
    /// key.
    #[arg(long = "allowed-key", value_name = "KEY_ARN")]
    pub allowed_keys: Vec<String>,
    /// requireEnabledKey=false: accept keys that are not Enabled.
    #[arg(long)]
    pub allow_disabled_keys: bool,
}

impl RuleFlags {
    /// The flags as the `ruleParameters` JSON the Lambda would receive, so
    /// both paths parse and judge identically.
    pub fn rule_parameters_json(&self) -> String {
        let mut map = serde_json::Map::new();
        if let Some(level) = &self.level {
            map.insert("desiredEncryptionLevel".into(), level.clone().into());
        }
        if !self.allowed_keys.is_empty() {
            map.insert(
                "allowedKmsKeyArns".into(),
                self.allowed_keys.join(",").into(),
            );
        }
        if self.allow_disabled_keys {
            map.insert("requireEnabledKey".into(), "false".into());
        }
        serde_json::Value::Object(map).to_string()
    }

    /// The parameters, parsed by the evaluator exactly as the Lambda does;
    /// a value it refuses is reported under the flag that gave it.
    pub fn rule_parameters(&self) -> Result<RuleParameters, FlagError> {
        RuleParameters::parse(Some(&self.rule_parameters_json())).map_err(|error| {
            const FLAGS: [(&str, &str); 3] = [
                ("ruleParameters.desiredEncryptionLevel", "--level"),
                ("ruleParameters.allowedKmsKeyArns", "--allowed-key"),
                ("ruleParameters.requireEnabledKey", "--allow-disabled-keys"),
            ];
            let flag_of = |field: &str| {
                FLAGS
                    .iter()
                    .find(|(parameter, _)| field.starts_with(parameter))
                    .map_or("the rule's flags", |(_, flag)| flag)
            };
            // The evaluator names the field as data: the flag is looked up
            // by it, and the message drops the Lambda's JSON path.
            let (flag, message) = match &error {
                neptune_cmk_evaluator::Error::InvalidValue { field, value, fix } => {
                    (flag_of(field), format!("invalid value {value:?}; {fix}"))
                }
                _ => {
                    let text = error.to_string();
                    let (parameter, flag) = FLAGS
                        .into_iter()
                        .find(|(parameter, _)| text.contains(parameter))
                        .unwrap_or(("ruleParameters", "the rule's flags"));
                    (flag, text.replace(parameter, flag))
                }
            };
            FlagError { flag, message }
        })
    }
}

/// A flag whose value the rule's own parser refused, in the flag's words.
#[derive(Debug)]
pub struct FlagError {
    /// The flag, e.g. `--level`.
    pub flag: &'static str,
    /// What is wrong and the fix.
    pub message: String,
}

/// `neptune-cmk audit`.
#[derive(Args, Debug)]
#[command(after_help = AUDIT_HELP)]
pub struct AuditArgs {
    /// Where to look.
    #[command(flatten)]
    pub scan: ScanFlags,
    /// Which resources to keep.
    #[command(flatten)]
    pub filter: FilterFlags,
    /// The rule's parameters.
    #[command(flatten)]
    pub rule: RuleFlags,
    /// Output format.
    #[arg(long, value_enum, ignore_case = true, default_value = "table")]
    pub format: Format,
    /// Write the output to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Every account of the organization.
    #[command(flatten)]
    pub org: OrgFlags,
}

/// Targets (account and region) scanned at once by default. Each target is
/// one sweep of the rule, with the rule's own bounds (its three listings
/// together, at most eight key lookups at once), and no two targets share
/// an account and region: however many run, the RDS and KMS rate limits of
/// any account and region (per account, per region, shared with other
/// tools) see exactly the load of one Lambda sweep. What sixteen bounds is
/// the caller's side: bursts of AssumeRole and ListRegions (one each per
/// account) and open connections (up to 16 × 11). At a 50-100 ms round trip
/// sixteen targets in flight keep an organization of hundreds of accounts to
/// minutes (docs/PERFORMANCE.md, "Organization audit"); the SDK's standard
/// retries absorb an occasional throttle.
pub const AUDIT_CONCURRENCY: u16 = 16;

/// Result sets read at once by default. Unlike the audit's targets, every
/// read goes to one endpoint, the aggregator account's Config API in one
/// region, whose request rate is throttled per account and shared with the
/// console and every other tool reading Config there; four in flight keep a
/// large organization to minutes without hogging it, and the SDK's standard
/// retries absorb a throttle.
pub const REPORT_CONCURRENCY: u16 = 4;

/// `audit --organization` and its limits.
#[derive(Args, Clone, Debug)]
pub struct OrgFlags {
    /// Audit every ACTIVE account of the organization (Organizations
    /// ListAccounts, from the management account or a delegated
    /// administrator) through --role-name in each.
    #[arg(long)]
    pub organization: bool,
    /// Only these accounts (repeatable, or comma-separated).
    #[arg(long, value_name = "ACCOUNT_ID", value_delimiter = ',', value_parser = account_id, requires = "organization")]
    pub accounts: Vec<String>,
    /// Skip these accounts (repeatable, or comma-separated).
    #[arg(long, value_name = "ACCOUNT_ID", value_delimiter = ',', value_parser = account_id, requires = "organization")]
    pub exclude_accounts: Vec<String>,
    /// The role to assume in each account (the member-role stack's auditor role).
    #[arg(long, value_name = "ROLE", default_value = "NeptuneCmkAuditRole", value_parser = role_name, requires = "organization")]
    pub role_name: String,
    /// The external ID the role's trust policy requires.
    #[arg(long, value_name = "ID", requires = "organization")]
    pub external_id: Option<String>,
    /// (account, region) targets scanned at once. Each is one sweep of the
    /// rule, so no account and region ever sees more than one sweep's calls;
    /// the default hides round-trip latency while keeping the caller's bursts
    /// modest (README, "audit --organization").
    #[arg(long, value_name = "N", default_value_t = AUDIT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

/// `neptune-cmk report`.
#[derive(Args, Debug)]
#[command(after_help = REPORT_HELP)]
pub struct ReportArgs {
    /// The Config aggregator to read (in the account and region of the credentials).
    #[arg(long, value_name = "NAME")]
    pub aggregator: String,
    /// The rule's name; organization rules (`OrgConfigRule-<name>-<suffix>`)
    /// and conformance-pack rules (`<name>-conformance-pack-<suffix>`) match too.
    #[arg(long, value_name = "NAME", default_value = "neptune-cmk-encrypted")]
    pub rule_name: String,
    /// Region (the aggregator's) and profile.
    #[command(flatten)]
    pub aws: AwsFlags,
    /// Output format.
    #[arg(long, value_enum, ignore_case = true, default_value = "table")]
    pub format: Format,
    /// Write the output to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// (account, region) result sets read at once. Every read goes to the
    /// aggregator's own Config endpoint, whose rate limit they share.
    #[arg(long, value_name = "N", default_value_t = REPORT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// A 12-digit AWS account id.
fn account_id(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not a 12-digit AWS account id"))
    }
}

/// An IAM role name, optionally with a path (`path/name`): IAM's characters only.
fn role_name(text: &str) -> Result<String, String> {
    let valid = |byte: u8| byte.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&byte);
    let name = text.rsplit('/').next().unwrap_or_default();
    if !name.is_empty() && name.len() <= 64 && text.bytes().all(valid) {
        Ok(text.trim_matches('/').to_owned())
    } else {
        Err(format!(
            "{text:?} is not an IAM role name (1-64 of letters, digits and +=,.@_-, after an optional path)"
        ))
    }
}

/// `neptune-cmk evaluate`.
#[derive(Args, Debug)]
#[command(after_help = EVALUATE_HELP)]
pub struct EvaluateArgs {
    /// A Config Lambda event, or a CloudFormation Lambda Hook request, as JSON
    /// (as saved from the Lambda console or CloudWatch).
    pub event: PathBuf,
    /// Write the evaluations (or the hook's answer) to FILE instead of
    /// standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the evaluations with PutEvaluations (default: only print them);
    /// Config events only.
    #[arg(long)]
    pub put: bool,
    /// For a hook request: the rule's parameters as the hook function gets
    /// them (the same JSON as the Config rule's ruleParameters); default:
    /// the rule's defaults.
    #[arg(long, value_name = "JSON", env = "NEPTUNE_CMK_RULE_PARAMETERS")]
    pub rule_parameters: Option<String>,
    /// Region and profile.
    #[command(flatten)]
    pub aws: AwsFlags,
}

/// `neptune-cmk check`.
#[derive(Args, Debug)]
#[command(after_help = CHECK_HELP)]
pub struct CheckArgs {
    /// Templates, cdk.out directories, Terraform plan JSON, .tf files, or
    /// directories to search; `-` reads a template or plan from standard
    /// input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, ignore_case = true, default_value = "text")]
    pub format: CheckFormat,
    /// Write the output to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The rule's parameters (--level, --allowed-key; keys in templates are
    /// new, so --allow-disabled-keys matters only with --resolve).
    #[command(flatten)]
    pub rule: RuleFlags,
    /// Describe literal key ARNs and aliases with kms:DescribeKey (needs
    /// credentials) instead of reporting them UNVERIFIED.
    #[arg(long)]
    pub resolve: bool,
    /// UNVERIFIED fails the check (exit 1) like NON_COMPLIANT.
    #[arg(long)]
    pub strict: bool,
    /// Skip a named file that is not a template, plan or Terraform source
    /// (as a directory search does) and pass when nothing is left: for
    /// pre-commit, which hands over every JSON and YAML file of a commit.
    #[arg(long)]
    pub skip_other_files: bool,
    /// Region and profile.
    #[command(flatten)]
    pub aws: AwsFlags,
}

/// How `check` prints its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `file:line: VERDICT resource: annotation`.
    Text,
    /// One JSON array.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, one test case per resource.
    Junit,
}

/// Examples, exit codes and defaults of `remediate --help`.
const REMEDIATE_HELP: &str = "\
Examples:
  neptune-cmk remediate plan --cluster prod-graph
  neptune-cmk remediate plan --cluster prod-graph --kms-key alias/neptune
  neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune

Exit codes:
  plan   0 when it printed a plan, 2 when it could not make one
  apply  0 when the new cluster is verified COMPLIANT, 1 when not confirmed, 2 when refused or failed

Defaults:
  plan makes a new key when --kms-key is not given; apply needs --kms-key and creates no keys.
  Neither stops writes to the cluster, changes it or deletes it: the cut-over is for a human.
  `remediate plan --help` and `remediate apply --help` have the details.";

/// Examples, exit codes and defaults of `remediate plan --help`.
const PLAN_HELP: &str = "\
Examples:
  neptune-cmk remediate plan --cluster prod-graph --kms-key alias/neptune
  neptune-cmk remediate plan --cluster prod-graph --region eu-west-1 > plan.sh
  neptune-cmk remediate plan --cluster prod-graph --allowed-key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab

Exit codes:
  0  the plan was printed (or the cluster is already compliant)
  2  no plan: the cluster, a flag or --kms-key was refused, or an AWS call failed

Defaults:
  --kms-key   none: the plan's first step creates a key (alias/neptune-<cluster>)
  --region    the profile's region, or AWS_REGION
  --level     CUSTOMER_MANAGED, as the rule's desiredEncryptionLevel";

/// Examples, exit codes and defaults of `remediate apply --help`.
const APPLY_HELP: &str = "\
Examples:
  neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune
  neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune --yes --wait-timeout 8h
  neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune --reuse-snapshot

Exit codes:
  0  the new cluster is verified COMPLIANT, or the cluster already was
  1  not confirmed at the prompt: nothing was created
  2  refused or failed: the message says what exists and what to do

Defaults:
  --max-snapshot-age  1h: an older migration snapshot from an earlier run is refused
  --wait-timeout      6h for each new resource to become available
  --region            the profile's region, or AWS_REGION

apply never stops writes to the source cluster: stop the writers first.";

/// What `--kms-key` accepts, resolved with kms:DescribeKey to the key ARN.
const KMS_KEY: &str = "KEY";

/// `neptune-cmk remediate plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The DB cluster identifier.
    #[arg(long)]
    pub cluster: String,
    /// The customer managed key to move to: a key ARN, key id, alias/NAME or
    /// alias ARN (resolved to the key ARN); default: a new key created by the
    /// plan's first step.
    #[arg(long, value_name = KMS_KEY)]
    pub kms_key: Option<String>,
    /// The rule's parameters: the plan judges as Config does with them.
    #[command(flatten)]
    pub rule: RuleFlags,
    /// Region and profile.
    #[command(flatten)]
    pub aws: AwsFlags,
}

/// `neptune-cmk remediate apply`.
#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The DB cluster identifier.
    #[arg(long)]
    pub cluster: String,
    /// The customer managed key to move to: a key ARN, key id, alias/NAME or
    /// alias ARN (resolved to the key ARN); apply creates no keys.
    #[arg(long, value_name = KMS_KEY)]
    pub kms_key: String,
    /// Run without asking (needed when stdin is not a terminal). apply does
    /// not stop writes to the source: stop the writers first.
    #[arg(long)]
    pub yes: bool,
    /// The oldest migration snapshot from an earlier run that apply restores,
    /// e.g. 30m or 2h; writes made after it are not in the new cluster.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub max_snapshot_age: std::time::Duration,
    /// Restore the migration snapshot of an earlier run however old it is.
    #[arg(long)]
    pub reuse_snapshot: bool,
    /// The rule's parameters: the plan and the verification judge as Config
    /// does with them.
    #[command(flatten)]
    pub rule: RuleFlags,
    /// Region and profile.
    #[command(flatten)]
    pub aws: AwsFlags,
    /// How long each new resource may take to become available, e.g. 90m or
    /// 8h; a re-run keeps waiting where this one gave up.
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = parse_duration)]
    pub wait_timeout: std::time::Duration,
    /// Time between status checks while waiting (tests poll fast).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, hide = true)]
    pub poll_interval: std::time::Duration,
}

/// `500ms`, `30s`, `90m`, `8h` (a bare number is seconds).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let nanos_per_unit = match unit {
        "ms" => 1e6,
        "" | "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => {
            return Err(format!(
                "unknown unit {unit:?}; use ms, s, m or h, e.g. 90m"
            ))
        }
    };
    // Whole nanoseconds, so `20ms` is exactly 20 ms.
    number
        .parse::<f64>()
        .ok()
        .map(|value| (value * nanos_per_unit).round())
        .filter(|nanos| (0.0..=u64::MAX as f64).contains(nanos))
        .map(|nanos| std::time::Duration::from_nanos(nanos as u64))
        .ok_or_else(|| format!("{text:?} is not a duration; e.g. 30s, 90m or 8h"))
}

/// A region name as AWS spells them (`us-east-1`, `eu-central-2`,
/// `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`): a typo would otherwise
/// surface as a DNS failure on the first call.
pub(crate) fn region_name(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if well_formed {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a region name; regions look like us-east-1 or eu-central-2 (aws ec2 \
             describe-regions lists them)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every rule parameter with a CLI flag in `evaluator/rule-parameters.json`
    /// is a flag of every command that judges, and maps to that parameter.
    #[test]
    fn flags_follow_the_parameter_contract() {
        let manifest: serde_json::Value =
            serde_json::from_str(include_str!("../../evaluator/rule-parameters.json")).unwrap();
        let cli = Cli::command();
        for command in [
            vec!["audit"],
            vec!["remediate", "plan"],
            vec!["remediate", "apply"],
        ] {
            let mut target = &cli;
            for name in &command {
                target = target.find_subcommand(name).unwrap();
            }
            let flags: Vec<String> = target
                .get_arguments()
                .filter_map(|argument| argument.get_long().map(|long| format!("--{long}")))
                .collect();
            for entry in manifest["parameters"].as_array().unwrap() {
                if let Some(flag) = entry["cli"].as_str() {
                    assert!(flags.iter().any(|f| f == flag), "{command:?} lacks {flag}");
                }
            }
        }
        let (key, other_key) = (
            "arn:aws:kms:us-east-1:111122223333:key/a",
            "arn:aws:kms:us-east-1:111122223333:key/b",
        );
        let flags = RuleFlags {
            level: Some("EXTERNAL".to_owned()),
            allowed_keys: vec![key.to_owned()],
            allow_disabled_keys: true,
        };
        let json: serde_json::Value = serde_json::from_str(&flags.rule_parameters_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "desiredEncryptionLevel": "EXTERNAL",
                "allowedKmsKeyArns": key,
                "requireEnabledKey": "false",
            })
        );
        for entry in manifest["parameters"].as_array().unwrap() {
            if entry["cli"].is_string() {
                let name = entry["name"].as_str().unwrap();
                assert!(json.get(name).is_some(), "no flag sets {name}");
            }
        }
        let parameters = flags.rule_parameters().unwrap();
        assert_eq!(parameters.desired_level.as_str(), "EXTERNAL");
        assert!(!parameters.require_enabled_key);
        assert!(parameters.allows_key(key) && !parameters.allows_key(other_key));
        // No flag: the rule's defaults, exactly as the Lambda has them.
        assert_eq!(
            RuleFlags::default().rule_parameters().unwrap(),
            RuleParameters::default()
        );
    }

    /// Every example in a `--help` is a command line the parser takes:
    /// from `neptune-cmk` to the first pipe, redirection or `&&`, its
    /// words split on spaces and unquoted.
    #[test]
    fn help_examples_parse() {
        let texts = [
            AUDIT_HELP,
            REPORT_HELP,
            CHECK_HELP,
            EVALUATE_HELP,
            COMPLETIONS_HELP,
            MAN_HELP,
        ];
        let mut parsed = 0;
        for text in texts {
            for line in text.lines() {
                let Some(start) = line.find("neptune-cmk ") else {
                    continue;
                };
                let words: Vec<&str> = line[start..]
                    .split_whitespace()
                    .take_while(|word| !["|", ">", "&&"].contains(word))
                    .map(|word| word.trim_matches('\''))
                    .collect();
                if let Err(error) = Cli::try_parse_from(&words) {
                    panic!("{line}: {error}");
                }
                parsed += 1;
            }
        }
        assert_eq!(parsed, 17, "every example was found");
    }

    #[test]
    fn durations_take_a_unit() {
        use std::time::Duration;
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(21600)));
        assert_eq!(parse_duration("20ms"), Ok(Duration::from_millis(20)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("5 days")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_duration("m").unwrap_err().contains("not a duration"));
    }
}
