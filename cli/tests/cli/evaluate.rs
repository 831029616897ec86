//! `neptune-cmk evaluate`: the Lambda handler on a saved event.

use neptune_cmk_testing::*;
use serde_json::Value;

use crate::{neptune_cmk, stdout};

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

    // -o FILE: the same evaluations in the file, nothing on stdout.
    let file = dir.join("evaluations.json");
    let to_file = neptune_cmk(&moto, &["evaluate", event, "-o", file.to_str().unwrap()]);
    assert_eq!(to_file.status.code(), Some(0));
    assert_eq!(stdout(&to_file), "");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout(&dry));
    let unwritable = dir.join("no-such-dir").join("out.json");
    let failed = neptune_cmk(
        &moto,
        &["evaluate", event, "--output", unwritable.to_str().unwrap()],
    );
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("no-such-dir"),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
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

/// A hook request gets the hook's answer, as the hook function returns it:
/// exit 0 when allowed, 1 when refused, 2 when it could not judge.
#[tokio::test]
async fn evaluate_answers_a_hook_request_as_the_hook_does() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let dir = std::env::temp_dir().join(format!("neptune-cmk-evaluate-hook-{}", moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, properties: Value| {
        let mut request: Value =
            serde_json::from_str(crate::fixture!("hooks/create-cluster.json")).unwrap();
        request["requestData"]["targetModel"]["resourceProperties"] = properties;
        let path = dir.join(name);
        std::fs::write(&path, request.to_string()).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let allowed = write(
        "allowed.json",
        serde_json::json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()}),
    );
    let refused = write(
        "refused.json",
        serde_json::json!({"StorageEncrypted": "true"}),
    );

    let run = neptune_cmk(&moto, &["evaluate", &allowed]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let answer: Value = serde_json::from_str(&stdout(&run)).unwrap();
    assert_eq!(answer["hookStatus"], "SUCCESS");
    assert_eq!(
        answer["clientRequestToken"],
        "4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    );

    // -o FILE: the answer in the file, the exit code the answer's.
    let file = dir.join("answer.json");
    let run = neptune_cmk(&moto, &["evaluate", &refused, "-o", file.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(stdout(&run), "");
    let answer: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(answer["hookStatus"], "FAILED");
    assert_eq!(answer["errorCode"], "NonCompliant");
    assert!(answer["annotations"][0]["remediationMessage"]
        .as_str()
        .unwrap()
        .contains("KmsKeyId"));

    let run = neptune_cmk(
        &moto,
        &[
            "evaluate",
            &allowed,
            "--rule-parameters",
            r#"{"requireEnabledKey": "maybe"}"#,
        ],
    );
    assert_eq!(run.status.code(), Some(2));
    let answer: Value = serde_json::from_str(&stdout(&run)).unwrap();
    assert_eq!(answer["errorCode"], "InternalFailure");
    assert!(String::from_utf8_lossy(&run.stderr).contains("NEPTUNE_CMK_RULE_PARAMETERS"));

    let run = neptune_cmk(&moto, &["evaluate", &allowed, "--put"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--put"));
}
