//! `neptune-cmk remediate plan` against moto: the plan for each starting
//! state, compared with golden files after normalizing what moto randomizes.

use neptune_cmk_testing::*;

use expect_test::expect_file;

use crate::{fleet, neptune_cmk, stderr, stdout};

/// Replaces values moto generates at random, so plans compare as text.
/// Each key named in `keys` keeps a name of its own (the target key, the
/// account's `aws/rds`), so a plan that puts one where the other belongs
/// differs from its golden; any other key is `<KEY_ARN>`.
fn normalize(plan: &str, keys: &[(&str, &str)]) -> String {
    let mut text = plan.to_owned();
    for (arn, name) in keys {
        text = text.replace(arn, name);
    }
    let rules = [
        (r"arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+", "<KEY_ARN>"),
        (r"\.cluster-(ro-)?[a-z0-9]{12}\.", ".cluster-$1<HASH>."),
        (
            r"[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d",
            "<MAINTENANCE_WINDOW>",
        ),
        (r"\d\d:\d\d-\d\d:\d\d", "<BACKUP_WINDOW>"),
        (r"--engine-version [0-9.]+", "--engine-version <VERSION>"),
        (r"default\.neptune[0-9.]+", "<DEFAULT_PARAMETER_GROUP>"),
        (
            r"arn:aws:(sts|iam)::\d{12}:[a-z-]+/\S+\x22",
            "<OPERATOR_ARN>\"",
        ),
    ];
    for (pattern, replacement) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, replacement)
            .into_owned();
    }
    text
}

#[tokio::test]
async fn remediation_plans_for_each_case() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    let aws_rds = fleet.aws_rds_key().await;
    let keys = [
        (target.arn().unwrap(), "<TARGET_KEY_ARN>"),
        (aws_rds.arn().unwrap(), "<AWS_RDS_KEY_ARN>"),
    ];
    assert_ne!(keys[0].0, keys[1].0);
    let cases = [
        (
            "graph-aws-key",
            None,
            expect_file!["../../../tests/fixtures/remediate/aws-managed-key.txt"],
            1,
        ),
        (
            "graph-aws-key",
            target.arn(),
            expect_file!["../../../tests/fixtures/remediate/aws-managed-key-with-target.txt"],
            1,
        ),
        (
            "graph-plain",
            None,
            expect_file!["../../../tests/fixtures/remediate/unencrypted.txt"],
            1,
        ),
        (
            "graph-doomed",
            None,
            expect_file!["../../../tests/fixtures/remediate/pending-deletion.txt"],
            1,
        ),
        (
            "graph-good",
            None,
            expect_file!["../../../tests/fixtures/remediate/compliant.txt"],
            0,
        ),
    ];
    for (cluster, key, golden, code) in cases {
        let mut args = vec!["remediate", "plan", "--cluster", cluster];
        if let Some(key) = key {
            args.extend(["--kms-key", key]);
        }
        let output = neptune_cmk(&moto, &args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{cluster}: {}",
            stderr(&output)
        );
        golden.assert_eq(&normalize(&stdout(&output), &keys));
    }
    let refused = neptune_cmk(
        &moto,
        &[
            "remediate",
            "plan",
            "--cluster",
            "graph-plain",
            "--kms-key",
            aws_rds.arn().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("would itself be NON_COMPLIANT"),
        "{}",
        stderr(&refused)
    );
    let missing = neptune_cmk(&moto, &["remediate", "plan", "--cluster", "graph-nope"]);
    assert_eq!(missing.status.code(), Some(2));
}
