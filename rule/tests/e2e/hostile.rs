//! The Lambda's inputs nobody vetted (#20), through the compiled bootstrap:
//! an oversized or deeply nested Config event or hook request gets a clear
//! answer, and the process lives on to answer the next event.

use crate::fixture;
use crate::harness::*;
use crate::runtime::{Bootstrap, Report};

const TOKEN: &str = "4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

/// A scheduled Config event for the launcher's rule, to prove the process
/// still answers after each hostile one.
fn scheduled() -> String {
    serde_json::json!({
        "invokingEvent": scheduled_notification("2030-01-01T00:00:00.000Z").to_string(),
        "ruleParameters": "{}", "resultToken": "TESTMODE", "eventLeftScope": false,
        "configRuleArn": RULE_ARN, "configRuleName": RULE_NAME, "accountId": ACCOUNT,
        "version": "1.0",
    })
    .to_string()
}

/// Sends `body`, then a scheduled event; returns the first report and
/// checks the second was answered normally.
async fn answer_then_live_on(body: &str) -> Report {
    let moto = Moto::start();
    moto.register_rule(rule_scope());
    let mut bootstrap = Bootstrap::start(&moto, &[]).await;
    bootstrap.send_raw("hostile", body);
    bootstrap.send_raw("after", &scheduled());
    let reports = bootstrap.reports(2).await;
    let report = |id: &str| {
        reports
            .iter()
            .find(|(request, _)| request == id)
            .map(|(_, report)| report.clone())
            .unwrap()
    };
    assert!(
        matches!(report("after"), Report::Response(_)),
        "the next event is answered: {reports:?}"
    );
    report("hostile")
}

#[track_caller]
fn invalid_event(report: &Report, says: &str) {
    let Report::Error(error) = report else {
        panic!("an error answer, not {report:?}")
    };
    assert_eq!(error["errorType"], "InvalidEvent", "{error}");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(message.contains(says), "{message}");
    assert!(
        message.len() < 2_000,
        "the message is short: {} bytes",
        message.len()
    );
}

#[tokio::test]
async fn config_event_nested_100k_deep() {
    let deep = format!(
        "{{\"invokingEvent\": {}{}, \"resultToken\": \"TESTMODE\"}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    invalid_event(
        &answer_then_live_on(&deep).await,
        "recursion limit exceeded",
    );
}

#[tokio::test]
async fn invoking_event_nested_100k_deep() {
    let inner = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let event = serde_json::json!({
        "invokingEvent": inner, "ruleParameters": "{}", "resultToken": "TESTMODE",
        "eventLeftScope": false, "configRuleName": RULE_NAME, "accountId": ACCOUNT,
    });
    invalid_event(
        &answer_then_live_on(&event.to_string()).await,
        "invokingEvent is not valid JSON",
    );
}

#[tokio::test]
async fn hook_request_nested_100k_deep_gets_a_hook_answer_with_its_token() {
    let request = fixture!("hooks/create-cluster.json").replacen(
        "\"EngineVersion\": \"1.3.2.1\"",
        &format!(
            "\"EngineVersion\": {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        1,
    );
    let Report::Response(answer) = answer_then_live_on(&request).await else {
        panic!("a hook request gets a hook answer")
    };
    assert_eq!(answer["hookStatus"], "FAILED");
    assert_eq!(answer["errorCode"], "InternalFailure");
    assert_eq!(answer["clientRequestToken"], TOKEN);
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("recursion limit exceeded"));
}

#[tokio::test]
async fn hook_request_with_a_megabyte_property_is_judged() {
    let mut request: serde_json::Value =
        serde_json::from_str(fixture!("hooks/create-cluster.json")).unwrap();
    request["requestData"]["targetModel"]["resourceProperties"] = serde_json::json!({
        "StorageEncrypted": "true",
        "DBClusterIdentifier": "graph-big",
        "Tags": [{"Key": "notes", "Value": "n".repeat(1 << 20)}],
    });
    let Report::Response(answer) = answer_then_live_on(&request.to_string()).await else {
        panic!("a hook request gets a hook answer")
    };
    assert_eq!(answer["errorCode"], "NonCompliant", "{answer}");
    assert_eq!(answer["clientRequestToken"], TOKEN);
}
