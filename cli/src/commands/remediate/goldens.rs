//! Golden plans for every starting state: hand-built [`Facts`] (nothing
//! random, no server), the verdict reached by the evaluator's own decision
//! code under the case's parameters, then `plan::build` and
//! `render::render`. Compared with `tests/fixtures/remediate/plans/*.txt`
//! (`UPDATE_EXPECT=1` rewrites them).

use expect_test::{expect_file, ExpectFile};
use neptune_cmk_evaluator::{
    Assessment, Deletion, Encryption, Evaluation, KeyFacts, KeyLookup, KeyManager, KeyOrigin,
    KeyState, NeptuneResource, ResourceKind, RuleParameters, Subject, Tag, Timestamp,
};

use super::facts::{
    Capacity, ClusterRole, Facts, GlobalDatabase, GlobalMember, Operator, SourceCluster,
    SourceInstance, Subscription,
};
use super::names::{derived, is_valid};
use super::plan::{self, Action, Path, RestoreSource, TargetKey};
use super::render::render;

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
/// The key a plan moves to when `--kms-key` is given.
const TARGET: &str = "arn:aws:kms:us-east-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
/// The account's AWS managed key `aws/rds`.
const AWS_RDS: &str = "arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-1111-2222-3333-444444444444";
/// A customer managed key of the cluster's own.
const OWN_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";

/// A provisioned cluster with every setting a restore must carry.
fn cluster(identifier: &str, region: &str) -> SourceCluster {
    let dns = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    SourceCluster {
        identifier: identifier.to_owned(),
        resource_id: "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2".to_owned(),
        engine_version: Some("1.3.2.1".to_owned()),
        port: Some(8182),
        subnet_group: Some("graph-subnets".to_owned()),
        security_groups: vec!["sg-0123456789abcdef0".to_owned()],
        parameter_group: Some("graph-cluster-params".to_owned()),
        backup_retention: Some(7),
        backup_window: Some("03:00-03:30".to_owned()),
        maintenance_window: Some("sun:05:00-sun:05:30".to_owned()),
        endpoint: Some(format!(
            "{identifier}.cluster-c0ffee000001.{region}.neptune.{dns}"
        )),
        reader_endpoint: Some(format!(
            "{identifier}.cluster-ro-c0ffee000001.{region}.neptune.{dns}"
        )),
        tags: vec![Tag::new("team", "graph")],
        network_type: Some("IPV4".to_owned()),
        status: Some("available".to_owned()),
        ..SourceCluster::default()
    }
}

/// A writer and a reader in two zones.
fn instances(cluster: &str, class: &str, region: &str) -> Vec<SourceInstance> {
    [("1", "a", 0, true), ("2", "b", 1, false)]
        .into_iter()
        .map(|(number, zone, tier, is_writer)| SourceInstance {
            identifier: format!("{cluster}-{number}"),
            class: Some(class.to_owned()),
            parameter_group: Some("graph-instance-params".to_owned()),
            availability_zone: Some(format!("{region}{zone}")),
            promotion_tier: Some(tier),
            auto_minor_version_upgrade: Some(true),
            maintenance_window: Some(format!("tue:0{number}:00-tue:0{number}:30")),
            tags: vec![Tag::new(
                "role",
                if is_writer { "writer" } else { "reader" },
            )],
            is_writer,
        })
        .collect()
}

fn customer_key(arn: &str, state: KeyState, origin: KeyOrigin) -> KeyLookup {
    KeyLookup::Found(KeyFacts {
        arn: arn.to_owned(),
        key_manager: KeyManager::Customer,
        key_state: state,
        origin,
        deletion: None,
    })
}

/// A customer managed key that KMS deletes on 2026-12-20, read on
/// 2026-12-05.
fn key_pending_deletion(arn: &str) -> KeyLookup {
    let at = |text: &str| Timestamp::parse_rfc3339(text, "golden").unwrap();
    KeyLookup::Found(KeyFacts {
        arn: arn.to_owned(),
        key_manager: KeyManager::Customer,
        key_state: KeyState::PendingDeletion,
        origin: KeyOrigin::AwsKms,
        deletion: Some(Deletion {
            date: at("2026-12-20T13:45:00Z"),
            as_of: at("2026-12-05T21:00:00Z"),
        }),
    })
}

fn aws_managed_key(arn: &str) -> KeyLookup {
    KeyLookup::Found(KeyFacts {
        arn: arn.to_owned(),
        key_manager: KeyManager::Aws,
        key_state: KeyState::Enabled,
        origin: KeyOrigin::AwsKms,
        deletion: None,
    })
}

