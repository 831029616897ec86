//! Verdicts that are never stale (issue #11): a key change re-judges what
//! the key encrypts; one bad resource, a failed lookup or the deadline never
//! loses what was judged; TESTMODE and tag-scoped sweeps; lenient fields.

use neptune_cmk_rule::writer::RetryPolicy;
use neptune_cmk_rule::{Deadline, Rule};
use serde_json::{json, Value};

use crate::harness::*;
use crate::{lambda, lambda_with, unless_hung, BEYOND_ANY_REAL_WORK};

struct Setup {
    moto: Moto,
    rule: Rule,
    fleet: Fleet,
}

async fn setup() -> Setup {
    let moto = Moto::start();
    let sdk_config = moto.sdk_config().await;
    moto.register_rule(rule_scope());
    moto.control(
        "POST",
        "result_tokens",
        Some(json!({"resultToken": "token-1", "configRuleName": RULE_NAME})),
    );
    Setup {
        rule: Rule::new(&sdk_config),
        fleet: Fleet::new(&sdk_config),
        moto,
    }
}

/// The latest verdict written for each resource id, with its annotation.
fn verdicts(moto: &Moto) -> std::collections::HashMap<String, (String, String)> {
    moto.written()
        .into_iter()
        .map(|(_, id, compliance, annotation)| (id, (compliance, annotation)))
        .collect()
}

fn verdict(moto: &Moto, resource_id: &str) -> String {
    verdicts(moto)
        .get(resource_id)
        .map(|(compliance, _)| compliance.clone())
        .unwrap_or_else(|| panic!("no verdict for {resource_id}: {:#?}", moto.written()))
}

