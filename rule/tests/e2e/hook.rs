//! The CloudFormation Lambda Hook through the compiled bootstrap and the
//! Lambda Runtime API, against moto: one test per row of the hook's
//! behaviour (#19). The requests are the fixtures of
//! `tests/fixtures/hooks/` with the properties each row deploys.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::*;
use crate::runtime::{Bootstrap, Report};
use crate::{fixture, BEYOND_ANY_REAL_WORK};

/// A moto server, a fleet to seed it, and the bootstrap answering hooks.
struct World {
    moto: Moto,
    fleet: Fleet,
}

impl World {
    async fn start() -> Self {
        let moto = Moto::start();
        let fleet = Fleet::new(&moto.sdk_config().await);
        Self { moto, fleet }
    }

    async fn bootstrap(&self, env: &[(&str, &str)]) -> Bootstrap {
        Bootstrap::start(&self.moto, env).await
    }

    /// The hook's answer to `request` from a bootstrap with the default
    /// rule parameters.
    async fn answer(&self, request: &Value) -> Value {
        let mut bootstrap = self.bootstrap(&[]).await;
        answer(&mut bootstrap, "req-1", request).await
    }
}

async fn answer(bootstrap: &mut Bootstrap, id: &str, request: &Value) -> Value {
    match bootstrap.invoke(id, request).await {
        Report::Response(answer) => answer,
        Report::Error(error) => panic!("a hook request must get an answer, not {error}"),
    }
}

/// `fixture` with `resourceProperties` (and `previousResourceProperties`)
/// replaced.
fn request(fixture: &str, properties: Value, previous: Option<Value>) -> Value {
    let mut request: Value = serde_json::from_str(fixture).unwrap();
    request["requestData"]["targetModel"]["resourceProperties"] = properties;
    if let Some(previous) = previous {
        request["requestData"]["targetModel"]["previousResourceProperties"] = previous;
    }
    request
}

/// SDK configuration for `region` of the same moto server.
async fn moto_in(moto: &Moto, region: &'static str) -> aws_config::SdkConfig {
    moto.sdk_config()
        .await
        .into_builder()
        .region(aws_config::Region::new(region))
        .build()
}

fn create_cluster(properties: Value) -> Value {
    request(fixture!("hooks/create-cluster.json"), properties, None)
}

const CREATE_TOKEN: &str = "4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

#[track_caller]
fn assert_allowed(answer: &Value) {
    assert_eq!(answer["hookStatus"], "SUCCESS", "{answer:#}");
    assert!(answer.get("errorCode").is_none(), "{answer:#}");
    assert_eq!(answer["annotations"][0]["status"], "PASSED", "{answer:#}");
    assert_eq!(answer["clientRequestToken"], CREATE_TOKEN);
}

#[track_caller]
fn assert_refused(answer: &Value, reason: &str) {
    assert_eq!(answer["hookStatus"], "FAILED", "{answer:#}");
    assert_eq!(answer["errorCode"], "NonCompliant", "{answer:#}");
    let annotation = &answer["annotations"][0];
    assert_eq!(annotation["annotationName"], "NeptuneCmkCustomerManagedKey");
    assert_eq!(annotation["status"], "FAILED");
    assert_eq!(annotation["severityLevel"], "HIGH");
    assert!(
        annotation["statusMessage"]
            .as_str()
            .unwrap()
            .ends_with(&format!("({reason})")),
        "{answer:#}"
    );
    assert!(annotation["remediationMessage"].is_string(), "{answer:#}");
}

#[track_caller]
fn assert_internal_failure(answer: &Value, token: &str, names: &str) {
    assert_eq!(answer["hookStatus"], "FAILED", "{answer:#}");
    assert_eq!(answer["errorCode"], "InternalFailure", "{answer:#}");
    assert_eq!(answer["clientRequestToken"], token);
    assert!(
        answer["message"].as_str().unwrap().contains(names),
        "the message names {names}: {answer:#}"
    );
}

// --- Key forms and booleans --------------------------------------------------

#[tokio::test]
async fn string_boolean_and_customer_managed_key_arn_is_allowed() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()}),
        ))
        .await;
    assert_allowed(&answer);
    assert_eq!(world.moto.calls("kms:DescribeKey"), 1);
}

