//! The real handler against a real (patched) moto server.

use neptune_cmk_rule::{Deadline, Rule};

use neptune_cmk_rule::writer::RetryPolicy;

use crate::{lambda, lambda_with, unless_hung, BEYOND_ANY_REAL_WORK};
use serde_json::json;

use crate::harness::*;

struct Setup {
    moto: Moto,
    rule: Rule,
    fleet: Fleet,
}

async fn setup() -> Setup {
    let moto = Moto::start();
    let sdk_config = moto.sdk_config().await;
    Setup {
        rule: Rule::new(&sdk_config),
        fleet: Fleet::new(&sdk_config),
        moto,
    }
}

fn only(written: &[(String, String, String, String)]) -> (String, String, String, String) {
    assert_eq!(written.len(), 1, "{written:#?}");
    written[0].clone()
}

#[tokio::test]
async fn change_on_customer_managed_key_is_compliant() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-prod", "neptune", key.arn()).await;
    let event = envelope(
        cluster_change(&cluster, "neptune", key.arn()),
        "{}",
        "token-1",
        false,
    );
    let (outcome, writer) = lambda(&rule, &event).await.unwrap();
    assert_eq!(
        (outcome.written, outcome.compliant, writer.test_mode()),
        (1, 1, false)
    );
    let (resource_type, resource_id, compliance, annotation) = only(&moto.written());
    assert_eq!(resource_type, "AWS::RDS::DBCluster");
    assert_eq!(resource_id, cluster.resource_id);
    assert_eq!(compliance, "COMPLIANT");
    assert!(annotation.contains(key.arn().unwrap()), "{annotation}");
    assert_eq!(moto.put_calls()[0]["resultToken"], "token-1");
    assert_eq!(moto.calls("kms:DescribeKey"), 1);
}

#[tokio::test]
async fn change_on_aws_managed_key_is_non_compliant() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.aws_rds_key().await;
    let cluster = fleet
        .cluster("graph-default-key", "neptune", key.arn())
        .await;
    let event = envelope(
        cluster_change(&cluster, "neptune", key.arn()),
        "{}",
        "token-1",
        false,
    );
    lambda(&rule, &event).await.unwrap();
    let (_, _, compliance, annotation) = only(&moto.written());
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains("AWS managed key aws/rds"),
        "{annotation}"
    );
}

#[tokio::test]
async fn change_on_unencrypted_cluster_needs_no_key_lookup() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("graph-plain", "neptune", None).await;
    let event = envelope(
        cluster_change(&cluster, "neptune", None),
        "{}",
        "token-1",
        false,
    );
    lambda(&rule, &event).await.unwrap();
    let (_, _, compliance, annotation) = only(&moto.written());
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.starts_with("storage encryption is off"),
        "{annotation}"
    );
    assert_eq!(moto.calls("kms:DescribeKey"), 0);
}

#[tokio::test]
async fn change_on_disabled_and_pending_deletion_keys() {
    let Setup { moto, rule, fleet } = setup().await;
    for (key, state) in [
        (fleet.disabled_key().await, "Disabled"),
        (fleet.pending_deletion_key().await, "PendingDeletion"),
    ] {
        let cluster = fleet
            .cluster(
                &format!("graph-{}", state.to_lowercase()),
                "neptune",
                key.arn(),
            )
            .await;
        let event = envelope(
            cluster_change(&cluster, "neptune", key.arn()),
            "{}",
            "token-1",
            false,
        );
        lambda(&rule, &event).await.unwrap();
        let written = moto.written();
        let (_, _, compliance, annotation) = written.last().unwrap().clone();
        assert_eq!(compliance, "NON_COMPLIANT");
        assert!(
            annotation.contains(&format!("which is {state}, not Enabled")),
            "{annotation}"
        );
    }
}

