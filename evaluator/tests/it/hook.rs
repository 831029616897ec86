//! CloudFormation Lambda Hook requests, one test per row of the hook's
//! behaviour. Each test names a fixture request, the properties it deploys
//! (and, for an UPDATE, had), the facts the shell would fetch, and the
//! expected transcript: the lookups asked for, then the answer.

use expect_test::{expect, Expect};
use neptune_cmk_evaluator::{
    Assessment, ClusterEncryption, HookAnswer, HookAssessment, HookRequest, KeyFacts, KeyLookup,
    KeyManager, KeyOrigin, KeyState, RuleParameters, SourceKind,
};
use serde_json::{json, Value};

use crate::fixture;

const CMK: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const AWS_RDS: &str = "arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555";

/// What the request deploys, and the facts the shell would fetch.
struct Row {
    /// Replaces `resourceProperties` when set.
    properties: Option<Value>,
    /// Replaces `previousResourceProperties` when set.
    previous: Option<Value>,
    source: Option<ClusterEncryption>,
    key: KeyLookup,
    parameters: &'static str,
}

impl Default for Row {
    fn default() -> Self {
        Self {
            properties: None,
            previous: None,
            source: None,
            key: key(CMK, KeyManager::Customer, KeyState::Enabled),
            parameters: "{}",
        }
    }
}

fn key(arn: &str, key_manager: KeyManager, key_state: KeyState) -> KeyLookup {
    KeyLookup::Found(KeyFacts {
        arn: arn.to_owned(),
        key_manager,
        key_state,
        origin: KeyOrigin::AwsKms,
        deletion: None,
    })
}

fn properties(value: Value) -> Option<Value> {
    Some(value)
}

/// Drives the request like the shell does and renders a transcript.
#[track_caller]
fn check(request: &str, row: Row, expect: Expect) {
    let mut event: Value = serde_json::from_str(request).expect("fixture parses");
    if let Some(properties) = row.properties {
        event["requestData"]["targetModel"]["resourceProperties"] = properties;
    }
    if let Some(previous) = row.previous {
        event["requestData"]["targetModel"]["previousResourceProperties"] = previous;
    }
    assert!(HookRequest::is_hook_request(&event));
    let parameters = RuleParameters::parse(Some(row.parameters)).expect("parameters parse");
    let mut transcript = String::new();
    let answer = (|| {
        let request = HookRequest::parse(&event)?;
        let region = request.stack_region().unwrap_or("us-east-1").to_owned();
        let mut assessment = match request.assess(&region, &parameters)? {
            HookAssessment::NotEvaluated(why) => return Ok(request.not_evaluated(&why)),
            HookAssessment::Judge(assessment) => assessment,
            HookAssessment::NeedsSource(pending) => {
                let kind = match pending.kind() {
                    SourceKind::Snapshot => "snapshot",
                    SourceKind::Cluster => "cluster",
                };
                transcript += &format!("describe source {kind} {}\n", pending.identifier());
                let source = row.source.as_ref().expect("the row gives the source");
                pending.resolve(source, &parameters)?
            }
        };
        loop {
            match assessment {
                Assessment::Decided(evaluation) => return Ok(request.answer(&evaluation)),
                Assessment::NeedsCluster(pending) => {
                    panic!("a hook never asks for a cluster: {pending:?}")
                }
                Assessment::NeedsKey(pending) => {
                    transcript += &format!("describe key {}\n", pending.key());
                    let evaluation = pending.decide(&row.key, &parameters)?;
                    assessment = Assessment::Decided(evaluation);
                }
            }
        }
    })()
    .unwrap_or_else(|error: neptune_cmk_evaluator::Error| {
        HookAnswer::internal_failure(HookRequest::token_of(&event), &error.to_string())
    });
    transcript += &render(&answer);
    expect.assert_eq(&transcript);
}

