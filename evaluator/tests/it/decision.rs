//! The decision table, one test per row. Each test names a fixture item,
//! the facts the adapter would supply, the parameters, and the expected
//! transcript: which facts were asked for, then the verdict and annotation.

use expect_test::{expect, Expect};
use neptune_cmk_evaluator::{
    assess, Assessment, ClusterEncryption, ConfigurationItem, Deletion, KeyFacts, KeyLookup,
    KeyManager, KeyOrigin, KeyState, RuleParameters, Timestamp,
};

use crate::fixture;

const CMK: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Facts the adapter would have fetched.
struct World {
    event_left_scope: bool,
    cluster: Option<ClusterEncryption>,
    key: KeyLookup,
    parameters: &'static str,
}

impl Default for World {
    fn default() -> Self {
        Self {
            event_left_scope: false,
            cluster: None,
            key: customer_key(CMK, KeyState::Enabled, KeyOrigin::AwsKms),
            parameters: "{}",
        }
    }
}

fn customer_key(arn: &str, key_state: KeyState, origin: KeyOrigin) -> KeyLookup {
    KeyLookup::Found(KeyFacts {
        arn: arn.to_owned(),
        key_manager: KeyManager::Customer,
        key_state,
        origin,
        deletion: None,
    })
}

/// The longest key ARN a partition and region can give: a multi-Region key
/// in GovCloud.
const LONGEST_KEY: &str =
    "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab";

/// A customer managed key that KMS deletes at `date`, read at `as_of`.
fn pending_deletion_key(arn: &str, date: &str, as_of: &str) -> KeyLookup {
    let at = |text: &str| Timestamp::parse_rfc3339(text, "test").expect("test time");
    KeyLookup::Found(KeyFacts {
        arn: arn.to_owned(),
        key_manager: KeyManager::Customer,
        key_state: KeyState::PendingDeletion,
        origin: KeyOrigin::AwsKms,
        deletion: Some(Deletion {
            date: at(date),
            as_of: at(as_of),
        }),
    })
}

/// Drives the decision like the adapter does and renders a transcript.
#[track_caller]
fn check(item: &str, world: World, expect: Expect) {
    let item = ConfigurationItem::parse(item, "configurationItem").expect("fixture parses");
    let parameters = RuleParameters::parse(Some(world.parameters)).expect("parameters parse");
    let mut transcript = String::new();
    let outcome = (|| {
        let mut assessment = assess(&item, world.event_left_scope)?;
        loop {
            match assessment {
                Assessment::Decided(evaluation) => return Ok(evaluation),
                Assessment::NeedsCluster(pending) => {
                    transcript += &format!("describe cluster {}\n", pending.cluster_identifier());
                    assessment = pending.resolve(world.cluster.as_ref())?;
                }
                Assessment::NeedsKey(pending) => {
                    transcript += &format!("describe key {}\n", pending.key());
                    return pending.decide(&world.key, &parameters);
                }
            }
        }
    })();
    match outcome {
        Ok(evaluation) => {
            assert!(evaluation.annotation.as_str().len() <= 256);
            assert_eq!(
                neptune_cmk_evaluator::Reason::recognize(
                    evaluation.compliance(),
                    evaluation.annotation.as_str()
                ),
                Some(evaluation.reason),
                "the annotation's wording gives its reason back"
            );
            transcript += &format!(
                "{} ({}) {} {} @ {}\n{}",
                evaluation.compliance(),
                evaluation.reason,
                evaluation.resource_type,
                evaluation.resource_id,
                evaluation.ordering_timestamp,
                evaluation.annotation
            );
        }
        Err(error) => transcript += &format!("error: {error}"),
    }
    expect.assert_eq(&transcript);
}

// --- NOT_APPLICABLE rows ---------------------------------------------------