#[tokio::test]
async fn change_on_pending_deletion_key_says_the_day() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.pending_deletion_key().await;
    let cluster = fleet.cluster("graph-deadline", "neptune", key.arn()).await;
    let event = envelope(
        cluster_change(&cluster, "neptune", key.arn()),
        "{}",
        "token-1",
        false,
    );
    lambda(&rule, &event).await.unwrap();
    let (_, _, compliance, annotation) = only(&moto.written());
    assert_eq!(compliance, "NON_COMPLIANT");
    let described = fleet
        .kms
        .describe_key()
        .key_id(key.key_id())
        .send()
        .await
        .unwrap();
    let deletion_date = described
        .key_metadata()
        .and_then(|metadata| metadata.deletion_date())
        .expect("DescribeKey reports DeletionDate for a key pending deletion")
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap();
    // A 7-day window read moments after scheduling: 6 whole days are left.
    let deadline = format!(
        "unreadable from {} (6 days left as of ",
        &deletion_date[..10]
    );
    assert!(annotation.contains(&deadline), "{annotation}");
    assert!(annotation.len() <= 256);
}

#[tokio::test]
async fn change_on_key_that_does_not_exist() {
    let Setup { moto, rule, .. } = setup().await;
    let cluster = Cluster {
        identifier: "graph-orphan".into(),
        resource_id: "cluster-ORPHAN".into(),
    };
    let key = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000");
    let event = envelope(
        cluster_change(&cluster, "neptune", Some(&key)),
        "{}",
        "token-1",
        false,
    );
    lambda(&rule, &event).await.unwrap();
    let (_, _, compliance, annotation) = only(&moto.written());
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.contains("which was not found"), "{annotation}");
}

#[tokio::test]
async fn change_on_other_engine_is_not_applicable() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("aurora-app", "aurora-postgresql", None).await;
    let event = envelope(
        cluster_change(&cluster, "aurora-postgresql", None),
        "{}",
        "token-1",
        false,
    );
    lambda(&rule, &event).await.unwrap();
    let (_, _, compliance, annotation) = only(&moto.written());
    assert_eq!(compliance, "NOT_APPLICABLE");
    assert!(
        annotation.contains("aurora-postgresql is not Neptune"),
        "{annotation}"
    );
}

#[tokio::test]
async fn left_scope_and_deleted_are_not_applicable() {
    let Setup { moto, rule, .. } = setup().await;
    let left: serde_json::Value =
        serde_json::from_str(crate::fixture!("items/cluster-cmk.json")).unwrap();
    lambda(
        &rule,
        &envelope(change_notification(left), "{}", "token-1", true),
    )
    .await
    .unwrap();
    let deleted: serde_json::Value =
        serde_json::from_str(crate::fixture!("items/cluster-deleted.json")).unwrap();
    lambda(
        &rule,
        &envelope(change_notification(deleted), "{}", "token-1", false),
    )
    .await
    .unwrap();
    let written = moto.written();
    assert_eq!(written.len(), 2);
    assert!(written
        .iter()
        .all(|(_, _, compliance, _)| compliance == "NOT_APPLICABLE"));
    assert!(written[0].3.contains("eventLeftScope"));
    assert!(written[1].3.contains("ResourceDeleted"));
    assert_eq!(moto.calls("kms:DescribeKey"), 0);
}

#[tokio::test]
async fn instance_is_judged_by_its_cluster() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.aws_rds_key().await;
    let cluster = fleet
        .cluster("graph-with-instance", "neptune", key.arn())
        .await;
    let dbi_resource_id = fleet
        .instance("graph-with-instance-1", "graph-with-instance")
        .await;
    let mut item: serde_json::Value =
        serde_json::from_str(crate::fixture!("items/instance-inherits-from-cluster.json")).unwrap();
    item["resourceId"] = dbi_resource_id.clone().into();
    item["configuration"]["dbiResourceId"] = dbi_resource_id.clone().into();
    item["configuration"]["dBClusterIdentifier"] = cluster.identifier.clone().into();
    moto.reset_calls();
    lambda(
        &rule,
        &envelope(change_notification(item), "{}", "token-1", false),
    )
    .await
    .unwrap();
    let (resource_type, resource_id, compliance, annotation) = only(&moto.written());
    assert_eq!(
        (resource_type.as_str(), resource_id),
        ("AWS::RDS::DBInstance", dbi_resource_id)
    );
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation
            .starts_with("its cluster graph-with-instance is encrypted with the AWS managed key"),
        "{annotation}"
    );
    assert_eq!(moto.calls("rds:DescribeDBClusters"), 1);
}

