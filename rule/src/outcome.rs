//! What one invocation did, counted as it goes: the Lambda's response body
//! and the source of its metrics.

use serde::Serialize;

/// What one invocation did; the Lambda's response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Evaluations the sink wrote (0 for a sink that writes nothing).
    pub written: usize,
    /// How many evaluations were COMPLIANT.
    pub compliant: usize,
    /// How many were NON_COMPLIANT.
    pub non_compliant: usize,
    /// How many were NOT_APPLICABLE (stale results included).
    pub not_applicable: usize,
    /// Earlier results of vanished or out-of-scope resources marked
    /// NOT_APPLICABLE.
    pub stale_removed: usize,
    /// Resources listed but not judged (their facts could not be read).
    pub unjudged: usize,
    /// DescribeKey calls made.
    pub describe_key_calls: usize,
    /// How long a periodic sweep took, stale cleanup included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep_ms: Option<u64>,
}
