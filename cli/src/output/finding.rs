//! What the two security-finding formats (`ocsf`, `asff`) say alike about a
//! row, one finding per resource and one per failed target: how urgent it
//! is, its title, a finding id stable across runs, and the resource's facts.

use neptune_cmk_evaluator::Compliance;
use serde_json::{Map, Value};

use crate::rows::{Row, RowVerdict};

/// How urgent a row is, in the four levels both formats share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// A compliant or not applicable resource.
    Informational,
    /// A target that could not be read.
    Low,
    /// A policy gap: the AWS managed key, the level, the allow-list.
    Medium,
    /// Unencrypted data, or data whose key is gone or unusable.
    High,
}

/// Unencrypted data, and data whose key is gone or unusable, are the worst
/// outcomes; any other miss (aws/rds, level, allow-list) is a policy gap. A
/// target that could not be read is worth a look but proves nothing.
pub fn severity(row: &Row) -> Severity {
    match row.verdict {
        RowVerdict::Error => Severity::Low,
        RowVerdict::Judged(Compliance::NonCompliant) => match row.reason.map(|r| r.as_str()) {
            Some("unencrypted" | "key-not-found" | "key-not-enabled") => Severity::High,
            _ => Severity::Medium,
        },
        RowVerdict::Judged(_) => Severity::Informational,
    }
}

/// A title people can scan: `DBCluster graph-1 (123456789012, us-east-1): unencrypted`.
pub fn title(row: &Row) -> String {
    let place = match row.region.as_str() {
        "" => row.account.label(),
        region => format!("{}, {region}", row.account.label()),
    };
    let why = match (row.verdict, row.reason) {
        (RowVerdict::Error, _) if row.resource_type.is_empty() => {
            return format!("Neptune encryption not audited ({place})")
        }
        (RowVerdict::Error, _) => "could not be judged",
        (_, Some(reason)) => reason.describe(),
        (RowVerdict::Judged(compliance), None) => compliance.as_str(),
    };
    format!(
        "Neptune {} {} ({place}): {why}",
        row.short_type(),
        row.name()
    )
}

/// A finding id stable across runs, so re-imports update, not duplicate:
/// the resource's, or for a target that failed, the target's.
pub fn finding_id(row: &Row) -> String {
    let account = &row.account.id;
    let region = if row.region.is_empty() {
        "all-regions"
    } else {
        &row.region
    };
    if row.resource_type.is_empty() {
        return format!("neptune-cmk/{account}/{region}/not-audited");
    }
    let resource = if row.resource_id.is_empty() {
        &row.identifier
    } else {
        &row.resource_id
    };
    format!(
        "neptune-cmk/{account}/{region}/{}/{resource}",
        row.resource_type
    )
}

/// Facts about the resource beyond type and id, for both formats.
pub fn resource_data(row: &Row) -> Map<String, Value> {
    let mut data = Map::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            data.insert(key.to_owned(), value.into());
        }
    };
    put("resourceId", Some(&row.resource_id));
    put("identifier", Some(&row.identifier));
    put("kmsKeyArn", row.key_arn.as_deref());
    put("keyManager", row.key_manager.as_deref());
    put("keyState", row.key_state.as_deref());
    put(
        "encrypted",
        row.encrypted.map(|on| if on { "true" } else { "false" }),
    );
    put("reason", row.reason_id());
    put("compliance", Some(row.verdict.as_str()));
    data
}
