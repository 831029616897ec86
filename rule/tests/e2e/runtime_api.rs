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

/// Run by hand, outside Lambda, the bootstrap says what it is and how to
/// try it locally, instead of the runtime's panic about its missing
/// environment: exit 0 when asked (`--help`), 2 when run without a
/// Runtime API to serve.
#[test]
fn run_by_hand_it_says_what_it_is() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_neptune-cmk-rule"))
            .args(args)
            .env_clear()
            .output()
            .unwrap()
    };
    let version = format!("version {}\n", env!("CARGO_PKG_VERSION"));
    for (args, code) in [(&["--help"][..], 0), (&["-h"], 0), (&[], 2)] {
        let output = run(args);
        let (stdout, stderr) = (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        );
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        let usage = stdout.strip_suffix(&version).unwrap_or_else(|| {
            panic!("{args:?}: the version comes last: {stdout}");
        });
        expect_test::expect![[r#"
            neptune-cmk-rule: the AWS Lambda bootstrap of neptune-cmk (runtime provided.al2023).

            It answers AWS Config rule events (is every Neptune database encrypted with a KMS
            customer managed key?) and CloudFormation Lambda Hook requests, through the Lambda
            Runtime API named by AWS_LAMBDA_RUNTIME_API. Outside Lambda there is nothing to
            answer. To try it locally:

              neptune-cmk evaluate EVENT.json   the same handler on a saved Config event or hook
                                                request (tests/fixtures/events/, tests/fixtures/hooks/)
              make demo                         a local AWS (moto), a seeded fleet, and events through
                                                this binary behind a local Runtime API

            Deploy: docs/DEPLOY.md (make package builds the zip; the CDK or the standalone
            templates of make dist deploy it).
        "#]]
        .assert_eq(usage);
    }
}
