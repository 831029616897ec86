//! The evaluator's integration tests: one crate, one module per concern.
//!
//! Fixtures live in the workspace's `tests/fixtures/` and are loaded with
//! `include_str!`, so every path (evaluator, rule, CLI) judges the same
//! files.

/// One test per row of the decision table, through one `check()` helper.
mod decision;
/// CloudFormation Lambda Hook requests and answers.
mod hook;
/// KMS key items: the key-change trigger.
mod key_change;
/// `ruleParameters`.
mod params;
/// Invoking events, both item dialects, and malformed input.
mod parsing;
/// Properties over arbitrary input.
mod properties;

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