/// The facts `facts::gather` would collect, with the verdict reached by the
/// evaluator's decision code, as `FactCache::judge_resource` drives it.
fn facts(
    source: SourceCluster,
    key: Option<KeyLookup>,
    parameters: &str,
    target: Option<&str>,
) -> Facts {
    facts_in(REGION, source, key, parameters, target)
}

/// [`facts`] in another region (and so, maybe, another partition).
fn facts_in(
    region: &str,
    source: SourceCluster,
    key: Option<KeyLookup>,
    parameters: &str,
    target: Option<&str>,
) -> Facts {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    };
    let parameters = RuleParameters::parse(Some(parameters)).expect("valid parameters");
    let evaluation = evaluation(&source, region, partition, key.as_ref(), &parameters);
    let class = if source.serverless.is_some() {
        "db.serverless"
    } else {
        "db.r6g.large"
    };
    Facts {
        instances: instances(&source.identifier, class, region),
        partition: partition.to_owned(),
        account_id: ACCOUNT.to_owned(),
        region: region.to_owned(),
        cluster: source,
        evaluation,
        source_key: key,
        target_key: target.map(str::to_owned),
        operator: Some(Operator {
            principal_arn: format!("arn:{partition}:iam::{ACCOUNT}:role/NeptuneOperator"),
            caveat: None,
        }),
        parameters,
        global: None,
        subscriptions: Vec::new(),
        custom_endpoints: Vec::new(),
    }
}

fn evaluation(
    source: &SourceCluster,
    region: &str,
    partition: &str,
    key: Option<&KeyLookup>,
    parameters: &RuleParameters,
) -> Evaluation {
    let arn = format!(
        "arn:{partition}:rds:{region}:{ACCOUNT}:cluster:{}",
        source.identifier
    );
    let subject = Subject::new(
        ResourceKind::Cluster,
        &source.resource_id,
        ACCOUNT,
        Some(region.to_owned()),
        Some(&arn),
        Timestamp::from_epoch_millis(0),
    )
    .with_identifier(Some(source.identifier.clone()));
    let encryption = Encryption::from_storage(
        source.storage_encrypted,
        source.kms_key_id.as_deref(),
        &subject,
        "KmsKeyId",
    )
    .expect("a well-formed key id");
    match (NeptuneResource {
        subject,
        encryption,
    })
    .assess()
    {
        Assessment::Decided(evaluation) => evaluation,
        Assessment::NeedsKey(pending) => pending
            .decide(
                key.expect("an encrypted case names its key lookup"),
                parameters,
            )
            .expect("a decidable lookup"),
        Assessment::NeedsCluster(_) => unreachable!("clusters carry their own encryption"),
    }
}

fn encrypted(mut source: SourceCluster, key: &str) -> SourceCluster {
    source.storage_encrypted = true;
    source.kms_key_id = Some(key.to_owned());
    source
}

/// Renders the plan, compares it with its golden file, and checks what
/// every plan must hold: the path, and valid, predictable identifiers.
#[track_caller]
fn check(facts: &Facts, path: Path, golden: ExpectFile) {
    let plan = plan::build(facts);
    assert_eq!(plan.path, path, "{}", facts.evaluation.annotation);
    for action in plan.steps.iter().flat_map(|step| &step.actions) {
        for identifier in identifiers(action) {
            assert!(is_valid(identifier), "invalid identifier {identifier:?}");
        }
    }
    golden.assert_eq(&render(&plan));
}

