//! `neptune-cmk remediate apply` end to end against the patched moto server:
//! each migration path ends with a new cluster the rule itself judges
//! COMPLIANT, with the same instances, and the source exactly as it was.
//! New resources report `creating` for a few describes (`POST transitions`),
//! so every wait really polls.

use aws_config::SdkConfig;
use aws_sdk_kms::types::KeyMetadata;
use aws_sdk_neptune::types::{DbInstance, Filter, ServerlessV2ScalingConfiguration, Tag};
use neptune_cmk_evaluator::{Compliance, RuleParameters, Timestamp};
use neptune_cmk_rule::fact_cache::FactCache;
use neptune_cmk_rule::records::{cluster_resource, instance_resource, Origin};
use neptune_cmk_rule::Clients;
use neptune_cmk_testing::*;
use serde_json::json;

use crate::{command, neptune_cmk, neptune_cmk_with_stdin, stderr, stdout};

mod resume;

/// Describes a new resource answers `creating` before it is available.
const DESCRIBES_UNTIL_AVAILABLE: u64 = 3;

/// `remediate apply --yes` with fast polls and a test-sized timeout
/// (unless `extra` sets one).
fn apply(moto: &Moto, cluster: &str, key: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "remediate",
        "apply",
        "--cluster",
        cluster,
        "--kms-key",
        key,
        "--yes",
        "--poll-interval",
        "20ms",
    ];
    if !extra.contains(&"--wait-timeout") {
        args.extend(["--wait-timeout", "60s"]);
    }
    args.extend(extra);
    neptune_cmk(moto, &args)
}

/// After seeding: new resources answer `creating` for `describes`
/// describes, and the call counts start from zero.
fn slow_creation(moto: &Moto, describes: u64) {
    moto.control(
        "POST",
        "transitions",
        Some(json!({ "describes_until_available": describes })),
    );
    moto.reset_calls();
}

/// A customer managed key with the alias `alias/graph-target`.
async fn target_key(fleet: &Fleet) -> KeyMetadata {
    let key = fleet.customer_key().await;
    fleet
        .kms
        .create_alias()
        .alias_name("alias/graph-target")
        .target_key_id(key.key_id())
        .send()
        .await
        .unwrap();
    key
}

