//! The compiled `neptune-cmk-rule` bootstrap, driven through a small Lambda
//! Runtime API server, against moto.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::*;

/// What the runtime reported for one invocation.
#[derive(Debug, Clone)]
enum Report {
    Response(Value),
    Error(Value),
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, String)>,
    reports: Vec<(String, Report)>,
}

/// Serves `/2018-06-01/runtime/invocation/next` from a queue and records
/// `/response` and `/error` posts. Requests for more events than queued
/// wait forever (as Lambda does between invocations).
async fn runtime_api(state: Arc<Mutex<State>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(stream, state.clone()));
        }
    });
    port
}

async fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).await.unwrap();
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body).await.unwrap();
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let response = if path.ends_with("/invocation/next") {
            let next = loop {
                if let Some(next) = state.lock().unwrap().queue.pop_front() {
                    break next;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 60_000;
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:neptune-cmk\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n{}",
                next.0,
                next.1.len(),
                next.1
            )
        } else {
            let parts: Vec<&str> = path.split('/').collect();
            // /2018-06-01/runtime/invocation/{id}/{response|error}
            if let [.., "invocation", id, kind] = parts.as_slice() {
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let report = if *kind == "response" {
                    Report::Response(body)
                } else {
                    Report::Error(body)
                };
                state.lock().unwrap().reports.push((id.to_string(), report));
            }
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n".to_owned()
        };
        if reader
            .get_mut()
            .write_all(response.as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

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
    let state = Arc::new(Mutex::new(State::default()));
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
    {
        let mut state = state.lock().unwrap();
        state.queue.push_back(("req-change".into(), change));
        state
            .queue
            .push_back(("req-garbage".into(), garbage.into()));
        state.queue.push_back(("req-scheduled".into(), scheduled));
    }
    let port = runtime_api(state.clone()).await;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_neptune-cmk-rule"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "neptune-cmk")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let started = std::time::Instant::now();
    while state.lock().unwrap().reports.len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "runtime did not answer all events"
        );
        assert!(child.try_wait().unwrap().is_none(), "the runtime loop died");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().await.unwrap();
    let mut logs = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .await
        .unwrap();

    let reports = state.lock().unwrap().reports.clone();
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
    let lines: Vec<Value> = logs
        .lines()
        .filter(|line| line.starts_with("{\"_aws\""))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
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
