//! `neptune-cmk check` on the template corpus (`tests/fixtures/templates/`),
//! offline in every format, and with `--resolve` against moto.

use std::path::{Path, PathBuf};

use expect_test::expect_file;
use neptune_cmk_testing::*;

use crate::{neptune_cmk, stderr, stdout};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates")
}

/// The corpus, as a CI job would check it: every format, one exit code.
#[test]
fn the_corpus_in_every_format() {
    let goldens = [
        (
            "text",
            expect_file!["../../../tests/fixtures/templates/expected/corpus.txt"],
        ),
        (
            "json",
            expect_file!["../../../tests/fixtures/templates/expected/corpus.json"],
        ),
        (
            "sarif",
            expect_file!["../../../tests/fixtures/templates/expected/corpus.sarif"],
        ),
        (
            "junit",
            expect_file!["../../../tests/fixtures/templates/expected/corpus.junit.xml"],
        ),
    ];
    for (format, golden) in goldens {
        let output = crate::neptune_cmk_offline(
            &corpus(),
            &["check", "cdk.out", "cfn", "terraform", "--format", format],
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&output)
        );
        golden.assert_eq(&stdout(&output));
    }
}

#[test]
fn strict_fails_on_unverified_and_unreadable_files_exit_2() {
    let strict =
        crate::neptune_cmk_offline(&corpus(), &["check", "cfn/cluster-import.yaml", "--strict"]);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "UNVERIFIED fails with --strict"
    );
    let lenient = crate::neptune_cmk_offline(&corpus(), &["check", "cfn/cluster-import.yaml"]);
    assert_eq!(
        lenient.status.code(),
        Some(0),
        "UNVERIFIED passes without it"
    );
    let passing =
        crate::neptune_cmk_offline(&corpus(), &["check", "cfn/cluster-cmk-in-template.yaml"]);
    assert_eq!(passing.status.code(), Some(0), "{}", stdout(&passing));

    let bad = crate::neptune_cmk_offline(&corpus(), &["check", "bad"]);
    assert_eq!(bad.status.code(), Some(2));
    expect_file!["../../../tests/fixtures/templates/expected/bad.txt"].assert_eq(&stdout(&bad));
    assert!(
        stderr(&bad).contains("6 file(s) could not be checked:\n  bad/broken.json:6:49"),
        "{}",
        stderr(&bad)
    );

    let missing = crate::neptune_cmk_offline(&corpus(), &["check", "no-such-dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no-such-dir: cannot be read: no such file or directory"),
        "{}",
        stderr(&missing)
    );
    let usage = crate::neptune_cmk_offline(&corpus(), &["check", "cfn", "--level", "SUPREME"]);
    assert_eq!(usage.status.code(), Some(2));
}

/// Literal key ARNs are described and judged exactly as the rule judges
/// them: the AWS managed key is flagged although its ARN looks like any other.
#[tokio::test]
async fn resolve_describes_literal_keys() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let customer = fleet.customer_key().await;
    let aws_rds = fleet.aws_rds_key().await;
    let disabled = fleet.disabled_key().await;
    let dir = std::env::temp_dir().join(format!("neptune-cmk-check-{}", moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let template = format!(
        "Resources:\n\
         \x20 OnCustomerKey:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId: {}\n\
         \x20 OnAwsManagedKeyArn:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId: {}\n\
         \x20 OnDisabledKey:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId: {}\n",
        customer.arn().unwrap(),
        aws_rds.arn().unwrap(),
        disabled.arn().unwrap(),
    );
    std::fs::write(dir.join("stack.yaml"), template).unwrap();
    let offline = crate::neptune_cmk_offline(&dir, &["check", "stack.yaml", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&offline)).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|row| row["compliance"] == "UNVERIFIED"),
        "{rows}"
    );

    let stack = dir.join("stack.yaml");
    moto.reset_calls();
    let resolved = neptune_cmk(
        &moto,
        &[
            "check",
            stack.to_str().unwrap(),
            "--resolve",
            "--format",
            "json",
        ],
    );
    assert_eq!(resolved.status.code(), Some(1), "{}", stderr(&resolved));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&resolved)).unwrap();
    let verdict = |resource: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["resource"] == resource)
            .unwrap_or_else(|| panic!("{resource}: {rows}"))
            .clone()
    };
    assert_eq!(verdict("OnCustomerKey")["compliance"], "COMPLIANT");
    let managed = verdict("OnAwsManagedKeyArn");
    assert_eq!(managed["compliance"], "NON_COMPLIANT");
    assert!(
        managed["annotation"]
            .as_str()
            .unwrap()
            .starts_with("encrypted with the AWS managed key aws/rds"),
        "{managed}"
    );
    assert_eq!(verdict("OnDisabledKey")["compliance"], "NON_COMPLIANT");
    assert_eq!(moto.calls("kms:DescribeKey"), 3, "once per distinct key");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A key ARN of another region is described in its own region, not the