/// Waits for `event`, which the launcher reports (`condition` asks it). The
/// bound only turns a hang into a failure naming what never happened.
async fn until(event: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..12_000 {
        if condition() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("{event} never happened");
}

/// Wakes the one AWS call the launcher holds in a fault's delay.
fn release_the_held_call(moto: &Moto) {
    let released = moto.control("POST", "latency/release", None);
    assert_eq!(released["released"], 1, "{released}");
}

/// `remediate apply` of `cluster` onto `key`, named by its alias, with the
/// key disabled at a known point: after the new cluster was made with it,
/// before the Verify step describes it. The launcher holds the first
/// DescribeKey by the key's ARN, which is Verify's, because the plan
/// describes the key by its alias; the key is disabled while that call is
/// held, and the call then goes on. No step depends on how long anything
/// takes (the hold lasts milliseconds, well inside the CLI's 5 s attempt
/// timeout).
async fn apply_disabling_the_key_before_verify(
    moto: &Moto,
    fleet: &Fleet,
    key: &KeyMetadata,
    cluster: &str,
) -> std::process::Output {
    let arn = key.arn().unwrap();
    moto.fault(json!({
        "service": "kms",
        "operation": "DescribeKey",
        "match": {"params": {"KeyId": arn}},
        "delay_seconds": 600,
    }));
    let child = command(moto, &["remediate", "apply", "--cluster", cluster])
        .args(["--kms-key", "alias/graph-target", "--yes"])
        .args(["--poll-interval", "20ms", "--wait-timeout", "60s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    until("Verify's DescribeKey held in the launcher", || {
        let queued = moto.control("GET", "faults", None);
        queued.as_array().is_some_and(Vec::is_empty) && moto.in_flight().1 == 1
    })
    .await;
    assert_eq!(
        moto.calls("rds:RestoreDBClusterToPointInTime"),
        1,
        "the clone was made before Verify"
    );
    fleet
        .kms
        .disable_key()
        .key_id(key.key_id())
        .send()
        .await
        .unwrap();
    release_the_held_call(moto);
    child.wait_with_output().unwrap()
}

/// An instance with everything `apply` must carry over.
async fn instance(fleet: &Fleet, id: &str, cluster: &str, class: &str, zone: &str, tier: i32) {
    fleet
        .neptune
        .create_db_instance()
        .db_instance_identifier(id)
        .db_cluster_identifier(cluster)
        .engine("neptune")
        .db_instance_class(class)
        .availability_zone(zone)
        .promotion_tier(tier)
        .tags(
            Tag::builder()
                .key("role")
                .value(format!("{id} in {zone}"))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn instances_of(fleet: &Fleet, cluster: &str) -> Vec<DbInstance> {
    let filter = Filter::builder()
        .name("db-cluster-id")
        .values(cluster)
        .build();
    let output = fleet
        .neptune
        .describe_db_instances()
        .filters(filter)
        .send()
        .await;
    let mut instances = output.unwrap().db_instances.unwrap_or_default();
    instances.sort_by(|a, b| a.db_instance_identifier.cmp(&b.db_instance_identifier));
    instances
}

async fn tags_of(fleet: &Fleet, arn: &str) -> Vec<(String, String)> {
    let output = fleet
        .neptune
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await;
    let mut tags: Vec<(String, String)> = output
        .unwrap()
        .tag_list()
        .iter()
        .map(|tag| {
            (
                tag.key().unwrap().to_owned(),
                tag.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    tags.sort();
    tags
}

/// Everything DescribeDB* and ListTagsForResource say about the source,
/// except the clock-driven LatestRestorableTime and the migration snapshot
/// `apply` takes of it.
async fn source_state(fleet: &Fleet, cluster: &str) -> String {
    let output = fleet
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier(cluster)
        .send()
        .await;
    let mut record = output.unwrap().db_clusters.unwrap().remove(0);
    record.latest_restorable_time = None;
    let mut instances = instances_of(fleet, cluster).await;
    let mut instance_tags = Vec::new();
    for instance in &mut instances {
        instance.latest_restorable_time = None;
        instance_tags.push(tags_of(fleet, instance.db_instance_arn().unwrap()).await);
    }
    let snapshots = fleet
        .neptune
        .describe_db_cluster_snapshots()
        .db_cluster_identifier(cluster)
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots
        .unwrap_or_default();
    let snapshots: Vec<_> = snapshots
        .into_iter()
        .filter(|snapshot| {
            !snapshot
                .db_cluster_snapshot_identifier()
                .unwrap()
                .ends_with("-cmk-migration")
        })
        .collect();
    let tags = tags_of(fleet, record.db_cluster_arn().unwrap()).await;
    format!("{record:#?}\n{instances:#?}\n{instance_tags:?}\n{snapshots:#?}\n{tags:?}")
}

/// The rule's own verdicts on a cluster and its instances, with default
/// parameters: what Config would show.
async fn rule_verdicts(config: &SdkConfig, cluster: &str) -> Vec<(String, Compliance, String)> {
    let clients = Clients::new(config);
    let origin = Origin {
        account_id: ACCOUNT,
        region: Some(REGION),
        ordering_timestamp: Timestamp::from_epoch_millis(0),
    };
    let output = clients
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier(cluster)
        .send()
        .await;
    let record = output.unwrap().db_clusters.unwrap().remove(0);
    let mut resources = vec![cluster_resource(&record, &origin).unwrap().unwrap()];
    for instance in instances_of(&Fleet::new(config), cluster).await {
        resources.push(instance_resource(&instance, &origin).unwrap().unwrap());
    }
    let mut cache = FactCache::default();
    let mut verdicts = Vec::new();
    for resource in resources {
        let name = resource.subject.identifier.clone().unwrap();
        let judgement = cache
            .judge_resource(&clients, resource, &RuleParameters::default())
            .await;
        let evaluation = judgement.unwrap().evaluation;
        verdicts.push((
            name,
            evaluation.compliance(),
            evaluation.annotation.as_str().to_owned(),
        ));
    }
    verdicts
}

/// The new cluster is COMPLIANT under the rule, encrypted with `key`, and
/// holds one instance per source instance with its class, zone, tier and
/// tags — and nothing more.
async fn assert_migrated(moto: &Moto, source: &str, key: &str) {
    let config = moto.sdk_config().await;
    let fleet = Fleet::new(&config);
    let new = format!("{source}-cmk");
    for (name, compliance, annotation) in rule_verdicts(&config, &new).await {
        assert_eq!(compliance, Compliance::Compliant, "{name}: {annotation}");
        assert!(annotation.contains(key), "{name}: {annotation}");
    }
    let old = instances_of(&fleet, source).await;
    let copies = instances_of(&fleet, &new).await;
    assert_eq!(
        copies.len(),
        old.len(),
        "one copy per instance: {copies:#?}"
    );
    for (old, copy) in old.iter().zip(&copies) {
        let expected = format!("{}-cmk", old.db_instance_identifier().unwrap());
        assert_eq!(copy.db_instance_identifier(), Some(expected.as_str()));
        assert_eq!(copy.db_instance_class(), old.db_instance_class());
        assert_eq!(copy.availability_zone(), old.availability_zone());
        assert_eq!(copy.promotion_tier(), old.promotion_tier());
        assert_eq!(
            tags_of(&fleet, copy.db_instance_arn().unwrap()).await,
            tags_of(&fleet, old.db_instance_arn().unwrap()).await
        );
    }
}

fn assert_polled_and_printed_cut_over(output: &std::process::Output, source: &str) {
    let text = stdout(output);
    assert_eq!(output.status.code(), Some(0), "{text}\n{}", stderr(output));
    let polls = format!("{} status checks", DESCRIBES_UNTIL_AVAILABLE + 1);
    assert!(
        text.contains(&polls),
        "waits should poll until available:\n{text}"
    );
    assert!(
        text.contains("Done: the new cluster is verified COMPLIANT"),
        "{text}"
    );
    assert!(
        text.contains("Cut over: point applications at the new endpoints"),
        "{text}"
    );
    let delete = format!("delete-db-cluster --region us-east-1 --db-cluster-identifier {source}");
    assert!(text.contains(&delete), "{text}");
}

fn assert_source_never_written(moto: &Moto) {
    for operation in [
        "DeleteDBCluster",
        "DeleteDBInstance",
        "DeleteDBClusterSnapshot",
        "ModifyDBInstance",
    ] {
        assert_eq!(moto.calls(&format!("rds:{operation}")), 0, "{operation}");
    }
}

#[tokio::test]
async fn unencrypted_cluster_is_restored_onto_the_key() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    fleet.cluster("graph-plain", "neptune", None).await;
    instance(
        &fleet,
        "graph-plain-1",
        "graph-plain",
        "db.r6g.large",
        "us-east-1b",
        1,
    )
    .await;
    instance(
        &fleet,
        "graph-plain-2",
        "graph-plain",
        "db.r6g.xlarge",
        "us-east-1c",
        2,
    )
    .await;
    fleet.snapshot("graph-plain-manual", "graph-plain").await;
    let before = source_state(&fleet, "graph-plain").await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);

    let output = apply(&moto, "graph-plain", key, &[]);

    assert_polled_and_printed_cut_over(&output, "graph-plain");
    assert_migrated(&moto, "graph-plain", key).await;
    assert_eq!(source_state(&fleet, "graph-plain").await, before);
    assert_eq!(moto.calls("rds:CreateDBClusterSnapshot"), 1);
    assert_eq!(moto.calls("rds:RestoreDBClusterFromSnapshot"), 1);
    assert_eq!(moto.calls("rds:RestoreDBClusterToPointInTime"), 0);
    assert_source_never_written(&moto);
}

#[tokio::test]
async fn aws_managed_cluster_is_cloned_onto_the_key() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    let aws_rds = fleet.aws_rds_key().await;
    fleet.cluster("graph-aws", "neptune", aws_rds.arn()).await;
    instance(
        &fleet,
        "graph-aws-1",
        "graph-aws",
        "db.r6g.large",
        "us-east-1a",
        0,
    )
    .await;
    let before = source_state(&fleet, "graph-aws").await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);

    let output = apply(&moto, "graph-aws", key, &[]);

    assert_polled_and_printed_cut_over(&output, "graph-aws");
    assert_migrated(&moto, "graph-aws", key).await;
    assert_eq!(source_state(&fleet, "graph-aws").await, before);
    assert_eq!(moto.calls("rds:RestoreDBClusterToPointInTime"), 1);
    assert_eq!(moto.calls("rds:CreateDBClusterSnapshot"), 0);
    assert_source_never_written(&moto);
}

/// A serverless, I/O-Optimized cluster with every setting a restore must
/// carry: `db.serverless` instances need the scaling configuration.
async fn serverless_cluster(fleet: &Fleet) -> Vec<(String, String)> {
    let tags = vec![
        ("cost center".to_owned(), "graph \"prod\"".to_owned()),
        ("owner".to_owned(), "it's ops".to_owned()),
    ];
    let scaling = ServerlessV2ScalingConfiguration::builder()
        .min_capacity(1.0)
        .max_capacity(8.5)
        .build();
    let mut request = fleet
        .neptune
        .create_db_cluster()
        .db_cluster_identifier("graph-serverless")
        .engine("neptune")
        .storage_encrypted(true)
        .serverless_v2_scaling_configuration(scaling)
        .storage_type("iopt1")
        .copy_tags_to_snapshot(true)
        .enable_iam_database_authentication(true)
        .enable_cloudwatch_logs_exports("audit")
        .deletion_protection(true);
    for (key, value) in &tags {
        request = request.tags(Tag::builder().key(key).value(value).build());
    }
    request.send().await.unwrap();
    instance(
        fleet,
        "graph-serverless-1",
        "graph-serverless",
        "db.serverless",
        "us-east-1a",
        0,
    )
    .await;
    instance(
        fleet,
        "graph-serverless-2",
        "graph-serverless",
        "db.serverless",
        "us-east-1b",
        1,
    )
    .await;
    tags
}

#[tokio::test]
async fn serverless_cluster_keeps_every_setting() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    let mut tags = serverless_cluster(&fleet).await;
    tags.sort();
    let before = source_state(&fleet, "graph-serverless").await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);

    let output = apply(&moto, "graph-serverless", key, &[]);

    assert_polled_and_printed_cut_over(&output, "graph-serverless");
    assert_migrated(&moto, "graph-serverless", key).await;
    assert_eq!(source_state(&fleet, "graph-serverless").await, before);
    let output = fleet
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier("graph-serverless-cmk")
        .send()
        .await;
    let new = output.unwrap().db_clusters.unwrap().remove(0);
    let scaling = new.serverless_v2_scaling_configuration().unwrap();
    assert_eq!(
        (scaling.min_capacity(), scaling.max_capacity()),
        (Some(1.0), Some(8.5))
    );
    assert_eq!(new.storage_type(), Some("iopt1"));
    assert_eq!(
        new.copy_tags_to_snapshot(),
        Some(true),
        "set by the Modify step after the clone"
    );
    assert_eq!(new.iam_database_authentication_enabled(), Some(true));
    assert_eq!(new.enabled_cloudwatch_logs_exports(), ["audit"]);
    assert_eq!(new.deletion_protection(), Some(true));
    assert_eq!(tags_of(&fleet, new.db_cluster_arn().unwrap()).await, tags);
}

