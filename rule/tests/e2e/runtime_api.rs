//! The compiled `neptune-cmk-rule` bootstrap, driven through a small Lambda
//! Runtime API server, against moto.

use crate::harness::*;
use crate::runtime::{emf_lines, Bootstrap, Report};

#[tokio::test]
async fn bootstrap_answers_events_and_reports_errors_without_dying() {
    let moto = Moto::start();
    let sdk_config = moto.sdk_config().await;
    let fleet = Fleet::new(&sdk_config);
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-bootstrap", "neptune", key.arn()).await;

    moto.control(
        "POST",
        "result_tokens",
        Some(serde_json::json!({"resultToken": "token-2", "configRuleName": RULE_NAME})),
    );
    moto.register_rule(rule_scope());
    let change = serde_json::to_string(&serde_json::json!({
        "invokingEvent": cluster_change(&cluster, "neptune", key.arn()).to_string(),
        "ruleParameters": "{}", "resultToken": "token-1", "eventLeftScope": false,
        "configRuleArn": RULE_ARN, "configRuleName": RULE_NAME, "accountId": ACCOUNT, "version": "1.0",
    }))
    .unwrap();
    let garbage = r#"{"invokingEvent":"{not json","resultToken":"token-1","eventLeftScope":false,"accountId":"123456789012"}"#;
    let scheduled = serde_json::to_string(&serde_json::json!({
        "invokingEvent": scheduled_notification("2030-01-01T00:00:00.000Z").to_string(),
        "ruleParameters": "{}", "resultToken": "token-2", "eventLeftScope": false,
        "configRuleArn": RULE_ARN, "configRuleName": RULE_NAME, "accountId": ACCOUNT, "version": "1.0",
    }))
    .unwrap();
    let mut bootstrap = Bootstrap::start(&moto, &[]).await;
    bootstrap.send("req-change", &serde_json::from_str(&change).unwrap());
    bootstrap.send_raw("req-garbage", garbage);
    bootstrap.send("req-scheduled", &serde_json::from_str(&scheduled).unwrap());
    let reports = bootstrap.reports(3).await;
    let logs = bootstrap.stop().await;
    let report = |id: &str| {
        reports
            .iter()
            .find(|(request, _)| request == id)
            .unwrap()
            .1
            .clone()
    };
    let Report::Response(change) = report("req-change") else {
        panic!("{reports:?}")
    };
    assert_eq!(change["written"], 1);
    assert_eq!(change["compliant"], 1);
    let Report::Error(error) = report("req-garbage") else {
        panic!("{reports:?}")
    };
    assert_eq!(error["errorType"], "InvalidEvent");
    assert!(error["errorMessage"]
        .as_str()
        .unwrap()
        .contains("invokingEvent is not valid JSON"));
    let Report::Response(sweep) = report("req-scheduled") else {
        panic!("{reports:?}")
    };
    assert!(sweep["written"].as_u64().unwrap() >= 1, "{sweep}");

    let written = moto.written();
    assert!(written
        .iter()
        .any(|(_, id, compliance, _)| *id == cluster.resource_id && compliance == "COMPLIANT"));
    // One JSON log line per evaluation with the resource id and verdict, and never the item.
    let evaluation_lines: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("\"evaluation\""))
        .collect();
    assert!(!evaluation_lines.is_empty(), "{logs}");
    assert!(evaluation_lines
        .iter()
        .all(|line| line.contains("resource_id") && line.contains("compliance")));
    assert!(
        !logs.contains("dbclusterMembers"),
        "configuration contents were logged"
    );
    check_emf_lines(&logs);
}

/// One EMF line per invocation, as CloudWatch Logs extracts metrics from it:
/// every declared metric has a numeric value, the dimension is present, and
/// the failed invocation reports what it lost.
fn check_emf_lines(logs: &str) {
    let lines = emf_lines(logs);
    assert_eq!(lines.len(), 3, "one per invocation: {logs}");
    for line in &lines {
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "NeptuneCmk");
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["FunctionName"]])
        );
        assert_eq!(line["FunctionName"], "neptune-cmk");
        assert!(line["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            assert!(line[name].is_u64(), "{name} has no value: {line}");
            assert!(["Count", "Milliseconds"].contains(&metric["Unit"].as_str().unwrap()));
        }
    }
    assert_eq!(lines[0]["EvaluationsCompliant"], 1, "the change event");
    assert_eq!(lines[0]["EvaluationsWritten"], 1);
    assert_eq!(lines[1]["EvaluationsWritten"], 0, "the garbage event");
    assert_eq!(lines[1]["EvaluationsNotWritten"], 0);
    assert!(
        lines[2]["SweepDuration"].is_u64(),
        "the sweep: {}",
        lines[2]
    );
    assert!(lines[2]["EvaluationsWritten"].as_u64().unwrap() >= 1);
}