#[tokio::test]
async fn describe_key_denied_cross_account_and_same_account() {
    let Setup { moto, rule, .. } = setup().await;
    let cluster = Cluster {
        identifier: "graph-shared-key".into(),
        resource_id: "cluster-SHARED".into(),
    };
    let foreign_key = "arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333";
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "error_code": "AccessDeniedException", "status": 400, "message": "denied", "count": 1}));
    let event = envelope(
        cluster_change(&cluster, "neptune", Some(foreign_key)),
        "{}",
        "token-1",
        false,
    );
    lambda(&rule, &event).await.unwrap();
    let (_, _, compliance, annotation) = only(&moto.written());
    assert_eq!(compliance, "COMPLIANT");
    assert!(
        annotation.contains("AWS managed keys cannot be used across accounts"),
        "{annotation}"
    );

    let own_key =
        format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    // The key and the probe of alias/aws/rds are both denied: the rule's
    // role lacks kms:DescribeKey, and no verdict would be honest.
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "error_code": "AccessDeniedException", "status": 400, "message": "denied", "count": 2}));
    let event = envelope(
        cluster_change(&cluster, "neptune", Some(&own_key)),
        "{}",
        "token-1",
        false,
    );
    let error = lambda(&rule, &event).await.unwrap_err();
    assert_eq!(error.error_type(), "MissingPermission");
    assert!(
        error.to_string().contains("grant kms:DescribeKey"),
        "{error}"
    );
    assert_eq!(
        moto.written().len(),
        1,
        "nothing written for the failed invocation"
    );

    // Only this key's policy denies it: the rule may describe aws/rds, which
    // every AWS managed key allows its account, so the key is customer managed.
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "error_code": "AccessDeniedException", "status": 400, "message": "denied by the key policy", "count": "unlimited", "match": {"params": {"KeyId": own_key}}}));
    lambda(&rule, &event).await.unwrap();
    let (_, _, compliance, annotation) = moto.written().last().unwrap().clone();
    assert_eq!(compliance, "COMPLIANT");
    assert!(
        annotation.contains("state not verified: the key policy denies DescribeKey"),
        "{annotation}"
    );
}

#[tokio::test]
async fn test_mode_token() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("graph-test-mode", "neptune", None).await;
    let event = envelope(
        cluster_change(&cluster, "neptune", None),
        "{}",
        "TESTMODE",
        false,
    );
    let (_, writer) = lambda(&rule, &event).await.unwrap();
    assert!(writer.test_mode());
    assert_eq!(moto.put_calls()[0]["testMode"], true);
}

#[tokio::test]
async fn oversized_item_is_fetched_from_config_history() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-oversized", "neptune", key.arn()).await;
    let mut item: serde_json::Value =
        serde_json::from_str(crate::fixture!("items/cluster-cmk.history.json")).unwrap();
    let mut configuration: serde_json::Value =
        serde_json::from_str(item["configuration"].as_str().unwrap()).unwrap();
    configuration["kmsKeyId"] = key.arn().unwrap().into();
    configuration["dbClusterResourceId"] = cluster.resource_id.clone().into();
    item["configuration"] = configuration.to_string().into();
    item["resourceId"] = cluster.resource_id.clone().into();
    item["awsRegion"] = REGION.into();
    item["configurationItemCaptureTime"] = "2024-01-01T00:00:00.000Z".into();
    moto.control(
        "POST",
        "config_history",
        Some(json!({"resourceType": "AWS::RDS::DBCluster", "resourceId": cluster.resource_id, "item": item})),
    );
    let mut invoking_event: serde_json::Value =
        serde_json::from_str(crate::fixture!("events/oversized-cluster.json")).unwrap();
    let mut inner: serde_json::Value =
        serde_json::from_str(invoking_event["invokingEvent"].as_str().unwrap()).unwrap();
    inner["configurationItemSummary"]["resourceId"] = cluster.resource_id.clone().into();
    invoking_event["invokingEvent"] = inner.to_string().into();
    let event = serde_json::from_value(invoking_event).unwrap();
    let (outcome, _) = lambda(&rule, &event).await.unwrap();
    assert_eq!(outcome.compliant, 1, "{outcome:?}");
    assert_eq!(moto.calls("config:GetResourceConfigHistory"), 1);
    let (_, resource_id, compliance, _) = only(&moto.written());
    assert_eq!(
        (resource_id, compliance.as_str()),
        (cluster.resource_id, "COMPLIANT")
    );
}

