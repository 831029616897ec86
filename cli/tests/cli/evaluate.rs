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