#[tokio::test]
async fn json_boolean_without_key_is_refused_as_aws_rds_without_describe_key() {
    let world = World::start().await;
    let answer = world
        .answer(&create_cluster(json!({"StorageEncrypted": true})))
        .await;
    assert_refused(&answer, "aws-managed-key");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("set KmsKeyId to a customer managed key"));
    assert_eq!(world.moto.calls("kms:DescribeKey"), 0);
}

#[tokio::test]
async fn absent_storage_encrypted_is_refused_as_unencrypted() {
    let world = World::start().await;
    let answer = world
        .answer(&create_cluster(
            json!({"DBClusterIdentifier": "graph-plain"}),
        ))
        .await;
    assert_refused(&answer, "unencrypted");
}

#[tokio::test]
async fn key_id_is_described_in_the_stack_region() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": key.key_id()}),
        ))
        .await;
    assert_allowed(&answer);
}

#[tokio::test]
async fn alias_name_and_alias_arn_are_described() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    world
        .fleet
        .kms
        .create_alias()
        .alias_name("alias/graph-data")
        .target_key_id(key.key_id())
        .send()
        .await
        .unwrap();
    let mut bootstrap = world.bootstrap(&[]).await;
    let by_name = answer(
        &mut bootstrap,
        "by-name",
        &create_cluster(json!({"StorageEncrypted": "true", "KmsKeyId": "alias/graph-data"})),
    )
    .await;
    assert_allowed(&by_name);
    let by_arn = answer(
        &mut bootstrap,
        "by-arn",
        &create_cluster(json!({
            "StorageEncrypted": "true",
            "KmsKeyId": format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/graph-data")
        })),
    )
    .await;
    assert_allowed(&by_arn);
}

#[tokio::test]
async fn aws_managed_key_by_its_arn_is_refused() {
    let world = World::start().await;
    let aws_rds = world.fleet.aws_rds_key().await;
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": aws_rds.arn()}),
        ))
        .await;
    assert_refused(&answer, "aws-managed-key");
}

#[tokio::test]
async fn unknown_key_is_refused_as_not_found() {
    let world = World::start().await;
    let answer = world
        .answer(&create_cluster(json!({
            "StorageEncrypted": "true",
            "KmsKeyId": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000")
        })))
        .await;
    assert_refused(&answer, "key-not-found");
}

#[tokio::test]
async fn disabled_key_is_refused() {
    let world = World::start().await;
    let key = world.fleet.disabled_key().await;
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()}),
        ))
        .await;
    assert_refused(&answer, "key-not-enabled");
}

#[tokio::test]
async fn pending_deletion_key_is_refused_naming_the_day() {
    let world = World::start().await;
    let key = world.fleet.pending_deletion_key().await;
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()}),
        ))
        .await;
    assert_refused(&answer, "key-not-enabled");
    // moto schedules the deletion 7 days ahead: 6 whole days are left.
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("unreadable from ") && message.contains("6 days left as of "),
        "{answer:#}"
    );
}

// --- Denied DescribeKey: the rule's cross-account and probe logic ------------

#[tokio::test]
async fn another_accounts_key_with_describe_denied_is_customer_managed() {
    let world = World::start().await;
    let shared = "arn:aws:kms:us-east-1:111122223333:key/5678efgh-12ab-34cd-56ef-1234567890ab";
    world.moto.fault(json!({
        "operation": "DescribeKey", "match": {"params": {"KeyId": shared}},
        "error_code": "AccessDeniedException", "status": 400, "count": "unlimited"
    }));
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": shared}),
        ))
        .await;
    assert_allowed(&answer);
    assert!(answer["annotations"][0]["statusMessage"]
        .as_str()
        .unwrap()
        .ends_with("(cross-account-key)"));
}

#[tokio::test]
async fn same_account_key_policy_denial_is_customer_managed_by_the_aws_rds_probe() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    world.moto.fault(json!({
        "operation": "DescribeKey", "match": {"params": {"KeyId": key.arn()}},
        "error_code": "AccessDeniedException", "status": 400, "count": "unlimited"
    }));
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()}),
        ))
        .await;
    assert_allowed(&answer);
    assert!(answer["annotations"][0]["statusMessage"]
        .as_str()
        .unwrap()
        .ends_with("(key-policy-denies-describe)"));
}

