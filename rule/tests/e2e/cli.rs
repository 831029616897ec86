//! The `neptune-cmk` binary against moto: audit in every format with its
//! exit codes, evaluate on fixture events, and remediation plans compared
//! with golden files (`UPDATE_GOLDEN=1` rewrites them).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::harness::*;

fn neptune_cmk(moto: &Moto, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neptune-cmk"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A compliant cluster with an instance, plus one on `aws/rds`, one
/// unencrypted and one on a key pending deletion.
async fn fleet(moto: &Moto) -> Fleet {
    let fleet = Fleet::new(&moto.sdk_config().await);
    let good = fleet.customer_key().await;
    fleet.cluster("graph-good", "neptune", good.arn()).await;
    fleet.instance("graph-good-1", "graph-good").await;
    fleet
        .cluster("graph-aws-key", "neptune", fleet.aws_rds_key().await.arn())
        .await;
    fleet.instance("graph-aws-key-1", "graph-aws-key").await;
    fleet.cluster("graph-plain", "neptune", None).await;
    fleet.instance("graph-plain-1", "graph-plain").await;
    fleet
        .cluster(
            "graph-doomed",
            "neptune",
            fleet.pending_deletion_key().await.arn(),
        )
        .await;
    fleet
}

#[tokio::test]
async fn audit_formats_and_exit_codes() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let good = fleet.customer_key().await;
    fleet.cluster("graph-good", "neptune", good.arn()).await;
    fleet.instance("graph-good-1", "graph-good").await;

    let all_good = neptune_cmk(&moto, &["audit", "--region", REGION]);
    assert_eq!(
        all_good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&all_good.stderr)
    );
    let table = stdout(&all_good);
    assert!(table.starts_with("REGION"), "{table}");
    assert!(
        table.contains("graph-good-1") && table.contains("COMPLIANT"),
        "{table}"
    );

    fleet.cluster("graph-plain", "neptune", None).await;
    let json_run = neptune_cmk(&moto, &["audit", "--format", "json"]);
    assert_eq!(json_run.status.code(), Some(1));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&json_run)).unwrap();
    let plain = rows
        .iter()
        .find(|row| row["identifier"] == "graph-plain")
        .unwrap();
    assert_eq!(plain["compliance"], "NON_COMPLIANT");
    assert_eq!(plain["encrypted"], false);
    assert_eq!(plain["resourceType"], "AWS::RDS::DBCluster");
    assert!(plain["resourceId"]
        .as_str()
        .unwrap()
        .starts_with("cluster-"));
    let instance = rows
        .iter()
        .find(|row| row["identifier"] == "graph-good-1")
        .unwrap();
    assert_eq!(instance["keyManager"], "CUSTOMER");
    assert_eq!(instance["kmsKeyArn"], good.arn().unwrap());

    let csv_run = neptune_cmk(&moto, &["audit", "--format", "csv", "--level", "EXTERNAL"]);
    assert_eq!(csv_run.status.code(), Some(1));
    let csv = stdout(&csv_run);
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "region,type,identifier,resource_id,encrypted,key_arn,key_manager,key_state,verdict,annotation");
    let good_line = lines.find(|line| line.contains(",graph-good,")).unwrap();
    // The level flag is the rule's desiredEncryptionLevel: AWS_KMS origin is below EXTERNAL.
    assert!(
        good_line.contains("NON_COMPLIANT,\"")
            && good_line.contains("below desiredEncryptionLevel EXTERNAL"),
        "{good_line}"
    );

    let bad_flag = neptune_cmk(&moto, &["audit", "--level", "SUPREME"]);
    assert_eq!(bad_flag.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_flag.stderr)
        .contains("desiredEncryptionLevel has the invalid value \"SUPREME\""));

    moto.fault(serde_json::json!({"service": "account", "operation": "POST /listRegions", "error_code": "AccessDeniedException", "status": 403, "message": "not authorized", "count": 1}));
    let no_list_regions = neptune_cmk(&moto, &["audit", "--all-regions"]);
    assert_eq!(no_list_regions.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&no_list_regions.stderr)
            .contains("--all-regions needs account:ListRegions"),
        "{}",
        String::from_utf8_lossy(&no_list_regions.stderr)
    );

    moto.fault(serde_json::json!({"service": "rds", "operation": "DescribeDBClusters", "error_code": "AccessDenied", "status": 403, "message": "no", "count": 10}));
    let denied = neptune_cmk(&moto, &["audit"]);
    assert_eq!(denied.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("rds:DescribeDBClusters failed"));
}

#[tokio::test]
async fn evaluate_prints_what_the_lambda_would_write_and_put_writes_it() {
    let moto = Moto::start();
    let dir = std::env::temp_dir().join(format!("neptune-cmk-evaluate-{}", moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let event_file = dir.join("left-scope.json");
    std::fs::write(
        &event_file,
        crate::fixture!("events/change-left-scope.json"),
    )
    .unwrap();
    let event = event_file.to_str().unwrap();

    let dry = neptune_cmk(&moto, &["evaluate", event]);
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let evaluations: Vec<Value> = serde_json::from_str(&stdout(&dry)).unwrap();
    assert_eq!(evaluations.len(), 1);
    assert_eq!(evaluations[0]["ComplianceType"], "NOT_APPLICABLE");
    assert_eq!(
        evaluations[0]["ComplianceResourceId"],
        "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    );
    assert_eq!(
        evaluations[0]["OrderingTimestamp"],
        "2024-01-01T00:00:00.000Z"
    );
    assert!(
        moto.put_calls().is_empty(),
        "without --put nothing is written"
    );

    let put = neptune_cmk(&moto, &["evaluate", event, "--put"]);
    assert_eq!(put.status.code(), Some(0));
    assert_eq!(moto.written().len(), 1);
    assert_eq!(
        moto.put_calls()[0]["testMode"],
        true,
        "the fixture's token is TESTMODE"
    );

    let garbage = dir.join("garbage.json");
    std::fs::write(
        &garbage,
        r#"{"invokingEvent":"{}","resultToken":"t","eventLeftScope":false}"#,
    )
    .unwrap();
    let failed = neptune_cmk(&moto, &["evaluate", garbage.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("invokingEvent.messageType is missing")
    );
}

/// Replaces values moto generates at random, so plans compare as text.
fn normalize(plan: &str) -> String {
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
    let mut text = plan.to_owned();
    for (pattern, replacement) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, replacement)
            .into_owned();
    }
    text
}

#[track_caller]
fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/remediate")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        actual, expected,
        "{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)"
    );
}

#[tokio::test]
async fn remediation_plans_for_each_case() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    let cases = [
        ("graph-aws-key", None, "aws-managed-key.txt", 1),
        (
            "graph-aws-key",
            target.arn(),
            "aws-managed-key-with-target.txt",
            1,
        ),
        ("graph-plain", None, "unencrypted.txt", 1),
        ("graph-doomed", None, "pending-deletion.txt", 1),
        ("graph-good", None, "compliant.txt", 0),
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
            "{golden}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        check_golden(golden, &normalize(&stdout(&output)));
    }
    let aws_key = fleet.aws_rds_key().await;
    let refused = neptune_cmk(
        &moto,
        &[
            "remediate",
            "plan",
            "--cluster",
            "graph-plain",
            "--kms-key",
            aws_key.arn().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("must be an Enabled customer managed key"));
    let missing = neptune_cmk(&moto, &["remediate", "plan", "--cluster", "graph-nope"]);
    assert_eq!(missing.status.code(), Some(2));
}