#[tokio::test]
async fn periodic_sweep_judges_everything_and_removes_stale_results() {
    let Setup { moto, rule, fleet } = setup().await;
    let good = fleet.customer_key().await;
    let aws_rds = fleet.aws_rds_key().await;
    let compliant = fleet.cluster("graph-good", "neptune", good.arn()).await;
    let on_aws_key = fleet
        .cluster("graph-aws-key", "neptune", aws_rds.arn())
        .await;
    let plain = fleet.cluster("graph-plain", "neptune", None).await;
    fleet.cluster("aurora-app", "aurora-postgresql", None).await;
    let good_instance = fleet.instance("graph-good-1", "graph-good").await;
    let plain_instance = fleet.instance("graph-plain-1", "graph-plain").await;
    fleet.snapshot("graph-good-manual", "graph-good").await;
    moto.control(
        "POST",
        "result_tokens",
        Some(json!({"resultToken": "sweep-token", "configRuleName": RULE_NAME})),
    );
    moto.control(
        "POST",
        "compliance",
        Some(json!({"configRuleName": RULE_NAME, "results": [
            {"resourceType": "AWS::RDS::DBCluster", "resourceId": "cluster-VANISHED", "complianceType": "COMPLIANT"},
            {"resourceType": "AWS::RDS::DBCluster", "resourceId": compliant.resource_id, "complianceType": "COMPLIANT"},
        ]})),
    );
    moto.reset_calls();
    moto.register_rule(rule_scope());
    let event = sweep_event("sweep-token");
    let (outcome, _) = lambda(&rule, &event).await.unwrap();

    let written = moto.written();
    let verdict = |resource_id: &str| {
        written
            .iter()
            .find(|(_, id, _, _)| id == resource_id)
            .map(|(_, _, compliance, _)| compliance.clone())
            .unwrap_or_else(|| panic!("{resource_id} not evaluated: {written:#?}"))
    };
    assert_eq!(verdict(&compliant.resource_id), "COMPLIANT");
    assert_eq!(verdict(&on_aws_key.resource_id), "NON_COMPLIANT");
    assert_eq!(verdict(&plain.resource_id), "NON_COMPLIANT");
    assert_eq!(verdict(&good_instance), "COMPLIANT");
    assert_eq!(verdict(&plain_instance), "NON_COMPLIANT");
    assert_eq!(verdict("graph-good-manual"), "COMPLIANT");
    assert_eq!(verdict("cluster-VANISHED"), "NOT_APPLICABLE");
    assert!(
        !written.iter().any(|(_, id, _, _)| id.contains("aurora")),
        "aurora is filtered out"
    );
    assert_eq!(outcome.stale_removed, 1);
    assert_eq!(outcome.written, written.len());
    // Two distinct keys, each described once, however many resources use them.
    assert_eq!(moto.calls("kms:DescribeKey"), 2);
    // The sweep's ordering timestamp is the notification time.
    let first = &moto.put_calls()[0]["evaluations"][0]["OrderingTimestamp"];
    assert!(
        first.to_string().contains("2030") || first.as_f64() == Some(1893456000.0),
        "{first}"
    );
}

