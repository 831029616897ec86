//! Input nobody vetted (#20): every file gets an answer, never a crash.
//! Each hostile file sits next to a good template, which is still judged.

use expect_test::{expect, Expect};
use neptune_cmk_template::{check, CheckOptions, Document, Format};

use crate::fixture;

/// Checks `name` (named on the command line, as CI does) beside a good
/// template, and renders the report.
#[track_caller]
fn check_beside_good(name: &str, text: &str, expect: Expect) {
    let report = check(
        &[
            Document::named(name, text),
            Document::named(
                "cfn/cluster-cmk-in-template.yaml",
                fixture!("cfn/cluster-cmk-in-template.yaml"),
            ),
        ],
        &CheckOptions::default(),
    );
    assert_eq!(report.findings.len(), 1, "the good template is judged");
    assert_eq!(report.errors.len(), 1, "the bad file is one error");
    expect.assert_eq(&report.render(Format::Text, false));
}

#[test]
fn json_nested_100k_deep() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    check_beside_good(
        "deep.json",
        &deep,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: deep.json:1: the document nests deeper than 200 levels; a template this large is not a real template: check the file
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn json_objects_nested_100k_deep() {
    let deep = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    check_beside_good(
        "deep-objects.json",
        &deep,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: deep-objects.json:1: the document nests deeper than 200 levels; a template this large is not a real template: check the file
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn yaml_flow_nested_100k_deep() {
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    check_beside_good(
        "deep.yaml",
        &deep,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: deep.yaml:1: flow collections ([ ], { }) nest deeper than 255 levels, the YAML parser's limit; a template this large is not a real template: check the file
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn yaml_blocks_nested_deep() {
    let deep: String = (0..5_000)
        .map(|depth| format!("{}a:\n", " ".repeat(depth)))
        .collect();
    check_beside_good(
        "deep-blocks.yaml",
        &deep,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: deep-blocks.yaml:201: the document nests deeper than 200 levels; a template this large is not a real template: check the file
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn yaml_alias_bomb() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let mut previous = "a";
    for name in names {
        bomb += &format!(
            "{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
        );
        previous = name;
    }
    check_beside_good(
        "bomb.yaml",
        &bomb,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: bomb.yaml:6: the document expands to more than 300000 values through YAML aliases; a template this large is not a real template: check the file
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn alias_that_targets_itself_is_a_cycle() {
    let template = "Resources:\n  Loop:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/loop\n      TargetKeyId: !Ref Loop\n  Db:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId: !Ref Loop\n";
    check_beside_good(
        "cycle.yaml",
        template,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: cycle.yaml:6: a reference cycle: Loop → Loop; break it (CloudFormation rejects circular dependencies)
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn aliases_that_target_each_other_are_a_cycle() {
    let template = "Resources:\n  First:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/first\n      TargetKeyId: !Ref Second\n  Second:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/second\n      TargetKeyId: !Ref First\n  Db:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId: !Ref First\n";
    check_beside_good(
        "cycle2.yaml",
        template,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: cycle2.yaml:11: a reference cycle: First → Second → First; break it (CloudFormation rejects circular dependencies)
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn empty_file() {
    check_beside_good(
        "empty.yaml",
        "",
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: empty.yaml: empty, not a CloudFormation template or a Terraform plan; pass a template (JSON or YAML), a cdk.out directory or the output of terraform show -json
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[test]
fn text_that_is_not_a_template() {
    check_beside_good(
        "notes.json",
        "\u{0}\u{1}garbage",
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: notes.json:1:1: not valid YAML: found unprintable character; fix the syntax (cfn-lint reports the same place)
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

/// Whatever the format, a file that could not be read is in the output
/// beside the findings: a machine reading it never sees a clean run.
#[test]
fn every_format_carries_the_unreadable_file() {
    let deep = format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
    let report = check(
        &[
            Document::named("bad/deep.json", &deep),
            Document::named(
                "cfn/cluster-aws-rds-alias.yaml",
                fixture!("cfn/cluster-aws-rds-alias.yaml"),
            ),
        ],
        &CheckOptions::default(),
    );
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit] {
        let rendered = report.render(format, false);
        assert!(rendered.contains("bad/deep.json"), "{format:?}: {rendered}");
        assert!(rendered.contains("AliasName"), "{format:?}: {rendered}");
    }
    let rows: serde_json::Value =
        serde_json::from_str(&report.render(Format::Json, false)).unwrap();
    let error = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["compliance"] == "ERROR")
        .expect("an ERROR row");
    assert_eq!(error["file"], "bad/deep.json");
    assert_eq!(error["line"], 1);
    assert!(error["message"].as_str().unwrap().contains("200 levels"));
    let sarif: serde_json::Value =
        serde_json::from_str(&report.render(Format::Sarif, false)).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("bad/deep.json")
    );
    assert!(report.render(Format::Junit, false).contains("<error"));
}

#[test]
fn a_file_the_caller_could_not_read() {
    check_beside_good_document(
        Document::unreadable("bin/logo.json", "not UTF-8 text (invalid byte at offset 0)"),
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13: COMPLIANT Cluster: encrypted with customer managed key NeptuneKey (Enabled)
            error: bin/logo.json: cannot be read: not UTF-8 text (invalid byte at offset 0)
            1 resource: 0 NON_COMPLIANT, 0 UNVERIFIED, 1 COMPLIANT; 0 files skipped, 1 error
        "#]],
    );
}

#[track_caller]
fn check_beside_good_document(document: Document<'_>, expect: Expect) {
    let report = check(
        &[
            document,
            Document::named(
                "cfn/cluster-cmk-in-template.yaml",
                fixture!("cfn/cluster-cmk-in-template.yaml"),
            ),
        ],
        &CheckOptions::default(),
    );
    assert_eq!(report.findings.len(), 1);
    expect.assert_eq(&report.render(Format::Text, false));
}
