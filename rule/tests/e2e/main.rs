//! End-to-end tests of the rule: the real handler against a real (patched)
//! moto server, the compiled bootstrap through a Lambda Runtime API loop,
//! and SDK-level fault injection for what a server cannot produce.
//!
//! The moto launcher is `tests/moto/launcher.py`; `make test` installs its
//! pinned environment and passes the interpreter in `NEPTUNE_CMK_PYTHON`.

/// The bad-input corpus, file by file.
mod bad_input;
/// The `neptune-cmk` CLI binary (built with the `cli` feature).
#[cfg(feature = "cli")]
mod cli;
/// Throttling, partial failures and denials, with `aws-smithy-mocks`.
mod faults;
/// The handler against moto: every message type and decision-table row.
mod handler;
/// Starting moto, its control API, seeding a fleet with the SDK.
mod harness;
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
