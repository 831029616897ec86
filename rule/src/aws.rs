//! Helpers shared by every AWS call: error classification and time
//! conversion.

use aws_smithy_types::DateTime;
use neptune_cmk_evaluator::Timestamp;

use crate::Error;

/// The SDK error every service crate re-exports (same smithy type).
pub(crate) use aws_sdk_kms::error::SdkError;

// Every service crate re-exports the same smithy `SdkError` and
// `ProvideErrorMetadata`; the KMS paths are used for all of them.

/// The error code of an SDK error, if the service sent one.
pub(crate) fn error_code<E, R>(error: &aws_sdk_kms::error::SdkError<E, R>) -> Option<String>
where
    E: aws_sdk_kms::error::ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|service| service.code())
        .map(str::to_owned)
}

/// Whether an SDK error is worth retrying: throttling, timeouts, transport
/// failures and server errors.
pub(crate) fn is_retryable<E, R>(error: &aws_sdk_kms::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_kms::error::ProvideErrorMetadata,
{
    use aws_sdk_kms::error::SdkError;
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

pub(crate) fn is_throttling_code(code: &str) -> bool {
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

/// An [`Error::Aws`] from an SDK error, with the service's code and message.
pub(crate) fn aws_error<E, R>(
    operation: &'static str,
    target: impl Into<String>,
    error: &aws_sdk_kms::error::SdkError<E, R>,
) -> Error
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    Error::Aws {
        operation,
        target: target.into(),
        message: aws_message(error),
        retryable: is_retryable(error),
    }
}

/// The service's error code and message, or the transport failure.
pub(crate) fn aws_message<E, R>(error: &aws_sdk_kms::error::SdkError<E, R>) -> String
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::error::Error + 'static,
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

pub(crate) fn to_date_time(timestamp: Timestamp) -> DateTime {
    DateTime::from_millis(timestamp.epoch_millis())
}

pub(crate) fn from_date_time(date_time: &DateTime) -> Option<Timestamp> {
    date_time.to_millis().ok().map(Timestamp::from_epoch_millis)
}