/// Every snapshot (manual and moto's automated one) of `cluster`.
async fn snapshots_of(fleet: &Fleet, cluster: &str) -> Vec<String> {
    fleet
        .neptune
        .describe_db_cluster_snapshots()
        .db_cluster_identifier(cluster)
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots()
        .iter()
        .map(|snapshot| {
            snapshot
                .db_cluster_snapshot_identifier()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn disabling_then_enabling_a_key_flips_everything_it_encrypts() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let other_key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-keyed", "neptune", key.arn()).await;
    let instance = fleet.instance("graph-keyed-1", "graph-keyed").await;
    fleet.snapshot("graph-keyed-manual", "graph-keyed").await;
    let bystander = fleet
        .cluster("graph-other", "neptune", other_key.arn())
        .await;
    let snapshots = snapshots_of(&fleet, "graph-keyed").await;
    assert_eq!(snapshots.len(), 2, "manual and automated: {snapshots:?}");
    moto.reset_calls();

    fleet.set_key_state(&key, "Disabled").await;
    let disabled = key_change(&key, "Disabled", "OK", "2030-02-01T10:00:00.000Z");
    let (outcome, _) = lambda(&rule, &envelope(disabled, "{}", "token-1", false))
        .await
        .unwrap();
    assert_eq!(
        moto.calls("kms:DescribeKey"),
        0,
        "the key item carries its state"
    );
    assert_eq!(
        (outcome.non_compliant, outcome.not_applicable),
        (4, 1),
        "{outcome:?}"
    );
    for id in [&cluster.resource_id, &instance]
        .into_iter()
        .chain(snapshots.iter())
    {
        assert_eq!(verdict(&moto, id), "NON_COMPLIANT", "{id}");
    }
    let (_, annotation) = &verdicts(&moto)[&instance];
    assert!(
        annotation.starts_with("its cluster graph-keyed is encrypted with customer managed key")
            && annotation.contains("which is Disabled, not Enabled"),
        "{annotation}"
    );
    assert_eq!(verdict(&moto, key.key_id()), "NOT_APPLICABLE");
    assert!(!verdicts(&moto).contains_key(&bystander.resource_id));
    let stamps: Vec<Value> = moto.put_calls()[0]["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|evaluation| evaluation["OrderingTimestamp"].clone())
        .collect();
    assert!(
        stamps
            .iter()
            .all(|stamp| stamp.as_f64() == Some(1_896_170_400.0)),
        "the key item's capture time orders every evaluation: {stamps:?}"
    );

    fleet.set_key_state(&key, "Enabled").await;
    let enabled = key_change(&key, "Enabled", "OK", "2030-02-01T11:00:00.000Z");
    lambda(&rule, &envelope(enabled, "{}", "token-1", false))
        .await
        .unwrap();
    for id in [&cluster.resource_id, &instance]
        .into_iter()
        .chain(snapshots.iter())
    {
        assert_eq!(verdict(&moto, id), "COMPLIANT", "{id}");
    }
}

#[tokio::test]
async fn a_deleted_key_leaves_its_data_unreadable() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-doomed", "neptune", key.arn()).await;
    let deleted = key_change(&key, "", "ResourceDeleted", "2030-03-01T00:00:00.000Z");
    lambda(&rule, &envelope(deleted, "{}", "token-1", false))
        .await
        .unwrap();
    let (compliance, annotation) = &verdicts(&moto)[&cluster.resource_id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.contains("which was not found"), "{annotation}");
}

#[tokio::test]
async fn aws_managed_and_unused_keys_cost_at_most_one_pass() {
    let Setup { moto, rule, fleet } = setup().await;
    let aws_rds = fleet.aws_rds_key().await;
    fleet
        .cluster("graph-default", "neptune", aws_rds.arn())
        .await;
    moto.reset_calls();
    let aws_managed = key_change(&aws_rds, "Enabled", "OK", "2030-03-01T00:00:00.000Z");
    lambda(&rule, &envelope(aws_managed, "{}", "token-1", false))
        .await
        .unwrap();
    let calls = moto.control("GET", "calls", None);
    let listings: Vec<&String> = calls
        .as_object()
        .unwrap()
        .keys()
        .filter(|name| name.starts_with("rds:"))
        .collect();
    assert!(
        listings.is_empty(),
        "an AWS managed key lists nothing: {calls}"
    );
    assert_eq!(verdict(&moto, aws_rds.key_id()), "NOT_APPLICABLE");

    let unused = fleet.customer_key().await;
    moto.reset_calls();
    let change = key_change(&unused, "Disabled", "OK", "2030-03-01T00:00:00.000Z");
    lambda(&rule, &envelope(change, "{}", "token-1", false))
        .await
        .unwrap();
    assert_eq!(moto.calls("rds:DescribeDBClusters"), 1);
    assert_eq!(moto.calls("rds:DescribeDBClusterSnapshots"), 1);
    assert_eq!(
        moto.calls("rds:DescribeDBInstances"),
        0,
        "no cluster uses the key, so no instance can"
    );
    assert_eq!(moto.calls("kms:DescribeKey"), 0);
}

#[tokio::test]
async fn an_unparseable_record_does_not_stop_the_sweep() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let good = fleet.cluster("graph-good", "neptune", key.arn()).await;
    let broken = fleet.cluster("graph-broken", "neptune", key.arn()).await;
    let plain = fleet.cluster("graph-plain", "neptune", None).await;
    moto.override_record("cluster", "graph-broken", json!({"KmsKeyId": "not a key"}));
    moto.control(
        "POST",
        "compliance",
        Some(json!({"configRuleName": RULE_NAME, "results": [
            {"resourceType": "AWS::RDS::DBCluster", "resourceId": "cluster-VANISHED", "complianceType": "COMPLIANT"},
            {"resourceType": "AWS::RDS::DBCluster", "resourceId": broken.resource_id, "complianceType": "COMPLIANT"},
        ]})),
    );
    let error = lambda(&rule, &sweep_event("token-1")).await.unwrap_err();
    assert_eq!(error.error_type(), "ResourcesNotJudged", "{error}");
    let message = error.to_string();
    assert!(
        message.contains("1 resource(s) could not be judged: AWS::RDS::DBCluster graph-broken")
            && message.contains("\"not a key\""),
        "{message}"
    );
    assert_eq!(verdict(&moto, &good.resource_id), "COMPLIANT");
    assert_eq!(verdict(&moto, &plain.resource_id), "NON_COMPLIANT");
    assert_eq!(
        verdict(&moto, "cluster-VANISHED"),
        "NOT_APPLICABLE",
        "stale cleanup still ran"
    );
    assert!(
        !verdicts(&moto).contains_key(&broken.resource_id),
        "the unjudged resource keeps its earlier verdict: not stale"
    );
}

#[tokio::test]
async fn a_key_that_cannot_be_described_does_not_stop_the_sweep() {
    let Setup { moto, rule, fleet } = setup().await;
    let good_key = fleet.customer_key().await;
    let flaky_key = fleet.customer_key().await;
    let good = fleet.cluster("graph-good", "neptune", good_key.arn()).await;
    let flaky = fleet
        .cluster("graph-flaky", "neptune", flaky_key.arn())
        .await;
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "error_code": "ThrottlingException", "message": "Rate exceeded", "count": "unlimited", "match": {"params": {"KeyId": flaky_key.arn().unwrap()}}}));
    let error = lambda(&rule, &sweep_event("token-1")).await.unwrap_err();
    assert_eq!(error.error_type(), "ResourcesNotJudged");
    assert!(error.to_string().contains("graph-flaky"), "{error}");
    assert!(error.to_string().contains("ThrottlingException"), "{error}");
    assert_eq!(verdict(&moto, &good.resource_id), "COMPLIANT");
    assert!(!verdicts(&moto).contains_key(&flaky.resource_id));
}