#[tokio::test]
async fn stale_results_on_every_page_of_earlier_results_are_cleared() {
    let Setup { moto, rule, fleet } = setup().await;
    let live = fleet.cluster("graph-live", "neptune", None).await;
    // 250 earlier COMPLIANT or NON_COMPLIANT results, three pages of at
    // most 100: 249 of vanished clusters and the live one's. The earlier
    // NOT_APPLICABLE results are not asked for, so not cleared again.
    let earlier = |index: usize| {
        let compliance = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"][index % 3];
        json!({"resourceType": "AWS::RDS::DBCluster", "resourceId": format!("cluster-GONE{index:03}"), "complianceType": compliance})
    };
    let mut results: Vec<serde_json::Value> = (0..373).map(earlier).collect();
    results.push(json!({"resourceType": "AWS::RDS::DBCluster", "resourceId": live.resource_id, "complianceType": "COMPLIANT"}));
    moto.control(
        "POST",
        "compliance",
        Some(json!({"configRuleName": RULE_NAME, "results": results})),
    );
    moto.control(
        "POST",
        "result_tokens",
        Some(json!({"resultToken": "token-1", "configRuleName": RULE_NAME})),
    );
    moto.register_rule(rule_scope());
    moto.reset_calls();
    let (outcome, _) = lambda(&rule, &sweep_event("token-1")).await.unwrap();

    let gone: Vec<String> = (0..373)
        .filter(|index| index % 3 != 2)
        .map(|index| format!("cluster-GONE{index:03}"))
        .collect();
    assert_eq!(gone.len(), 249);
    assert_eq!(outcome.stale_removed, gone.len(), "{outcome:?}");
    assert_eq!(moto.calls("config:GetComplianceDetailsByConfigRule"), 3);
    let written = moto.written();
    let stale: std::collections::BTreeSet<&str> = written
        .iter()
        .filter(|(_, _, compliance, annotation)| {
            compliance == "NOT_APPLICABLE" && annotation.contains("no longer exists")
        })
        .map(|(_, id, _, _)| id.as_str())
        .collect();
    assert_eq!(
        stale,
        gone.iter().map(String::as_str).collect(),
        "every vanished resource, from every page, once"
    );
    let live_verdicts: Vec<&str> = written
        .iter()
        .filter(|(_, id, _, _)| *id == live.resource_id)
        .map(|(_, _, compliance, _)| compliance.as_str())
        .collect();
    assert_eq!(live_verdicts, ["NON_COMPLIANT"], "judged, not cleared");
    assert_eq!(
        written.len(),
        gone.len() + 2,
        "the live cluster and its snapshot"
    );
}

#[tokio::test]
async fn large_sweep_batches_put_evaluations_by_100_and_pages_by_100() {
    let Setup { moto, rule, fleet } = setup().await;
    let keys = [
        fleet.customer_key().await,
        fleet.customer_key().await,
        fleet.customer_key().await,
    ];
    let clusters = 130;
    for index in 0..clusters {
        fleet
            .cluster(
                &format!("graph-{index:03}"),
                "neptune",
                keys[index % 3].arn(),
            )
            .await;
    }
    moto.control(
        "POST",
        "result_tokens",
        Some(json!({"resultToken": "token-1", "configRuleName": RULE_NAME})),
    );
    moto.reset_calls();
    moto.register_rule(rule_scope());
    let event = sweep_event("token-1");
    let (outcome, _) = lambda(&rule, &event).await.unwrap();
    // moto adds one automated snapshot per cluster.
    let snapshots = moto.calls("rds:DescribeDBClusterSnapshots");
    let evaluations = outcome.written;
    assert!(evaluations >= clusters, "{outcome:?}");
    let batches: Vec<usize> = moto
        .put_calls()
        .iter()
        .map(|call| call["evaluations"].as_array().unwrap().len())
        .collect();
    assert!(batches.iter().all(|size| *size <= 100), "{batches:?}");
    assert_eq!(batches.len(), evaluations.div_ceil(100), "{batches:?}");
    assert_eq!(
        moto.calls("config:PutEvaluations") as usize,
        evaluations.div_ceil(100)
    );
    assert_eq!(moto.calls("kms:DescribeKey"), 3);
    assert_eq!(
        moto.calls("rds:DescribeDBClusters"),
        2,
        "130 clusters, 100 per page"
    );
    assert_eq!(moto.calls("rds:DescribeDBInstances"), 1);
    assert_eq!(snapshots as usize, (clusters).div_ceil(100));
}