#[tokio::test]
async fn interrupted_apply_resumes_without_duplicates() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    fleet.cluster("graph-r", "neptune", None).await;
    instance(
        &fleet,
        "graph-r-1",
        "graph-r",
        "db.r6g.large",
        "us-east-1a",
        0,
    )
    .await;
    instance(
        &fleet,
        "graph-r-2",
        "graph-r",
        "db.r6g.large",
        "us-east-1b",
        1,
    )
    .await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);
    moto.fault(json!({
        "operation": "CreateDBInstance",
        "match": {"params": {"DBInstanceIdentifier": "graph-r-2-cmk"}},
        "error_code": "InsufficientDBInstanceCapacity",
        "message": "No capacity in us-east-1b",
    }));

    let first = apply(&moto, "graph-r", key, &[]);

    assert_eq!(first.status.code(), Some(2), "{}", stdout(&first));
    let report = stderr(&first);
    for expected in [
        "step 5 (Recreate the instances in the new cluster) failed",
        "rds:CreateDBInstance failed for graph-r-2-cmk: InsufficientDBInstanceCapacity",
        "graph-r was not changed",
        "  snapshot graph-r-cmk-migration\n  cluster graph-r-cmk\n  instance graph-r-1-cmk\n",
        "run the same command again",
        "delete-db-instance --region us-east-1 --db-instance-identifier graph-r-1-cmk",
        "delete-db-cluster-snapshot --region us-east-1 \\\n    --db-cluster-snapshot-identifier graph-r-cmk-migration",
    ] {
        assert!(report.contains(expected), "missing {expected:?} in:\n{report}");
    }

    let second = apply(&moto, "graph-r", key, &[]);

    let text = stdout(&second);
    assert_eq!(second.status.code(), Some(0), "{text}\n{}", stderr(&second));
    for expected in [
        "found snapshot graph-r-cmk-migration of graph-r, made by an earlier run",
        "found cluster graph-r-cmk, restored by an earlier run",
        "found instance graph-r-1-cmk, created by an earlier run",
        "creating instance graph-r-2-cmk like graph-r-2",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(moto.calls("rds:CreateDBClusterSnapshot"), 1);
    assert_eq!(moto.calls("rds:RestoreDBClusterFromSnapshot"), 1);
    assert_eq!(
        moto.calls("rds:CreateDBInstance"),
        3,
        "two creations and the refused one"
    );
    assert_migrated(&moto, "graph-r", key).await;
}

