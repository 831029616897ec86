//! The CLI's one error type. Every variant ends the run with exit code 2
//! ([`EXIT_ERROR`](crate::status::EXIT_ERROR)) and a one-line message on
//! stderr that names what failed and how to fix it.

use std::path::PathBuf;

impl From<crate::args::FlagError> for Error {
    fn from(error: crate::args::FlagError) -> Self {
        Self::Usage {
            flag: error.flag,
            message: error.message,
        }
    }
}

/// Why a command could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// A file is not what the command expects.
    #[error("{} {what}: {detail}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What it should have been, e.g. `is not a Config Lambda event`.
        what: &'static str,
        /// The parser's message.
        detail: String,
    },

    /// A flag's value is invalid (clap catches the rest).
    #[error("{flag}: {message}")]
    Usage {
        /// The flag, e.g. `--kms-key`.
        flag: &'static str,
        /// What is wrong and what would be right.
        message: String,
    },

    /// `--profile` or `AWS_PROFILE` names a profile that neither the config
    /// nor the credentials file defines.
    #[error(
        "no profile named {name:?} (from {source_of}) in the AWS config or credentials file \
         ({known}); pass an existing --profile, or create it with aws configure --profile {name}"
    )]
    NoSuchProfile {
        /// The profile asked for.
        name: String,
        /// `--profile` or `AWS_PROFILE`.
        source_of: &'static str,
        /// The profiles that exist, as a phrase.
        known: String,
    },

    /// The region configured outside the command line (`AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, a profile's `region`) is not a region name.
    #[error(
        "the configured region {region:?} (AWS_REGION, AWS_DEFAULT_REGION or the profile's \
         region) is not a region name; regions look like us-east-1 (aws ec2 describe-regions \
         lists them): fix it, or pass --region"
    )]
    InvalidRegion {
        /// The region as configured.
        region: String,
    },

    /// No region was given or configured.
    #[error("no region: pass --region, or set AWS_REGION or a profile region")]
    NoRegion,

    /// The auditor role of an account could not be assumed (`audit
    /// --organization`).
    #[error(
        "sts:AssumeRole failed for {role_arn}: {message}; deploy the member-role stack in this \
         account with AuditorPrincipalArn allowing {caller_arn} (and AuditorExternalId if \
         --external-id is used), pass the right --role-name, or skip the account with \
         --exclude-accounts"
    )]
    AuditorRole {
        /// The role.
        role_arn: String,
        /// The service's code and message.
        message: String,
        /// Who tried: the principal the role must trust.
        caller_arn: String,
    },

    /// Something failed while acting as an account's auditor role.
    #[error("as {role_arn}: {source}")]
    AsAuditor {
        /// The role.
        role_arn: String,
        /// What failed.
        source: Box<Error>,
    },

    /// The hook could not judge a hook request; its answer (FAILED with
    /// InternalFailure) was printed.
    #[error("the hook answered FAILED with InternalFailure: {0}")]
    HookFailure(String),

    /// The facts rule out what was asked, e.g. a cluster that is not Neptune.
    #[error("{0}")]
    Refused(String),

    /// A `remediate apply` step failed. What the plan made is kept, so the
    /// message ends with what exists now and how to continue or clean up.
    #[error("step {step} failed: {cause}\n{aftermath}")]
    ApplyStep {
        /// The step's number and title, as the plan prints them.
        step: String,
        /// Why it failed.
        cause: Box<Error>,
        /// What exists now, and the commands to continue or clean up.
        aftermath: String,
    },

    /// A resource `remediate apply` made did not become available in time.
    #[error(
        "{resource} is still {status} after {waited}; large clusters can take hours: run the \
         same command again to keep waiting (or raise --wait-timeout)"
    )]
    WaitTimedOut {
        /// e.g. `cluster graph-cmk`.
        resource: String,
        /// Its last status.
        status: String,
        /// How long apply waited.
        waited: String,
    },

    /// A resource `remediate apply` made reached a status it does not leave
    /// by itself (failed, incompatible-…, deleting), or disappeared.
    #[error("{resource} is {status}, not available; see aws neptune describe-events")]
    Unavailable {
        /// e.g. `instance graph-1-cmk`.
        resource: String,
        /// Its status.
        status: String,
    },

    /// The rule does not judge a resource `remediate apply` made COMPLIANT.
    #[error("the rule judges {resource} {compliance}, not COMPLIANT: {annotation}")]
    NotVerified {
        /// e.g. `cluster graph-cmk`.
        resource: String,
        /// The verdict.
        compliance: String,
        /// The rule's annotation: why.
        annotation: String,
    },

    /// Some resources could not be judged or some audit targets failed;
    /// every row, theirs included, was printed.
    #[error("{}", incomplete(.resources, .targets))]
    AuditIncomplete {
        /// Each resource listed but not judged, with why.
        resources: Vec<String>,
        /// Each target (account, or account and region) that could not be
        /// read, with why.
        targets: Vec<String>,
    },

    /// `audit --cluster`/`--resource` named resources the audit did not
    /// find; what it found was printed.
    #[error(
        "not found: {}; nothing by that name in the accounts and regions audited (check the \
         identifier, --region and the credentials' account)",
        .0.join(", ")
    )]
    NotFound(Vec<String>),

    /// `check`: files could not be read or parsed; everything else was
    /// judged and printed, these files are listed in the output too.
    #[error("{} file(s) could not be checked:\n  {}", .0.len(), .0.join("\n  "))]
    FilesUnreadable(Vec<String>),

    /// `check`: the paths hold no template, plan or Terraform source, so
    /// nothing was checked; a gate must not pass by accident.
    #[error(
        "no CloudFormation template, cdk.out template, Terraform plan or .tf file under {paths} \
         ({skipped} other file(s) skipped): nothing was checked; point check at the templates \
         (run cdk synth first for a CDK app)"
    )]
    NothingChecked {
        /// The paths given.
        paths: String,
        /// Files read but skipped as not templates.
        skipped: usize,
    },

    /// The HTML report's template failed to render (a bug: please report it).
    #[error("cannot render the HTML report (a bug; please report it): {0}")]
    Render(String),

    /// The rule (evaluation, describe calls, PutEvaluations) failed, or an
    /// AWS call made with the rule's plumbing (`neptune_cmk_rule::aws`).
    #[error(transparent)]
    Rule(#[from] neptune_cmk_rule::Error),

    /// Parameters or a key reference given on the command line are invalid.
    #[error(transparent)]
    Evaluator(#[from] neptune_cmk_evaluator::Error),
}

/// `2 resource(s) could not be judged:` and `1 target(s) could not be
/// audited:`, each with its lines; the parts that are empty are left out.
fn incomplete(resources: &[String], targets: &[String]) -> String {
    let part = |lines: &[String], what: &str| {
        (!lines.is_empty()).then(|| format!("{} {what}:\n  {}", lines.len(), lines.join("\n  ")))
    };
    [
        part(resources, "resource(s) could not be judged"),
        part(targets, "target(s) could not be audited"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n")
}
