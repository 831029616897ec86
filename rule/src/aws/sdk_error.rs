//! What an SDK error says: its code, its text, whether a retry may help, and
//! the crate's [`Error::Aws`] made from it.

use aws_credential_types::provider::error::CredentialsError;

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
/// the operation (`kms:DescribeKey`), what it was called for, what went
/// wrong and how to fix it, and whether a later retry may help.
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
        message: explain(error, Some(operation)),
        retryable: is_retryable(error),
    }
}

/// One line a person can act on: the service's code and message, or the
/// cause of a call that never got an answer (no credentials, a refused
/// connection, a timeout) with its fix. Never the SDK's `Debug` dump.
pub fn error_message<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    explain(error, None)
}

fn explain<E, R>(error: &SdkError<E, R>, operation: Option<&str>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let Some(service) = error.as_service_error() {
        let code = service.code().unwrap_or("UnknownError");
        let text = format!("{code}: {}", service.message().unwrap_or("no message"));
        return service_advice(code, operation)
            .map_or(text.clone(), |advice| format!("{text}; {advice}"));
    }
    let causes = std::error::Error::source(error).map_or_else(Vec::new, causes);
    if let Some(credentials) = causes.iter().find_map(|cause| cause.downcast_ref()) {
        return credentials_message(credentials);
    }
    let text = std::iter::once(error.to_string())
        .chain(causes.iter().map(ToString::to_string))
        .collect::<Vec<_>>()
        .join(": ");
    if matches!(error, SdkError::TimeoutError(_)) || is_connect_timeout(error) {
        format!(
            "timed out, the AWS endpoint never answered ({text}); check the network, a proxy \
             (HTTPS_PROXY) or AWS_ENDPOINT_URL"
        )
    } else if causes.iter().any(|cause| is_unresolved(*cause)) {
        "the AWS endpoint's host name does not resolve: the region may not exist (aws ec2 \
         describe-regions lists them), or DNS is unreachable; check --region, AWS_REGION, \
         AWS_ENDPOINT_URL and the network"
            .to_owned()
    } else if causes.iter().any(|cause| is_refused(*cause)) {
        format!(
            "connection refused by the AWS endpoint ({text}); check AWS_ENDPOINT_URL, a proxy \
             (HTTPS_PROXY) or the network"
        )
    } else {
        text
    }
}

/// An error and its sources, outermost first. Each level's `Display` is
/// one phrase; together they are the whole story without `Debug`.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Vec<&'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |cause| cause.source()).collect()
}

fn is_connect_timeout<E, R>(error: &SdkError<E, R>) -> bool {
    match error {
        SdkError::DispatchFailure(failure) => failure.is_timeout(),
        _ => false,
    }
}

/// A failed host name lookup. hyper's connector error type is private, and
/// the resolver's own text varies by system, so its fixed "dns error" is the
/// only mark.
fn is_unresolved(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause.to_string() == "dns error"
}

fn is_refused(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
}

/// Why no credentials could be had, by the provider chain's typed error.
fn credentials_message(error: &CredentialsError) -> String {
    match error {
        CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found; set \
             AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use a profile that has credentials \
             (--profile or AWS_PROFILE; run aws sso login for an SSO profile)"
            .to_owned(),
        CredentialsError::ProviderTimedOut(_) => "timed out loading AWS credentials; check the \
             network to the credential provider (SSO, instance metadata) or use another profile"
            .to_owned(),
        other => {
            let text = std::iter::once(other.to_string())
                .chain(
                    std::error::Error::source(other)
                        .into_iter()
                        .flat_map(causes)
                        .map(ToString::to_string),
                )
                .collect::<Vec<_>>()
                .join(": ");
            format!(
                "the AWS credentials could not be loaded ({text}); fix the profile, or run aws \
                 sso login for an SSO profile"
            )
        }
    }
}

/// The fix for a service's refusal that the caller can act on: a missing
/// permission, or credentials the service does not accept.
fn service_advice(code: &str, operation: Option<&str>) -> Option<String> {
    let denied = matches!(
        code,
        "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "AuthorizationErrorException"
    );
    let rejected = matches!(
        code,
        "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "InvalidSignatureException"
    );
    if denied {
        let action = operation.unwrap_or("the action");
        let key_policy = if action.starts_with("kms:") {
            " and the key policy"
        } else {
            ""
        };
        Some(format!(
            "access denied: allow {action} to these credentials (their IAM policy{key_policy}), \
             or use credentials that have it"
        ))
    } else if rejected {
        Some(
            "the credentials were rejected: they are expired or wrong; refresh them (aws sso \
             login, or new access keys)"
                .to_owned(),
        )
    } else {
        None
    }
}