#[tokio::test]
async fn a_timeout_is_an_error_and_a_rerun_keeps_waiting() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    let aws_rds = fleet.aws_rds_key().await;
    fleet.cluster("graph-t", "neptune", aws_rds.arn()).await;
    slow_creation(&moto, 40);

    let first = apply(&moto, "graph-t", key, &["--wait-timeout", "100ms"]);

    assert_eq!(first.status.code(), Some(2));
    let report = stderr(&first);
    assert!(
        report.contains("cluster graph-t-cmk is still creating after"),
        "{report}"
    );
    assert!(
        report.contains("run the same command again to keep waiting"),
        "{report}"
    );

    let second = apply(&moto, "graph-t", key, &[]);

    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("found cluster graph-t-cmk"),
        "{}",
        stdout(&second)
    );
    assert_eq!(moto.calls("rds:RestoreDBClusterToPointInTime"), 1);
    assert_migrated(&moto, "graph-t", key).await;
}

#[tokio::test]
async fn a_cluster_under_the_new_name_that_is_not_ours_stops_apply() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let other = fleet.customer_key().await;
    let aws_rds = fleet.aws_rds_key().await;
    fleet.cluster("graph-n", "neptune", aws_rds.arn()).await;
    fleet.cluster("graph-n-cmk", "neptune", other.arn()).await;
    let before = source_state(&fleet, "graph-n-cmk").await;

    let output = apply(&moto, "graph-n", key.arn().unwrap(), &[]);

    assert_eq!(output.status.code(), Some(2));
    let report = stderr(&output);
    let expected = format!(
        "cluster graph-n-cmk already exists, but it is not what the plan makes: it is encrypted \
         with {}, not with {}",
        other.arn().unwrap(),
        key.arn().unwrap()
    );
    assert!(report.contains(&expected), "{report}");
    assert!(report.contains("Nothing was created"), "{report}");
    assert_eq!(moto.calls("rds:RestoreDBClusterToPointInTime"), 0);
    assert_eq!(source_state(&fleet, "graph-n-cmk").await, before);
}

