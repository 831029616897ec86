//! The AWS plumbing the rule and the `neptune-cmk` CLI share, written once:
//!
//! - `sdk_error`: an SDK error's code and text, whether a retry may help,
//!   and [`failed`], the crate's [`Error::Aws`](crate::Error::Aws) for a call
//!   that failed;
//! - `assume`: acting as another role ([`assume_role`], the only caller of
//!   sts:AssumeRole);
//! - `describe`: a Neptune cluster, instance or cluster snapshot by
//!   identifier, or `None` when the SDK's typed not-found fault says it does
//!   not exist, and a resource's [`tags`];
//! - `region`: the same configuration in another region ([`in_region`]);
//! - `time`: the SDK's `DateTime` as the evaluator's `Timestamp`, and `now`
//!   by the clock the shell owns.
//!
//! Listings page through the SDK's paginators (`into_paginator()`), each
//! page bounded by the deadline (`sweep::pages`).

mod assume;
mod describe;
mod region;
mod sdk_error;
mod time;

pub use assume::{assume_role, role_arn, RoleSession};
pub use describe::{describe_cluster, describe_instance, describe_snapshot, tags};
pub use region::in_region;
pub use sdk_error::{
    error_code, error_message, failed, is_retryable, ProvideErrorMetadata, SdkError,
};
pub(crate) use time::{from_date_time, now, to_date_time};