#[test]
fn engine_not_neptune() {
    check(
        fixture!("items/cluster-aurora-mysql.history.json"),
        World::default(),
        expect![[r#"
            NOT_APPLICABLE (not-neptune) AWS::RDS::DBCluster cluster-test @ 2022-02-21T18:42:15.271Z
            engine aurora-mysql is not Neptune; this rule evaluates only engine neptune"#]],
    );
}

#[test]
fn resource_type_not_in_scope() {
    check(
        fixture!("items/ec2-instance.json"),
        World::default(),
        expect![[r#"
            NOT_APPLICABLE (unsupported-type) AWS::EC2::Instance i-00000000 @ 2016-02-17T01:36:34.043Z
            AWS::EC2::Instance is not evaluated by this rule; it evaluates Neptune DB clusters, instances and cluster snapshots"#]],
    );
}

#[test]
fn resource_deleted() {
    check(
        fixture!("items/cluster-deleted.json"),
        World::default(),
        expect![[r#"
            NOT_APPLICABLE (deleted) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-02-01T00:00:00.000Z
            the resource was deleted (ResourceDeleted)"#]],
    );
}

#[test]
fn resource_deleted_not_recorded() {
    check(
        fixture!("items/cluster-deleted-not-recorded.json"),
        World::default(),
        expect![[r#"
            NOT_APPLICABLE (deleted) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-02-01T00:00:00.000Z
            the resource was deleted (ResourceDeletedNotRecorded)"#]],
    );
}

#[test]
fn resource_not_recorded() {
    check(
        fixture!("items/cluster-not-recorded.json"),
        World::default(),
        expect![[r#"
            NOT_APPLICABLE (not-recorded) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-02-01T00:00:00.000Z
            Config no longer records this resource (ResourceNotRecorded)"#]],
    );
}

#[test]
fn event_left_scope() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            event_left_scope: true,
            ..World::default()
        },
        expect![[r#"
            NOT_APPLICABLE (out-of-scope) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            the resource left the rule's scope (eventLeftScope)"#]],
    );
}

// --- Encryption off ----------------------------------------------------------

#[test]
fn cluster_storage_encrypted_false() {
    check(
        fixture!("items/cluster-unencrypted.json"),
        World::default(),
        expect![[r#"
            NON_COMPLIANT (unencrypted) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            storage encryption is off; an existing cluster cannot be encrypted: restore a snapshot into a new cluster with a customer managed key"#]],
    );
}

#[test]
fn cluster_storage_encrypted_absent() {
    check(
        fixture!("items/cluster-encryption-absent.json"),
        World::default(),
        expect![[r#"
            NON_COMPLIANT (unencrypted) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            storage encryption is off; an existing cluster cannot be encrypted: restore a snapshot into a new cluster with a customer managed key"#]],
    );
}

#[test]
fn snapshot_unencrypted() {
    check(
        fixture!("items/snapshot-unencrypted.history.json"),
        World::default(),
        expect![[r#"
            NON_COMPLIANT (unencrypted) AWS::RDS::DBClusterSnapshot test @ 2022-02-21T18:46:35.200Z
            storage encryption is off; this snapshot cannot be encrypted in place: restore it into a new cluster with a customer managed key, snapshot that, and delete this one"#]],
    );
}

#[test]
fn instance_whose_cluster_is_unencrypted() {
    check(
        fixture!("items/instance-inherits-from-cluster.json"),
        World {
            cluster: Some(ClusterEncryption {
                storage_encrypted: false,
                kms_key_id: None,
            }),
            ..World::default()
        },
        expect![[r#"
            describe cluster my-neptune
            NON_COMPLIANT (unencrypted) AWS::RDS::DBInstance db-NEPTUNEINSTANCE1ABCDEFGHIJ @ 2024-01-01T00:10:00.000Z
            its cluster my-neptune has storage encryption off; an existing cluster cannot be encrypted: restore a snapshot into a new cluster with a customer managed key"#]],
    );
}

#[test]
fn instance_whose_cluster_is_gone() {
    check(
        fixture!("items/instance-inherits-from-cluster.json"),
        World {
            cluster: None,
            ..World::default()
        },
        expect![[r#"
            describe cluster my-neptune
            NON_COMPLIANT (cluster-not-found) AWS::RDS::DBInstance db-NEPTUNEINSTANCE1ABCDEFGHIJ @ 2024-01-01T00:10:00.000Z
            its cluster my-neptune was not found, so the instance's encryption cannot be verified"#]],
    );
}

// --- The key ---------------------------------------------------------------

#[test]
fn aws_managed_key() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: KeyLookup::Found(KeyFacts {
                arn: CMK.to_owned(),
                key_manager: KeyManager::Aws,
                key_state: KeyState::Enabled,
                origin: KeyOrigin::AwsKms,
                deletion: None,
            }),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (aws-managed-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab), not a customer managed key; clone it into a new cluster with a customer managed key"#]],
    );
}

#[test]
fn key_disabled() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: customer_key(CMK, KeyState::Disabled, KeyOrigin::AwsKms),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is Disabled, not Enabled: the data becomes unreadable; enable the key"#]],
    );
}

#[test]
fn key_pending_deletion() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: customer_key(CMK, KeyState::PendingDeletion, KeyOrigin::AwsKms),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is PendingDeletion, not Enabled: the data becomes unreadable; cancel the key deletion"#]],
    );
}

#[test]
fn key_pending_replica_deletion() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: customer_key(CMK, KeyState::PendingReplicaDeletion, KeyOrigin::AwsKms),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is PendingReplicaDeletion, not Enabled: the data becomes unreadable; cancel the key deletion"#]],
    );
}

#[test]
fn key_pending_deletion_says_the_day() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: pending_deletion_key(CMK, "2026-12-20T13:45:00Z", "2026-12-05T21:00:00Z"),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is PendingDeletion, not Enabled: unreadable from 2026-12-20 (14 days left as of 2026-12-05); cancel the key deletion"#]],
    );
}

#[test]
fn key_pending_deletion_on_the_last_day() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: pending_deletion_key(CMK, "2026-12-06T08:00:00Z", "2026-12-05T21:00:00Z"),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is PendingDeletion, not Enabled: unreadable from 2026-12-06 (less than a day left as of 2026-12-05); cancel the key deletion"#]],
    );
}

#[test]
fn key_pending_deletion_already_due() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: pending_deletion_key(CMK, "2026-12-05T08:00:00Z", "2026-12-05T21:00:00Z"),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is PendingDeletion, not Enabled: unreadable from 2026-12-05 (already due as of 2026-12-05); cancel the key deletion"#]],
    );
}

#[test]
fn key_pending_deletion_with_the_longest_key_arn() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: pending_deletion_key(LONGEST_KEY, "2026-12-20T13:45:00Z", "2026-12-05T21:00:00Z"),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab, which is PendingDeletion, not Enabled: unreadable from 2026-12-20 (14 days left as of 2026-12-05); cancel the key deletion"#]],
    );
}

#[test]
fn key_pending_deletion_through_the_longest_cluster_name_and_key_arn() {
    // The full sentence would pass 256 bytes: the deadline leads, the ARN
    // is cut.
    check(
        fixture!("items/instance-long-cluster-name.json"),
        World {
            cluster: Some(ClusterEncryption {
                storage_encrypted: true,
                kms_key_id: Some(LONGEST_KEY.to_owned()),
            }),
            key: pending_deletion_key(LONGEST_KEY, "2026-12-20T13:45:00Z", "2026-12-05T21:00:00Z"),
            ..World::default()
        },
        expect![[r#"
            describe cluster neptune-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-cluster
            describe key arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBInstance db-NEPTUNEINSTANCE1ABCDEFGHIJ @ 2024-01-01T00:10:00.000Z
            its cluster neptune-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-cluster is encrypted with a customer managed key, PendingDeletion, not Enabled: unreadable from 2026-12-20 (14 days left as of 2026-12-05); cancel the key deletion: arn:aws-us- [truncated]"#]],
    );
}

#[test]
fn key_pending_deletion_allowed_by_require_enabled_key_false() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: pending_deletion_key(CMK, "2026-12-20T13:45:00Z", "2026-12-05T21:00:00Z"),
            parameters: r#"{"requireEnabledKey": "false"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (PendingDeletion); the key is pending deletion: unreadable from 2026-12-20 (14 days left as of 2026-12-05)"#]],
    );
}

#[test]
fn key_unavailable() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: customer_key(CMK, KeyState::Unavailable, KeyOrigin::AwsCloudHsm),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-enabled) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is Unavailable, not Enabled: the data becomes unreadable; reconnect its custom key store"#]],
    );
}

