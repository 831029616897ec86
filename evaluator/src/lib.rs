//! # neptune-cmk-evaluator
//!
//! The pure core of neptune-cmk: given what AWS Config sends (an invoking
//! event, configuration items) and facts about KMS keys, decide whether each
//! Amazon Neptune cluster, instance and cluster snapshot is encrypted at rest
//! with a KMS *customer managed* key.
//!
//! This crate performs no I/O, reads no clock and knows no AWS SDK or Lambda
//! runtime: time, facts and parameters come in as arguments, and verdicts
//! go out as values. The `neptune-cmk-rule` crate is the shell that fetches
//! the facts and writes the verdicts.
//!
//! The path of data through it:
//!
//! ```text
//! ruleParameters ─► RuleParameters
//! invokingEvent  ─► InvokingEvent ─► ConfigurationItem ─► assess ─┬─ Decided ──────────────────────────► Evaluation
//!                                                                 ├─ NeedsCluster ─ resolve(cluster facts) ─┐
//!                                                                 └─ NeedsKey ─ decide(KeyLookup) ◄─────────┘─► Evaluation
//! a KMS key's item ─► KeyChange (the key's new facts, which resources to re-judge)
//! hook request ─► HookRequest ─► HookAssessment ─► the same Assessment ─► HookAnswer
//! ```
//!
//! The shell supplies what `NeedsCluster` and `NeedsKey` ask for; nothing
//! here asks AWS.
//!
//! ## Layout
//! - [`InvokingEvent`] parses `invokingEvent`; [`ConfigurationItem`] parses
//!   items in both dialects Config uses.
//! - [`RuleParameters`] parses `ruleParameters`.
//! - [`assess`] starts a decision, which the adapter drives through
//!   [`Assessment`] by supplying cluster facts and [`KeyLookup`]s.
//! - [`Evaluation`] is the output; [`Annotation`] guarantees its length.
//! - [`HookRequest`] reads a CloudFormation Lambda Hook request and turns
//!   the same decision into a [`HookAnswer`].
//!
//! Domain outcomes (not Neptune, deleted, unencrypted) are evaluations;
//! [`Error`] is only for malformed input.
#![warn(missing_docs, unreachable_pub)]

mod annotation;
mod error;
mod evaluation;
mod event;
mod hook;
mod item;
mod json;
mod key;
mod key_item;
mod params;
mod resource;
mod scope;
mod timestamp;

pub use annotation::{Annotation, MAX_ANNOTATION_BYTES, TRUNCATION_MARKER};
pub use error::Error;
pub use evaluation::{Compliance, Evaluation, Reason};
pub use event::InvokingEvent;
pub use hook::{
    AnnotationStatus, HookAnnotation, HookAnswer, HookAssessment, HookErrorCode, HookRequest,
    HookStatus, InvocationPoint, PendingSource, Severity, SourceKind, ANNOTATION_NAME,
    MAX_HOOK_MESSAGE_CHARS, NEPTUNE_CLUSTER_TYPE, NEPTUNE_GRAPH_TYPE,
};
pub use item::{ConfigurationItem, ItemHeader, ItemStatus};
pub use key::{
    Deletion, EncryptionLevel, KeyFacts, KeyLookup, KeyManager, KeyOrigin, KeyReference, KeyState,
};
pub use key_item::{KeyChange, KMS_KEY_TYPE};
pub use params::RuleParameters;
pub use resource::{
    assess, partition_of, screen, Advice, Assessment, ClusterEncryption, Encryption,
    NeptuneResource, PendingCluster, PendingKey, ResourceKind, Subject,
};
pub use scope::{Scope, Tag};
pub use timestamp::Timestamp;
