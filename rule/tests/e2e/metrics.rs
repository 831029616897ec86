//! The invocation metrics (Embedded Metric Format) the compiled bootstrap
//! prints when an invocation fails, by value, and the alarms the CDK builds
//! on them: every failure an operator relies on — resources not judged, the
//! deadline, a write lost after its retries, a missing permission, a role
//! that cannot be assumed — reaches an alarm.

use std::collections::BTreeMap;
use std::time::Duration;

use neptune_cmk_rule::Deadline;
use serde_json::{json, Value};

use crate::harness::*;
use crate::runtime::{emf_lines, Bootstrap, Report};
use crate::BEYOND_ANY_REAL_WORK;

/// A metric an alarm of the CDK construct watches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Alarmed {
    namespace: String,
    name: String,
    /// The dimension names of the metric.
    dimensions: Vec<String>,
}

/// Every alarm's metric, read from the construct that creates the alarms
/// (cdk/lib/neptune-cmk-rule.ts): a custom metric (`new cloudwatch.Metric`)
/// by its namespace, name and dimensions, the function's own `Errors`
/// (`metricErrors`) as Lambda's.
fn alarmed_metrics() -> Vec<Alarmed> {
    let source = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cdk/lib/neptune-cmk-rule.ts"
    ));
    let alarms: Vec<&str> = source.split("new cloudwatch.Alarm(").skip(1).collect();
    assert!(!alarms.is_empty(), "the construct creates no alarm");
    alarms
        .into_iter()
        .map(|alarm| {
            let metric = alarm
                .split_once("metric:")
                .unwrap_or_else(|| panic!("an alarm without a metric: {alarm}"))
                .1
                .trim_start();
            if metric.starts_with("this.function.metricErrors(") {
                return Alarmed {
                    namespace: "AWS/Lambda".to_owned(),
                    name: "Errors".to_owned(),
                    dimensions: vec!["FunctionName".to_owned()],
                };
            }
            let body = metric
                .strip_prefix("new cloudwatch.Metric({")
                .and_then(|rest| rest.split_once("})"))
                .unwrap_or_else(|| panic!("an alarm on a metric this test cannot read: {metric}"))
                .0;
            let dimensions = field(body, "dimensionsMap")
                .trim_start_matches('{')
                .split(',')
                .filter_map(|entry| entry.split_once(':'))
                .map(|(name, _)| name.trim().to_owned())
                .collect();
            Alarmed {
                namespace: constant(source, field(body, "namespace")),
                name: constant(source, field(body, "metricName")),
                dimensions,
            }
        })
        .collect()
}

/// The text after `name:` in an object literal, up to the end of its line.
fn field<'a>(body: &'a str, name: &str) -> &'a str {
    let (_, rest) = body
        .split_once(&format!("{name}:"))
        .unwrap_or_else(|| panic!("no {name} in {body}"));
    rest.lines().next().unwrap().trim().trim_end_matches(',')
}

/// A string literal, or the value of the `const` it names.
fn constant(source: &str, expression: &str) -> String {
    if let Some(literal) = expression.strip_prefix('\'') {
        return literal.trim_end_matches('\'').to_owned();
    }
    let declaration = format!("const {expression} = '");
    let (_, rest) = source
        .split_once(&declaration)
        .unwrap_or_else(|| panic!("no declaration of {expression}"));
    rest.split_once('\'').unwrap().0.to_owned()
}

/// What one failed invocation reported: the Runtime API `/error` body and
/// its EMF line.
struct Failed {
    error: Value,
    metrics: Value,
}

/// Runs `event` through a fresh bootstrap with `time_limit`, which must
/// fail it.
async fn fail(moto: &Moto, event: &Value, time_limit: Duration) -> Failed {
    let mut bootstrap = Bootstrap::start_with_time_limit(moto, &[], time_limit).await;
    let report = bootstrap.invoke("req-1", event).await;
    let logs = bootstrap.stop().await;
    let Report::Error(error) = report else {
        panic!("the invocation must fail: {report:?}\n{logs}")
    };
    let mut lines = emf_lines(&logs);
    assert_eq!(lines.len(), 1, "one EMF line per invocation: {logs}");
    Failed {
        error,
        metrics: lines.remove(0),
    }
}

/// Every metric the line declares, with its value; the duration of a sweep
/// is left out (it is not a count, and its value is the clock's).
fn counts(line: &Value) -> BTreeMap<String, u64> {
    line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|metric| metric["Name"].as_str().unwrap().to_owned())
        .filter(|name| name != "SweepDuration")
        .map(|name| {
            let value = line[&name]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: {line}"));
            (name, value)
        })
        .collect()
}