fn render(answer: &HookAnswer) -> String {
    assert!(answer.message.chars().count() <= 1024);
    let mut text = format!(
        "{} {} token={}\n{}",
        answer.status.as_str(),
        answer.error_code.map_or("-", |code| code.as_str()),
        answer.client_request_token,
        answer.message
    );
    for annotation in &answer.annotations {
        text += &format!(
            "\n[{} {} {}] {}",
            annotation.name,
            annotation.status.as_str(),
            annotation.severity.as_str(),
            annotation.status_message
        );
        if let Some(fix) = &annotation.remediation_message {
            text += &format!("\n  fix: {fix}");
        }
    }
    text
}

// --- Clusters, by their own properties --------------------------------------

#[test]
fn cluster_with_customer_managed_key_arn() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row::default(),
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            SUCCESS - token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk allowed the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled) (customer-managed-key)"#]],
    );
}

#[test]
fn cluster_encrypted_as_json_boolean_without_key_is_aws_managed() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(
                json!({"DBClusterIdentifier": "graph-prod", "StorageEncrypted": true}),
            ),
            ..Row::default()
        },
        expect![[r#"
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn cluster_encrypted_as_string_without_key_is_aws_managed() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"StorageEncrypted": "true"})),
            ..Row::default()
        },
        expect![[r#"
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn cluster_without_storage_encrypted_is_unencrypted() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"DBClusterIdentifier": "graph-prod"})),
            ..Row::default()
        },
        expect![[r#"
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key (unencrypted)
              fix: set StorageEncrypted: true and KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN); for a restore, give KmsKeyId"#]],
    );
}

#[test]
fn cluster_with_storage_encrypted_false_string_ignores_its_key() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"StorageEncrypted": "False", "KmsKeyId": CMK})),
            ..Row::default()
        },
        expect![[r#"
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key (unencrypted)
              fix: set StorageEncrypted: true and KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN); for a restore, give KmsKeyId"#]],
    );
}

#[test]
fn cluster_with_key_id_is_described_in_the_stack_region() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(
                json!({"StorageEncrypted": "true", "KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
            ),
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            SUCCESS - token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk allowed the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled) (customer-managed-key)"#]],
    );
}

#[test]
fn cluster_with_alias_name_is_described_by_alias() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(
                json!({"StorageEncrypted": "true", "KmsKeyId": "alias/graph-data"}),
            ),
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:alias/graph-data
            SUCCESS - token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk allowed the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled) (customer-managed-key)"#]],
    );
}

#[test]
fn cluster_with_alias_arn_of_another_account() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({
                "StorageEncrypted": "true",
                "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:alias/shared-graph-key"
            })),
            key: KeyLookup::AccessDenied,
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:111122223333:alias/shared-graph-key
            SUCCESS - token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk allowed the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with key arn:aws:kms:us-east-1:111122223333:alias/shared-graph-key of account 111122223333: customer managed, as AWS managed keys cannot be used across accounts (key state not verified: DescribeKey denied)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with key arn:aws:kms:us-east-1:111122223333:alias/shared-graph-key of account 111122223333: customer managed, as AWS managed keys cannot be used across accounts (key state not verified: DescribeKey denied) (cross-account-key)"#]],
    );
}

#[test]
fn cluster_with_aws_rds_alias_is_decided_without_describe_key() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(
                json!({"StorageEncrypted": "true", "KmsKeyId": "alias/aws/rds"}),
            ),
            ..Row::default()
        },
        expect![[r#"
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn cluster_with_aws_managed_key_arn() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"StorageEncrypted": "true", "KmsKeyId": AWS_RDS})),
            key: key(AWS_RDS, KeyManager::Aws, KeyState::Enabled),
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn cluster_with_disabled_customer_managed_key() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            key: key(CMK, KeyManager::Customer, KeyState::Disabled),
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is Disabled, not Enabled: the data becomes unreadable; enable the key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is Disabled, not Enabled: the data becomes unreadable; enable the key (key-not-enabled)
              fix: enable the key or cancel its deletion, or name another customer managed key"#]],
    );
}

