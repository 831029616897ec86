//! `--format ocsf`, `--format asff` and `--format html` of an organization
//! audit, checked against what each format requires.

use std::collections::BTreeMap;
use std::process::Command;

use neptune_cmk_testing::{workspace_root, Moto};
use serde_json::{json, Value};

use crate::org_audit::deny_assume_role;
use crate::organization::{self, audit_org};
use crate::{stderr, stdout};

/// OCSF 1.3.0, Compliance Finding (class_uid 2003), every attribute whose
/// `requirement` is `required`, transcribed from github.com/ocsf/ocsf-schema
/// at tag 1.3.0: `events/findings/compliance_finding.json` (compliance),
/// its parent `events/findings/finding.json` (finding_info),
/// `events/base_event.json` (metadata, severity_id) with
/// `includes/classification.json` (activity_id, category_uid, class_uid,
/// type_uid) and `includes/occurrence.json` (time); and, one level down,
/// `objects/metadata.json` (product, version), `objects/product.json`
/// (vendor_name; `_entity` constraint: name or uid),
/// `objects/finding_info.json` (title, uid), `objects/compliance.json`
/// (standards). The findings declare the `cloud` profile, whose
/// `profiles/cloud.json` requires `cloud`, and `objects/cloud.json` requires
/// `provider`.
const OCSF_REQUIRED: [&str; 14] = [
    "/activity_id",
    "/category_uid",
    "/class_uid",
    "/type_uid",
    "/time",
    "/severity_id",
    "/metadata/version",
    "/metadata/product/vendor_name",
    "/finding_info/title",
    "/finding_info/uid",
    "/compliance/standards",
    "/cloud/provider",
    "/metadata/product/name",
    "/resources/0/uid",
];
/// `objects/compliance.json` 1.3.0: status_id enum.
const OCSF_COMPLIANCE_STATUS: [(i64, &str); 3] = [(1, "Pass"), (2, "Warning"), (3, "Fail")];
/// `dictionary.json` 1.3.0: severity_id enum.
const OCSF_SEVERITIES: [(i64, &str); 8] = [
    (0, "Unknown"),
    (1, "Informational"),
    (2, "Low"),
    (3, "Medium"),
    (4, "High"),
    (5, "Critical"),
    (6, "Fatal"),
    (99, "Other"),
];

/// ASFF: the "Required top-level ASFF attributes" of the Security Hub user
/// guide (docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html),
/// which is botocore's `AwsSecurityFinding.required` (botocore 1.44.8,
/// `data/securityhub/2018-10-26/service-2.json`: SchemaVersion, Id,
/// ProductArn, GeneratorId, AwsAccountId, CreatedAt, UpdatedAt, Title,
/// Description, Resources) plus Severity and Types, which the API requires
/// of imported findings. Strings must match `.*\S.*`.
const ASFF_REQUIRED: [&str; 12] = [
    "AwsAccountId",
    "CreatedAt",
    "Description",
    "GeneratorId",
    "Id",
    "ProductArn",
    "Resources",
    "SchemaVersion",
    "Severity",
    "Title",
    "Types",
    "UpdatedAt",
];
/// botocore 1.44.8 `SeverityLabel` and `ComplianceStatus` enums.
const ASFF_SEVERITY_LABELS: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
const ASFF_COMPLIANCE_STATUS: [&str; 4] = ["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"];
/// BatchImportFindings: `Findings` holds 1 to 100 findings.
const ASFF_MAX_BATCH: usize = 100;

fn present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.trim().is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => !fields.is_empty(),
        _ => true,
    }
}