/// CLI's: a customer managed key in eu-west-1, checked from us-east-1, is
/// COMPLIANT (not "not found"), a disabled one there NON_COMPLIANT, and every
/// format notes that the template deploys to another region than the key's
/// (SARIF lists only what fails, so there the disabled key's finding).
#[tokio::test]
async fn resolve_describes_a_key_in_its_own_region() {
    let moto = Moto::start();
    let ireland = neptune_cmk_rule::aws::in_region(&moto.sdk_config().await, "eu-west-1");
    let fleet = Fleet::new(&ireland);
    let (key, disabled) = (fleet.customer_key().await, fleet.disabled_key().await);
    let key_arn = key.arn().unwrap();
    assert!(key_arn.starts_with("arn:aws:kms:eu-west-1:"), "{key_arn}");
    let dir = std::env::temp_dir().join(format!("neptune-cmk-check-region-{}", moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let stack = dir.join("stack.yaml");
    let cluster = |name: &str, key: &str| {
        format!(
            "  {name}:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      \
             StorageEncrypted: true\n      KmsKeyId: {key}\n"
        )
    };
    let template = format!(
        "Resources:\n{}{}",
        cluster("OnIrishKey", key_arn),
        cluster("OnDisabledIrishKey", disabled.arn().unwrap())
    );
    std::fs::write(&stack, template).unwrap();
    let note = format!(
        "note: the key is in eu-west-1 but the template deploys to {REGION} (--region or the \
         configured region); a Neptune cluster needs a KMS key in its own region"
    );
    for format in ["json", "text", "sarif", "junit"] {
        let run = neptune_cmk(
            &moto,
            &[
                "check",
                stack.to_str().unwrap(),
                "--resolve",
                "--format",
                format,
            ],
        );
        assert_eq!(run.status.code(), Some(1), "{format}: {}", stderr(&run));
        assert!(stdout(&run).contains(&note), "{format}: {}", stdout(&run));
        if format == "json" {
            let rows: serde_json::Value = serde_json::from_str(&stdout(&run)).unwrap();
            let row = |name: &str| {
                rows.as_array()
                    .unwrap()
                    .iter()
                    .find(|row| row["resource"] == name)
                    .unwrap_or_else(|| panic!("{name}: {rows}"))
                    .clone()
            };
            assert_eq!(row("OnIrishKey")["compliance"], "COMPLIANT", "{rows}");
            assert_eq!(row("OnDisabledIrishKey")["compliance"], "NON_COMPLIANT");
            for name in ["OnIrishKey", "OnDisabledIrishKey"] {
                let annotation = row(name)["annotation"].as_str().unwrap().to_owned();
                assert!(annotation.ends_with(&note), "{annotation}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// SARIF puts a finding on the line of the property that decides it, and
/// `--strict` raises UNVERIFIED from `warning` to `error`, as it fails the
/// run; `--format` is case-insensitive, like `--level`.
#[test]
fn sarif_strict_levels_on_the_property_line() {
    let level_and_line = |extra: &[&str]| {
        let mut args = vec!["check", "cfn/cluster-import.yaml", "--format", "SARIF"];
        args.extend(extra);
        let output = crate::neptune_cmk_offline(&corpus(), &args);
        let log: serde_json::Value = serde_json::from_str(&stdout(&output))
            .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(&output), stderr(&output)));
        let result = &log["runs"][0]["results"][0];
        let line = &result["locations"][0]["physicalLocation"]["region"]["startLine"];
        (
            output.status.code(),
            result["level"].as_str().unwrap().to_owned(),
            line.as_u64().unwrap(),
        )
    };
    // Line 8 is `KmsKeyId: !ImportValue …`, not the resource's line 4.
    assert_eq!(level_and_line(&[]), (Some(0), "warning".to_owned(), 8));
    assert_eq!(
        level_and_line(&["--strict"]),
        (Some(1), "error".to_owned(), 8)
    );
}

/// A rule parameter the evaluator refuses is reported under its flag, not
/// under the Lambda's `ruleParameters.*` name.
#[test]
fn flag_errors_name_the_flag() {
    for (args, flag) in [
        (&["--allowed-key", "not-a-key"][..], "--allowed-key"),
        (&["--level", "SUPREME"], "--level"),
    ] {
        let output = crate::neptune_cmk_offline(
            &corpus(),
            &[&["check", "cfn/cluster-cmk.json"][..], args].concat(),
        );
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(text.contains(flag), "{flag}: {text}");
        assert!(!text.contains("ruleParameters"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}

/// A key ARN of another partition (aws-cn) is described in its own region,
/// hence its partition's endpoint, and the note names both partitions.
#[tokio::test]
async fn resolve_describes_a_key_in_its_own_partition() {
    let moto = Moto::start();
    let beijing = neptune_cmk_rule::aws::in_region(&moto.sdk_config().await, "cn-north-1");
    let key = Fleet::new(&beijing).customer_key().await;
    let key_arn = key.arn().unwrap();
    assert!(
        key_arn.starts_with("arn:aws-cn:kms:cn-north-1:"),
        "{key_arn}"
    );
    let dir = std::env::temp_dir().join(format!("neptune-cmk-check-partition-{}", moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let stack = dir.join("stack.yaml");
    std::fs::write(
        &stack,
        format!(
            "Resources:\n  OnChineseKey:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      \
             StorageEncrypted: true\n      KmsKeyId: {key_arn}\n"
        ),
    )
    .unwrap();
    let run = neptune_cmk(
        &moto,
        &[
            "check",
            stack.to_str().unwrap(),
            "--resolve",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&run)).unwrap();
    assert_eq!(rows[0]["compliance"], "COMPLIANT", "{rows}");
    let annotation = rows[0]["annotation"].as_str().unwrap();
    assert!(
        annotation.ends_with(&format!(
            "note: the key is in cn-north-1 in partition aws-cn but the template deploys to \
             {REGION} in partition aws (--region or the configured region); a Neptune cluster \
             needs a KMS key in its own region"
        )),
        "{annotation}"
    );
    assert_eq!(moto.calls("kms:DescribeKey"), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A key pending deletion is a deadline: the verdict names the day.
#[tokio::test]
async fn resolve_names_the_day_a_key_pending_deletion_is_deleted() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let doomed = fleet.pending_deletion_key().await;
    let dir = std::env::temp_dir().join(format!("neptune-cmk-check-doomed-{}", moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let stack = dir.join("stack.yaml");
    std::fs::write(
        &stack,
        format!(
            "Resources:\n  OnDoomedKey:\n    Type: AWS::Neptune::DBCluster\n    Properties:\n      \
             StorageEncrypted: true\n      KmsKeyId: {}\n",
            doomed.arn().unwrap()
        ),
    )
    .unwrap();
    let resolved = neptune_cmk(
        &moto,
        &[
            "check",
            stack.to_str().unwrap(),
            "--resolve",
            "--format",
            "json",
        ],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(resolved.status.code(), Some(1), "{}", stderr(&resolved));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&resolved)).unwrap();
    let annotation = rows[0]["annotation"].as_str().unwrap();
    // moto schedules the deletion 7 days ahead: 6 whole days are left.
    assert!(
        annotation.contains("unreadable from ") && annotation.contains("(6 days left as of "),
        "{rows}"
    );
}