#[test]
fn cluster_with_key_outside_the_allow_list() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            parameters: r#"{"allowedKmsKeyArns": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"}"#,
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is not in allowedKmsKeyArns
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, which is not in allowedKmsKeyArns (key-not-allowed)
              fix: use one of the keys in allowedKmsKeyArns"#]],
    );
}

#[test]
fn cloud_control_request_without_stack_uses_the_function_region_and_lowercase_token() {
    check(
        fixture!("hooks/cloud-control-create-cluster.json"),
        Row::default(),
        expect![[r#"
            FAILED NonCompliant token=7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster graph-awscc: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

// --- Restores and clones -----------------------------------------------------

#[test]
fn restore_without_key_inherits_the_snapshot_customer_managed_key() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"SnapshotIdentifier": "graph-prod-final"})),
            source: Some(ClusterEncryption {
                storage_encrypted: true,
                kms_key_id: Some(CMK.to_owned()),
            }),
            ..Row::default()
        },
        expect![[r#"
            describe source snapshot graph-prod-final
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            SUCCESS - token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk allowed the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled) (customer-managed-key)"#]],
    );
}

#[test]
fn restore_of_an_unencrypted_snapshot_without_key_stays_unencrypted() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(
                json!({"SnapshotIdentifier": "graph-plain", "StorageEncrypted": "true"}),
            ),
            source: Some(ClusterEncryption {
                storage_encrypted: false,
                kms_key_id: None,
            }),
            ..Row::default()
        },
        expect![[r#"
            describe source snapshot graph-plain
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key (unencrypted)
              fix: set StorageEncrypted: true and KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN); for a restore, give KmsKeyId"#]],
    );
}

#[test]
fn restore_of_an_aws_managed_snapshot_without_key() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(
                json!({"SnapshotIdentifier": "rds:graph-prod-2026-12-01-03-00"}),
            ),
            source: Some(ClusterEncryption {
                storage_encrypted: true,
                kms_key_id: Some(AWS_RDS.to_owned()),
            }),
            key: key(AWS_RDS, KeyManager::Aws, KeyState::Enabled),
            ..Row::default()
        },
        expect![[r#"
            describe source snapshot rds:graph-prod-2026-12-01-03-00
            describe key arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn restore_with_its_own_key_needs_no_snapshot() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"SnapshotIdentifier": "graph-plain", "KmsKeyId": CMK})),
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            SUCCESS - token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk allowed the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled) (customer-managed-key)"#]],
    );
}