#[tokio::test]
async fn malformed_events_write_nothing() {
    let Setup { moto, rule, .. } = setup().await;
    let cases = [
        (
            envelope(json!("not json"), "{}", "token-1", false),
            "invokingEvent",
        ),
        (
            envelope(json!({"messageType": "Bogus"}), "{}", "token-1", false),
            "messageType",
        ),
        (
            envelope(
                json!({"messageType": "ConfigurationItemChangeNotification"}),
                "{}",
                "token-1",
                false,
            ),
            "configurationItem is missing",
        ),
        (
            envelope(
                scheduled_notification("2030-01-01T00:00:00Z"),
                "{\"requireEnabledKey\":",
                "token-1",
                false,
            ),
            "ruleParameters",
        ),
        (
            envelope(
                scheduled_notification("2030-01-01T00:00:00Z"),
                "{\"bogus\":\"1\"}",
                "token-1",
                false,
            ),
            "unknown parameter \"bogus\"",
        ),
    ];
    for (event, expected) in cases {
        let error = lambda(&rule, &event).await.unwrap_err();
        assert_eq!(error.error_type(), "InvalidEvent", "{error}");
        assert!(
            error.to_string().contains(expected),
            "{error} should mention {expected}"
        );
    }
    assert!(moto.put_calls().is_empty());
}

#[tokio::test]
async fn execution_role_is_assumed_in_the_event_account() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("graph-member", "neptune", None).await;
    let event = envelope(
        cluster_change(&cluster, "neptune", None),
        r#"{"ExecutionRoleName":"NeptuneCmkExecutionRole"}"#,
        "token-1",
        false,
    );
    let error = lambda(&rule, &event).await.unwrap_err();
    assert_eq!(error.error_type(), "AssumeRoleFailed", "{error}");
    assert!(
        error.to_string().contains(&format!(
            "sts:AssumeRole into arn:aws:iam::{ACCOUNT}:role/NeptuneCmkExecutionRole failed: \
             AccessDenied"
        )),
        "{error}"
    );
    assert!(moto.put_calls().is_empty());

    create_role(&moto, ACCOUNT, "NeptuneCmkExecutionRole").await;
    lambda(&rule, &event).await.unwrap();
    assert_eq!(moto.calls("sts:AssumeRole"), 2);
    assert_eq!(only(&moto.written()).2, "NON_COMPLIANT");
}

#[tokio::test]
async fn put_evaluations_throttling_is_retried_then_fails_loudly() {
    let moto = Moto::start();
    let sdk_config = moto.sdk_config().await;
    let fleet = Fleet::new(&sdk_config);
    let fast = fast_retry();
    let rule = Rule::new(&sdk_config);
    let cluster = fleet.cluster("graph-throttled", "neptune", None).await;
    let event = envelope(
        cluster_change(&cluster, "neptune", None),
        "{}",
        "token-1",
        false,
    );

    moto.fault(json!({"service": "config", "operation": "PutEvaluations", "error_code": "ThrottlingException", "status": 400, "message": "slow down", "count": 4}));
    // SDK retries plus ours exhaust four faults, then the write succeeds.
    lambda_with(&rule, &event, Deadline::none(), fast)
        .await
        .unwrap();
    assert_eq!(moto.written().len(), 1);

    moto.fault(json!({"service": "config", "operation": "PutEvaluations", "error_code": "ThrottlingException", "status": 400, "message": "slow down", "count": 1000}));
    let error = lambda_with(&rule, &event, Deadline::none(), fast)
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "PutEvaluationsFailed");
    assert!(
        error.to_string().contains("1 evaluation(s) not written"),
        "{error}"
    );
    moto.control("DELETE", "faults", None);
}

/// Retries fast: these tests are about what is resent, not when.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: std::time::Duration::from_millis(10),
        max_backoff: std::time::Duration::from_millis(20),
    }
}