#[tokio::test]
async fn ocsf_asff_and_html_carry_every_row_and_what_each_format_requires() {
    let moto = Moto::start();
    // A name with markup: the HTML must escape it.
    let org = organization::seeded(&moto, &["dev", "ops <b>&</b> \"qa\""], &["locked"]).await;
    deny_assume_role(&moto, &org.members[2].id);
    // 60 more clusters (and their automated snapshots) in one account and
    // region: more findings than one BatchImportFindings call takes.
    moto.control(
        "POST",
        "bulk_clusters",
        Some(json!({"count": 60, "prefix": "bulk-", "accountId": org.members[0].id, "region": "us-east-1"})),
    );
    let rows: Vec<Value> = serde_json::from_str(&stdout(&audit_org(&moto, "json", &[]))).unwrap();
    let dir = tempdir("findings");

    let ocsf_path = dir.join("findings.ocsf.json");
    let ocsf_run = audit_org(&moto, "ocsf", &["-o", ocsf_path.to_str().unwrap()]);
    assert_eq!(ocsf_run.status.code(), Some(2), "{}", stderr(&ocsf_run));
    assert!(
        stdout(&ocsf_run).is_empty(),
        "-o writes the file, not stdout"
    );
    let ocsf: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&ocsf_path).unwrap()).unwrap();
    check_ocsf(&ocsf, &rows);

    let asff_run = audit_org(&moto, "asff", &[]);
    assert_eq!(asff_run.status.code(), Some(2), "{}", stderr(&asff_run));
    let asff = stdout(&asff_run);
    check_asff(&asff, &rows);
    let asff_path = dir.join("findings.asff.jsonl");
    std::fs::write(&asff_path, &asff).unwrap();
    let imported = import_with_botocore(&moto, &asff_path);
    assert_eq!(imported["findings"], rows.len(), "{imported}");
    assert_eq!(imported["imported"], rows.len(), "{imported}");
    assert_eq!(imported["failed"], 0, "{imported}");

    let html_path = dir.join("report.html");
    let html_run = audit_org(&moto, "html", &["-o", html_path.to_str().unwrap()]);
    assert_eq!(html_run.status.code(), Some(2), "{}", stderr(&html_run));
    check_html(&std::fs::read_to_string(&html_path).unwrap(), &rows);
}

fn check_ocsf(findings: &[Value], rows: &[Value]) {
    assert_eq!(findings.len(), rows.len(), "one finding per row");
    let statuses: BTreeMap<i64, &str> = OCSF_COMPLIANCE_STATUS.into_iter().collect();
    let severities: BTreeMap<i64, &str> = OCSF_SEVERITIES.into_iter().collect();
    for (finding, row) in findings.iter().zip(rows) {
        for pointer in OCSF_REQUIRED {
            let value = finding.pointer(pointer).unwrap_or(&Value::Null);
            assert!(present(value), "{pointer} missing: {finding:#}");
        }
        assert_eq!(finding["class_uid"], 2003);
        assert_eq!(finding["category_uid"], 2);
        // type_uid = class_uid * 100 + activity_id (dictionary.json).
        assert_eq!(
            finding["type_uid"].as_i64().unwrap(),
            2003 * 100 + finding["activity_id"].as_i64().unwrap()
        );
        assert_eq!(finding["metadata"]["version"], "1.3.0");
        assert!(
            finding["time"].as_i64().unwrap() > 1_600_000_000_000,
            "epoch milliseconds"
        );
        let severity = finding["severity_id"].as_i64().unwrap();
        assert_eq!(finding["severity"], severities[&severity]);
        let status_id = finding["compliance"]["status_id"].as_i64().unwrap();
        assert_eq!(finding["compliance"]["status"], statuses[&status_id]);
        let expected_status = match row["compliance"].as_str().unwrap() {
            "COMPLIANT" => 1,
            "NON_COMPLIANT" => 3,
            _ => 2,
        };
        assert_eq!(status_id, expected_status, "{finding:#}");
        assert!(finding["compliance"]["standards"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string));
        assert_eq!(finding["message"], row["annotation"]);
        assert_eq!(finding["cloud"]["account"]["uid"], row["accountId"]);
        assert_eq!(finding["cloud"]["account"]["name"], row["accountName"]);
        assert_eq!(finding["cloud"]["region"], row["region"]);
        let resource = &finding["resources"][0];
        if row["compliance"] != "ERROR" {
            assert_eq!(resource["uid"], row["arn"]);
            assert_eq!(resource["type"], row["resourceType"]);
            assert_eq!(resource["region"], row["region"]);
            assert_eq!(resource["data"]["resourceId"], row["resourceId"]);
        }
    }
    let ids: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|finding| finding["finding_info"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), findings.len(), "finding uids are unique");
}