#[tokio::test]
async fn describe_key_denied_everywhere_fails_naming_the_missing_permission() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    world.moto.fault(json!({
        "operation": "DescribeKey", "error_code": "AccessDeniedException", "status": 400,
        "count": "unlimited"
    }));
    let answer = world
        .answer(&create_cluster(
            json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()}),
        ))
        .await;
    assert_internal_failure(&answer, CREATE_TOKEN, "grant kms:DescribeKey");
}

// --- Restores and clones -----------------------------------------------------

#[tokio::test]
async fn restore_inherits_the_snapshot_customer_managed_key() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    world
        .fleet
        .cluster("graph-source", "neptune", key.arn())
        .await;
    world
        .fleet
        .snapshot("graph-source-final", "graph-source")
        .await;
    world.moto.reset_calls();
    let answer = world
        .answer(&create_cluster(
            json!({"SnapshotIdentifier": "graph-source-final"}),
        ))
        .await;
    assert_allowed(&answer);
    assert_eq!(world.moto.calls("rds:DescribeDBClusterSnapshots"), 1);
}

#[tokio::test]
async fn restore_of_an_unencrypted_snapshot_without_key_is_refused() {
    let world = World::start().await;
    world.fleet.cluster("graph-plain", "neptune", None).await;
    world
        .fleet
        .snapshot("graph-plain-final", "graph-plain")
        .await;
    let answer = world
        .answer(&create_cluster(json!({
            "SnapshotIdentifier": "graph-plain-final",
            "StorageEncrypted": "true"
        })))
        .await;
    assert_refused(&answer, "unencrypted");
}

#[tokio::test]
async fn restore_of_an_unencrypted_snapshot_with_a_customer_managed_key_is_allowed() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    world.fleet.cluster("graph-plain", "neptune", None).await;
    world
        .fleet
        .snapshot("graph-plain-final", "graph-plain")
        .await;
    world.moto.reset_calls();
    let answer = world
        .answer(&create_cluster(json!({
            "SnapshotIdentifier": "graph-plain-final",
            "KmsKeyId": key.arn()
        })))
        .await;
    assert_allowed(&answer);
    assert_eq!(world.moto.calls("rds:DescribeDBClusterSnapshots"), 0);
}

#[tokio::test]
async fn restore_of_a_missing_snapshot_fails_naming_it() {
    let world = World::start().await;
    let answer = world
        .answer(&create_cluster(json!({"SnapshotIdentifier": "graph-gone"})))
        .await;
    assert_internal_failure(
        &answer,
        CREATE_TOKEN,
        "snapshot (SnapshotIdentifier) graph-gone",
    );
}

#[tokio::test]
async fn copy_on_write_clone_of_an_aws_rds_cluster_is_refused() {
    let world = World::start().await;
    let aws_rds = world.fleet.aws_rds_key().await;
    world
        .fleet
        .cluster("graph-prod", "neptune", aws_rds.arn())
        .await;
    let answer = world
        .answer(&create_cluster(json!({
            "SourceDBClusterIdentifier": "graph-prod",
            "RestoreType": "copy-on-write",
            "UseLatestRestorableTime": "true"
        })))
        .await;
    assert_refused(&answer, "aws-managed-key");
}

#[tokio::test]
async fn full_copy_clone_with_its_own_customer_managed_key_is_allowed() {
    let world = World::start().await;
    let aws_rds = world.fleet.aws_rds_key().await;
    let key = world.fleet.customer_key().await;
    world
        .fleet
        .cluster("graph-prod", "neptune", aws_rds.arn())
        .await;
    let answer = world
        .answer(&create_cluster(json!({
            "SourceDBClusterIdentifier": "graph-prod",
            "RestoreType": "full-copy",
            "KmsKeyId": key.arn()
        })))
        .await;
    assert_allowed(&answer);
}

#[tokio::test]
async fn clone_of_a_missing_cluster_fails_naming_it() {
    let world = World::start().await;
    let answer = world
        .answer(&create_cluster(
            json!({"SourceDBClusterIdentifier": "graph-nowhere"}),
        ))
        .await;
    assert_internal_failure(
        &answer,
        CREATE_TOKEN,
        "source DB cluster (SourceDBClusterIdentifier) graph-nowhere",
    );
}

// --- Updates -------------------------------------------------------------------