#[tokio::test]
async fn unacceptable_keys_are_refused_before_anything_is_made() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    fleet.cluster("graph-k", "neptune", None).await;
    let aws_rds = fleet.aws_rds_key().await;
    let disabled = fleet.disabled_key().await;
    let good = fleet.customer_key().await;
    let allowed = fleet.customer_key().await;
    let cases = [
        (
            aws_rds.arn().unwrap(),
            vec![],
            "would itself be NON_COMPLIANT",
        ),
        (
            disabled.arn().unwrap(),
            vec![],
            "is Disabled; a restore needs an Enabled key",
        ),
        (
            good.arn().unwrap(),
            vec!["--allowed-key", allowed.arn().unwrap()],
            "which is not in allowedKmsKeyArns",
        ),
    ];
    for (key, flags, reason) in cases {
        let output = apply(&moto, "graph-k", key, &flags);
        assert_eq!(output.status.code(), Some(2), "{key}");
        let message = stderr(&output);
        assert!(
            message.contains("--kms-key") && message.contains(reason),
            "{message}"
        );
    }
    for operation in [
        "CreateDBClusterSnapshot",
        "RestoreDBClusterFromSnapshot",
        "CreateDBInstance",
    ] {
        assert_eq!(moto.calls(&format!("rds:{operation}")), 0, "{operation}");
    }
}