fn check_asff(text: &str, rows: &[Value]) {
    let mut findings = Vec::new();
    let mut batches_per_target: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for line in text.lines() {
        let request: Value = serde_json::from_str(line).unwrap();
        assert_eq!(request.as_object().unwrap().len(), 1, "only Findings");
        let batch = request["Findings"].as_array().unwrap();
        assert!(
            (1..=ASFF_MAX_BATCH).contains(&batch.len()),
            "{}",
            batch.len()
        );
        let account = batch[0]["AwsAccountId"].as_str().unwrap().to_owned();
        let region = batch[0]["Region"].as_str().unwrap().to_owned();
        for finding in batch {
            check_asff_finding(finding);
            assert_eq!(
                finding["AwsAccountId"],
                account.as_str(),
                "one account per batch"
            );
            assert_eq!(finding["Region"], region.as_str(), "one region per batch");
            assert_eq!(
                finding["ProductArn"],
                format!("arn:aws:securityhub:{region}:{account}:product/{account}/default")
            );
        }
        batches_per_target
            .entry((account, region))
            .or_default()
            .push(batch.len());
        findings.extend(batch.iter().cloned());
    }
    assert_eq!(findings.len(), rows.len(), "one finding per row");
    let big = batches_per_target
        .values()
        .find(|sizes| sizes.len() > 1)
        .expect("the account and region with 180 resources spans batches");
    assert_eq!(big[0], ASFF_MAX_BATCH);
    for row in rows {
        let finding = findings
            .iter()
            .find(|f| {
                f["AwsAccountId"] == row["accountId"]
                    && f["Description"] == row["annotation"]
                    && (row["compliance"] == "ERROR" || f["Resources"][0]["Id"] == row["arn"])
            })
            .unwrap_or_else(|| panic!("no finding for {row:#}"));
        let status = match row["compliance"].as_str().unwrap() {
            "COMPLIANT" => "PASSED",
            "NON_COMPLIANT" => "FAILED",
            _ => "NOT_AVAILABLE",
        };
        assert_eq!(finding["Compliance"]["Status"], status);
        assert_eq!(
            finding.get("AwsAccountName"),
            row.get("accountName").filter(|v| !v.is_null())
        );
    }
}

fn check_asff_finding(finding: &Value) {
    for field in ASFF_REQUIRED {
        assert!(present(&finding[field]), "{field} missing: {finding:#}");
    }
    assert_eq!(finding["SchemaVersion"], "2018-10-08");
    assert!(ASFF_SEVERITY_LABELS.contains(&finding["Severity"]["Label"].as_str().unwrap()));
    assert!(ASFF_COMPLIANCE_STATUS.contains(&finding["Compliance"]["Status"].as_str().unwrap()));
    for kind in finding["Types"].as_array().unwrap() {
        // namespace/category/classifier, namespace one of ASFF's five.
        let namespace = kind.as_str().unwrap().split('/').next().unwrap();
        assert!([
            "Software and Configuration Checks",
            "TTPs",
            "Effects",
            "Unusual Behaviors",
            "Sensitive Data Identifications"
        ]
        .contains(&namespace));
    }
    for resource in finding["Resources"].as_array().unwrap() {
        assert!(
            present(&resource["Type"]) && present(&resource["Id"]),
            "{resource}"
        );
    }
    for stamp in ["CreatedAt", "UpdatedAt"] {
        let text = finding[stamp].as_str().unwrap();
        assert!(
            text.ends_with('Z') && text.len() == 24,
            "ISO 8601 UTC: {text}"
        );
    }
    assert!(finding["Title"].as_str().unwrap().len() <= 256);
    assert!(finding["Description"].as_str().unwrap().len() <= 1024);
}

/// Validates every batch with botocore and imports it into moto's Security Hub.
fn import_with_botocore(moto: &Moto, path: &std::path::Path) -> Value {
    let python = std::env::var("NEPTUNE_CMK_PYTHON").unwrap_or_else(|_| {
        workspace_root()
            .join(".venv/bin/python")
            .to_string_lossy()
            .into_owned()
    });
    let output = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/cli/tests/cli/asff_check.py"
        ))
        .arg(moto.endpoint())
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn check_html(html: &str, rows: &[Value]) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    // minijinja escapes / too.
    assert!(
        html.contains("ops &lt;b&gt;&amp;&lt;&#x2f;b&gt; &quot;qa&quot;") && !html.contains("<b>")
    );
    // Self-contained: nothing to fetch, and the page's own policy forbids it.
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for forbidden in ["<link", " src=", "href=", "@import", "url(", "https://"] {
        assert!(!html.contains(forbidden), "{forbidden} in the page");
    }
    assert_eq!(
        html.matches("http://").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "the only URLs are SVG namespaces"
    );
    for id in [
        "chart-accounts",
        "chart-regions",
        "reasons",
        "resources-table",
        "filter",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let table_rows = html.matches("<tr class=\"").count() - html.matches("data-reason=").count();
    assert_eq!(table_rows, rows.len(), "one table row per row");
    for row in rows {
        assert!(html.contains(row["accountId"].as_str().unwrap()));
        if let Some(identifier) = row["identifier"].as_str() {
            assert!(html.contains(identifier), "{identifier}");
        }
    }
    for reason in [
        "unencrypted",
        "aws-managed-key",
        "key-not-enabled",
        "customer-managed-key",
        "not-audited",
    ] {
        assert!(
            html.contains(&format!("data-reason=\"{reason}\"")),
            "{reason}"
        );
    }
}

/// A fresh directory under the target directory's tmp.
pub fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