#[tokio::test]
async fn update_that_keeps_encryption_is_allowed_with_the_existing_non_compliance() {
    let world = World::start().await;
    let answer = world
        .answer(&serde_json::from_str(fixture!("hooks/update-cluster.json")).unwrap())
        .await;
    assert_eq!(answer["hookStatus"], "SUCCESS", "{answer:#}");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("already NON_COMPLIANT"));
    assert_eq!(answer["annotations"][0]["status"], "FAILED");
}

#[tokio::test]
async fn update_that_moves_onto_aws_rds_is_refused() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    let answer = world
        .answer(&request(
            fixture!("hooks/update-cluster.json"),
            json!({"StorageEncrypted": "true", "KmsKeyId": "alias/aws/rds"}),
            Some(json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()})),
        ))
        .await;
    assert_refused(&answer, "aws-managed-key");
}

#[tokio::test]
async fn update_that_keeps_a_key_that_cannot_be_judged_is_allowed_and_says_so() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    world.moto.fault(json!({
        "operation": "DescribeKey", "service": "kms", "error_code": "ThrottlingException",
        "status": 400, "message": "Rate exceeded", "count": "unlimited"
    }));
    let properties = json!({"StorageEncrypted": "true", "KmsKeyId": key.arn(), "Port": "8182"});
    let answer = world
        .answer(&request(
            fixture!("hooks/update-cluster.json"),
            properties,
            Some(json!({"StorageEncrypted": true, "KmsKeyId": key.arn(), "Port": "8183"})),
        ))
        .await;
    assert_eq!(answer["hookStatus"], "SUCCESS", "{answer:#}");
    assert_eq!(answer["annotations"][0]["status"], "SKIPPED");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("ThrottlingException"));
}

// --- Graphs ----------------------------------------------------------------------

#[tokio::test]
async fn graph_without_key_is_refused_as_aws_owned() {
    let world = World::start().await;
    let answer = world
        .answer(&serde_json::from_str(fixture!("hooks/create-graph.json")).unwrap())
        .await;
    assert_refused(&answer, "aws-owned-key");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("set KmsKeyIdentifier"));
}

#[tokio::test]
async fn graph_with_customer_managed_key_is_allowed() {
    let world = World::start().await;
    // The stack deploys to eu-west-1, the function runs in us-east-1: the
    // key is described in its own region.
    let eu_west_1 = moto_in(&world.moto, "eu-west-1").await;
    let key = Fleet::new(&eu_west_1).customer_key().await;
    let answer = world
        .answer(&request(
            fixture!("hooks/create-graph.json"),
            json!({"GraphName": "analytics", "KmsKeyIdentifier": key.arn()}),
            None,
        ))
        .await;
    assert_eq!(answer["hookStatus"], "SUCCESS", "{answer:#}");
    assert_eq!(answer["annotations"][0]["status"], "PASSED");
}

// --- Not judged ------------------------------------------------------------------

#[tokio::test]
async fn delete_and_other_types_are_allowed_as_not_evaluated() {
    let world = World::start().await;
    let mut bootstrap = world.bootstrap(&[]).await;
    let delete = answer(
        &mut bootstrap,
        "delete",
        &serde_json::from_str(fixture!("hooks/delete-cluster.json")).unwrap(),
    )
    .await;
    assert_eq!(delete["hookStatus"], "SUCCESS");
    assert!(delete["message"]
        .as_str()
        .unwrap()
        .contains("not evaluated"));
    let mut bucket: Value = serde_json::from_str(fixture!("hooks/create-cluster.json")).unwrap();
    bucket["requestData"]["targetName"] = json!("AWS::S3::Bucket");
    let other = answer(&mut bootstrap, "other", &bucket).await;
    assert_eq!(other["hookStatus"], "SUCCESS");
    assert!(other["message"].as_str().unwrap().contains("not evaluated"));
    assert_eq!(world.moto.calls("kms:DescribeKey"), 0);
}

// --- Parameters ------------------------------------------------------------------

#[tokio::test]
async fn rule_parameters_from_the_environment_apply() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    let other = world.fleet.customer_key().await;
    let parameters = json!({"allowedKmsKeyArns": other.arn()}).to_string();
    let mut bootstrap = world
        .bootstrap(&[("NEPTUNE_CMK_RULE_PARAMETERS", &parameters)])
        .await;
    let answer = answer(
        &mut bootstrap,
        "allow-list",
        &create_cluster(json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()})),
    )
    .await;
    assert_refused(&answer, "key-not-allowed");
}