#[tokio::test]
async fn a_key_policy_that_denies_describe_is_judged_not_failed() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-locked", "neptune", key.arn()).await;
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "error_code": "AccessDeniedException", "count": "unlimited", "match": {"params": {"KeyId": key.arn().unwrap()}}}));
    lambda(&rule, &sweep_event("token-1")).await.unwrap();
    let (compliance, annotation) = &verdicts(&moto)[&cluster.resource_id];
    assert_eq!(compliance, "COMPLIANT");
    assert!(
        annotation.contains("the key policy denies DescribeKey"),
        "{annotation}"
    );

    // Without kms:DescribeKey at all (the probe of aws/rds is denied too),
    // the resource cannot be judged, and the invocation says which permission.
    moto.control("DELETE", "faults", None);
    moto.fault(json!({"service": "kms", "operation": "DescribeKey", "error_code": "AccessDeniedException", "count": "unlimited"}));
    let error = lambda(&rule, &sweep_event("token-1")).await.unwrap_err();
    assert_eq!(error.error_type(), "ResourcesNotJudged");
    assert!(
        error.to_string().contains("grant kms:DescribeKey"),
        "{error}"
    );
}

#[tokio::test]
async fn a_failed_cluster_lookup_does_not_stop_the_sweep() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("graph-plain", "neptune", None).await;
    let orphan = fleet.instance("graph-plain-1", "graph-plain").await;
    // The instance names a cluster the listing never saw, and looking it up fails.
    moto.override_record(
        "instance",
        "graph-plain-1",
        json!({"DBClusterIdentifier": "ghost"}),
    );
    moto.fault(json!({"service": "rds", "operation": "DescribeDBClusters", "error_code": "InternalFailure", "status": 500, "count": "unlimited", "match": {"params": {"DBClusterIdentifier": "ghost"}}}));
    let error = lambda_with(&rule, &sweep_event("token-1"), Deadline::none(), fast())
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "ResourcesNotJudged");
    assert!(
        error
            .to_string()
            .contains("AWS::RDS::DBInstance graph-plain-1"),
        "{error}"
    );
    assert_eq!(verdict(&moto, &cluster.resource_id), "NON_COMPLIANT");
    assert!(!verdicts(&moto).contains_key(&orphan));
}

#[tokio::test]
async fn a_failed_stale_lookup_writes_every_verdict_first() {
    let Setup { moto, rule, fleet } = setup().await;
    for index in 0..3 {
        fleet
            .cluster(&format!("graph-{index}"), "neptune", None)
            .await;
    }
    moto.fault(json!({"service": "config", "operation": "GetComplianceDetailsByConfigRule", "error_code": "AccessDeniedException", "count": "unlimited"}));
    let error = lambda(&rule, &sweep_event("token-1")).await.unwrap_err();
    assert_eq!(error.error_type(), "AwsError", "{error}");
    let message = error.to_string();
    assert!(
        message.contains("config:GetComplianceDetailsByConfigRule failed"),
        "{message}"
    );
    assert!(message.contains("6 evaluation(s) written"), "{message}");
    assert!(
        message.contains("stale results were not cleared"),
        "{message}"
    );
    assert_eq!(
        moto.written().len(),
        6,
        "3 clusters and their automated snapshots"
    );
}