#[tokio::test]
async fn apply_refuses_a_pipe_without_yes_and_states_it_cannot_migrate() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    fleet.cluster("graph-p", "neptune", None).await;
    let doomed = fleet.pending_deletion_key().await;
    fleet.cluster("graph-doomed", "neptune", doomed.arn()).await;
    fleet.cluster("graph-good", "neptune", Some(key)).await;
    let deleted_key = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    fleet
        .cluster("graph-lost", "neptune", Some(deleted_key))
        .await;

    let args = [
        "remediate",
        "apply",
        "--cluster",
        "graph-p",
        "--kms-key",
        key,
    ];
    let piped = neptune_cmk_with_stdin(&moto, &args, "yes\n");
    assert_eq!(piped.status.code(), Some(2));
    assert!(
        stderr(&piped).contains("stdin is not a terminal"),
        "{}",
        stderr(&piped)
    );
    assert!(stderr(&piped).contains("pass --yes"), "{}", stderr(&piped));
    assert_eq!(moto.calls("rds:CreateDBClusterSnapshot"), 0);

    let repair = apply(&moto, "graph-doomed", key, &[]);
    assert_eq!(repair.status.code(), Some(2));
    let message = stderr(&repair);
    assert!(
        message.contains("only needs repair") && message.contains("remediate plan"),
        "{message}"
    );
    assert!(message.contains("runbook (docs/DEPLOY.md)"), "{message}");

    let lost = apply(&moto, "graph-lost", key, &[]);
    assert_eq!(lost.status.code(), Some(2));
    let message = stderr(&lost);
    assert!(
        message.contains("apply has no migration for graph-lost"),
        "{message}"
    );
    assert!(
        message.contains("remediate plan --cluster graph-lost"),
        "{message}"
    );

    let compliant = apply(&moto, "graph-good", key, &[]);
    assert_eq!(compliant.status.code(), Some(0), "{}", stderr(&compliant));
    assert!(
        stdout(&compliant).contains("Nothing to do"),
        "{}",
        stdout(&compliant)
    );
    assert_eq!(moto.calls("rds:RestoreDBClusterToPointInTime"), 0);
}

/// Someone disables the key after the clone was made with it and before
/// apply verifies it: the new cluster exists, but the rule rejects it, and
/// apply says so in the rule's words instead of reporting success.
#[tokio::test]
async fn a_new_cluster_the_rule_rejects_fails_verification() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = target_key(&fleet).await;
    let aws_rds = fleet.aws_rds_key().await;
    fleet.cluster("graph-v", "neptune", aws_rds.arn()).await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);

    let output = apply_disabling_the_key_before_verify(&moto, &fleet, &key, "graph-v").await;

    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let report = stderr(&output);
    let expected = format!(
        "(Verify: the rule judges graph-v-cmk COMPLIANT) failed: the rule judges cluster \
         graph-v-cmk NON_COMPLIANT, not COMPLIANT: encrypted with customer managed key {}, which \
         is Disabled",
        key.arn().unwrap()
    );
    assert!(report.contains(&expected), "{report}");
    assert!(report.contains("  cluster graph-v-cmk\n"), "{report}");
    assert_eq!(moto.calls("rds:RestoreDBClusterToPointInTime"), 1);
    let state = fleet.kms.describe_key().key_id(key.key_id()).send().await;
    let state = state.unwrap().key_metadata.unwrap().key_state;
    assert_eq!(state.unwrap().as_str(), "Disabled");
}

