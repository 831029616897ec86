//! The report as security findings, one per resource and one per failed
//! target:
//!
//! - OCSF 1.3.0 Compliance Finding (class_uid 2003, category 2 Findings),
//!   printed as one JSON array (schema: github.com/ocsf/ocsf-schema, tag
//!   1.3.0, `events/findings/compliance_finding.json`);
//! - ASFF (`SchemaVersion` 2018-10-08), as Security Hub BatchImportFindings
//!   request bodies: one JSON line `{"Findings": [...]}` per batch of at most
//!   100 findings, every batch of one account and region. Security Hub takes
//!   at most 100 findings per call, in the region called, and with the
//!   account's own default product ARN only that account may import them;
//!   one line per (account, region, ≤100) is therefore exactly one
//!   `aws securityhub batch-import-findings --cli-input-json` call with that
//!   account's credentials and region (README, "Findings formats").

use std::collections::BTreeMap;

use neptune_cmk_evaluator::Compliance;
use serde_json::{json, Map, Value};

use crate::output::{Report, Row, Verdict};

/// OCSF schema version the findings follow.
pub const OCSF_VERSION: &str = "1.3.0";
/// ASFF schema version (the only one Security Hub defines).
pub const ASFF_VERSION: &str = "2018-10-08";
/// BatchImportFindings' limit per call.
pub const ASFF_BATCH: usize = 100;

/// How urgent a row is, in the four levels both formats share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    Informational,
    Low,
    Medium,
    High,
}

/// Unencrypted data, and data whose key is gone or unusable, are the worst
/// outcomes; any other miss (aws/rds, level, allow-list) is a policy gap. A
/// target that could not be read is worth a look but proves nothing.
fn severity(row: &Row) -> Severity {
    match row.verdict {
        Verdict::Error => Severity::Low,
        Verdict::Judged(Compliance::NonCompliant) => match row.reason.map(|r| r.as_str()) {
            Some("unencrypted" | "key-not-found" | "key-not-enabled") => Severity::High,
            _ => Severity::Medium,
        },
        Verdict::Judged(_) => Severity::Informational,
    }
}

/// A title people can scan: `DBCluster graph-1 (123456789012, us-east-1): unencrypted`.
fn title(row: &Row) -> String {
    let place = match row.region.as_str() {
        "" => row.account.label(),
        region => format!("{}, {region}", row.account.label()),
    };
    let why = match (row.verdict, row.reason) {
        (Verdict::Error, _) if row.resource_type.is_empty() => {
            return format!("Neptune encryption not audited ({place})")
        }
        (Verdict::Error, _) => "could not be judged",
        (_, Some(reason)) => reason.describe(),
        (Verdict::Judged(compliance), None) => compliance.as_str(),
    };
    format!(
        "Neptune {} {} ({place}): {why}",
        row.short_type(),
        row.name()
    )
}

/// A finding id stable across runs, so re-imports update, not duplicate:
/// the resource's, or for a target that failed, the target's.
fn finding_id(row: &Row) -> String {
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

/// Whether the row is about a whole target (account or region), not a resource.
fn is_target_failure(row: &Row) -> bool {
    row.verdict == Verdict::Error && row.resource_type.is_empty()
}

/// Facts about the resource beyond type and id, for both formats.
fn resource_data(row: &Row) -> Map<String, Value> {
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
    put("reason", row.reason.map(|reason| reason.as_str()));
    put("compliance", Some(row.verdict.as_str()));
    data
}

/// The report as one JSON array of OCSF Compliance Findings.
pub fn ocsf(report: &Report) -> String {
    let findings: Vec<Value> = report
        .rows
        .iter()
        .map(|row| ocsf_finding(report, row))
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&findings).unwrap_or_default()
    )
}

fn ocsf_finding(report: &Report, row: &Row) -> Value {
    let time = report.generated_at.epoch_millis();
    let (severity_id, severity_name) = match severity(row) {
        Severity::Informational => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
    };
    // compliance.status_id has exactly Pass, Warning and Fail in 1.3.0:
    // Warning is "did not yield a result due to missing information", which
    // covers a target that could not be read and a NOT_APPLICABLE verdict
    // alike; status_code keeps Config's own word.
    let (status_id, status) = match row.verdict {
        Verdict::Judged(Compliance::Compliant) => (1, "Pass"),
        Verdict::Judged(Compliance::NonCompliant) => (3, "Fail"),
        Verdict::Judged(Compliance::NotApplicable) | Verdict::Error => (2, "Warning"),
    };
    let account = json!({"uid": row.account.id, "name": row.account.name, "type": "AWS Account", "type_id": 10});
    json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": 1,
        "status": "New",
        "message": row.annotation,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {
                "name": "neptune-cmk",
                "vendor_name": "neptune-cmk",
                "version": env!("CARGO_PKG_VERSION"),
            },
        },
        "cloud": {
            "provider": "AWS",
            "region": (!row.region.is_empty()).then_some(&row.region),
            "account": account,
        },
        "finding_info": {
            "uid": finding_id(row),
            "title": title(row),
            "desc": row.annotation,
            "types": ["Neptune encryption at rest with a KMS customer managed key"],
            "created_time": time,
        },
        "compliance": {
            "standards": ["neptune-cmk: Amazon Neptune encrypted at rest with a KMS customer managed key"],
            "control": report.rule_name,
            "status_id": status_id,
            "status": status,
            "status_code": row.verdict.as_str(),
            "status_detail": row.annotation,
        },
        "resources": [ocsf_resource(report, row)],
    })
}

