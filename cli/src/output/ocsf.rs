//! The report as OCSF 1.3.0 Compliance Findings (class_uid 2003, category 2
//! Findings), printed as one JSON array (schema: github.com/ocsf/ocsf-schema,
//! tag 1.3.0, `events/findings/compliance_finding.json`).

use neptune_cmk_evaluator::Compliance;
use serde_json::{json, Value};

use super::finding::{finding_id, resource_data, severity, title, Severity};
use crate::rows::{Report, Row, RowVerdict};

/// OCSF schema version the findings follow.
pub const OCSF_VERSION: &str = "1.3.0";

/// The report as one JSON array of OCSF Compliance Findings.
pub fn ocsf(report: &Report) -> String {
    let findings: Vec<Value> = report.rows.iter().map(|row| finding(report, row)).collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&findings).unwrap_or_default()
    )
}

/// One row's finding: the row's own fields, then what every finding says.
fn finding(report: &Report, row: &Row) -> Value {
    let time = report.generated_at.epoch_millis();
    let (severity_id, severity_name) = severity_of(severity(row));
    let mut finding = json!({
        "time": time,
        "severity_id": severity_id,
        "severity": severity_name,
        "message": row.annotation,
        "cloud": cloud(row),
        "finding_info": finding_info(row, time),
        "compliance": compliance(report, row),
        "resources": [resource(report, row)],
    });
    for (key, value) in every_finding() {
        finding[key] = value;
    }
    finding
}

/// What every finding of this tool says alike: its class and activity
/// (Compliance Finding: Create), its status (New) and the product.
fn every_finding() -> [(&'static str, Value); 11] {
    [
        ("activity_id", json!(1)),
        ("activity_name", json!("Create")),
        ("category_uid", json!(2)),
        ("category_name", json!("Findings")),
        ("class_uid", json!(2003)),
        ("class_name", json!("Compliance Finding")),
        ("type_uid", json!(200301)),
        ("type_name", json!("Compliance Finding: Create")),
        ("status_id", json!(1)),
        ("status", json!("New")),
        (
            "metadata",
            json!({
                "version": OCSF_VERSION,
                "profiles": ["cloud"],
                "product": {
                    "name": "neptune-cmk",
                    "vendor_name": "neptune-cmk",
                    "version": env!("CARGO_PKG_VERSION"),
                },
            }),
        ),
    ]
}

/// OCSF's `severity_id` and `severity` of each level.
fn severity_of(level: Severity) -> (u8, &'static str) {
    match level {
        Severity::Informational => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
    }
}

/// `compliance.status_id` and `status`. OCSF 1.3.0 has exactly Pass,
/// Warning and Fail: Warning is "did not yield a result due to missing
/// information", which covers a target that could not be read and a
/// NOT_APPLICABLE verdict alike; `status_code` keeps Config's own word.
fn status_of(verdict: RowVerdict) -> (u8, &'static str) {
    match verdict {
        RowVerdict::Judged(Compliance::Compliant) => (1, "Pass"),
        RowVerdict::Judged(Compliance::NonCompliant) => (3, "Fail"),
        RowVerdict::Judged(Compliance::NotApplicable) | RowVerdict::Error => (2, "Warning"),
    }
}

fn cloud(row: &Row) -> Value {
    json!({
        "provider": "AWS",
        "region": (!row.region.is_empty()).then_some(&row.region),
        "account": {
            "uid": row.account.id,
            "name": row.account.name,
            "type": "AWS Account",
            "type_id": 10,
        },
    })
}

fn finding_info(row: &Row, time: i64) -> Value {
    json!({
        "uid": finding_id(row),
        "title": title(row),
        "desc": row.annotation,
        "types": ["Neptune encryption at rest with a KMS customer managed key"],
        "created_time": time,
    })
}

fn compliance(report: &Report, row: &Row) -> Value {
    let (status_id, status) = status_of(row.verdict);
    json!({
        "standards": ["neptune-cmk: Amazon Neptune encrypted at rest with a KMS customer managed key"],
        "control": report.rule_name,
        "status_id": status_id,
        "status": status,
        "status_code": row.verdict.as_str(),
        "status_detail": row.annotation,
    })
}

/// The resource judged, or for an error row the account not audited.
fn resource(report: &Report, row: &Row) -> Value {
    if row.is_target_failure() {
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