#[test]
fn copy_on_write_clone_inherits_the_source_cluster_key() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({
                "SourceDBClusterIdentifier": "graph-prod",
                "RestoreType": "copy-on-write",
                "UseLatestRestorableTime": "true"
            })),
            source: Some(ClusterEncryption {
                storage_encrypted: true,
                kms_key_id: Some(AWS_RDS.to_owned()),
            }),
            key: key(AWS_RDS, KeyManager::Aws, KeyState::Enabled),
            ..Row::default()
        },
        expect![[r#"
            describe source cluster graph-prod
            describe key arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:key/aaaabbbb-0000-1111-2222-333344445555), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn full_copy_clone_with_its_own_key() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({
                "SourceDBClusterIdentifier": "graph-prod",
                "RestoreType": "full-copy",
                "KmsKeyId": "alias/aws/rds"
            })),
            ..Row::default()
        },
        expect![[r#"
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

// --- Updates -------------------------------------------------------------------

#[test]
fn update_that_keeps_encryption_is_not_blocked_and_says_why() {
    check(
        fixture!("hooks/update-cluster.json"),
        Row::default(),
        expect![[r#"
            SUCCESS - token=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
            neptune-cmk allowed the UPDATE of AWS::Neptune::DBCluster LegacyCluster: it does not change the encryption properties, but the resource is already NON_COMPLIANT: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn update_that_moves_onto_aws_rds_is_blocked() {
    check(
        fixture!("hooks/update-cluster.json"),
        Row {
            properties: properties(json!({
                "DBClusterIdentifier": "graph-legacy",
                "StorageEncrypted": "true",
                "KmsKeyId": "alias/aws/rds"
            })),
            previous: properties(json!({
                "DBClusterIdentifier": "graph-legacy",
                "StorageEncrypted": "true",
                "KmsKeyId": CMK
            })),
            ..Row::default()
        },
        expect![[r#"
            FAILED NonCompliant token=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
            neptune-cmk refused the UPDATE of AWS::Neptune::DBCluster LegacyCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

#[test]
fn update_onto_a_customer_managed_key_is_allowed() {
    check(
        fixture!("hooks/update-cluster.json"),
        Row {
            properties: properties(json!({"StorageEncrypted": "true", "KmsKeyId": CMK})),
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
            SUCCESS - token=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
            neptune-cmk allowed the UPDATE of AWS::Neptune::DBCluster LegacyCluster: encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with customer managed key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (Enabled) (customer-managed-key)"#]],
    );
}

#[test]
fn update_without_previous_properties_is_judged_as_a_change() {
    let mut event: Value = serde_json::from_str(fixture!("hooks/update-cluster.json")).unwrap();
    event["requestData"]["targetModel"]
        .as_object_mut()
        .unwrap()
        .remove("previousResourceProperties");
    check(
        &event.to_string(),
        Row::default(),
        expect![[r#"
            FAILED NonCompliant token=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
            neptune-cmk refused the UPDATE of AWS::Neptune::DBCluster LegacyCluster: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:123456789012:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key (aws-managed-key)
              fix: set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its ARN), not alias/aws/rds and not left out"#]],
    );
}

// --- Graphs ----------------------------------------------------------------------

#[test]
fn graph_without_key_is_aws_owned() {
    check(
        fixture!("hooks/create-graph.json"),
        Row::default(),
        expect![[r#"
            FAILED NonCompliant token=0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e
            neptune-cmk refused the CREATE of AWS::NeptuneGraph::Graph AnalyticsGraph: encrypted with an AWS owned key, not a customer managed key; set KmsKeyIdentifier to a customer managed key
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with an AWS owned key, not a customer managed key; set KmsKeyIdentifier to a customer managed key (aws-owned-key)
              fix: set KmsKeyIdentifier to a customer managed key (an AWS::KMS::Key, or its ARN): a graph's key cannot be changed after it is created"#]],
    );
}

#[test]
fn graph_with_customer_managed_key() {
    let key_arn = "arn:aws:kms:eu-west-1:123456789012:key/5678efgh-12ab-34cd-56ef-1234567890ab";
    check(
        fixture!("hooks/create-graph.json"),
        Row {
            properties: properties(json!({"GraphName": "analytics", "KmsKeyIdentifier": key_arn})),
            key: key(key_arn, KeyManager::Customer, KeyState::Enabled),
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:eu-west-1:123456789012:key/5678efgh-12ab-34cd-56ef-1234567890ab
            SUCCESS - token=0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e
            neptune-cmk allowed the CREATE of AWS::NeptuneGraph::Graph AnalyticsGraph: encrypted with customer managed key arn:aws:kms:eu-west-1:123456789012:key/5678efgh-12ab-34cd-56ef-1234567890ab (Enabled)
            [NeptuneCmkCustomerManagedKey PASSED INFORMATIONAL] encrypted with customer managed key arn:aws:kms:eu-west-1:123456789012:key/5678efgh-12ab-34cd-56ef-1234567890ab (Enabled) (customer-managed-key)"#]],
    );
}

// --- Not evaluated ---------------------------------------------------------------

#[test]
fn delete_is_not_evaluated() {
    check(
        fixture!("hooks/delete-cluster.json"),
        Row::default(),
        expect![[r#"
        SUCCESS - token=5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a
        neptune-cmk: AWS::Neptune::DBCluster GraphCluster not evaluated: DELETE is not evaluated: only CREATE and UPDATE can bring a key that is not customer managed"#]],
    );
}

#[test]
fn other_resource_type_is_not_evaluated() {
    let mut event: Value = serde_json::from_str(fixture!("hooks/create-cluster.json")).unwrap();
    event["requestData"]["targetName"] = json!("AWS::RDS::DBCluster");
    check(
        &event.to_string(),
        Row::default(),
        expect![[r#"
        SUCCESS - token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
        neptune-cmk: AWS::RDS::DBCluster GraphCluster not evaluated: AWS::RDS::DBCluster is not evaluated: this hook judges AWS::Neptune::DBCluster and AWS::NeptuneGraph::Graph"#]],
    );
}

// --- Malformed requests ----------------------------------------------------------

#[test]
fn storage_encrypted_that_is_not_a_boolean_fails_naming_the_property() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"StorageEncrypted": "yes"})),
            ..Row::default()
        },
        expect![[r#"
            FAILED InternalFailure token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk could not judge this resource: requestData.targetModel.resourceProperties.StorageEncrypted has the invalid value "the string \"yes\""; expected true or false (a JSON boolean or the string CloudFormation sends)"#]],
    );
}

#[test]
fn key_that_is_not_a_string_fails_naming_the_property() {
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"StorageEncrypted": "true", "KmsKeyId": {"Ref": "Key"}})),
            ..Row::default()
        },
        expect![[r#"
            FAILED InternalFailure token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk could not judge this resource: requestData.targetModel.resourceProperties.KmsKeyId must be a string, found an object"#]],
    );
}

#[test]
fn request_without_token_fails_with_an_empty_token() {
    let mut event: Value = serde_json::from_str(fixture!("hooks/create-cluster.json")).unwrap();
    event.as_object_mut().unwrap().remove("clientRequestToken");
    check(
        &event.to_string(),
        Row::default(),
        expect![[r#"
        FAILED InternalFailure token=
        neptune-cmk could not judge this resource: clientRequestToken is missing; CloudFormation sends a token with every hook request"#]],
    );
}

#[test]
fn request_without_target_name_fails_but_echoes_the_token() {
    let mut event: Value = serde_json::from_str(fixture!("hooks/create-cluster.json")).unwrap();
    event["requestData"]
        .as_object_mut()
        .unwrap()
        .remove("targetName");
    check(
        &event.to_string(),
        Row::default(),
        expect![[r#"
        FAILED InternalFailure token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
        neptune-cmk could not judge this resource: requestData.targetName is missing; a hook request names the resource type"#]],
    );
}

#[test]
fn long_messages_are_cut_for_cloud_control() {
    let long_id = format!("alias/{}", "k".repeat(2000));
    check(
        fixture!("hooks/create-cluster.json"),
        Row {
            properties: properties(json!({"StorageEncrypted": "true", "KmsKeyId": long_id})),
            key: KeyLookup::NotFound,
            ..Row::default()
        },
        expect![[r#"
            describe key arn:aws:kms:us-east-1:123456789012:alias/kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
            FAILED NonCompliant token=4f6e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b
            neptune-cmk refused the CREATE of AWS::Neptune::DBCluster GraphCluster: encrypted with KMS key arn:aws:kms:us-east-1:123456789012:alias/kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk [truncated]
            [NeptuneCmkCustomerManagedKey FAILED HIGH] encrypted with KMS key arn:aws:kms:us-east-1:123456789012:alias/kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk [truncated] (key-not-found)
              fix: name a key that exists in this account and region, by its ARN"#]],
    );
}

#[test]
fn the_token_of_a_request_that_cannot_be_parsed_is_found_in_its_text() {
    let broken = r#"{"clientRequestToken" : "a\"b-1", "requestData": {"#;
    assert!(HookRequest::text_is_hook_request(broken));
    assert_eq!(
        HookRequest::token_in_text(broken).as_deref(),
        Some("a\"b-1")
    );
    let lower = r#"{"clientRequesttoken":"t-2","actionInvocationPoint":"#;
    assert_eq!(HookRequest::token_in_text(lower).as_deref(), Some("t-2"));
    assert_eq!(
        HookRequest::token_in_text(r#"{"clientRequestToken": 7}"#),
        None
    );
    assert!(!HookRequest::text_is_hook_request(
        r#"{"invokingEvent": "{}"}"#
    ));
}