/// A cluster CloudFormation made carries `aws:cloudformation:*` tags, which
/// the server (like AWS) refuses in any request, and an IAM role: the new
/// cluster gets the role with its feature and the cluster's own tags, and
/// the plan names the tags it left out.
#[tokio::test]
async fn cloudformation_cluster_keeps_its_role_and_its_own_tags() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    let aws_rds = fleet.aws_rds_key().await;
    fleet.cluster("graph-cfn", "neptune", aws_rds.arn()).await;
    let arn = fleet.cluster_arn("graph-cfn").await;
    let role = format!("arn:aws:iam::{ACCOUNT}:role/NeptuneML");
    fleet
        .neptune
        .add_role_to_db_cluster()
        .db_cluster_identifier("graph-cfn")
        .role_arn(&role)
        .feature_name("SageMaker")
        .send()
        .await
        .unwrap();
    fleet
        .neptune
        .add_tags_to_resource()
        .resource_name(&arn)
        .tags(Tag::builder().key("team").value("graph").build())
        .send()
        .await
        .unwrap();
    moto.control(
        "POST",
        "system_tags",
        Some(json!({"arn": arn, "tags": {
            "aws:cloudformation:stack-name": "graph",
            "aws:cloudformation:logical-id": "GraphCluster",
        }})),
    );
    instance(
        &fleet,
        "graph-cfn-1",
        "graph-cfn",
        "db.r6g.large",
        "us-east-1a",
        0,
    )
    .await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);

    // The plan names the reserved keys it leaves out; apply attaches the role.
    let plan = neptune_cmk(
        &moto,
        &[
            "remediate",
            "plan",
            "--cluster",
            "graph-cfn",
            "--kms-key",
            key,
        ],
    );
    // The plan wraps its notes at 100 columns, behind "# ".
    let plan_text = stdout(&plan)
        .split_whitespace()
        .filter(|word| *word != "#")
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "Not copied from graph-cfn: aws:cloudformation:logical-id, aws:cloudformation:stack-name",
        "CloudFormation re-tags the resources it manages",
    ] {
        assert!(
            plan_text.contains(expected),
            "missing {expected:?} in:\n{plan_text}"
        );
    }
    let output = apply(&moto, "graph-cfn", key, &[]);

    assert_polled_and_printed_cut_over(&output, "graph-cfn");
    let text = stdout(&output);
    let attached = format!("attaching role {role} (SageMaker) to cluster graph-cfn-cmk");
    assert!(text.contains(&attached), "missing {attached:?} in:\n{text}");
    assert_migrated(&moto, "graph-cfn", key).await;
    let new = fleet
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier("graph-cfn-cmk")
        .send()
        .await
        .unwrap()
        .db_clusters
        .unwrap()
        .remove(0);
    let roles: Vec<_> = new
        .associated_roles()
        .iter()
        .map(|found| (found.role_arn().unwrap(), found.feature_name()))
        .collect();
    assert_eq!(roles, [(role.as_str(), Some("SageMaker"))]);
    assert_eq!(
        tags_of(&fleet, new.db_cluster_arn().unwrap()).await,
        [("team".to_owned(), "graph".to_owned())]
    );
    assert_eq!(moto.calls("rds:AddRoleToDBCluster"), 1);
    assert_source_never_written(&moto);
}

/// A member of a global database is refused before anything is made, with
/// the global cluster and the plan command named.
#[tokio::test]
async fn a_global_database_member_is_refused_and_nothing_is_created() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    fleet.cluster("graph-g", "neptune", None).await;
    let arn = fleet.cluster_arn("graph-g").await;
    fleet
        .neptune
        .create_global_cluster()
        .global_cluster_identifier("graph-global")
        .source_db_cluster_identifier(&arn)
        .send()
        .await
        .unwrap();
    moto.reset_calls();

    let output = apply(&moto, "graph-g", key.arn().unwrap(), &[]);

    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let message = stderr(&output);
    for expected in [
        "graph-g is a member of a global database",
        "Nothing was created",
        "neptune-cmk remediate plan --cluster graph-g",
        "primary of global database graph-global",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
    for operation in [
        "CreateDBClusterSnapshot",
        "RestoreDBClusterFromSnapshot",
        "RestoreDBClusterToPointInTime",
        "CreateDBInstance",
        "AddRoleToDBCluster",
    ] {
        assert_eq!(moto.calls(&format!("rds:{operation}")), 0, "{operation}");
    }
    let plan = neptune_cmk(&moto, &["remediate", "plan", "--cluster", "graph-g"]);
    let text = stdout(&plan);
    assert!(
        text.contains(
            "create-global-cluster --region us-east-1 --global-cluster-identifier graph-global-cmk"
        ),
        "{text}"
    );
    assert!(text.contains("remove-from-global-cluster"), "{text}");
}

/// The source cluster's custom endpoints as (identifier, type, static,
/// excluded), custom ones only, by identifier.
async fn custom_endpoints_of(
    fleet: &Fleet,
    cluster: &str,
) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    let mut found: Vec<_> = fleet
        .neptune
        .describe_db_cluster_endpoints()
        .db_cluster_identifier(cluster)
        .send()
        .await
        .unwrap()
        .db_cluster_endpoints()
        .iter()
        .filter(|endpoint| endpoint.endpoint_type() == Some("CUSTOM"))
        .map(|endpoint| {
            (
                endpoint
                    .db_cluster_endpoint_identifier()
                    .unwrap()
                    .to_owned(),
                endpoint.custom_endpoint_type().unwrap().to_owned(),
                endpoint.static_members().to_vec(),
                endpoint.excluded_members().to_vec(),
            )
        })
        .collect();
    found.sort();
    found
}

