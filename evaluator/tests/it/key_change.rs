//! A KMS key's own configuration item: what it says about the resources the
//! key encrypts. One test per row, through one `check()` helper.

use expect_test::{expect, Expect};
use neptune_cmk_evaluator::{ConfigurationItem, KeyChange};

use crate::fixture;

#[track_caller]
fn check(item: &str, event_left_scope: bool, expect: Expect) {
    let item = ConfigurationItem::parse(item, "configurationItem").expect("fixture parses");
    let rendered = match KeyChange::from_item(&item, event_left_scope) {
        Ok(None) => "not a key item".to_owned(),
        Ok(Some(change)) => {
            let evaluation = change.evaluation(2);
            assert_eq!(
                neptune_cmk_evaluator::Reason::recognize(
                    evaluation.compliance(),
                    evaluation.annotation.as_str()
                ),
                Some(evaluation.reason)
            );
            format!(
                "key {} rejudge={} at {}\n{:?}\n{}",
                change.key_arn,
                change.rejudge,
                change.captured,
                change.lookup,
                change.evaluation(2)
            )
        }
        Err(error) => format!("error: {error}"),
    };
    expect.assert_eq(&rendered);
}

#[test]
fn customer_key_disabled_rejudges_with_the_new_state() {
    check(
        fixture!("items/kms-key-customer-disabled.json"),
        false,
        expect![[r#"
            key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab rejudge=true at 2024-03-01T12:00:00.000Z
            Found(KeyFacts { arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", key_manager: Customer, key_state: Disabled, origin: AwsKms, deletion: None })
            AWS::KMS::Key 1234abcd-12ab-34cd-56ef-1234567890ab NOT_APPLICABLE @ 2024-03-01T12:00:00.000Z: KMS keys are not judged by this rule; this change re-judged the 2 Neptune resource(s) of this account and region the key encrypts"#]],
    );
}

#[test]
fn customer_key_pending_deletion_carries_the_day_as_of_the_capture() {
    // deletionDate in epoch milliseconds, like the item's creationDate.
    check(
        fixture!("items/kms-key-customer-pending-deletion.json"),
        false,
        expect![[r#"
            key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab rejudge=true at 2024-03-01T12:00:00.000Z
            Found(KeyFacts { arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", key_manager: Customer, key_state: PendingDeletion, origin: AwsKms, deletion: Some(Deletion { date: Timestamp { epoch_millis: 1710720000000 }, as_of: Timestamp { epoch_millis: 1709294400000 } }) })
            AWS::KMS::Key 1234abcd-12ab-34cd-56ef-1234567890ab NOT_APPLICABLE @ 2024-03-01T12:00:00.000Z: KMS keys are not judged by this rule; this change re-judged the 2 Neptune resource(s) of this account and region the key encrypts"#]],
    );
}

#[test]
fn deletion_date_that_is_not_a_date_is_an_error() {
    check(
        fixture!("bad/kms-key-bad-deletion-date.json"),
        false,
        expect![[
            r#"error: configurationItem.configuration.deletionDate has the invalid value "next week"; expected an ISO-8601 date-time such as 2024-01-01T00:00:00.000Z"#
        ]],
    );
}

#[test]
fn aws_managed_key_rejudges_nothing() {
    check(
        fixture!("items/kms-key-aws-managed.history.json"),
        false,
        expect![[r#"
            key arn:aws:kms:us-east-1:123456789012:key/test rejudge=false at 2021-09-29T23:33:38.881Z
            Found(KeyFacts { arn: "arn:aws:kms:us-east-1:123456789012:key/test", key_manager: Aws, key_state: Enabled, origin: AwsKms, deletion: None })
            AWS::KMS::Key test NOT_APPLICABLE @ 2021-09-29T23:33:38.881Z: KMS keys are not judged by this rule; this change re-judges nothing (an AWS managed key, or a key outside the rule's scope)"#]],
    );
}

#[test]
fn deleted_key_rejudges_as_not_found() {
    check(
        fixture!("items/kms-key-customer-deleted.json"),
        false,
        expect![[r#"
            key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab rejudge=true at 2024-04-01T12:00:00.000Z
            NotFound
            AWS::KMS::Key 1234abcd-12ab-34cd-56ef-1234567890ab NOT_APPLICABLE @ 2024-04-01T12:00:00.000Z: KMS keys are not judged by this rule; this change re-judged the 2 Neptune resource(s) of this account and region the key encrypts"#]],
    );
}

#[test]
fn key_that_left_the_scope_rejudges_nothing() {
    check(
        fixture!("items/kms-key-customer-disabled.json"),
        true,
        expect![[r#"
            key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab rejudge=false at 2024-03-01T12:00:00.000Z
            Found(KeyFacts { arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", key_manager: Customer, key_state: Disabled, origin: AwsKms, deletion: None })
            AWS::KMS::Key 1234abcd-12ab-34cd-56ef-1234567890ab NOT_APPLICABLE @ 2024-03-01T12:00:00.000Z: KMS keys are not judged by this rule; this change re-judges nothing (an AWS managed key, or a key outside the rule's scope)"#]],
    );
}

#[test]
fn other_resource_types_are_not_key_items() {
    check(
        fixture!("items/cluster-cmk.json"),
        false,
        expect!["not a key item"],
    );
}

#[test]
fn a_key_item_without_its_manager_is_an_error() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/kms-key-customer-disabled.json")).unwrap();
    item["configuration"]
        .as_object_mut()
        .unwrap()
        .remove("keyManager");
    check(&item.to_string(), false, expect!["error: configurationItem.configuration.keyManager is missing; a KMS key item says who manages the key (AWS or CUSTOMER)"]);
}

#[test]
fn a_key_encrypts_resources_that_name_it_by_arn_or_id() {
    let item = ConfigurationItem::parse(
        fixture!("items/kms-key-customer-disabled.json"),
        "configurationItem",
    )
    .unwrap();
    let change = KeyChange::from_item(&item, false).unwrap().unwrap();
    assert!(change
        .encrypts("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
    assert!(change.encrypts("1234abcd-12ab-34cd-56ef-1234567890ab"));
    assert!(!change
        .encrypts("arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
    assert!(!change.encrypts("arn:aws:kms:us-east-1:123456789012:key/other"));
}
