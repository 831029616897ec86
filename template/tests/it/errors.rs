//! Files that cannot be read: each reported with path, line and fix, the
//! other files still judged; and the exit codes.

use expect_test::{expect, expect_file};
use neptune_cmk_template::{check, CheckOptions, Conclusion, Document, Format};

use crate::{corpus, fixture};

#[test]
fn unreadable_files_golden() {
    let files = corpus(&["bad"]);
    let documents: Vec<Document<'_>> = files
        .iter()
        .map(|(path, text)| Document::named(path, text))
        .collect();
    let report = check(&documents, &CheckOptions::default());
    assert_eq!(
        report.errors.len(),
        files.len(),
        "every bad file is an error"
    );
    assert_eq!(report.conclusion(false), Conclusion::Unreadable);
    expect_file!["../../../tests/fixtures/templates/expected/bad.txt"]
        .assert_eq(&report.render(Format::Text, false));
    expect_file!["../../../tests/fixtures/templates/expected/bad.junit.xml"]
        .assert_eq(&report.render(Format::Junit, false));
}

#[test]
fn an_unreadable_file_does_not_hide_the_others() {
    let report = check(
        &[
            Document::named("bad/broken.yaml", fixture!("bad/broken.yaml")),
            Document::named(
                "cfn/cluster-aws-rds-alias.yaml",
                fixture!("cfn/cluster-aws-rds-alias.yaml"),
            ),
        ],
        &CheckOptions::default(),
    );
    assert_eq!(report.findings.len(), 2);
    assert_eq!(report.errors.len(), 1);
    // An incomplete verdict outranks a finding.
    assert_eq!(report.conclusion(false), Conclusion::Unreadable);
}