#[test]
fn key_disabled_allowed_when_enabled_key_not_required() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: customer_key(CMK, KeyState::Disabled, KeyOrigin::AwsKms),
            parameters: r#"{"requireEnabledKey":"false"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Disabled)"#]],
    );
}

#[test]
fn origin_below_desired_level() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            parameters: r#"{"desiredEncryptionLevel":"EXTERNAL"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (below-desired-level) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (origin AWS_KMS), below desiredEncryptionLevel EXTERNAL: it requires a customer managed key with imported key material"#]],
    );
}

#[test]
fn external_origin_below_cloudhsm_level() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: customer_key(CMK, KeyState::Enabled, KeyOrigin::External),
            parameters: r#"{"desiredEncryptionLevel":"CLOUDHSM"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (below-desired-level) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (origin EXTERNAL), below desiredEncryptionLevel CLOUDHSM: it requires a customer managed key in CloudHSM or an external key store"#]],
    );
}

#[test]
fn external_key_store_meets_cloudhsm_level() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: customer_key(CMK, KeyState::Enabled, KeyOrigin::ExternalKeyStore),
            parameters: r#"{"desiredEncryptionLevel":"CLOUDHSM"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key in CloudHSM or an external key store arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

#[test]
fn key_not_in_allow_list() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            parameters: r#"{"allowedKmsKeyArns":"arn:aws:kms:us-east-1:123456789012:key/other-key, arn:aws:kms:us-east-1:123456789012:key/third-key"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-allowed) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is not in allowedKmsKeyArns"#]],
    );
}

