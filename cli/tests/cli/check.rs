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
