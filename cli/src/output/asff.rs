//! The report as ASFF findings (`SchemaVersion` 2018-10-08), as Security Hub
//! BatchImportFindings request bodies: one JSON line `{"Findings": [...]}`
//! per batch of at most 100 findings, every batch of one account and region.
//! Security Hub takes at most 100 findings per call, in the region called,
//! and with the account's own default product ARN only that account may
//! import them; one line per (account, region, ≤100) is therefore exactly
//! one `aws securityhub batch-import-findings --cli-input-json` call with
//! that account's credentials and region (README, "Findings formats").

use std::collections::BTreeMap;

use neptune_cmk_evaluator::Compliance;
use serde_json::{json, Value};

use super::finding::{finding_id, resource_data, severity, title, Severity};
use crate::rows::{Report, Row, RowVerdict};

/// ASFF schema version (the only one Security Hub defines).
pub const ASFF_VERSION: &str = "2018-10-08";
/// BatchImportFindings' limit per call.
pub const ASFF_BATCH: usize = 100;

/// The report as BatchImportFindings request bodies, one per line.
pub fn asff(report: &Report) -> String {
    let mut groups: BTreeMap<(&str, &str), Vec<Value>> = BTreeMap::new();
    for row in &report.rows {
        groups
            .entry((&row.account.id, &row.region))
            .or_default()
            .push(finding(report, row));
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

/// One row's finding, filed in its account's default product.
fn finding(report: &Report, row: &Row) -> Value {
    let (partition, account) = (&report.partition, &row.account.id);
    let region = filing_region(report, row);
    let now = report.generated_at.to_string();
    let mut finding = json!({
        "SchemaVersion": ASFF_VERSION,
        "Id": finding_id(row),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        "GeneratorId": report.rule_name,
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": label_of(severity(row))},
        "Title": title(row),
        "Description": row.annotation,
        "Region": region,
        "Resources": [resource(report, row, region)],
        "Compliance": {"Status": status_of(row.verdict)},
        "RecordState": "ACTIVE",
        "ProductFields": {
            "neptune-cmk/compliance": row.verdict.as_str(),
            "neptune-cmk/reason": row.reason_id().unwrap_or("unknown"),
        },
    });
    if let Some(name) = &row.account.name {
        finding["AwsAccountName"] = name.clone().into();
    }
    finding
}

/// The row's region. A whole-account failure has no region of its own; it
/// is filed in the report's first region so that its batch has one to be
/// imported into.
fn filing_region<'a>(report: &'a Report, row: &'a Row) -> &'a str {
    if !row.region.is_empty() {
        return &row.region;
    }
    report
        .rows
        .iter()
        .map(|other| other.region.as_str())
        .find(|region| !region.is_empty())
        .unwrap_or("us-east-1")
}

/// ASFF's `Severity.Label` of each level.
fn label_of(level: Severity) -> &'static str {
    match level {
        Severity::Informational => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
    }
}

/// ASFF's `Compliance.Status`: NOT_AVAILABLE is for checks that could not
/// be performed and for Config's NOT_APPLICABLE results.
fn status_of(verdict: RowVerdict) -> &'static str {
    match verdict {
        RowVerdict::Judged(Compliance::Compliant) => "PASSED",
        RowVerdict::Judged(Compliance::NonCompliant) => "FAILED",
        RowVerdict::Judged(Compliance::NotApplicable) | RowVerdict::Error => "NOT_AVAILABLE",
    }
}

/// The resource judged, or for an error row the account not audited.
fn resource(report: &Report, row: &Row, region: &str) -> Value {
    let partition = &report.partition;
    if row.is_target_failure() {
        return json!({
            "Type": "AwsAccount",
            "Id": format!("AWS::::Account:{}", row.account.id),
            "Partition": partition,
            "Region": region,
        });
    }
    json!({
        "Type": resource_type(&row.resource_type),
        "Id": row.arn.as_deref().unwrap_or(row.name()),
        "Partition": partition,
        "Region": region,
        "Details": {"Other": resource_data(row)},
    })
}

/// Security Hub's resource type names for the three Config types.
fn resource_type(config_type: &str) -> &'static str {
    match config_type {
        "AWS::RDS::DBCluster" => "AwsRdsDbCluster",
        "AWS::RDS::DBInstance" => "AwsRdsDbInstance",
        "AWS::RDS::DBClusterSnapshot" => "AwsRdsDbClusterSnapshot",
        _ => "Other",
    }
}
