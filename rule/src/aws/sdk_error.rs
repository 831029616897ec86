//! What an SDK error says: its code, its text, whether a retry may help, and
//! the crate's [`Error::Aws`] made from it.

use crate::Error;

/// The SDK error every service crate re-exports (one smithy type), so one
/// set of helpers serves KMS, Neptune, Config, STS and the rest.
pub use aws_sdk_kms::error::SdkError;

/// What every service's error type provides (the same smithy trait).
pub use aws_sdk_kms::error::ProvideErrorMetadata;

/// The error code of an SDK error, if the service sent one.
pub fn error_code<E, R>(error: &SdkError<E, R>) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|service| service.code())
        .map(str::to_owned)
}

/// Whether an SDK error is worth retrying: throttling, timeouts, transport
/// failures and server errors.
pub fn is_retryable<E, R>(error: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            is_throttling_code(code)
                || code.ends_with("InternalException")
                || code == "InternalFailure"
                || code == "ServiceUnavailable"
                || code == "DependencyTimeoutException"
        }
        _ => false,
    }
}

fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "LimitExceededException"
            | "SlowDown"
    )
}

/// The [`Error::Aws`] of a call that failed after the SDK's own retries:
/// the operation (`kms:DescribeKey`), what it was called for, the service's
/// code and message, and whether a later retry may help.
pub fn failed<E, R>(
    operation: &'static str,
    target: impl Into<String>,
    error: &SdkError<E, R>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    Error::Aws {
        operation,
        target: target.into(),
        message: error_message(error),
        retryable: is_retryable(error),
    }
}

/// The service's error code and message, or the transport failure.
pub fn error_message<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("UnknownError"),
            service.message().unwrap_or("no message")
        ),
        None => aws_sdk_kms::error::DisplayErrorContext(error).to_string(),
    }
}
