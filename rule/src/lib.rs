//! # neptune-cmk-rule
//!
//! The I/O shell around `neptune-cmk-evaluator`: it receives AWS Config's
//! Lambda events, fetches the facts the evaluator asks for (KMS DescribeKey,
//! Neptune describes, Config history), and hands the verdicts to a sink —
//! PutEvaluations in the Lambda (`src/main.rs`), a collector in the
//! `neptune-cmk` CLI. Every path calls the same [`Rule::handle`], so every
//! path gives the same verdict.
//!
//! ## Layout
//!
//! An event flows down this list and never back up:
//!
//! - [`handler`]: [`Rule::handle`] parses the event and parameters, picks the
//!   clients, and dispatches to `change` or [`sweep`].
//! - `change`: one changed item (fetched from Config's history when
//!   oversized) judged into one evaluation.
//! - [`sweep`]: the periodic sweep — every Neptune cluster, instance and
//!   cluster snapshot, page by page, then the stale results.
//! - [`facts`]: the facts the evaluator asks for (DescribeKey once per key,
//!   DescribeDBClusters for an instance's cluster); [`records`] maps describe
//!   records into the evaluator's types.
//! - [`hook`]: a CloudFormation Lambda Hook request, judged by the same
//!   decision and fact cache, answered with the hook's response.
//! - [`sink`]: where evaluations go; [`writer`]: the PutEvaluations sink.
//! - [`clients`]: SDK clients, timeouts, assuming `ExecutionRoleName`;
//!   [`Deadline`]: the Lambda deadline.
//! - [`Error`]: the crate's one error type, mapped to a Lambda `Diagnostic`;
//!   [`Outcome`]: what an invocation did; [`metrics`]: both as CloudWatch
//!   Embedded Metric Format, for the Lambda's alarms.
#![warn(missing_docs, unreachable_pub)]

mod aws;
mod change;
pub mod clients;
mod deadline;
mod error;
pub mod facts;
pub mod handler;
pub mod hook;
pub mod metrics;
mod outcome;
pub mod records;
mod scope;
pub mod sink;
pub mod sweep;
pub mod writer;

pub use clients::{timeouts, Clients};
pub use deadline::Deadline;
pub use error::Error;
pub use handler::Rule;
pub use outcome::Outcome;