#[tokio::test]
async fn failed_evaluations_are_resent_alone() {
    let Setup { moto, rule, fleet } = setup().await;
    for index in 0..3 {
        fleet
            .cluster(&format!("graph-{index}"), "neptune", None)
            .await;
    }
    moto.register_rule(rule_scope());
    // Config fails the first two evaluations of the next call, and stores the rest.
    moto.fault(json!({"operation": "PutEvaluations", "failed_evaluations": 2}));
    let (outcome, writer) = lambda_with(
        &rule,
        &sweep_event("token-1"),
        Deadline::none(),
        fast_retry(),
    )
    .await
    .unwrap();
    assert_eq!((outcome.written, writer.calls()), (6, 2), "{outcome:?}");
    let calls = moto.put_calls();
    let ids = |call: &serde_json::Value, part: &str| -> Vec<String> {
        call[part]
            .as_array()
            .unwrap()
            .iter()
            .map(|evaluation| {
                evaluation["ComplianceResourceId"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        (
            ids(&calls[0], "evaluations").len(),
            ids(&calls[0], "failed").len()
        ),
        (4, 2)
    );
    assert_eq!(
        ids(&calls[1], "evaluations"),
        ids(&calls[0], "failed"),
        "only the failed ones are resent"
    );
    assert!(ids(&calls[1], "failed").is_empty());
    assert_eq!(moto.written().len(), 6);
}

#[tokio::test]
async fn failed_evaluations_that_persist_fail_the_invocation() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("graph-refused", "neptune", None).await;
    let event = envelope(
        cluster_change(&cluster, "neptune", None),
        "{}",
        "token-1",
        false,
    );
    moto.fault(
        json!({"operation": "PutEvaluations", "failed_evaluations": 1, "count": "unlimited"}),
    );
    let error = lambda_with(&rule, &event, Deadline::none(), fast_retry())
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "PutEvaluationsFailed", "{error}");
    let message = error.to_string();
    assert!(
        message.contains("after 3 attempts: 1 evaluation(s) not written (0 written before)"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "FailedEvaluations for AWS::RDS::DBCluster {}",
            cluster.resource_id
        )),
        "{message}"
    );
    assert_eq!(moto.put_calls().len(), 3, "bounded retries");
    assert!(moto.written().is_empty());
}

#[tokio::test]
async fn sweep_stops_loudly_before_the_deadline() {
    let Setup { moto, rule, fleet } = setup().await;
    fleet.cluster("graph-late", "neptune", None).await;
    moto.register_rule(rule_scope());
    let event = sweep_event("token-1");
    // The deadline is now, inside the default ten-second margin: nothing starts.
    let deadline = Deadline::at(std::time::SystemTime::now());
    let error = lambda_with(&rule, &event, deadline, RetryPolicy::default())
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "DeadlineExceeded");
    let message = error.to_string();
    assert!(
        message.contains("stopped reading the rule's scope"),
        "{message}"
    );
    assert!(message.contains("0 evaluation(s) written"), "{message}");
    assert!(moto.put_calls().is_empty());
    assert_eq!(moto.calls("rds:DescribeDBClusters"), 0);
}

#[tokio::test]
async fn sweep_cut_short_by_the_deadline_persists_what_it_judged() {
    let Setup { moto, fleet, .. } = setup().await;
    let sdk_config = moto.sdk_config().await;
    for index in 0..3 {
        fleet
            .cluster(&format!("graph-{index}"), "neptune", None)
            .await;
    }
    // Listing instances never answers: the deadline cuts the call short, so
    // no call outlives the time left, and what the other listings brought in
    // the meantime (the clusters and their snapshots) is judged and written.
    moto.fault(json!({"service": "rds", "operation": "DescribeDBInstances", "delay_seconds": 600, "count": 1}));
    let rule = Rule::new(&sdk_config);
    moto.register_rule(rule_scope());
    let event = sweep_event("token-1");
    let margin = std::time::Duration::from_secs(3);
    let deadline = Deadline::at(std::time::SystemTime::now() + margin + BEYOND_ANY_REAL_WORK)
        .with_margin(margin);
    let error = unless_hung(
        "the sweep",
        lambda_with(&rule, &event, deadline, RetryPolicy::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(
        moto.in_flight(),
        (1, 1),
        "the listing was cut, not answered: it still sleeps in the server"
    );
    assert_eq!(error.error_type(), "DeadlineExceeded");
    let message = error.to_string();
    assert!(
        message.contains("stopped listing DB instances"),
        "{message}"
    );
    assert!(message.contains("6 evaluation(s) written"), "{message}");
    assert!(
        message.contains("stale results were not cleared"),
        "{message}"
    );
    assert_eq!(moto.written().len(), 6, "{:?}", moto.written());
}

#[tokio::test]
async fn describe_key_timeouts_are_bounded_and_fail_loudly() {
    let moto = Moto::start();
    let sdk_config = moto
        .sdk_config()
        .await
        .into_builder()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(std::time::Duration::from_millis(300))
                .build(),
        )
        .build();
    let rule = Rule::new(&sdk_config);
    let cluster = Cluster {
        identifier: "graph-slow-key".into(),
        resource_id: "cluster-SLOW".into(),
    };
    let key = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    // DescribeKey never answers: every attempt times out.
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "delay_seconds": 600, "count": "unlimited"}));
    let event = envelope(
        cluster_change(&cluster, "neptune", Some(&key)),
        "{}",
        "token-1",
        false,
    );
    let error = unless_hung("the change", lambda(&rule, &event))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "RetryableAwsError", "{error}");
    assert!(
        error.to_string().contains("kms:DescribeKey failed for"),
        "{error}"
    );
    assert!(
        error.to_string().contains("timeout"),
        "the attempt timed out: {error}"
    );
    // Bounded: at most the SDK's three attempts reached the server.
    assert!((1..=3).contains(&moto.calls("kms:DescribeKey")));
    assert!(
        moto.put_calls().is_empty(),
        "nothing written for an unjudged resource"
    );
}