/// The failure's `errorType`, every count by value, and every alarm's
/// metric: Lambda counts the `/error` as `Errors`; the line declares each
/// custom metric in its namespace, with its dimensions and a value.
#[track_caller]
fn assert_failure(failed: &Failed, error_type: &str, expected: &[(&str, u64)]) {
    assert_eq!(failed.error["errorType"], error_type, "{}", failed.error);
    let expected: BTreeMap<String, u64> = expected
        .iter()
        .map(|(name, value)| ((*name).to_owned(), *value))
        .collect();
    assert_eq!(counts(&failed.metrics), expected, "{}", failed.error);
    let line = &failed.metrics;
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    for alarmed in alarmed_metrics() {
        if alarmed.namespace == "AWS/Lambda" {
            assert_eq!(alarmed.name, "Errors", "{alarmed:?}");
            continue;
        }
        assert_eq!(directive["Namespace"], alarmed.namespace.as_str());
        assert!(
            directive["Metrics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|metric| metric["Name"] == alarmed.name.as_str()),
            "{alarmed:?} is not declared: {line}"
        );
        assert_eq!(directive["Dimensions"], json!([alarmed.dimensions]));
        for dimension in &alarmed.dimensions {
            assert!(line[dimension].is_string(), "{dimension}: {line}");
        }
    }
}

/// The counts of an invocation that judged nothing and wrote nothing.
const NOTHING: [(&str, u64); 8] = [
    ("EvaluationsCompliant", 0),
    ("EvaluationsNonCompliant", 0),
    ("EvaluationsNotApplicable", 0),
    ("EvaluationsWritten", 0),
    ("EvaluationsNotWritten", 0),
    ("StaleResultsCleared", 0),
    ("DescribeKeyCalls", 0),
    ("ResourcesSkipped", 0),
];

fn sweep() -> Value {
    serde_json::to_value(sweep_event("token-1")).unwrap()
}

/// A moto server with the rule registered as deployed.
fn moto_with_rule() -> Moto {
    let moto = Moto::start();
    moto.register_rule(rule_scope());
    moto.control(
        "POST",
        "result_tokens",
        Some(json!({"resultToken": "token-1", "configRuleName": RULE_NAME})),
    );
    moto
}

#[test]
fn the_alarms_watch_lambda_errors_and_evaluations_not_written() {
    let alarmed: Vec<(String, String)> = alarmed_metrics()
        .into_iter()
        .map(|metric| (metric.namespace, metric.name))
        .collect();
    assert_eq!(
        alarmed,
        [
            ("AWS/Lambda".to_owned(), "Errors".to_owned()),
            (
                neptune_cmk_rule::metrics::NAMESPACE.to_owned(),
                "EvaluationsNotWritten".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn resources_not_judged_are_skipped_and_the_rest_is_counted() {
    let moto = moto_with_rule();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    fleet.cluster("graph-good", "neptune", key.arn()).await;
    fleet.cluster("graph-broken", "neptune", key.arn()).await;
    fleet.cluster("graph-plain", "neptune", None).await;
    moto.override_record("cluster", "graph-broken", json!({"KmsKeyId": "not a key"}));
    moto.control(
        "POST",
        "compliance",
        Some(json!({"configRuleName": RULE_NAME, "results": [
            {"resourceType": "AWS::RDS::DBCluster", "resourceId": "cluster-VANISHED", "complianceType": "COMPLIANT"},
        ]})),
    );
    let failed = fail(&moto, &sweep(), Duration::from_secs(60)).await;
    // graph-good and the automated snapshots of graph-good and graph-broken
    // (which name the key itself) are compliant; graph-plain and its
    // snapshot are not; graph-broken is not judged; the vanished cluster's
    // result is cleared.
    assert_failure(
        &failed,
        "ResourcesNotJudged",
        &[
            ("EvaluationsCompliant", 3),
            ("EvaluationsNonCompliant", 2),
            ("EvaluationsNotApplicable", 1),
            ("EvaluationsWritten", 6),
            ("EvaluationsNotWritten", 0),
            ("StaleResultsCleared", 1),
            ("DescribeKeyCalls", 1),
            ("ResourcesSkipped", 1),
        ],
    );
    assert!(
        failed.metrics["SweepDuration"].is_u64(),
        "{}",
        failed.metrics
    );
    assert_eq!(moto.written().len(), 6);
}

#[tokio::test]
async fn the_deadline_counts_what_was_written_before_it() {
    let moto = moto_with_rule();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    fleet.cluster("graph-a", "neptune", key.arn()).await;
    fleet.cluster("graph-b", "neptune", key.arn()).await;
    fleet.cluster("graph-plain", "neptune", None).await;
    // Listing instances never answers: the deadline cuts it. The clusters
    // and their snapshots are listed, judged and written long before.
    moto.fault(json!({"service": "rds", "operation": "DescribeDBInstances", "delay_seconds": 600, "count": "unlimited"}));
    let time_limit = Deadline::DEFAULT_MARGIN + BEYOND_ANY_REAL_WORK;
    let failed = fail(&moto, &sweep(), time_limit).await;
    assert!(
        failed.error["errorMessage"]
            .as_str()
            .unwrap()
            .contains("stopped listing DB instances"),
        "{}",
        failed.error
    );
    assert_failure(
        &failed,
        "DeadlineExceeded",
        &[
            ("EvaluationsCompliant", 4),
            ("EvaluationsNonCompliant", 2),
            ("EvaluationsNotApplicable", 0),
            ("EvaluationsWritten", 6),
            ("EvaluationsNotWritten", 0),
            ("StaleResultsCleared", 0),
            ("DescribeKeyCalls", 1),
            ("ResourcesSkipped", 0),
        ],
    );
    assert_eq!(moto.written().len(), 6);
}

#[tokio::test]
async fn a_write_lost_after_its_retries_counts_every_verdict_and_what_was_lost() {
    let moto = moto_with_rule();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    fleet.cluster("graph-good", "neptune", key.arn()).await;
    let aws_rds = fleet.aws_rds_key().await;
    fleet
        .cluster("graph-aws-key", "neptune", aws_rds.arn())
        .await;
    fleet.cluster("graph-plain", "neptune", None).await;
    // Config fails the first two evaluations of every call: the other four
    // are written, those two are resent until the retries run out.
    moto.fault(
        json!({"operation": "PutEvaluations", "failed_evaluations": 2, "count": "unlimited"}),
    );
    let failed = fail(&moto, &sweep(), Duration::from_secs(60)).await;
    assert_failure(
        &failed,
        "PutEvaluationsFailed",
        &[
            ("EvaluationsCompliant", 2),
            ("EvaluationsNonCompliant", 4),
            ("EvaluationsNotApplicable", 0),
            ("EvaluationsWritten", 4),
            ("EvaluationsNotWritten", 2),
            ("StaleResultsCleared", 0),
            ("DescribeKeyCalls", 2),
            ("ResourcesSkipped", 0),
        ],
    );
    let message = failed.error["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("after 5 attempts: 2 evaluation(s) not written (4 written before)"),
        "{message}"
    );
    let calls = moto.put_calls();
    assert_eq!(calls.len(), 5, "one call, then four resends: {calls:#?}");
    assert!(calls[1..]
        .iter()
        .all(|call| call["evaluations"].as_array().unwrap().is_empty()
            && call["failed"].as_array().unwrap().len() == 2));
}

#[tokio::test]
async fn a_missing_permission_fails_the_invocation_with_nothing_judged() {
    let moto = moto_with_rule();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-locked", "neptune", key.arn()).await;
    // The rule's role may not describe any key, aws/rds included.
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "error_code": "AccessDeniedException", "count": "unlimited"}));
    let event = envelope(
        cluster_change(&cluster, "neptune", key.arn()),
        "{}",
        "token-1",
        false,
    );
    let failed = fail(
        &moto,
        &serde_json::to_value(event).unwrap(),
        Duration::from_secs(60),
    )
    .await;
    // The two DescribeKey calls (the key, then the aws/rds probe) reached
    // no judgement: DescribeKeyCalls counts the calls of judgements reached.
    assert_failure(&failed, "MissingPermission", &NOTHING);
    assert_eq!(moto.calls("kms:DescribeKey"), 2);
    assert!(moto.put_calls().is_empty());
}

#[tokio::test]
async fn a_role_that_cannot_be_assumed_fails_the_invocation_with_nothing_judged() {
    let moto = moto_with_rule();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let cluster = fleet.cluster("graph-member", "neptune", None).await;
    // The member role was never created.
    let event = envelope(
        cluster_change(&cluster, "neptune", None),
        r#"{"ExecutionRoleName":"NeptuneCmkExecutionRole"}"#,
        "token-1",
        false,
    );
    let failed = fail(
        &moto,
        &serde_json::to_value(event).unwrap(),
        Duration::from_secs(60),
    )
    .await;
    assert_failure(&failed, "AssumeRoleFailed", &NOTHING);
    assert!(failed.error["errorMessage"]
        .as_str()
        .unwrap()
        .contains("AccessDenied"));
}
