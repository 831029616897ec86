//! The decision table for templates, one test per row: a fixture (or a
//! few lines of template), the options, and the findings it gives.
//! `UPDATE_EXPECT=1` rewrites the expectations.

use expect_test::{expect, Expect};
use neptune_cmk_evaluator::{EncryptionLevel, KeyLookup, RuleParameters};
use neptune_cmk_template::{check, CheckOptions, Document};

use crate::{deployment, fixture, resolved};

/// Judges `files` (path, text) and renders one line per finding, then any
/// errors.
#[track_caller]
fn check_files(files: &[(&str, &str)], options: &CheckOptions, expect: Expect) {
    let documents: Vec<Document<'_>> = files
        .iter()
        .map(|(path, text)| Document::named(path, text))
        .collect();
    let report = check(&documents, options);
    let mut out = String::new();
    for finding in &report.findings {
        out += &format!(
            "{}:{} {} ({}) {}: {}\n",
            finding.file,
            finding.line,
            finding.verdict(),
            finding.cause,
            finding.resource,
            finding.annotation
        );
    }
    for error in &report.errors {
        out += &format!("error: {error}\n");
    }
    expect.assert_eq(&out);
}

#[track_caller]
fn check_one(path: &str, text: &str, expect: Expect) {
    check_files(&[(path, text)], &CheckOptions::default(), expect);
}

fn parameters(level: EncryptionLevel, require_enabled_key: bool) -> CheckOptions {
    CheckOptions {
        parameters: RuleParameters {
            desired_level: level,
            require_enabled_key,
            ..RuleParameters::default()
        },
        ..CheckOptions::default()
    }
}

// --- What Checkov and Trivy pass --------------------------------------------

