//! The rule's one error type, and how each variant is reported to Lambda.

use lambda_runtime::Diagnostic;

/// Why an invocation could not produce and write its evaluations. Every
/// variant fails the invocation, so Config and Lambda retry it; nothing is
/// silently dropped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The invoking event, a configuration item, a rule parameter or a key
    /// fact was malformed, or kms:DescribeKey was denied for a same-account
    /// key (see the evaluator's error).
    #[error(transparent)]
    Evaluator(#[from] neptune_cmk_evaluator::Error),

    /// The Lambda event envelope lacks a field Config always sends.
    #[error("the Config event has no {field}; {fix}")]
    MissingEventField {
        /// The envelope field, e.g. `resultToken`.
        field: &'static str,
        /// What a valid event carries.
        fix: &'static str,
    },

    /// An AWS API call failed after the SDK's own retries.
    #[error("{operation} failed for {target}: {message}")]
    Aws {
        /// The API operation, e.g. `kms:DescribeKey`.
        operation: &'static str,
        /// What it was called for (a key ARN, a cluster identifier, …).
        target: String,
        /// The service's error code and message.
        message: String,
        /// Whether retrying later can succeed (throttling, timeouts, 5xx).
        retryable: bool,
    },

    /// AWS answered with something the API contract rules out.
    #[error("{operation} returned an unexpected response for {target}: {what}")]
    UnexpectedResponse {
        /// The API operation.
        operation: &'static str,
        /// What it was called for.
        target: String,
        /// What was wrong with the answer.
        what: String,
    },

    /// sts:AssumeRole into the resource's account failed.
    #[error(
        "sts:AssumeRole into {role_arn} failed: {message}; create the role in that account \
         (see the member-account stack) trusting this function's role, or unset ExecutionRoleName"
    )]
    AssumeRole {
        /// The role the rule tried to assume.
        role_arn: String,
        /// The service's error code and message.
        message: String,
    },

    /// PutEvaluations still failed after bounded retries: these evaluations
    /// were not written.
    #[error(
        "PutEvaluations failed after {attempts} attempts: {unwritten} evaluation(s) not written \
         ({written} written before): {message}"
    )]
    PutEvaluations {
        /// Evaluations written by earlier calls of this invocation.
        written: usize,
        /// Evaluations that could not be written.
        unwritten: usize,
        /// How many times the last batch was tried.
        attempts: u32,
        /// The last error, or the failed evaluations' ids.
        message: String,
        /// What the invocation judged, by verdict, and the rest of its
        /// metrics: the handler fills it in (`Error::with_tally`), since
        /// the writer only writes.
        tally: Box<crate::Outcome>,
    },

    /// The Lambda deadline came too close for this step to start or finish.
    #[error(
        "stopped {phase} with {remaining_ms} ms left before the Lambda deadline; raise the \
         function timeout"
    )]
    DeadlineExceeded {
        /// What was stopped, e.g. `listing DB instances`.
        phase: String,
        /// Time left when stopping.
        remaining_ms: u128,
    },

    /// A hook request restores or clones from a snapshot or cluster that
    /// does not exist (or is not visible to the hook's role).
    #[error(
        "{what} {identifier} was not found in this account and region, so the key the new \
         cluster would inherit cannot be judged; check the name, or give KmsKeyId"
    )]
    RestoreSourceNotFound {
        /// What was looked for, e.g. `the DB cluster snapshot (SnapshotIdentifier)`.
        what: &'static str,
        /// Its identifier or ARN, as the template gives it.
        identifier: String,
    },

    /// A sweep or a key change judged and wrote what it could, but not
    /// everything: some resources could not be judged, or a failure (a
    /// listing, the stale-result lookup, the rule's scope, the deadline)
    /// stopped part of the work. Everything judged was written first.
    #[error("{}", incomplete_message(.stopped_by.as_deref(), .unjudged, .outcome))]
    Incomplete {
        /// The failure that stopped part of the work, if one did; then the
        /// stale-result cleanup was skipped.
        stopped_by: Option<Box<Error>>,
        /// Resources that could not be judged, as `<type> <id>: <why>`; at
        /// most [`MAX_NAMED`], the first ones met (`outcome.unjudged` counts
        /// them all).
        unjudged: Vec<String>,
        /// What the invocation did: evaluations written, resources not
        /// judged, and the rest of its metrics.
        outcome: Box<crate::Outcome>,
    },
}

/// How many unjudged resources an [`Error::Incomplete`] names.
pub(crate) const MAX_NAMED: usize = 10;

fn incomplete_message(
    stopped_by: Option<&Error>,
    unjudged: &[String],
    outcome: &crate::Outcome,
) -> String {
    let (unjudged_count, written) = (outcome.unjudged, outcome.written);
    let mut parts = Vec::new();
    if let Some(cause) = stopped_by {
        parts.push(cause.to_string());
    }
    if unjudged_count > 0 {
        let more = unjudged_count.saturating_sub(unjudged.len());
        let mut named = unjudged.join("; ");
        if more > 0 {
            named += &format!("; and {more} more");
        }
        parts.push(format!(
            "{unjudged_count} resource(s) could not be judged: {named}"
        ));
    }
    parts.push(format!(
        "{written} evaluation(s) written, every judged one included"
    ));
    if stopped_by.is_some() {
        parts.push("stale results were not cleared".to_owned());
    }
    parts.join("; ")
}

impl Error {
    /// A short, stable name for the error's kind, shown by Lambda as
    /// `errorType` and usable in CloudWatch metric filters.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Evaluator(neptune_cmk_evaluator::Error::KeyAccessDenied { .. }) => {
                "MissingPermission"
            }
            Self::Evaluator(_) | Self::MissingEventField { .. } => "InvalidEvent",
            Self::Aws {
                retryable: true, ..
            } => "RetryableAwsError",
            Self::Aws { .. } => "AwsError",
            Self::UnexpectedResponse { .. } => "UnexpectedAwsResponse",
            Self::AssumeRole { .. } => "AssumeRoleFailed",
            Self::PutEvaluations { .. } => "PutEvaluationsFailed",
            Self::DeadlineExceeded { .. } => "DeadlineExceeded",
            Self::RestoreSourceNotFound { .. } => "RestoreSourceNotFound",
            Self::Incomplete {
                stopped_by: Some(cause),
                ..
            } => cause.error_type(),
            Self::Incomplete { .. } => "ResourcesNotJudged",
        }
    }
}

impl Error {
    /// What the failed invocation did, as far as known: the full tally of a
    /// partly done sweep, else what was written.
    pub fn outcome(&self) -> crate::Outcome {
        match self {
            Self::Incomplete { outcome, .. } => (**outcome).clone(),
            Self::PutEvaluations { written, tally, .. } => crate::Outcome {
                written: *written,
                ..(**tally).clone()
            },
            _ => crate::Outcome::default(),
        }
    }

    /// A failed write with what the invocation did before it (`outcome`),
    /// so that its metrics count every verdict, not only the writes; any
    /// other error as it is.
    pub(crate) fn with_tally(self, outcome: crate::Outcome) -> Self {
        match self {
            Self::PutEvaluations {
                written,
                unwritten,
                attempts,
                message,
                ..
            } => Self::PutEvaluations {
                written,
                unwritten,
                attempts,
                message,
                tally: Box::new(outcome),
            },
            other => other,
        }
    }

    /// Evaluations judged but not written.
    pub fn unwritten(&self) -> usize {
        match self {
            Self::PutEvaluations { unwritten, .. } => *unwritten,
            _ => 0,
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(error: Error) -> Self {
        Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}
