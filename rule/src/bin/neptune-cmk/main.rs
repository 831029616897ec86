//! `neptune-cmk`: the rule's evaluator as a command-line tool.
//!
//! - `audit`: sweep one or more regions now and print one row per resource.
//! - `evaluate`: run the Lambda handler on a saved Config event.
//! - `remediate plan`: the ordered `aws neptune …` steps to move a cluster
//!   onto a customer managed key. It changes nothing.
//!
//! Exit codes: 0 all compliant, 1 something is not compliant, 2 error.

mod audit;
mod output;
mod remediate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Proves Amazon Neptune databases are encrypted with a KMS customer managed key.
#[derive(Parser)]
#[command(name = "neptune-cmk", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate every Neptune cluster, instance and cluster snapshot now.
    Audit(AuditArgs),
    /// Run the Lambda handler on a saved Config event and print its evaluations.
    Evaluate(EvaluateArgs),
    /// Plan the move of a cluster onto a customer managed key.
    Remediate {
        #[command(subcommand)]
        command: RemediateCommand,
    },
}

#[derive(Subcommand)]
enum RemediateCommand {
    /// Print the ordered, runnable steps; changes nothing.
    Plan(remediate::PlanArgs),
}

/// How rows are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON array.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// Where to look, as the AWS CLI does it.
#[derive(Args, Clone, Debug)]
pub struct Target {
    /// Region to scan (repeatable); default: the profile's or AWS_REGION.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Scan every region enabled for the account (needs account:ListRegions).
    #[arg(long, conflicts_with = "regions")]
    all_regions: bool,
    /// Named profile from the AWS config files.
    #[arg(long)]
    profile: Option<String>,
}

/// The rule's parameters, as flags.
#[derive(Args, Clone, Debug)]
pub struct RuleFlags {
    /// desiredEncryptionLevel: CUSTOMER_MANAGED, EXTERNAL or CLOUDHSM.
    #[arg(long, value_name = "LEVEL")]
    level: Option<String>,
    /// allowedKmsKeyArns entry (repeatable).
    #[arg(long = "allowed-key", value_name = "KEY_ARN")]
    allowed_keys: Vec<String>,
    /// requireEnabledKey=false: accept keys that are not Enabled.
    #[arg(long)]
    allow_disabled_keys: bool,
}

impl RuleFlags {
    /// The same `ruleParameters` JSON the Lambda would receive, so both
    /// paths parse and judge identically.
    fn rule_parameters(
        &self,
    ) -> Result<neptune_cmk_evaluator::RuleParameters, neptune_cmk_evaluator::Error> {
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
        neptune_cmk_evaluator::RuleParameters::parse(Some(
            &serde_json::Value::Object(map).to_string(),
        ))
    }
}

#[derive(Args)]
struct AuditArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    rule: RuleFlags,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Args)]
struct EvaluateArgs {
    /// A Config Lambda event as JSON (as saved from the Lambda console or CloudWatch).
    event: PathBuf,
    /// Write the evaluations with PutEvaluations (default: only print them).
    #[arg(long)]
    put: bool,
    /// Region to evaluate in; default: the profile's or AWS_REGION.
    #[arg(long)]
    region: Option<String>,
    /// Named profile from the AWS config files.
    #[arg(long)]
    profile: Option<String>,
}

/// Exit status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything judged is compliant (or not applicable).
    AllCompliant,
    /// Something is NON_COMPLIANT.
    NonCompliant,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Audit(args) => audit::run(&args.target, &args.rule, args.format).await,
        Command::Evaluate(args) => evaluate(args).await,
        Command::Remediate {
            command: RemediateCommand::Plan(args),
        } => remediate::plan(&args).await,
    };
    match outcome {
        Ok(Status::AllCompliant) => ExitCode::from(0),
        Ok(Status::NonCompliant) => ExitCode::from(1),
        Err(error) => {
            eprintln!("neptune-cmk: {error}");
            ExitCode::from(2)
        }
    }
}

/// Builds the SDK configuration the way the AWS CLI resolves it.
pub async fn sdk_config(profile: Option<&str>, region: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(neptune_cmk_rule::timeouts());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    loader.load().await
}

async fn evaluate(args: EvaluateArgs) -> Result<Status, String> {
    let text = std::fs::read_to_string(&args.event)
        .map_err(|error| format!("cannot read {}: {error}", args.event.display()))?;
    let event: aws_lambda_events::event::config::ConfigEvent = serde_json::from_str(&text)
        .map_err(|error| {
            format!(
                "{} is not a Config Lambda event: {error}",
                args.event.display()
            )
        })?;
    let config = sdk_config(args.profile.as_deref(), args.region.as_deref()).await;
    let rule = neptune_cmk_rule::Rule::new(&config);
    let invocation = neptune_cmk_rule::Invocation {
        deadline: None,
        dry_run: !args.put,
        collect: true,
    };
    let (outcome, evaluations) = rule
        .handle(&event, invocation)
        .await
        .map_err(|error| error.to_string())?;
    println!("{}", output::evaluations_json(&evaluations));
    if args.put {
        eprintln!(
            "wrote {} evaluation(s) in {} PutEvaluations call(s){}",
            outcome.written,
            outcome.put_calls,
            if outcome.test_mode { " (TestMode)" } else { "" }
        );
    }
    Ok(if outcome.non_compliant > 0 {
        Status::NonCompliant
    } else {
        Status::AllCompliant
    })
}
