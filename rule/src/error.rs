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
    },

    /// The Lambda deadline came too close to finish safely. Everything
    /// evaluated so far was written; the rest was not evaluated.
    #[error(
        "stopped {phase} with {remaining_ms} ms left before the Lambda deadline: {written} \
         evaluation(s) written, the rest of the sweep not evaluated; raise the function timeout"
    )]
    DeadlineExceeded {
        /// Where the sweep stopped, e.g. `listing DB instances`.
        phase: String,
        /// Evaluations written before stopping.
        written: usize,
        /// Time left when stopping.
        remaining_ms: u128,
    },
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