fn identifiers(action: &Action) -> Vec<&str> {
    match action {
        Action::Snapshot { snapshot, .. } => vec![snapshot],
        Action::Restore(new) => match &new.source {
            RestoreSource::Snapshot(snapshot) => vec![&new.identifier, snapshot],
            RestoreSource::PointInTime(_) => vec![&new.identifier],
        },
        Action::Modify(settings) => vec![&settings.cluster],
        Action::CreateInstance(instance) => vec![&instance.identifier, &instance.cluster],
        Action::CreateEndpoint(new) => [&new.identifier, &new.cluster]
            .into_iter()
            .chain(&new.static_members)
            .chain(&new.excluded_members)
            .map(String::as_str)
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn unencrypted() {
    let facts = facts(cluster("graph-prod", REGION), None, "{}", Some(TARGET));
    check(
        &facts,
        Path::RestoreSnapshot,
        expect_file!["../../../../tests/fixtures/remediate/plans/unencrypted.txt"],
    );
}

#[test]
fn aws_managed_key_aws_rds() {
    let source = encrypted(cluster("graph-prod", REGION), AWS_RDS);
    let facts = facts(source, Some(aws_managed_key(AWS_RDS)), "{}", None);
    check(
        &facts,
        Path::CloneToPointInTime,
        expect_file!["../../../../tests/fixtures/remediate/plans/aws-managed-key.txt"],
    );
}

#[test]
fn customer_managed_key_below_the_desired_level() {
    let source = encrypted(cluster("graph-prod", REGION), OWN_KEY);
    let key = customer_key(OWN_KEY, KeyState::Enabled, KeyOrigin::AwsKms);
    let facts = facts(
        source,
        Some(key),
        r#"{"desiredEncryptionLevel": "EXTERNAL"}"#,
        Some(TARGET),
    );
    check(
        &facts,
        Path::CloneToPointInTime,
        expect_file!["../../../../tests/fixtures/remediate/plans/below-desired-level.txt"],
    );
}

#[test]
fn customer_managed_key_not_allowed() {
    let source = encrypted(cluster("graph-prod", REGION), OWN_KEY);
    let key = customer_key(OWN_KEY, KeyState::Enabled, KeyOrigin::AwsKms);
    let parameters = format!(r#"{{"allowedKmsKeyArns": "{TARGET}"}}"#);
    let facts = facts(source, Some(key), &parameters, Some(TARGET));
    check(
        &facts,
        Path::CloneToPointInTime,
        expect_file!["../../../../tests/fixtures/remediate/plans/key-not-allowed.txt"],
    );
}

#[test]
fn disabled_customer_managed_key() {
    let source = encrypted(cluster("graph-prod", REGION), OWN_KEY);
    let key = customer_key(OWN_KEY, KeyState::Disabled, KeyOrigin::AwsKms);
    let facts = facts(source, Some(key), "{}", None);
    check(
        &facts,
        Path::RepairKey,
        expect_file!["../../../../tests/fixtures/remediate/plans/disabled-key.txt"],
    );
}

#[test]
fn customer_managed_key_pending_deletion() {
    let source = encrypted(cluster("graph-prod", REGION), OWN_KEY);
    let key = key_pending_deletion(OWN_KEY);
    let facts = facts(source, Some(key), "{}", None);
    check(
        &facts,
        Path::RepairKey,
        expect_file!["../../../../tests/fixtures/remediate/plans/pending-deletion.txt"],
    );
}

#[test]
fn key_not_found() {
    let source = encrypted(cluster("graph-prod", REGION), OWN_KEY);
    let facts = facts(source, Some(KeyLookup::NotFound), "{}", None);
    check(
        &facts,
        Path::Advice,
        expect_file!["../../../../tests/fixtures/remediate/plans/key-not-found.txt"],
    );
}

#[test]
fn level_not_verifiable() {
    let foreign = "arn:aws:kms:us-east-1:444455556666:key/6f7a8b9c-0d1e-4f2a-b3c4-d5e6f7a8b9c0";
    let source = encrypted(cluster("graph-prod", REGION), foreign);
    let parameters = r#"{"desiredEncryptionLevel": "EXTERNAL"}"#;
    let facts = facts(source, Some(KeyLookup::AccessDenied), parameters, None);
    check(
        &facts,
        Path::Advice,
        expect_file!["../../../../tests/fixtures/remediate/plans/level-not-verifiable.txt"],
    );
}

#[test]
fn compliant() {
    let source = encrypted(cluster("graph-prod", REGION), OWN_KEY);
    let key = customer_key(OWN_KEY, KeyState::Enabled, KeyOrigin::AwsKms);
    let facts = facts(source, Some(key), "{}", None);
    check(
        &facts,
        Path::Nothing,
        expect_file!["../../../../tests/fixtures/remediate/plans/compliant.txt"],
    );
}

#[test]
fn sixty_character_cluster_id() {
    let identifier = "graph-analytics-production-eu-customer-recommendations-v2-01";
    assert_eq!(identifier.len(), 60);
    let facts = facts(cluster(identifier, REGION), None, "{}", Some(TARGET));
    for suffix in [plan::NEW_SUFFIX, plan::SNAPSHOT_SUFFIX] {
        let name = derived(identifier, suffix);
        assert!(name.len() <= 63 && is_valid(&name), "{name}");
    }
    check(
        &facts,
        Path::RestoreSnapshot,
        expect_file!["../../../../tests/fixtures/remediate/plans/long-identifier.txt"],
    );
}

#[test]
fn serverless_cluster() {
    let mut source = encrypted(cluster("graph-serverless", REGION), AWS_RDS);
    source.serverless = Some(Capacity { min: 1.0, max: 8.5 });
    source.storage_type = Some("iopt1".to_owned());
    source.copy_tags_to_snapshot = true;
    source.iam_auth = true;
    source.log_exports = vec!["audit".to_owned(), "slowquery".to_owned()];
    source.deletion_protection = true;
    source.tags = vec![
        Tag::new("cost center", "graph \"prod\""),
        Tag::new("owner", "it's ops"),
    ];
    let facts = facts(source, Some(aws_managed_key(AWS_RDS)), "{}", Some(TARGET));
    check(
        &facts,
        Path::CloneToPointInTime,
        expect_file!["../../../../tests/fixtures/remediate/plans/serverless.txt"],
    );
}

#[test]
fn sso_role_path() {
    let mut facts = facts(cluster("graph-prod", REGION), None, "{}", None);
    facts.operator = Some(Operator {
        principal_arn: format!(
            "arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_NeptuneAdmin_0123456789abcdef"
        ),
        caveat: None,
    });
    check(
        &facts,
        Path::RestoreSnapshot,
        expect_file!["../../../../tests/fixtures/remediate/plans/sso-role.txt"],
    );
}

#[test]
fn china_partition() {
    let region = "cn-north-1";
    let aws_rds = "arn:aws-cn:kms:cn-north-1:111122223333:key/aaaaaaaa-1111-2222-3333-444444444444";
    let target = "arn:aws-cn:kms:cn-north-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    let source = encrypted(cluster("graph-cn", region), aws_rds);
    let facts = facts_in(
        region,
        source,
        Some(aws_managed_key(aws_rds)),
        "{}",
        Some(target),
    );
    assert_eq!(facts.partition, "aws-cn");
    let plan_text = render(&plan::build(&facts));
    assert!(
        plan_text.contains("\"kms:ViaService\": \"rds.cn-north-1.amazonaws.com.cn\""),
        "{plan_text}"
    );
    check(
        &facts,
        Path::CloneToPointInTime,
        expect_file!["../../../../tests/fixtures/remediate/plans/china-partition.txt"],
    );
}

/// A CloudFormation-made cluster with IAM roles and event subscriptions:
/// the roles are attached with their features, the reserved `aws:` tags are
/// named and left out, and the subscriptions get the new ids.
#[test]
fn cloudformation_cluster_with_roles_and_subscriptions() {
    let mut source = encrypted(cluster("graph-prod", REGION), AWS_RDS);
    source.tags = vec![
        Tag::new("aws:cloudformation:stack-name", "graph"),
        Tag::new("AWS:CloudFormation:logical-id", "GraphCluster"),
        Tag::new("team", "graph"),
    ];
    source.roles = vec![
        ClusterRole {
            role_arn: format!("arn:aws:iam::{ACCOUNT}:role/NeptuneLoadFromS3"),
            feature_name: None,
        },
        ClusterRole {
            role_arn: format!("arn:aws:iam::{ACCOUNT}:role/NeptuneML"),
            feature_name: Some("SageMaker".to_owned()),
        },
    ];
    let mut facts = facts(source, Some(aws_managed_key(AWS_RDS)), "{}", Some(TARGET));
    facts.instances[0].tags.push(Tag::new(
        "aws:cloudformation:stack-id",
        "arn:aws:cloudformation:stack",
    ));
    facts.subscriptions = vec![
        Subscription {
            name: "graph-alarms".to_owned(),
            source_ids: vec!["graph-prod".to_owned()],
        },
        Subscription {
            name: "instance-events".to_owned(),
            source_ids: vec!["graph-prod-1".to_owned(), "graph-prod-2".to_owned()],
        },
    ];
    let text = render(&plan::build(&facts));
    assert!(
        !text.contains("Key=aws:") && !text.contains("Key=AWS:"),
        "{text}"
    );
    check(
        &facts,
        Path::CloneToPointInTime,
        expect_file!["../../../../tests/fixtures/remediate/plans/cloudformation-roles.txt"],
    );
}

fn global_database(primary: &str) -> GlobalDatabase {
    let arn = |region: &str, id: &str| format!("arn:aws:rds:{region}:{ACCOUNT}:cluster:{id}");
    GlobalDatabase {
        identifier: "graph-global".to_owned(),
        members: vec![
            GlobalMember {
                arn: arn(REGION, primary),
                is_writer: true,
            },
            GlobalMember {
                arn: arn("eu-west-1", "graph-eu"),
                is_writer: false,
            },
        ],
    }
}

#[test]
fn global_database_primary() {
    let mut facts = facts(cluster("graph-prod", REGION), None, "{}", Some(TARGET));
    facts.global = Some(global_database("graph-prod"));
    check(
        &facts,
        Path::GlobalDatabase,
        expect_file!["../../../../tests/fixtures/remediate/plans/global-primary.txt"],
    );
}

#[test]
fn global_database_secondary() {
    let mut facts = facts(cluster("graph-eu", "eu-west-1"), None, "{}", Some(TARGET));
    facts.region = "eu-west-1".to_owned();
    facts.global = Some(global_database("graph-prod"));
    let plan = plan::build(&facts);
    assert!(plan.steps.is_empty(), "{plan:#?}");
    check(
        &facts,
        Path::GlobalDatabase,
        expect_file!["../../../../tests/fixtures/remediate/plans/global-secondary.txt"],
    );
}

#[test]
fn disabled_key_on_an_inaccessible_cluster() {
    let mut source = encrypted(cluster("graph-prod", REGION), OWN_KEY);
    source.status = Some("inaccessible-encryption-credentials-recoverable".to_owned());
    let key = customer_key(OWN_KEY, KeyState::Disabled, KeyOrigin::AwsKms);
    let facts = facts(source, Some(key), "{}", None);
    check(
        &facts,
        Path::RepairKey,
        expect_file!["../../../../tests/fixtures/remediate/plans/inaccessible-cluster.txt"],
    );
}

/// A key of another account: its key policy must name the rule's role,
/// and the runbook does not repair it.
#[test]
fn target_key_of_another_account() {
    let target = "arn:aws:kms:us-east-1:444455556666:key/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
    let facts = facts(cluster("graph-prod", REGION), None, "{}", Some(target));
    check(
        &facts,
        Path::RestoreSnapshot,
        expect_file!["../../../../tests/fixtures/remediate/plans/cross-account-key.txt"],
    );
}

/// Custom endpoints are recreated under derived names, their members mapped
/// to the new instances; the plan says the DNS names change.
#[test]
fn custom_endpoints() {
    use super::endpoints::CustomEndpoint;
    let mut facts = facts(cluster("graph-prod", REGION), None, "{}", Some(TARGET));
    let address = |id: &str| {
        Some(format!(
            "{id}.cluster-custom-c0ffee000001.us-east-1.neptune.amazonaws.com"
        ))
    };
    facts.custom_endpoints = vec![
        CustomEndpoint {
            identifier: "analytics".to_owned(),
            address: address("analytics"),
            kind: "READER".to_owned(),
            static_members: vec!["graph-prod-2".to_owned()],
            excluded_members: Vec::new(),
        },
        CustomEndpoint {
            identifier: "all-but-writer".to_owned(),
            address: address("all-but-writer"),
            kind: "ANY".to_owned(),
            static_members: Vec::new(),
            excluded_members: vec!["graph-prod-1".to_owned()],
        },
    ];
    check(
        &facts,
        Path::RestoreSnapshot,
        expect_file!["../../../../tests/fixtures/remediate/plans/custom-endpoints.txt"],
    );
}

/// The target key and `aws/rds` are different keys in every fixture, so a
/// plan that restored onto the source's key would show in the goldens; and
/// the restore takes the target, never the key it moves away from.
#[test]
fn the_restore_takes_the_target_key_never_aws_rds() {
    let key_id = |arn: &str| arn.rsplit('/').next().map(str::to_owned);
    assert_ne!(key_id(TARGET), key_id(AWS_RDS));
    assert_ne!(key_id(TARGET), key_id(OWN_KEY));
    let source = encrypted(cluster("graph-prod", REGION), AWS_RDS);
    let facts = facts(source, Some(aws_managed_key(AWS_RDS)), "{}", Some(TARGET));
    let plan = plan::build(&facts);
    let keys: Vec<TargetKey> = plan
        .steps
        .iter()
        .flat_map(|step| &step.actions)
        .filter_map(|action| match action {
            Action::Restore(new) => Some(new.key.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(keys, [TargetKey::Arn(TARGET.to_owned())]);
}