/// Custom endpoints are recreated on the new cluster under derived names
/// (the old names stay taken: identifiers are unique per account and
/// region), members mapped to the new instances; a second run finds them
/// and creates none.
#[tokio::test]
async fn custom_endpoints_are_recreated_with_mapped_members_once() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    fleet.cluster("graph-ep", "neptune", None).await;
    for (n, zone, tier) in [
        (1, "us-east-1a", 0),
        (2, "us-east-1b", 1),
        (3, "us-east-1c", 2),
    ] {
        instance(
            &fleet,
            &format!("graph-ep-{n}"),
            "graph-ep",
            "db.r6g.large",
            zone,
            tier,
        )
        .await;
    }
    for (id, kind, members, excluded) in [
        (
            "analytics",
            "READER",
            vec!["graph-ep-2", "graph-ep-3"],
            vec![],
        ),
        ("not-writer", "ANY", vec![], vec!["graph-ep-1"]),
    ] {
        fleet
            .neptune
            .create_db_cluster_endpoint()
            .db_cluster_identifier("graph-ep")
            .db_cluster_endpoint_identifier(id)
            .endpoint_type(kind)
            .set_static_members(Some(members.into_iter().map(str::to_owned).collect()))
            .set_excluded_members(Some(excluded.into_iter().map(str::to_owned).collect()))
            .send()
            .await
            .unwrap();
    }
    let old = custom_endpoints_of(&fleet, "graph-ep").await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);

    let output = apply(&moto, "graph-ep", key, &[]);

    assert_polled_and_printed_cut_over(&output, "graph-ep");
    assert_migrated(&moto, "graph-ep", key).await;
    let strings = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        custom_endpoints_of(&fleet, "graph-ep-cmk").await,
        [
            (
                "analytics-cmk".to_owned(),
                "READER".to_owned(),
                strings(&["graph-ep-2-cmk", "graph-ep-3-cmk"]),
                Vec::new()
            ),
            (
                "not-writer-cmk".to_owned(),
                "ANY".to_owned(),
                Vec::new(),
                strings(&["graph-ep-1-cmk"])
            ),
        ]
    );
    assert_eq!(custom_endpoints_of(&fleet, "graph-ep").await, old);
    assert_eq!(moto.calls("rds:CreateDBClusterEndpoint"), 2);
    let text = stdout(&output);
    assert!(
        text.contains(
            "creating custom endpoint analytics-cmk (READER) on graph-ep-cmk like analytics"
        ),
        "{text}"
    );

    let again = apply(&moto, "graph-ep", key, &[]);

    let text = stdout(&again);
    assert_eq!(again.status.code(), Some(0), "{text}\n{}", stderr(&again));
    for id in ["analytics-cmk", "not-writer-cmk"] {
        let found =
            format!("found custom endpoint {id} on graph-ep-cmk, created by an earlier run");
        assert!(text.contains(&found), "missing {found:?} in:\n{text}");
    }
    assert_eq!(moto.calls("rds:CreateDBClusterEndpoint"), 2);
    assert_source_never_written(&moto);
}

/// A custom endpoint under the new name that is not the plan's (here, on
/// another cluster) stops apply: it is neither adopted nor changed.
#[tokio::test]
async fn a_custom_endpoint_under_the_new_name_that_is_not_ours_stops_apply() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = fleet.customer_key().await;
    let key = key.arn().unwrap();
    for cluster in ["graph-x", "elsewhere"] {
        fleet.cluster(cluster, "neptune", None).await;
        let id = format!("{cluster}-1");
        instance(&fleet, &id, cluster, "db.r6g.large", "us-east-1a", 0).await;
    }
    for (cluster, endpoint, member) in [
        ("graph-x", "reports", "graph-x-1"),
        ("elsewhere", "reports-cmk", "elsewhere-1"),
    ] {
        fleet
            .neptune
            .create_db_cluster_endpoint()
            .db_cluster_identifier(cluster)
            .db_cluster_endpoint_identifier(endpoint)
            .endpoint_type("ANY")
            .static_members(member)
            .send()
            .await
            .unwrap();
    }
    let before = custom_endpoints_of(&fleet, "elsewhere").await;
    moto.reset_calls();

    let output = apply(&moto, "graph-x", key, &[]);

    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let report = stderr(&output);
    let expected = "custom endpoint reports-cmk already exists, but it is not what the plan \
                    makes: it belongs to elsewhere, not to graph-x-cmk";
    assert!(report.contains(expected), "{report}");
    assert_eq!(moto.calls("rds:CreateDBClusterEndpoint"), 0);
    assert_eq!(custom_endpoints_of(&fleet, "elsewhere").await, before);
    assert!(custom_endpoints_of(&fleet, "graph-x-cmk").await.is_empty());
}
