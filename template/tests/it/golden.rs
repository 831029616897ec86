//! The whole corpus (`cfn/`, `cdk.out/`, `terraform/`) against golden
//! files in `tests/fixtures/templates/expected/`, in every format.
//! `UPDATE_EXPECT=1` rewrites them.

use expect_test::expect_file;
use neptune_cmk_template::{check, CheckOptions, Conclusion, Format, Report, Verdict};

use crate::{corpus, documents, resolved};

const CORPUS: [&str; 3] = ["cfn", "cdk.out", "terraform"];

fn offline() -> Report {
    let files = corpus(&CORPUS);
    check(&documents(&files), &CheckOptions::default())
}

#[test]
fn text() {
    expect_file!["../../../tests/fixtures/templates/expected/corpus.txt"]
        .assert_eq(&offline().render(Format::Text, false));
}

#[test]
fn json() {
    let rendered = offline().render(Format::Json, false);
    let parsed: serde_json::Value = serde_json::from_str(&rendered).expect("valid JSON");
    assert_eq!(
        parsed.as_array().map(Vec::len),
        Some(offline().findings.len())
    );
    expect_file!["../../../tests/fixtures/templates/expected/corpus.json"].assert_eq(&rendered);
}

#[test]
fn sarif() {
    expect_file!["../../../tests/fixtures/templates/expected/corpus.sarif"]
        .assert_eq(&offline().render(Format::Sarif, false));
}

#[test]
fn junit() {
    expect_file!["../../../tests/fixtures/templates/expected/corpus.junit.xml"]
        .assert_eq(&offline().render(Format::Junit, false));
}

#[test]
fn junit_strict() {
    expect_file!["../../../tests/fixtures/templates/expected/corpus-strict.junit.xml"]
        .assert_eq(&offline().render(Format::Junit, true));
}

#[test]
fn text_resolved() {
    let files = corpus(&CORPUS);
    let report = check(&documents(&files), &resolved());
    expect_file!["../../../tests/fixtures/templates/expected/corpus-resolved.txt"]
        .assert_eq(&report.render(Format::Text, false));
}

/// The bar: every case Checkov or Trivy passes is flagged, and a
/// cluster on a key from the same template passes.
#[test]
fn flags_what_presence_checks_pass() {
    let report = offline();
    let verdict = |file: &str, resource: &str| {
        report
            .findings
            .iter()
            .find(|f| f.file == file && f.resource == resource)
            .unwrap_or_else(|| panic!("{file} {resource} judged"))
            .verdict()
    };
    let flagged = [
        ("cfn/cluster-aws-rds-alias.yaml", "AliasName"),
        ("cfn/cluster-aws-rds-alias.yaml", "AliasArn"),
        ("cfn/cluster-encrypted-no-key.yaml", "DefaultKeyCluster"),
        ("cfn/cluster-parameter.yaml", "FromManagedDefault"),
        ("cdk.out/NeptuneDatabases.template.json", "AwsRdsCluster"),
        (
            "terraform/plan-modules.json",
            "aws_neptune_cluster.default_key",
        ),
        (
            "terraform/plan-modules.json",
            "module.legacy_db.aws_neptune_cluster.this",
        ),
    ];
    for (file, resource) in flagged {
        assert_eq!(
            verdict(file, resource),
            Verdict::NonCompliant,
            "{file} {resource}"
        );
    }
    // An AWS managed key by key ARN: only DescribeKey knows, so offline it
    // fails under --strict, and with --resolve it is NON_COMPLIANT.
    assert_eq!(
        verdict("cfn/cluster-aws-managed-key-arn.yaml", "ManagedKeyArn"),
        Verdict::Unverified
    );
    let files = corpus(&CORPUS);
    let resolved_report = check(&documents(&files), &resolved());
    let managed = resolved_report
        .findings
        .iter()
        .find(|f| f.resource == "ManagedKeyArn")
        .unwrap();
    assert_eq!(managed.verdict(), Verdict::NonCompliant);
    for (file, resource) in [
        ("cfn/cluster-cmk-in-template.yaml", "Cluster"),
        ("cdk.out/NeptuneDatabases.template.json", "CmkCluster"),
        (
            "terraform/plan-modules.json",
            "module.graph_db.aws_neptune_cluster.this",
        ),
    ] {
        assert_eq!(
            verdict(file, resource),
            Verdict::Compliant,
            "{file} {resource}"
        );
    }
    assert_eq!(report.conclusion(false), Conclusion::Fails);
}
