//! End-to-end tests of the rule: the real handler against a real (patched)
//! moto server, the compiled bootstrap through a Lambda Runtime API loop,
//! and SDK-level fault injection for what a server cannot produce.
//!
//! The moto launcher is `tests/moto/launcher.py`; `make test` installs its
//! pinned environment and passes the interpreter in `NEPTUNE_CMK_PYTHON`.

use std::time::Duration;

use aws_lambda_events::event::config::ConfigEvent;
use neptune_cmk_rule::writer::{EvaluationWriter, RetryPolicy};
use neptune_cmk_rule::{Deadline, Error, Outcome, Rule};

/// The bad-input corpus, file by file.
mod bad_input;
/// Throttling, partial failures and denials, with `aws-smithy-mocks`.
mod faults;
/// Key changes, per-resource isolation, TESTMODE, scope, deadlines (#11).
mod freshness;
/// The handler against moto: every message type and decision-table row.
mod handler;
/// The CloudFormation Lambda Hook through the bootstrap, one test per row.
mod hook;
/// Oversized and deeply nested events and hook requests through the bootstrap.
mod hostile;
/// The bootstrap's metrics on every failure, and the CDK's alarms on them.
mod metrics;
/// An organization rule: a member account judged through its execution role.
mod organization;
/// Starting moto, its control API, seeding a fleet with the SDK (shared with
/// the CLI's tests).
mod harness {
    pub use neptune_cmk_testing::*;
}
/// A Lambda Runtime API server and the compiled bootstrap against it.
mod runtime;
/// The compiled `neptune-cmk-rule` binary through the Lambda Runtime API.
mod runtime_api;

/// Loads a fixture from the workspace's `tests/fixtures/`.
#[macro_export]
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/",
            $path
        ))
    };
}

/// The time a test gives work that must be done before a deadline it then
/// waits out (a deadline test cannot end sooner): far above what that work
/// takes (well under a second), so that only a hang can fail the test. It
/// stays below the SDK's 10-second attempt timeout of the bootstrap, so the
/// deadline, not that timeout, ends a call that never answers.
pub const BEYOND_ANY_REAL_WORK: Duration = Duration::from_secs(8);

/// A hang guard, not a performance bound: far above how long any awaited
/// work takes (seconds at most), it only turns a hang into a failure.
pub const HANG_GUARD: Duration = Duration::from_secs(300);

/// Awaits `future`, failing the test only if it hangs ([`HANG_GUARD`]).
pub async fn unless_hung<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not end within the hang guard ({HANG_GUARD:?})"))
}

/// Handles `event` as the Lambda does (the PutEvaluations writer, default
/// retries), with no deadline.
pub async fn lambda(
    rule: &Rule,
    event: &ConfigEvent,
) -> Result<(Outcome, EvaluationWriter), Error> {
    lambda_with(rule, event, Deadline::none(), RetryPolicy::default()).await
}

/// [`lambda`] with a deadline and a retry policy.
pub async fn lambda_with(
    rule: &Rule,
    event: &ConfigEvent,
    deadline: Deadline,
    retry: RetryPolicy,
) -> Result<(Outcome, EvaluationWriter), Error> {
    rule.handle(event, deadline, |destination| {
        EvaluationWriter::new(destination, retry, deadline)
    })
    .await
    .map(|handled| (handled.outcome, handled.sink))
}