#[tokio::test]
async fn a_failed_listing_still_writes_the_other_listings() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("graph-plain", "neptune", None).await;
    let instance = fleet.instance("graph-plain-1", "graph-plain").await;
    moto.fault(json!({"service": "rds", "operation": "DescribeDBInstances", "error_code": "AccessDenied", "status": 403, "count": "unlimited"}));
    moto.control(
        "POST",
        "compliance",
        Some(json!({"configRuleName": RULE_NAME, "results": [
            {"resourceType": "AWS::RDS::DBInstance", "resourceId": instance, "complianceType": "NON_COMPLIANT"},
        ]})),
    );
    let error = lambda(&rule, &sweep_event("token-1")).await.unwrap_err();
    assert!(
        error.to_string().contains("rds:DescribeDBInstances failed"),
        "{error}"
    );
    assert!(
        error.to_string().contains("stale results were not cleared"),
        "{error}"
    );
    assert_eq!(verdict(&moto, &cluster.resource_id), "NON_COMPLIANT");
    assert!(
        !verdicts(&moto).contains_key(&instance),
        "an unlisted instance is never taken for a vanished one"
    );
    assert_eq!(moto.written().len(), 2, "the cluster and its snapshot");
}

#[tokio::test]
async fn a_testmode_sweep_needs_no_rule() {
    let Setup { moto, rule, fleet } = setup().await;
    let cluster = fleet.cluster("graph-plain", "neptune", None).await;
    let mut event = sweep_event("TESTMODE");
    event.config_rule_name = Some("placeholder-rule-name".to_owned());
    let (outcome, writer) = lambda(&rule, &event).await.unwrap();
    assert!(writer.test_mode());
    assert_eq!(outcome.stale_removed, 0);
    assert_eq!(verdict(&moto, &cluster.resource_id), "NON_COMPLIANT");
    assert!(moto.put_calls().iter().all(|call| call["testMode"] == true));
    assert_eq!(
        moto.calls("config:GetComplianceDetailsByConfigRule"),
        0,
        "TestMode results are never stored, so nothing is stale"
    );
}

#[tokio::test]
async fn a_tag_scoped_sweep_judges_only_what_config_would_send() {
    let Setup { moto, rule, fleet } = setup().await;
    moto.register_rule(json!({"TagKey": "team", "TagValue": "graph"}));
    let tagged = fleet.cluster("graph-team", "neptune", None).await;
    fleet
        .tag(&fleet.cluster_arn("graph-team").await, "team", "graph")
        .await;
    let untagged = fleet.cluster("graph-elsewhere", "neptune", None).await;
    moto.control(
        "POST",
        "compliance",
        Some(json!({"configRuleName": RULE_NAME, "results": [
            {"resourceType": "AWS::RDS::DBCluster", "resourceId": untagged.resource_id, "complianceType": "NON_COMPLIANT"},
        ]})),
    );
    lambda(&rule, &sweep_event("token-1")).await.unwrap();
    assert_eq!(verdict(&moto, &tagged.resource_id), "NON_COMPLIANT");
    let (compliance, annotation) = &verdicts(&moto)[&untagged.resource_id];
    assert_eq!(
        compliance, "NOT_APPLICABLE",
        "left the scope: no daily flip"
    );
    assert_eq!(annotation, "outside the rule's scope (tag team=graph)");
    assert!(moto.calls("rds:ListTagsForResource") >= 2);
    let judged: Vec<String> = moto.written().into_iter().map(|(_, id, _, _)| id).collect();
    assert_eq!(
        judged.len(),
        2,
        "the tagged cluster and the stale untagged one: {judged:?}"
    );
}