#[track_caller]
fn render(documents: &[Document<'_>]) -> String {
    check(documents, &CheckOptions::default()).render(Format::Text, false)
}

#[test]
fn found_files_that_are_not_templates_are_skipped() {
    expect![[r#"
        notes/todo.yaml: skipped: not YAML or JSON (notes/todo.yaml:2:8: not valid YAML: mapping values are not allowed in this context; fix the syntax (cfn-lint reports the same place))
        notes/package.json: skipped: another kind of document, not a CloudFormation template or Terraform plan
        infra/state.json: skipped: a Terraform state (run terraform show -json on a saved plan instead), not a CloudFormation template or Terraform plan
        0 resources: 0 NON_COMPLIANT, 0 UNVERIFIED, 0 COMPLIANT; 3 files skipped, 0 errors
    "#]]
    .assert_eq(&render(&[
        Document::found("notes/todo.yaml", "- buy milk\n  later: yes: no\n"),
        Document::found("notes/package.json", r#"{"name": "x", "version": "1.0.0"}"#),
        Document::found("infra/state.json", r#"{"format_version": "1.0", "values": {}}"#),
    ]));
}

#[test]
fn named_files_that_are_not_templates_are_errors() {
    expect![[r#"
        error: notes/package.json: another kind of document, not a CloudFormation template or a Terraform plan; pass a template (JSON or YAML), a cdk.out directory or the output of terraform show -json
        0 resources: 0 NON_COMPLIANT, 0 UNVERIFIED, 0 COMPLIANT; 0 files skipped, 1 error
    "#]]
    .assert_eq(&render(&[Document::named(
        "notes/package.json",
        r#"{"name": "x", "version": "1.0.0"}"#,
    )]));
}

#[test]
fn unsupported_terraform_format() {
    expect![[r#"
        error: future.json:1: Terraform JSON format_version "2.0" is not supported; this reader understands format 1.x (terraform show -json of Terraform 1.x)
        0 resources: 0 NON_COMPLIANT, 0 UNVERIFIED, 0 COMPLIANT; 0 files skipped, 1 error
    "#]]
    .assert_eq(&render(&[Document::named(
        "future.json",
        r#"{"format_version": "2.0", "planned_values": {}}"#,
    )]));
}

#[test]
fn too_many_conditions() {
    let mut template = String::from("Conditions:\n");
    for index in 0..7 {
        template += &format!("  C{index}: !Equals [a, a]\n");
    }
    template += "Resources:\n  Cluster:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId:\n";
    let mut nested = "alias/aws/rds".to_owned();
    for index in 0..7 {
        nested = format!("{{\"Fn::If\": [C{index}, {nested}, alias/aws/rds]}}");
    }
    template += &format!("        {nested}\n");
    expect![[r#"
        error: deep.yaml:10: Cluster depends on more than 6 conditions (Fn::If); split the choice into fewer conditions so every branch can be judged
        0 resources: 0 NON_COMPLIANT, 0 UNVERIFIED, 0 COMPLIANT; 0 files skipped, 1 error
    "#]]
    .assert_eq(&render(&[Document::named("deep.yaml", &template)]));
}

#[test]
fn exit_codes() {
    let compliant = fixture!("cfn/cluster-cmk-in-template.yaml");
    let unverified = fixture!("cfn/cluster-import.yaml");
    let report = check(
        &[
            Document::named("a.yaml", compliant),
            Document::named("b.yaml", unverified),
        ],
        &CheckOptions::default(),
    );
    assert_eq!(report.conclusion(false), Conclusion::Passes);
    assert_eq!(report.conclusion(true), Conclusion::Fails);
    let report = check(
        &[Document::named("a.yaml", compliant)],
        &CheckOptions::default(),
    );
    assert_eq!(report.conclusion(true), Conclusion::Passes);
}

/// Every prefix of every fixture is either judged or reported: the reader
/// never panics on a file cut short.
#[test]
fn truncated_files_never_panic() {
    for (path, text) in corpus(&["cfn", "cdk.out", "terraform", "bad"]) {
        let step = (text.len() / 60).max(1);
        for cut in (0..text.len())
            .step_by(step)
            .filter(|cut| text.is_char_boundary(*cut))
        {
            let prefix = &text[..cut];
            let report = check(&[Document::named(&path, prefix)], &CheckOptions::default());
            for error in &report.errors {
                assert_eq!(error.path(), path);
            }
            let _ = report.render(Format::Sarif, true);
            let _ = report.render(Format::Junit, true);
        }
    }
}

#[test]
fn neptune_resources_made_by_for_each_are_not_guessed() {
    expect![[r#"
        error: foreach.yaml:3: Resources.Fn::ForEach::Clusters makes Neptune resources with Fn::ForEach, which this reader does not expand; check the processed template instead (aws cloudformation get-template --template-stage Processed)
        0 resources: 0 NON_COMPLIANT, 0 UNVERIFIED, 0 COMPLIANT; 0 files skipped, 1 error
    "#]]
    .assert_eq(&render(&[Document::named(
        "foreach.yaml",
        "Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Clusters:
    - Name
    - [A, B]
    - Cluster${Name}:
        Type: AWS::Neptune::DBCluster
        Properties: {StorageEncrypted: true}
",
    )]));
}

#[test]
fn a_broken_tf_file_does_not_hide_the_rest_of_its_module() {
    expect![[r#"
        infra/main.tf:2: NON_COMPLIANT aws_neptune_cluster.plain: storage encryption is off; set storage_encrypted = true and kms_key_arn to a customer managed key
        error: infra/broken.tf:4:32: not valid HCL (Terraform): invalid block body; expected `}`, newline or identifier; fix the syntax (terraform validate reports the same place)
        1 resource: 1 NON_COMPLIANT, 0 UNVERIFIED, 0 COMPLIANT; 0 files skipped, 1 error
    "#]]
    .assert_eq(&render(&[
        Document::found("infra/broken.tf", fixture!("bad/broken.tf")),
        Document::found(
            "infra/main.tf",
            "resource \"aws_neptune_cluster\" \"plain\" {\n  storage_encrypted = false\n}\n",
        ),
    ]));
}

#[test]
fn tf_nesting_deeper_than_any_real_module_is_refused_before_parsing() {
    let deep = format!(
        "locals {{\n  x = {}{}\n}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    expect![[r#"
        error: deep/main.tf:2: brackets nest deeper than 64 levels; a template this large is not a real template: check the file
        0 resources: 0 NON_COMPLIANT, 0 UNVERIFIED, 0 COMPLIANT; 0 files skipped, 1 error
    "#]].assert_eq(&render(&[Document::found("deep/main.tf", &deep)]));
}