#[test]
fn aws_rds_alias_by_name_and_by_arn() {
    check_one(
        "cfn/cluster-aws-rds-alias.yaml",
        fixture!("cfn/cluster-aws-rds-alias.yaml"),
        expect![[r#"
            cfn/cluster-aws-rds-alias.yaml:8 NON_COMPLIANT (aws-managed-key) AliasName: encrypted with the AWS managed key aws/rds (alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            cfn/cluster-aws-rds-alias.yaml:13 NON_COMPLIANT (aws-managed-key) AliasArn: encrypted with the AWS managed key aws/rds (arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
        "#]],
    );
}

#[test]
fn aws_managed_key_arn_offline_is_unverified() {
    check_one(
        "cfn/cluster-aws-managed-key-arn.yaml",
        fixture!("cfn/cluster-aws-managed-key-arn.yaml"),
        expect![[r#"
            cfn/cluster-aws-managed-key-arn.yaml:10 UNVERIFIED (unverified-key-lookup) ManagedKeyArn: KmsKeyId is arn:aws:kms:us-east-1:111122223333:key/0e1f2a3b-aaaa-4bbb-8ccc-0123456789ab: only kms:DescribeKey can tell whether it is customer managed; run neptune-cmk check --resolve
            cfn/cluster-aws-managed-key-arn.yaml:15 UNVERIFIED (unverified-key-lookup) CustomerKeyArn: KmsKeyId is arn:aws:kms:us-east-1:111122223333:key/5d6e7f80-dddd-4eee-8fff-0123456789ab: only kms:DescribeKey can tell whether it is customer managed; run neptune-cmk check --resolve
        "#]],
    );
}

#[test]
fn aws_managed_key_arn_resolved_is_the_rules_verdict() {
    check_files(
        &[(
            "cfn/cluster-aws-managed-key-arn.yaml",
            fixture!("cfn/cluster-aws-managed-key-arn.yaml"),
        )],
        &resolved(),
        expect![[r#"
            cfn/cluster-aws-managed-key-arn.yaml:10 NON_COMPLIANT (aws-managed-key) ManagedKeyArn: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:111122223333:key/0e1f2a3b-aaaa-4bbb-8ccc-0123456789ab), not a customer managed key; set KmsKeyId to a customer managed key
            cfn/cluster-aws-managed-key-arn.yaml:15 COMPLIANT (customer-managed-key) CustomerKeyArn: encrypted with customer managed key arn:aws:kms:us-east-1:111122223333:key/5d6e7f80-dddd-4eee-8fff-0123456789ab (Enabled)
        "#]],
    );
}

#[test]
fn encryption_on_without_a_key_is_the_default_key() {
    check_one(
        "cfn/cluster-encrypted-no-key.yaml",
        fixture!("cfn/cluster-encrypted-no-key.yaml"),
        expect![[r#"
            cfn/cluster-encrypted-no-key.yaml:7 NON_COMPLIANT (aws-managed-key) DefaultKeyCluster: encrypted with the AWS managed key aws/rds (default key: KmsKeyId not set), not a customer managed key; set KmsKeyId to a customer managed key
        "#]],
    );
}

// --- Keys defined in the template --------------------------------------------

#[test]
fn key_in_the_same_template() {
    check_one(
        "cfn/cluster-cmk-in-template.yaml",
        fixture!("cfn/cluster-cmk-in-template.yaml"),
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13 COMPLIANT (customer-managed-key) Cluster: encrypted with customer managed key NeptuneKey (Enabled)
        "#]],
    );
}

#[test]
fn alias_in_the_same_template_by_ref_and_by_name() {
    check_one(
        "cfn/cluster-alias-in-template.yaml",
        fixture!("cfn/cluster-alias-in-template.yaml"),
        expect![[r#"
            cfn/cluster-alias-in-template.yaml:17 COMPLIANT (customer-managed-key) ByAliasRef: encrypted with customer managed key DataKey via alias/neptune-data (Enabled)
            cfn/cluster-alias-in-template.yaml:23 COMPLIANT (customer-managed-key) ByAliasName: encrypted with customer managed key DataKey via alias/neptune-data (Enabled)
        "#]],
    );
}

#[test]
fn json_template_with_sub_and_join() {
    check_one(
        "cfn/cluster-cmk.json",
        fixture!("cfn/cluster-cmk.json"),
        expect![[r#"
            cfn/cluster-cmk.json:13 COMPLIANT (customer-managed-key) JsonCmkCluster: encrypted with customer managed key Key (Enabled)
            cfn/cluster-cmk.json:20 NON_COMPLIANT (aws-managed-key) JsonManagedCluster: encrypted with the AWS managed key aws/rds (arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
        "#]],
    );
}

#[test]
fn disabled_key_and_imported_key_material() {
    check_one(
        "cfn/keys-state-origin.yaml",
        fixture!("cfn/keys-state-origin.yaml"),
        expect![[r#"
            cfn/keys-state-origin.yaml:16 NON_COMPLIANT (key-not-enabled) OnDisabledKey: encrypted with customer managed key DisabledKey, which is Disabled, not Enabled: the data becomes unreadable; enable the key
            cfn/keys-state-origin.yaml:21 UNVERIFIED (unverified-key-facts) OnImportedMaterialKey: encrypted with customer managed key ImportedMaterialKey, whose state is not known before deploy (Origin EXTERNAL: it is PendingImport until its key material is imported outside the template); requireEnabledKey needs it Enabled
        "#]],
    );
}

#[test]
fn imported_key_material_meets_the_external_level_when_state_is_not_required() {
    check_files(
        &[(
            "cfn/keys-state-origin.yaml",
            fixture!("cfn/keys-state-origin.yaml"),
        )],
        &parameters(EncryptionLevel::External, false),
        expect![[r#"
            cfn/keys-state-origin.yaml:16 NON_COMPLIANT (below-desired-level) OnDisabledKey: encrypted with key DisabledKey (origin AWS_KMS), below desiredEncryptionLevel EXTERNAL: it requires a customer managed key with imported key material
            cfn/keys-state-origin.yaml:21 COMPLIANT (customer-managed-key) OnImportedMaterialKey: encrypted with customer managed key with imported key material ImportedMaterialKey (state unknown before deploy)
        "#]],
    );
}

#[test]
fn in_template_key_below_the_cloudhsm_level() {
    check_files(
        &[(
            "cfn/cluster-cmk-in-template.yaml",
            fixture!("cfn/cluster-cmk-in-template.yaml"),
        )],
        &parameters(EncryptionLevel::CloudHsm, true),
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13 NON_COMPLIANT (below-desired-level) Cluster: encrypted with key NeptuneKey (origin AWS_KMS), below desiredEncryptionLevel CLOUDHSM: it requires a customer managed key in CloudHSM or an external key store
        "#]],
    );
}

#[test]
fn a_new_key_is_never_in_the_allow_list() {
    let options = CheckOptions {
        parameters: RuleParameters::parse(Some(
            r#"{"allowedKmsKeyArns":"arn:aws:kms:us-east-1:111122223333:key/5d6e7f80-dddd-4eee-8fff-0123456789ab"}"#,
        ))
        .unwrap(),
        ..resolved()
    };
    check_files(
        &[
            (
                "cfn/cluster-cmk-in-template.yaml",
                fixture!("cfn/cluster-cmk-in-template.yaml"),
            ),
            (
                "cfn/cluster-aws-managed-key-arn.yaml",
                fixture!("cfn/cluster-aws-managed-key-arn.yaml"),
            ),
        ],
        &options,
        expect![[r#"
            cfn/cluster-cmk-in-template.yaml:13 NON_COMPLIANT (key-not-allowed) Cluster: encrypted with key NeptuneKey, which is not in allowedKmsKeyArns
            cfn/cluster-aws-managed-key-arn.yaml:10 NON_COMPLIANT (aws-managed-key) ManagedKeyArn: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:111122223333:key/0e1f2a3b-aaaa-4bbb-8ccc-0123456789ab), not a customer managed key; set KmsKeyId to a customer managed key
            cfn/cluster-aws-managed-key-arn.yaml:15 COMPLIANT (customer-managed-key) CustomerKeyArn: encrypted with customer managed key arn:aws:kms:us-east-1:111122223333:key/5d6e7f80-dddd-4eee-8fff-0123456789ab (Enabled)
        "#]],
    );
}

#[test]
fn replica_key_origin_is_its_primarys() {
    let template = "Resources:
  Replica:
    Type: AWS::KMS::ReplicaKey
    Properties:
      PrimaryKeyArn: arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd
      KeyPolicy: {}
  Cluster:
    Type: AWS::Neptune::DBCluster
    Properties:
      StorageEncrypted: true
      KmsKeyId: !GetAtt Replica.Arn
";
    check_one(
        "replica.yaml",
        template,
        expect![[r#"
            replica.yaml:11 COMPLIANT (customer-managed-key) Cluster: encrypted with customer managed key Replica (Enabled)
        "#]],
    );
    check_files(
        &[("replica.yaml", template)],
        &parameters(EncryptionLevel::External, true),
        expect![[r#"
            replica.yaml:11 UNVERIFIED (unverified-key-facts) Cluster: encrypted with customer managed key Replica, whose origin is not known before deploy (a replica key has its primary key's origin, and PrimaryKeyArn is arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd); desiredEncryptionLevel EXTERNAL needs it
        "#]],
    );
}

// --- Parameters, conditions, imports, restores ------------------------------

#[test]
fn parameters_are_judged_by_their_default() {
    check_one(
        "cfn/cluster-parameter.yaml",
        fixture!("cfn/cluster-parameter.yaml"),
        expect![[r#"
            cfn/cluster-parameter.yaml:17 NON_COMPLIANT (aws-managed-key) FromManagedDefault: encrypted with the AWS managed key aws/rds (alias/aws/rds, the Default of parameter ManagedDefault), not a customer managed key; set KmsKeyId to a customer managed key
            cfn/cluster-parameter.yaml:22 UNVERIFIED (unverified-key-lookup) FromArnDefault: KmsKeyId is arn:aws:kms:us-east-1:111122223333:key/5d6e7f80-dddd-4eee-8fff-0123456789ab (the Default of parameter ArnDefault): only kms:DescribeKey can tell whether it is customer managed; run neptune-cmk check --resolve
            cfn/cluster-parameter.yaml:27 UNVERIFIED (unverified-expression) FromNoDefault: KmsKeyId is parameter NoDefault, which has no value before deploy: it has no Default, so its value is given at deploy
        "#]],
    );
}

#[test]
fn storage_encrypted_from_a_parameter_without_default() {
    check_one(
        "flag.yaml",
        "Parameters:
  Encrypt: {Type: String, AllowedValues: ['true', 'false']}
Resources:
  Cluster:
    Type: AWS::Neptune::DBCluster
    Properties:
      StorageEncrypted: !Ref Encrypt
",
        expect![[r#"
            flag.yaml:7 UNVERIFIED (unverified-expression) Cluster: StorageEncrypted is parameter Encrypt, which has no value before deploy: it has no Default, so its value is given at deploy
        "#]],
    );
}

#[test]
fn both_branches_of_a_condition_the_worse_reported() {
    check_one(
        "cfn/cluster-condition.yaml",
        fixture!("cfn/cluster-condition.yaml"),
        expect![[r#"
            cfn/cluster-condition.yaml:24 NON_COMPLIANT (aws-managed-key) Cluster: when condition IsProd is false: encrypted with the AWS managed key aws/rds (default key: KmsKeyId not set), not a customer managed key; set KmsKeyId to a customer managed key
            cfn/cluster-condition.yaml:29 COMPLIANT (customer-managed-key) BothBranchesCmk: when condition IsProd is true: encrypted with customer managed key NeptuneKey (Enabled)
        "#]],
    );
}

#[test]
fn conditions_are_enumerated_together() {
    check_one(
        "two.yaml",
        "Conditions:
  A: !Equals [a, a]
  B: !Equals [b, b]
Resources:
  Key: {Type: AWS::KMS::Key}
  Cluster:
    Type: AWS::Neptune::DBCluster
    Properties:
      StorageEncrypted: !If [A, true, false]
      KmsKeyId: !If [A, !If [B, !Ref Key, alias/aws/rds], !Ref Key]
",
        expect![[r#"
            two.yaml:10 NON_COMPLIANT (aws-managed-key) Cluster: when conditions A is true and B is false: encrypted with the AWS managed key aws/rds (alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
        "#]],
    );
}

#[test]
fn import_from_a_stack_not_checked() {
    check_one(
        "cfn/cluster-import.yaml",
        fixture!("cfn/cluster-import.yaml"),
        expect![[r#"
            cfn/cluster-import.yaml:8 UNVERIFIED (unverified-imported-key) Cluster: KmsKeyId is imported from another stack (Fn::ImportValue shared-kms-NeptuneKeyArn), which is not among the files checked: its key cannot be judged from this template
        "#]],
    );
}

#[test]
fn import_from_a_stack_checked_in_the_same_run() {
    check_files(
        &[
            (
                "cdk.out/NeptuneDatabases.template.json",
                fixture!("cdk.out/NeptuneDatabases.template.json"),
            ),
            (
                "cdk.out/NeptuneKeys.template.json",
                fixture!("cdk.out/NeptuneKeys.template.json"),
            ),
        ],
        &CheckOptions::default(),
        expect![[r#"
            cdk.out/NeptuneDatabases.template.json:61 COMPLIANT (customer-managed-key) CmkCluster: encrypted with customer managed key NeptuneDatabases/NeptuneKey/Resource (Enabled)
            cdk.out/NeptuneDatabases.template.json:76 COMPLIANT (customer-managed-key) SharedKeyCluster: encrypted with customer managed key NeptuneKeys/SharedNeptuneKey/Resource of cdk.out/NeptuneKeys.template.json (Enabled)
            cdk.out/NeptuneDatabases.template.json:88 NON_COMPLIANT (aws-managed-key) AwsRdsCluster: encrypted with the AWS managed key aws/rds (alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
            cdk.out/NeptuneDatabases.template.json:95 NON_COMPLIANT (unencrypted) UnencryptedCluster: storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key
        "#]],
    );
}

#[test]
fn restores_keep_the_snapshot_key_unless_given_one() {
    check_one(
        "cfn/cluster-restore.yaml",
        fixture!("cfn/cluster-restore.yaml"),
        expect![[r#"
            cfn/cluster-restore.yaml:11 UNVERIFIED (unverified-restore) RestoredKeepsKey: restored from SnapshotIdentifier arn:aws:rds:us-east-1:111122223333:cluster-snapshot:nightly without KmsKeyId: the cluster keeps the source's encryption, which a template does not show; set KmsKeyId to a customer managed key
            cfn/cluster-restore.yaml:16 COMPLIANT (customer-managed-key) RestoredWithCmk: encrypted with customer managed key RestoreKey (Enabled)
            cfn/cluster-restore.yaml:20 UNVERIFIED (unverified-restore) PointInTimeClone: restored from SourceDBClusterIdentifier prod-graph without KmsKeyId: the cluster keeps the source's encryption, which a template does not show; set KmsKeyId to a customer managed key
        "#]],
    );
}

#[test]
fn unencrypted_clusters() {
    check_one(
        "cfn/cluster-unencrypted.yaml",
        fixture!("cfn/cluster-unencrypted.yaml"),
        expect![[r#"
            cfn/cluster-unencrypted.yaml:4 NON_COMPLIANT (unencrypted) NoEncryption: storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key
            cfn/cluster-unencrypted.yaml:11 NON_COMPLIANT (unencrypted) EncryptionOff: storage encryption is off; set StorageEncrypted: true and KmsKeyId to a customer managed key
        "#]],
    );
}

#[test]
fn graphs_default_to_an_aws_owned_key() {
    check_one(
        "cfn/graphs.yaml",
        fixture!("cfn/graphs.yaml"),
        expect![[r#"
            cfn/graphs.yaml:8 NON_COMPLIANT (aws-owned-key) OwnedKeyGraph: encrypted with an AWS owned key, not a customer managed key; set KmsKeyIdentifier to a customer managed key
            cfn/graphs.yaml:16 COMPLIANT (customer-managed-key) CmkGraph: encrypted with customer managed key GraphKey (Enabled)
        "#]],
    );
}

// --- Lookups (--resolve) ------------------------------------------------------

const LITERAL: &str = "Resources:
  Cluster:
    Type: AWS::Neptune::DBCluster
    Properties:
      StorageEncrypted: true
      KmsKeyId: arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333
";

fn lookup(answer: KeyLookup, deployed: bool) -> CheckOptions {
    CheckOptions {
        lookups: [(
            "arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333"
                .to_owned(),
            answer,
        )]
        .into(),
        deployment: deployed.then(deployment),
        ..CheckOptions::default()
    }
}

#[test]
fn looked_up_key_not_found() {
    check_files(
        &[("literal.yaml", LITERAL)],
        &lookup(KeyLookup::NotFound, true),
        expect![[r#"
            literal.yaml:6 NON_COMPLIANT (key-not-found) Cluster: encrypted with KMS key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333, which was not found: it was deleted or never existed, so the data cannot be decrypted
        "#]],
    );
}

#[test]
fn another_accounts_key_denied_is_customer_managed() {
    check_files(
        &[("literal.yaml", LITERAL)],
        &lookup(KeyLookup::AccessDenied, true),
        expect![[r#"
            literal.yaml:6 COMPLIANT (cross-account-key) Cluster: encrypted with key arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333 of account 999988887777: customer managed, as AWS managed keys cannot be used across accounts (key state not verified: DescribeKey denied)
        "#]],
    );
}

#[test]
fn denied_without_knowing_the_deploying_account() {
    check_files(
        &[("literal.yaml", LITERAL)],
        &lookup(KeyLookup::AccessDenied, false),
        expect![[r#"
            literal.yaml:6 UNVERIFIED (unverified-lookup-denied) Cluster: kms:DescribeKey was denied for arn:aws:kms:us-east-1:999988887777:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333, so whether it is customer managed cannot be verified; allow kms:DescribeKey on it to the identity running neptune-cmk check
        "#]],
    );
}

#[test]
fn same_account_key_denied() {
    let template = LITERAL.replace("999988887777", "111122223333");
    let options = CheckOptions {
        lookups: [(
            "arn:aws:kms:us-east-1:111122223333:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333"
                .to_owned(),
            KeyLookup::AccessDenied,
        )]
        .into(),
        deployment: Some(deployment()),
        ..CheckOptions::default()
    };
    check_files(
        &[("literal.yaml", &template)],
        &options,
        expect![[r#"
            literal.yaml:6 UNVERIFIED (unverified-lookup-denied) Cluster: kms:DescribeKey was denied for arn:aws:kms:us-east-1:111122223333:key/0f0f0f0f-aaaa-bbbb-cccc-111122223333, so whether it is customer managed cannot be verified; allow kms:DescribeKey on it to the identity running neptune-cmk check
        "#]],
    );
}

#[test]
fn key_references_fill_in_pseudo_parameters() {
    let template = "Resources:
  Cluster:
    Type: AWS::Neptune::DBCluster
    Properties:
      StorageEncrypted: true
      KmsKeyId: !Sub arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/neptune
";
    let parsed = neptune_cmk_template::parse(&[Document::named("sub.yaml", template)]);
    assert!(parsed.key_references(None).is_empty());
    assert_eq!(
        parsed
            .key_references(Some(&deployment()))
            .into_iter()
            .collect::<Vec<_>>(),
        ["arn:aws:kms:us-east-1:111122223333:alias/neptune"]
    );
}

// --- Terraform ---------------------------------------------------------------

#[test]
fn terraform_plan_with_modules() {
    check_one(
        "terraform/plan-modules.json",
        fixture!("terraform/plan-modules.json"),
        expect![[r#"
            terraform/plan-modules.json:29 NON_COMPLIANT (aws-managed-key) aws_neptune_cluster.default_key: encrypted with the AWS managed key aws/rds (default key: kms_key_arn not set), not a customer managed key; set kms_key_arn to a customer managed key
            terraform/plan-modules.json:62 NON_COMPLIANT (unencrypted) aws_neptune_cluster.plain: storage encryption is off; set storage_encrypted = true and kms_key_arn to a customer managed key
            terraform/plan-modules.json:113 UNVERIFIED (unverified-key-lookup) aws_neptunegraph_graph.byo_key: kms_key_identifier is arn:aws:kms:us-east-1:111122223333:key/5d6e7f80-dddd-4eee-8fff-0123456789ab: only kms:DescribeKey can tell whether it is customer managed; run neptune-cmk check --resolve
            terraform/plan-modules.json:135 NON_COMPLIANT (aws-owned-key) aws_neptunegraph_graph.owned_key: encrypted with an AWS owned key, not a customer managed key; set kms_key_identifier to a customer managed key
            terraform/plan-modules.json:160 COMPLIANT (customer-managed-key) module.analytics.aws_neptunegraph_graph.this: encrypted with customer managed key module.analytics.module.keys.aws_kms_key.this (Enabled)
            terraform/plan-modules.json:215 COMPLIANT (customer-managed-key) module.graph_db.aws_neptune_cluster.this: encrypted with customer managed key aws_kms_key.neptune (Enabled)
            terraform/plan-modules.json:253 NON_COMPLIANT (aws-managed-key) module.legacy_db.aws_neptune_cluster.this: encrypted with the AWS managed key aws/rds (alias/aws/rds), not a customer managed key; set kms_key_arn to a customer managed key
        "#]],
    );
}

/// A one-resource plan: `values` planned, `unknown` after apply, and the
/// configuration's expressions for the resource.
fn plan(
    kind: &str,
    values: &str,
    unknown: &str,
    expressions: &str,
    extra_resources: &str,
) -> String {
    format!(
        r#"{{"format_version": "1.2",
 "planned_values": {{"root_module": {{"resources": [
   {{"address": "{kind}.x", "mode": "managed", "type": "{kind}", "name": "x", "values": {values}}}{extra_resources}]}}}},
 "resource_changes": [{{"address": "{kind}.x", "change": {{"actions": ["create"], "after_unknown": {unknown}}}}}],
 "configuration": {{"root_module": {{"resources": [
   {{"address": "{kind}.x", "mode": "managed", "type": "{kind}", "name": "x", "expressions": {expressions}}}]}}}}}}"#
    )
}

#[test]
fn terraform_key_known_only_after_apply_from_a_local_is_unverified() {
    let text = plan(
        "aws_neptune_cluster",
        r#"{"storage_encrypted": true}"#,
        r#"{"kms_key_arn": true}"#,
        r#"{"kms_key_arn": {"references": ["local.key_arn"]}}"#,
        "",
    );
    check_one(
        "local.json",
        &text,
        expect![[r#"
            local.json:3 UNVERIFIED (unverified-expression) aws_neptune_cluster.x: kms_key_arn is local.key_arn, which has no value before deploy: locals are not part of the plan's configuration
        "#]],
    );
}

#[test]
fn terraform_data_source_that_described_the_key() {
    let data = r#",
   {"address": "data.aws_kms_key.k", "mode": "data", "type": "aws_kms_key", "name": "k", "values": {"arn": "arn:aws:kms:us-east-1:111122223333:key/abcd", "id": "abcd", "key_manager": "AWS", "key_state": "Enabled", "origin": "AWS_KMS"}}"#;
    let text = plan(
        "aws_neptune_cluster",
        r#"{"storage_encrypted": true, "kms_key_arn": "arn:aws:kms:us-east-1:111122223333:key/abcd"}"#,
        "{}",
        r#"{"kms_key_arn": {"references": ["data.aws_kms_key.k.arn", "data.aws_kms_key.k"]}}"#,
        data,
    );
    check_one(
        "data.json",
        &text,
        expect![[r#"
            data.json:3 NON_COMPLIANT (aws-managed-key) aws_neptune_cluster.x: encrypted with the AWS managed key aws/rds (arn:aws:kms:us-east-1:111122223333:key/abcd), not a customer managed key; set kms_key_arn to a customer managed key
        "#]],
    );
}

#[test]
fn terraform_graph_with_the_aws_owned_key_literal() {
    let text = plan(
        "aws_neptunegraph_graph",
        r#"{"kms_key_identifier": "AWS_OWNED_KEY"}"#,
        "{}",
        "{}",
        "",
    );
    check_one(
        "owned.json",
        &text,
        expect![[r#"
            owned.json:3 NON_COMPLIANT (aws-owned-key) aws_neptunegraph_graph.x: encrypted with an AWS owned key, not a customer managed key; set kms_key_identifier to a customer managed key
        "#]],
    );
}

#[test]
fn terraform_restore_from_snapshot() {
    let text = plan(
        "aws_neptune_cluster",
        r#"{"snapshot_identifier": "nightly", "storage_encrypted": false}"#,
        r#"{"kms_key_arn": true}"#,
        r#"{"snapshot_identifier": {"constant_value": "nightly"}}"#,
        "",
    );
    check_one(
        "restore.json",
        &text,
        expect![[r#"
            restore.json:3 UNVERIFIED (unverified-restore) aws_neptune_cluster.x: restored from snapshot_identifier nightly without kms_key_arn: the cluster keeps the source's encryption, which a template does not show; set kms_key_arn to a customer managed key
        "#]],
    );
}

#[test]
fn terraform_unencrypted_global_cluster() {
    let text = plan(
        "aws_neptune_global_cluster",
        r#"{"storage_encrypted": false}"#,
        "{}",
        "{}",
        "",
    );
    check_one(
        "global.json",
        &text,
        expect![[r#"
            global.json:3 NON_COMPLIANT (unencrypted) aws_neptune_global_cluster.x: storage encryption is off; set storage_encrypted = true and kms_key_arn to a customer managed key
        "#]],
    );
}

fn plan_with_key(key_values: &str) -> String {
    let key = format!(
        r#",
   {{"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k", "values": {key_values}}}"#
    );
    plan(
        "aws_neptune_cluster",
        r#"{"storage_encrypted": true}"#,
        r#"{"kms_key_arn": true}"#,
        r#"{"kms_key_arn": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}}"#,
        &key,
    )
}

#[test]
fn terraform_key_in_an_external_key_store_meets_cloudhsm() {
    let text = plan_with_key(
        r#"{"is_enabled": true, "custom_key_store_id": "cks-1234", "xks_key_id": "ext-1"}"#,
    );
    check_files(
        &[("xks.json", &text)],
        &parameters(EncryptionLevel::CloudHsm, true),
        expect![[r#"
            xks.json:3 COMPLIANT (customer-managed-key) aws_neptune_cluster.x: encrypted with customer managed key in CloudHSM or an external key store aws_kms_key.k (Enabled)
        "#]],
    );
}

#[test]
fn terraform_disabled_key() {
    let text = plan_with_key(r#"{"is_enabled": false}"#);
    check_one(
        "disabled.json",
        &text,
        expect![[r#"
        disabled.json:3 NON_COMPLIANT (key-not-enabled) aws_neptune_cluster.x: encrypted with customer managed key aws_kms_key.k, which is Disabled, not Enabled: the data becomes unreadable; enable the key
    "#]],
    );
}

#[test]
fn properties_chosen_by_a_condition() {
    check_one(
        "choice.yaml",
        "Conditions:
  Encrypt: !Equals [a, a]
Resources:
  Cluster:
    Type: AWS::Neptune::DBCluster
    Properties: !If
      - Encrypt
      - {StorageEncrypted: true, KmsKeyId: alias/aws/rds}
      - !Ref AWS::NoValue
",
        expect![[r#"
            choice.yaml:4 NON_COMPLIANT (aws-managed-key) Cluster: when condition Encrypt is true: encrypted with the AWS managed key aws/rds (alias/aws/rds), not a customer managed key; set KmsKeyId to a customer managed key
        "#]],
    );
}