#[tokio::test]
async fn the_deadline_is_honoured_inside_a_page() {
    let Setup { moto, rule, fleet } = setup().await;
    fleet.cluster("graph-a", "neptune", None).await;
    for index in 1..=3 {
        fleet.instance(&format!("graph-a-{index}"), "graph-a").await;
    }
    // The third instance names a cluster the listing never saw; looking it
    // up never answers, and the call is cut at the deadline, inside the page.
    moto.override_record(
        "instance",
        "graph-a-3",
        json!({"DBClusterIdentifier": "ghost"}),
    );
    moto.fault(json!({"service": "rds", "operation": "DescribeDBClusters", "delay_seconds": 600, "count": "unlimited", "match": {"params": {"DBClusterIdentifier": "ghost"}}}));
    let margin = std::time::Duration::from_secs(3);
    let deadline = Deadline::at(std::time::SystemTime::now() + margin + BEYOND_ANY_REAL_WORK)
        .with_margin(margin);
    let error = unless_hung(
        "the sweep",
        lambda_with(
            &rule,
            &sweep_event("token-1"),
            deadline,
            RetryPolicy::default(),
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(moto.in_flight(), (1, 1), "the lookup was cut, not answered");
    assert_eq!(error.error_type(), "DeadlineExceeded");
    let message = error.to_string();
    assert!(
        message.contains("stopped describing a DB cluster"),
        "{message}"
    );
    // The cluster and the two instances judged before the hang, and the
    // cluster's snapshot if its page was taken before the instances' (the
    // order in which the two listings answer): all written.
    let written = moto.written();
    let ids: Vec<&str> = written.iter().map(|(_, id, _, _)| id.as_str()).collect();
    assert!((3..=4).contains(&ids.len()), "{ids:?}");
    assert!(
        message.contains(&format!("{} evaluation(s) written", ids.len())),
        "{message}"
    );
    assert_eq!(
        written
            .iter()
            .filter(|(kind, ..)| kind == "AWS::RDS::DBInstance")
            .count(),
        2
    );
}

#[tokio::test]
async fn unused_fields_never_fail_a_change_event() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-good", "neptune", key.arn()).await;
    let mut notification = cluster_change(&cluster, "neptune", key.arn());
    // What RDK's test event template sends.
    notification["notificationCreationTime"] = "".into();
    notification["configurationItem"]["configurationStateId"] = json!({"n": 1});
    lambda(&rule, &envelope(notification, "{}", "token-1", false))
        .await
        .unwrap();
    assert_eq!(verdict(&moto, &cluster.resource_id), "COMPLIANT");
}

#[tokio::test]
async fn an_instance_is_judged_by_its_cluster_on_every_path() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    fleet.cluster("graph-good", "neptune", key.arn()).await;
    let instance = fleet.instance("graph-good-1", "graph-good").await;
    let mut item: Value =
        serde_json::from_str(crate::fixture!("items/instance-states-unencrypted.json")).unwrap();
    item["resourceId"] = instance.clone().into();
    item["configuration"]["dbiResourceId"] = instance.clone().into();
    item["configuration"]["dBClusterIdentifier"] = "graph-good".into();
    lambda(
        &rule,
        &envelope(change_notification(item), "{}", "token-1", false),
    )
    .await
    .unwrap();
    let from_change = verdicts(&moto)[&instance].clone();
    lambda(&rule, &sweep_event("token-1")).await.unwrap();
    let from_sweep = verdicts(&moto)[&instance].clone();
    assert_eq!(from_change.0, "COMPLIANT", "{from_change:?}");
    assert_eq!(from_change, from_sweep);
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        initial_backoff: std::time::Duration::from_millis(5),
        max_backoff: std::time::Duration::from_millis(5),
    }
}

#[tokio::test]
async fn an_oversized_key_item_is_fetched_and_rejudges_too() {
    let Setup { moto, rule, fleet } = setup().await;
    let key = fleet.customer_key().await;
    let cluster = fleet.cluster("graph-keyed", "neptune", key.arn()).await;
    fleet.set_key_state(&key, "PendingDeletion").await;
    let change = key_change(&key, "PendingDeletion", "OK", "2030-04-01T00:00:00.000Z");
    moto.control(
        "POST",
        "config_history",
        Some(json!({"resourceType": "AWS::KMS::Key", "resourceId": key.key_id(), "item": history_style(&change["configurationItem"])})),
    );
    let mut invoking_event: Value =
        serde_json::from_str(crate::fixture!("events/oversized-cluster.json")).unwrap();
    let mut inner: Value =
        serde_json::from_str(invoking_event["invokingEvent"].as_str().unwrap()).unwrap();
    let summary = &mut inner["configurationItemSummary"];
    summary["resourceType"] = "AWS::KMS::Key".into();
    summary["resourceId"] = key.key_id().into();
    summary["ARN"] = key.arn().unwrap().into();
    summary["configurationItemCaptureTime"] = "2030-04-01T00:00:00.000Z".into();
    invoking_event["invokingEvent"] = inner.to_string().into();
    let event = serde_json::from_value(invoking_event).unwrap();
    lambda(&rule, &event).await.unwrap();
    assert_eq!(moto.calls("config:GetResourceConfigHistory"), 1);
    let (compliance, annotation) = &verdicts(&moto)[&cluster.resource_id];
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains("which is PendingDeletion, not Enabled"),
        "{annotation}"
    );
}