#[test]
fn key_in_allow_list() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            parameters: r#"{"allowedKmsKeyArns":"arn:aws:kms:us-east-1:123456789012:key/other-key,arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

#[test]
fn key_not_found() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: KeyLookup::NotFound,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-found) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with KMS key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which was not found: it was deleted or never existed, so the data cannot be decrypted"#]],
    );
}

#[test]
fn cross_account_key_denied_customer_managed_level() {
    check(
        fixture!("items/cluster-cross-account-key.json"),
        World {
            key: KeyLookup::AccessDenied,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333
            COMPLIANT (cross-account-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333 of account 999988887777: customer managed, as AWS managed keys cannot be used across accounts (key state not verified: DescribeKey denied)"#]],
    );
}

#[test]
fn cross_account_key_denied_stricter_level() {
    check(
        fixture!("items/cluster-cross-account-key.json"),
        World {
            key: KeyLookup::AccessDenied,
            parameters: r#"{"desiredEncryptionLevel":"CLOUDHSM"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333
            NON_COMPLIANT (level-not-verifiable) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333 of account 999988887777; cannot verify desiredEncryptionLevel CLOUDHSM: DescribeKey denied, allow this rule's role kms:DescribeKey in the key policy"#]],
    );
}

#[test]
fn cross_account_key_denied_not_in_allow_list() {
    check(
        fixture!("items/cluster-cross-account-key.json"),
        World {
            key: KeyLookup::AccessDenied,
            parameters: r#"{"allowedKmsKeyArns":"arn:aws:kms:us-east-1:123456789012:key/other-key"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333
            NON_COMPLIANT (key-not-allowed) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333, which is not in allowedKmsKeyArns"#]],
    );
}

#[test]
fn same_account_key_denied_is_an_error() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: KeyLookup::AccessDenied,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            error: kms:DescribeKey was denied for arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, a key in the resource's own account 123456789012; grant kms:DescribeKey to the rule's execution role (IAM policy and key policy)"#]],
    );
}

/// Same-account key denied, but the rule may describe `alias/aws/rds`: an AWS
/// managed key would have let the account describe it, so this key is
/// customer managed and its policy excludes the rule.
#[test]
fn same_account_key_policy_denies_describe() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: KeyLookup::KeyPolicyDenied,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (key-policy-denies-describe) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab: customer managed, as AWS managed keys are always describable in their account (state not verified: the key policy denies DescribeKey)"#]],
    );
}

