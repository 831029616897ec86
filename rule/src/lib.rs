//! # neptune-cmk-rule
//!
//! The I/O shell around `neptune-cmk-evaluator`. The path of a Config event
//! through it:
//!
//! ```text
//! Config event ─► handler ─► change (one item) │ sweep (every resource, or one key's)
//!                               │                    │
//!                               └──► fact_cache ◄────┘   DescribeKey, DescribeDBClusters, tags
//!                                       │
//!                                  evaluator (pure) ─► Evaluation ─► sink: writer (PutEvaluations) │ collector
//! ```
//!
//! and of a CloudFormation hook request: `hook_answer` ─► evaluator `HookRequest`
//! ─► `fact_cache` and `aws::describe_snapshot` ─► evaluator ─► `HookAnswer`.
//!
//! The Lambda (`src/main.rs`) passes the PutEvaluations writer as the sink,
//! the `neptune-cmk` CLI a collector; both call the same [`Rule::handle`] and
//! [`Rule::answer_hook`], so every path gives the same verdict.
//!
//! ## Layout
//!
//! Each module uses only modules listed after it (`tools/check-layers.py`
//! proves there is no import cycle):
//!
//! - [`hook_answer`]: [`Rule::answer_hook`], a hook request judged by the same
//!   decision and fact cache, answered with the hook's response.
//! - [`handler`]: [`Rule::handle`] parses the event and parameters, picks the
//!   clients, dispatches to `change` or [`sweep`], and hands every
//!   evaluation to the sink; `rule_scope` reads the rule's own scope.
//! - `change`: one changed item (fetched from Config's history when
//!   oversized) judged into one evaluation.
//! - [`sweep`]: the periodic sweep — every Neptune cluster, instance and
//!   cluster snapshot, page by page, then the stale results.
//! - [`fact_cache`]: the facts the evaluator asks for (DescribeKey once per
//!   key, DescribeDBClusters once per cluster, tags); [`records`] maps
//!   describe records into the evaluator's types.
//! - [`writer`]: the PutEvaluations sink; [`sink`]: where evaluations go.
//! - [`clients`]: SDK clients, timeouts, and the session that builds them
//!   on first use, assuming `ExecutionRoleName`.
//! - [`aws`]: the AWS plumbing the CLI shares — SDK error text, assuming a
//!   role, describe-or-`None`, tags.
//! - [`Deadline`]: the Lambda deadline; [`metrics`]: an invocation's
//!   [`Outcome`] or [`Error`] as CloudWatch Embedded Metric Format.
//! - [`Error`]: the crate's one error type, mapped to a Lambda `Diagnostic`;
//!   [`Outcome`]: what an invocation did.
#![warn(missing_docs, unreachable_pub)]

pub mod aws;
mod change;
pub mod clients;
mod deadline;
mod error;
pub mod fact_cache;
pub mod handler;
pub mod hook_answer;
pub mod metrics;
mod outcome;
pub mod records;
mod rule_scope;
pub mod sink;
pub mod sweep;
pub mod writer;

pub use clients::{timeouts, Clients};
pub use deadline::Deadline;
pub use error::Error;
pub use handler::{Handled, Rule};
pub use outcome::Outcome;