#[tokio::test]
async fn moto_stopped_mid_sweep_reports_what_was_not_written() {
    let mut moto = Moto::start();
    let sdk_config = moto.sdk_config().await;
    let fleet = Fleet::new(&sdk_config);
    for index in 0..130 {
        fleet
            .cluster(&format!("graph-{index:03}"), "neptune", None)
            .await;
    }
    moto.control(
        "POST",
        "result_tokens",
        Some(json!({"resultToken": "token-1", "configRuleName": RULE_NAME})),
    );
    // Listing snapshots never answers, and the server dies while it waits.
    moto.fault(json!({"service": "rds", "operation": "DescribeDBClusterSnapshots", "delay_seconds": 600, "count": 1}));
    let rule = Rule::new(&sdk_config);
    moto.register_rule(rule_scope());
    let event = sweep_event("token-1");
    let sweep =
        tokio::spawn(
            async move { lambda_with(&rule, &event, Deadline::none(), fast_retry()).await },
        );
    // Every cluster is judged while the snapshot listing waits: the first
    // full batch is written in the background, 30 wait for the next one.
    unless_hung("the first batch", async {
        while moto.written().len() < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(moto.written().len(), 100);
    assert_eq!(moto.in_flight(), (1, 1), "the snapshot listing still waits");
    moto.stop();
    let error = unless_hung("the sweep", sweep).await.unwrap().unwrap_err();
    // The 30 judged-but-queued evaluations could not be flushed: the error says so.
    assert_eq!(error.error_type(), "PutEvaluationsFailed", "{error}");
    assert!(
        error
            .to_string()
            .contains("30 evaluation(s) not written (100 written before)"),
        "{error}"
    );
}

#[tokio::test]
async fn desired_level_and_allow_list_through_the_handler() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-levels", "neptune", key.arn()).await;
    let change = || cluster_change(&cluster, "neptune", key.arn());
    let other_key =
        format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/99999999-0000-0000-0000-000000000000");
    let cases = [
        (
            r#"{"desiredEncryptionLevel":"EXTERNAL"}"#.to_owned(),
            "NON_COMPLIANT",
            "below desiredEncryptionLevel EXTERNAL",
        ),
        (
            format!(r#"{{"allowedKmsKeyArns":"{other_key}"}}"#),
            "NON_COMPLIANT",
            "not in allowedKmsKeyArns",
        ),
        (
            format!(
                r#"{{"allowedKmsKeyArns":"{other_key},{}"}}"#,
                key.arn().unwrap()
            ),
            "COMPLIANT",
            "customer managed key",
        ),
    ];
    for (parameters, compliance, fragment) in cases {
        lambda(&rule, &envelope(change(), &parameters, "token-1", false))
            .await
            .unwrap();
        let (_, _, written_compliance, annotation) = moto.written().last().unwrap().clone();
        assert_eq!(written_compliance, compliance, "{parameters}: {annotation}");
        assert!(annotation.contains(fragment), "{parameters}: {annotation}");
    }
}