#[test]
fn same_account_key_policy_denies_describe_stricter_level() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: KeyLookup::KeyPolicyDenied,
            parameters: r#"{"desiredEncryptionLevel":"EXTERNAL"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (level-not-verifiable) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab; cannot verify desiredEncryptionLevel EXTERNAL: its key policy denies DescribeKey, allow this rule's role kms:DescribeKey"#]],
    );
}

#[test]
fn same_account_key_policy_denies_describe_not_in_allow_list() {
    check(
        fixture!("items/cluster-cmk.json"),
        World {
            key: KeyLookup::KeyPolicyDenied,
            parameters: r#"{"allowedKmsKeyArns":"arn:aws:kms:us-east-1:123456789012:key/other-key"}"#,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (key-not-allowed) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is not in allowedKmsKeyArns"#]],
    );
}

/// A cross-account key is judged as one whichever way the denial was
/// probed.
#[test]
fn cross_account_key_policy_denied() {
    check(
        fixture!("items/cluster-cross-account-key.json"),
        World {
            key: KeyLookup::KeyPolicyDenied,
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333
            COMPLIANT (cross-account-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333 of account 999988887777: customer managed, as AWS managed keys cannot be used across accounts (key state not verified: DescribeKey denied)"#]],
    );
}

// --- COMPLIANT rows ----------------------------------------------------------

#[test]
fn customer_managed_enabled_key() {
    check(
        fixture!("items/cluster-cmk.json"),
        World::default(),
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

#[test]
fn history_dialect_cluster() {
    let key = "arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab";
    check(
        fixture!("items/cluster-cmk.history.json"),
        World {
            key: customer_key(key, KeyState::Enabled, KeyOrigin::AwsKms),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBCluster cluster-test @ 2022-02-21T18:42:15.271Z
            encrypted with customer managed key arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

#[test]
fn snapshot_with_customer_managed_key() {
    let key = "arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab";
    check(
        fixture!("items/snapshot-cmk.history.json"),
        World {
            key: customer_key(key, KeyState::Enabled, KeyOrigin::AwsKms),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBClusterSnapshot test @ 2022-02-21T18:46:35.200Z
            encrypted with customer managed key arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

/// A snapshot on the AWS managed key is fixed by copying it with a
/// customer managed key (CopyDBClusterSnapshot's KmsKeyId), not by a new
/// cluster.
#[test]
fn snapshot_with_aws_managed_key() {
    let key = "arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab";
    check(
        fixture!("items/snapshot-cmk.history.json"),
        World {
            key: KeyLookup::Found(KeyFacts {
                arn: key.to_owned(),
                key_manager: KeyManager::Aws,
                key_state: KeyState::Enabled,
                origin: KeyOrigin::AwsKms,
                deletion: None,
            }),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (aws-managed-key) AWS::RDS::DBClusterSnapshot test @ 2022-02-21T18:46:35.200Z
            encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab), not a customer managed key; copy it with aws neptune copy-db-cluster-snapshot --kms-key-id <customer managed key>"#]],
    );
}

/// The snapshot's fix fits Config's 256 characters whole, even with the
/// longest partition and region names in the key ARN.
#[test]
fn snapshot_with_aws_managed_key_in_a_long_partition() {
    let key =
        "arn:aws-iso-b:kms:us-isob-east-1:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab";
    check(
        fixture!("items/snapshot-cmk.history.json"),
        World {
            key: KeyLookup::Found(KeyFacts {
                arn: key.to_owned(),
                key_manager: KeyManager::Aws,
                key_state: KeyState::Enabled,
                origin: KeyOrigin::AwsKms,
                deletion: None,
            }),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-2:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab
            NON_COMPLIANT (aws-managed-key) AWS::RDS::DBClusterSnapshot test @ 2022-02-21T18:46:35.200Z
            encrypted with the AWS managed key aws/rds (arn:aws-iso-b:kms:us-isob-east-1:123456789012:key/7777bbbb-12ab-34cd-56ef-1234567890ab), not a customer managed key; copy it with aws neptune copy-db-cluster-snapshot --kms-key-id <customer managed key>"#]],
    );
}

#[test]
fn instance_inherits_cluster_key() {
    check(
        fixture!("items/instance-inherits-from-cluster.json"),
        World {
            cluster: Some(ClusterEncryption {
                storage_encrypted: true,
                kms_key_id: Some(CMK.to_owned()),
            }),
            ..World::default()
        },
        expect![[r#"
            describe cluster my-neptune
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBInstance db-NEPTUNEINSTANCE1ABCDEFGHIJ @ 2024-01-01T00:10:00.000Z
            its cluster my-neptune is encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

/// Neptune documents an instance's own StorageEncrypted/KmsKeyId as not
/// supported: whatever the item says, the instance is judged by its cluster,
/// exactly as the sweep judges it.
#[test]
fn instance_stating_a_key_is_judged_by_its_cluster() {
    check(
        fixture!("items/instance-states-key.json"),
        World {
            cluster: Some(ClusterEncryption {
                storage_encrypted: false,
                kms_key_id: None,
            }),
            ..World::default()
        },
        expect![[r#"
            describe cluster my-neptune
            NON_COMPLIANT (unencrypted) AWS::RDS::DBInstance db-NEPTUNEINSTANCE1ABCDEFGHIJ @ 2024-01-01T00:10:00.000Z
            its cluster my-neptune has storage encryption off; an existing cluster cannot be encrypted: restore a snapshot into a new cluster with a customer managed key"#]],
    );
}

#[test]
fn instance_stating_no_encryption_is_judged_by_its_cluster() {
    check(
        fixture!("items/instance-states-unencrypted.json"),
        World {
            cluster: Some(ClusterEncryption {
                storage_encrypted: true,
                kms_key_id: Some(CMK.to_owned()),
            }),
            ..World::default()
        },
        expect![[r#"
            describe cluster my-neptune
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBInstance db-NEPTUNEINSTANCE1ABCDEFGHIJ @ 2024-01-01T00:10:00.000Z
            its cluster my-neptune is encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

#[test]
fn china_partition_bare_key_id_resolves_to_full_arn() {
    let key = "arn:aws-cn:kms:cn-north-1:123456789012:key/5555aaaa-12ab-34cd-56ef-1234567890ab";
    check(
        fixture!("items/cluster-cn-bare-key-id.json"),
        World {
            key: customer_key(key, KeyState::Enabled, KeyOrigin::AwsKms),
            ..World::default()
        },
        expect![[r#"
            describe key arn:aws-cn:kms:cn-north-1:123456789012:key/5555aaaa-12ab-34cd-56ef-1234567890ab
            COMPLIANT (customer-managed-key) AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ @ 2024-01-01T00:00:00.000Z
            encrypted with customer managed key arn:aws-cn:kms:cn-north-1:123456789012:key/5555aaaa-12ab-34cd-56ef-1234567890ab (Enabled)"#]],
    );
}

// --- Resources read from templates (neptune-cmk check) ----------------------

/// Rows for resources that come from a template or plan rather than a
/// Config item: Neptune Analytics graphs, AWS owned keys, keys named by a
/// template reference.
mod templates {
    use expect_test::{expect, Expect};
    use neptune_cmk_evaluator::{
        Assessment, Encryption, KeyFacts, KeyLookup, KeyManager, KeyOrigin, KeyReference, KeyState,
        NeptuneResource, ResourceKind, RuleParameters, Subject, Timestamp,
    };

    fn subject(kind: ResourceKind, logical_id: &str) -> Subject {
        Subject::new(
            kind,
            logical_id,
            "",
            None,
            None,
            Timestamp::from_epoch_millis(0),
        )
    }

    fn found(name: &str, key_manager: KeyManager) -> KeyLookup {
        KeyLookup::Found(KeyFacts {
            arn: name.to_owned(),
            key_manager,
            key_state: KeyState::Enabled,
            origin: KeyOrigin::AwsKms,
            deletion: None,
        })
    }

    /// Drives a template resource's decision and renders the transcript.
    #[track_caller]
    fn check_resource(resource: NeptuneResource, key: KeyLookup, expect: Expect) {
        let mut transcript = String::new();
        let evaluation = match resource.assess() {
            Assessment::Decided(evaluation) => evaluation,
            Assessment::NeedsKey(pending) => {
                transcript += &format!("describe key {}\n", pending.key());
                pending
                    .decide(&key, &RuleParameters::default())
                    .expect("a found key decides")
            }
            Assessment::NeedsCluster(_) => panic!("template resources state their encryption"),
        };
        transcript += &format!(
            "{} ({}) {} {}\n{}",
            evaluation.compliance(),
            evaluation.reason,
            evaluation.resource_type,
            evaluation.resource_id,
            evaluation.annotation
        );
        expect.assert_eq(&transcript);
    }

    #[test]
    fn graph_without_key_uses_an_aws_owned_key() {
        check_resource(
            NeptuneResource {
                subject: subject(ResourceKind::Graph, "OwnedKeyGraph"),
                encryption: Encryption::AwsOwnedKey,
            },
            KeyLookup::NotFound,
            expect![[r#"
                NON_COMPLIANT (aws-owned-key) AWS::NeptuneGraph::Graph OwnedKeyGraph
                encrypted with an AWS owned key, not a customer managed key; a graph's key cannot be changed: create a new graph with a customer managed key (kmsKeyIdentifier) and load the data into it"#]],
        );
    }

    #[test]
    fn cluster_with_an_aws_owned_key() {
        check_resource(
            NeptuneResource {
                subject: subject(ResourceKind::Cluster, "Cluster"),
                encryption: Encryption::AwsOwnedKey,
            },
            KeyLookup::NotFound,
            expect![[r#"
                NON_COMPLIANT (aws-owned-key) AWS::RDS::DBCluster Cluster
                encrypted with an AWS owned key, not a customer managed key; restore a snapshot into a new cluster with a customer managed key"#]],
        );
    }

    #[test]
    fn graph_on_a_key_named_by_the_template() {
        check_resource(
            NeptuneResource {
                subject: subject(ResourceKind::Graph, "CmkGraph"),
                encryption: Encryption::On(KeyReference::named("GraphKey")),
            },
            found("GraphKey", KeyManager::Customer),
            expect![[r#"
                describe key GraphKey
                COMPLIANT (customer-managed-key) AWS::NeptuneGraph::Graph CmkGraph
                encrypted with customer managed key GraphKey (Enabled)"#]],
        );
    }

    #[test]
    fn cluster_on_the_aws_rds_alias_named_by_the_template() {
        check_resource(
            NeptuneResource {
                subject: subject(ResourceKind::Cluster, "AliasName"),
                encryption: Encryption::On(KeyReference::named("alias/aws/rds")),
            },
            found("alias/aws/rds", KeyManager::Aws),
            expect![[r#"
                describe key alias/aws/rds
                NON_COMPLIANT (aws-managed-key) AWS::RDS::DBCluster AliasName
                encrypted with the AWS managed key aws/rds (alias/aws/rds), not a customer managed key; clone it into a new cluster with a customer managed key"#]],
        );
    }

    #[test]
    fn graphs_are_not_a_config_resource_type_of_the_rule() {
        assert_eq!(
            ResourceKind::Graph.config_type(),
            "AWS::NeptuneGraph::Graph"
        );
        assert_eq!(
            ResourceKind::from_config_type("AWS::NeptuneGraph::Graph"),
            None
        );
        assert!(!ResourceKind::ALL.contains(&ResourceKind::Graph));
    }
}