#[tokio::test]
async fn parameters_that_do_not_parse_fail_every_answer() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    let mut bootstrap = world
        .bootstrap(&[(
            "NEPTUNE_CMK_RULE_PARAMETERS",
            r#"{"desiredEncryptionLevl": "CLOUDHSM"}"#,
        )])
        .await;
    for id in ["first", "second"] {
        let answer = answer(
            &mut bootstrap,
            id,
            &create_cluster(json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()})),
        )
        .await;
        assert_internal_failure(&answer, CREATE_TOKEN, "NEPTUNE_CMK_RULE_PARAMETERS");
        assert!(answer["message"]
            .as_str()
            .unwrap()
            .contains("desiredEncryptionLevl"));
    }
}

// --- Never a silent allow, never a crash ---------------------------------------

#[tokio::test]
async fn throttling_past_the_retries_fails_and_the_next_request_is_answered() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    // The SDK's standard retry mode makes three attempts.
    world.moto.fault(json!({
        "operation": "DescribeKey", "service": "kms", "error_code": "ThrottlingException",
        "status": 400, "message": "Rate exceeded", "count": 3
    }));
    let mut bootstrap = world.bootstrap(&[]).await;
    let cluster = create_cluster(json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()}));
    let throttled = answer(&mut bootstrap, "throttled", &cluster).await;
    assert_internal_failure(&throttled, CREATE_TOKEN, "kms:DescribeKey");
    assert!(throttled["message"]
        .as_str()
        .unwrap()
        .contains("ThrottlingException"));
    let next = answer(&mut bootstrap, "next", &cluster).await;
    assert_allowed(&next);
}

#[tokio::test]
async fn malformed_requests_fail_echoing_the_token_and_the_process_lives_on() {
    let world = World::start().await;
    let mut bootstrap = world.bootstrap(&[]).await;
    let mut no_target: Value = serde_json::from_str(fixture!("hooks/create-cluster.json")).unwrap();
    no_target["requestData"]
        .as_object_mut()
        .unwrap()
        .remove("targetName");
    let answer_one = answer(&mut bootstrap, "no-target", &no_target).await;
    assert_internal_failure(&answer_one, CREATE_TOKEN, "requestData.targetName");
    let bad_boolean = create_cluster(json!({"StorageEncrypted": "yes"}));
    let answer_two = answer(&mut bootstrap, "bad-boolean", &bad_boolean).await;
    assert_internal_failure(&answer_two, CREATE_TOKEN, "StorageEncrypted");
    let lowercase_token = answer(
        &mut bootstrap,
        "cloud-control",
        &serde_json::from_str(fixture!("hooks/cloud-control-create-cluster.json")).unwrap(),
    )
    .await;
    assert_eq!(
        lowercase_token["clientRequestToken"],
        "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"
    );
    assert_eq!(lowercase_token["errorCode"], "NonCompliant");
    let not_a_hook = bootstrap
        .invoke("neither", &json!({"hello": "world"}))
        .await;
    let Report::Error(error) = not_a_hook else {
        panic!("an event that is neither a hook request nor a Config event is an error")
    };
    assert_eq!(error["errorType"], "InvalidEvent");
}

#[tokio::test]
async fn a_lookup_that_outlives_the_deadline_fails_in_time_naming_it() {
    let world = World::start().await;
    let key = world.fleet.customer_key().await;
    world.moto.fault(json!({
        "operation": "DescribeKey", "service": "kms", "delay_seconds": 600, "count": "unlimited"
    }));
    // Lambda gives this invocation its answer margin and far more than the
    // work before the lookup takes: the deadline, not the SDK's 10-second
    // attempt timeout nor the 25-second hook budget, ends the lookup.
    let time_limit = Duration::from_secs(2) + BEYOND_ANY_REAL_WORK;
    let mut bootstrap = Bootstrap::start_with_time_limit(&world.moto, &[], time_limit).await;
    let answer = answer(
        &mut bootstrap,
        "slow",
        &create_cluster(json!({"StorageEncrypted": "true", "KmsKeyId": key.arn()})),
    )
    .await;
    assert_internal_failure(&answer, CREATE_TOKEN, "Lambda deadline");
    assert_eq!(
        world.moto.in_flight(),
        (1, 1),
        "the lookup was cut, not answered: it still sleeps in the server"
    );
}