/// The resource judged, or for an error row the account not audited.
fn ocsf_resource(report: &Report, row: &Row) -> Value {
    if is_target_failure(row) {
        return json!({
            "uid": row.account.id,
            "name": row.account.name.as_deref().unwrap_or(&row.account.id),
            "type": "AWS::::Account",
            "region": (!row.region.is_empty()).then_some(&row.region),
            "cloud_partition": report.partition,
        });
    }
    json!({
        "uid": row.arn.as_deref().unwrap_or(row.name()),
        "name": row.name(),
        "type": row.resource_type,
        "region": row.region,
        "cloud_partition": report.partition,
        "data": resource_data(row),
    })
}

/// The report as BatchImportFindings request bodies, one per line.
pub fn asff(report: &Report) -> String {
    let mut groups: BTreeMap<(&str, &str), Vec<Value>> = BTreeMap::new();
    for row in &report.rows {
        groups
            .entry((&row.account.id, &row.region))
            .or_default()
            .push(asff_finding(report, row));
    }
    let mut out = String::new();
    for findings in groups.values() {
        for batch in findings.chunks(ASFF_BATCH) {
            out += &json!({"Findings": batch}).to_string();
            out.push('\n');
        }
    }
    out
}

fn asff_finding(report: &Report, row: &Row) -> Value {
    let partition = &report.partition;
    let account = &row.account.id;
    // A whole-account failure has no region of its own; it is filed in the
    // report's first region so that its batch has one to be imported into.
    let region = if row.region.is_empty() {
        report
            .rows
            .iter()
            .map(|other| other.region.as_str())
            .find(|region| !region.is_empty())
            .unwrap_or("us-east-1")
    } else {
        &row.region
    };
    let now = report.generated_at.to_string();
    let status = match row.verdict {
        Verdict::Judged(Compliance::Compliant) => "PASSED",
        Verdict::Judged(Compliance::NonCompliant) => "FAILED",
        // ASFF: NOT_AVAILABLE is for checks that could not be performed and
        // for Config's NOT_APPLICABLE results.
        Verdict::Judged(Compliance::NotApplicable) | Verdict::Error => "NOT_AVAILABLE",
    };
    let label = match severity(row) {
        Severity::Informational => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
    };
    let resource = if is_target_failure(row) {
        json!({
            "Type": "AwsAccount",
            "Id": format!("AWS::::Account:{account}"),
            "Partition": partition,
            "Region": region,
        })
    } else {
        json!({
            "Type": asff_resource_type(&row.resource_type),
            "Id": row.arn.as_deref().unwrap_or(row.name()),
            "Partition": partition,
            "Region": region,
            "Details": {"Other": resource_data(row)},
        })
    };
    let mut finding = json!({
        "SchemaVersion": ASFF_VERSION,
        "Id": finding_id(row),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        "GeneratorId": report.rule_name,
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": label},
        "Title": title(row),
        "Description": row.annotation,
        "Region": region,
        "Resources": [resource],
        "Compliance": {"Status": status},
        "RecordState": "ACTIVE",
        "ProductFields": {
            "neptune-cmk/compliance": row.verdict.as_str(),
            "neptune-cmk/reason": row.reason.map_or("unknown", |reason| reason.as_str()),
        },
    });
    if let Some(name) = &row.account.name {
        finding["AwsAccountName"] = name.clone().into();
    }
    finding
}

/// Security Hub's resource type names for the three Config types.
fn asff_resource_type(config_type: &str) -> &'static str {
    match config_type {
        "AWS::RDS::DBCluster" => "AwsRdsDbCluster",
        "AWS::RDS::DBInstance" => "AwsRdsDbInstance",
        "AWS::RDS::DBClusterSnapshot" => "AwsRdsDbClusterSnapshot",
        _ => "Other",
    }
}
