//! Parsing of invoking events and items: both dialects, and errors that
//! name the field and the fix.

use expect_test::{expect, Expect};
use neptune_cmk_evaluator::{ConfigurationItem, InvokingEvent, ItemStatus};

use crate::fixture;

/// The `invokingEvent` string inside a Lambda event envelope fixture.
fn invoking_event(envelope: &str) -> String {
    let envelope: serde_json::Value = serde_json::from_str(envelope).unwrap();
    envelope["invokingEvent"].as_str().unwrap().to_owned()
}

#[track_caller]
fn check_event(invoking_event: &str, expect: Expect) {
    let rendered = match InvokingEvent::parse(invoking_event) {
        Ok(InvokingEvent::ItemChange {
            item,
            notification_creation_time,
        }) => format!(
            "change {} {} {} captured {} notified {:?}",
            item.header.resource_type,
            item.header.resource_id,
            item.header.status.as_str(),
            item.header.capture_time,
            notification_creation_time.map(|t| t.to_string())
        ),
        Ok(InvokingEvent::OversizedItemChange { summary, .. }) => format!(
            "oversized {} {} {} captured {}",
            summary.resource_type,
            summary.resource_id,
            summary.status.as_str(),
            summary.capture_time
        ),
        Ok(InvokingEvent::Scheduled {
            account_id,
            notification_creation_time,
        }) => {
            format!("scheduled {account_id:?} at {notification_creation_time}")
        }
        Err(error) => format!("error: {error}"),
    };
    expect.assert_eq(&rendered);
}

#[test]
fn change_notification() {
    check_event(
        &invoking_event(fixture!("events/change-cluster-cmk.json")),
        expect![[
            r#"change AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ OK captured 2024-01-01T00:00:00.000Z notified Some("2024-01-01T00:00:05.000Z")"#
        ]],
    );
}

#[test]
fn aws_docs_change_notification() {
    check_event(
        &invoking_event(fixture!("events/awsdocs_event_change_triggered_ec2.json")),
        expect![[
            r#"change AWS::EC2::Instance i-00000000 OK captured 2016-02-17T01:36:34.043Z notified None"#
        ]],
    );
}

#[test]
fn oversized_notification() {
    check_event(
        &invoking_event(fixture!("events/oversized-cluster.json")),
        expect![[
            r#"oversized AWS::RDS::DBCluster cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ OK captured 2024-01-01T00:00:00.000Z"#
        ]],
    );
}

#[test]
fn aws_docs_oversized_notification_with_numeric_state_id() {
    check_event(
        &invoking_event(fixture!("events/awsdocs_event_oversized_ec2.json")),
        expect![[
            r#"oversized AWS::EC2::Instance i-00000000 OK captured 2016-10-06T16:46:16.261Z"#
        ]],
    );
}

#[test]
fn scheduled_notification() {
    check_event(
        &invoking_event(fixture!("events/scheduled.json")),
        expect![[r#"scheduled Some("123456789012") at 2016-07-13T21:50:00.373Z"#]],
    );
}

#[test]
fn unknown_message_type() {
    check_event(
        r#"{"messageType":"ConfigurationSnapshotDeliveryCompleted"}"#,
        expect![[
            r#"error: invokingEvent.messageType "ConfigurationSnapshotDeliveryCompleted" is not handled; this rule handles ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification and ScheduledNotification (configure the rule's triggers to those)"#
        ]],
    );
}

#[test]
fn missing_configuration_item() {
    check_event(
        r#"{"messageType":"ConfigurationItemChangeNotification","configurationItem":null}"#,
        expect![[
            r#"error: invokingEvent.configurationItem is missing; a ConfigurationItemChangeNotification carries the changed item"#
        ]],
    );
}

#[test]
fn garbage_invoking_event() {
    check_event(
        "not json",
        expect![[
            r#"error: invokingEvent is not valid JSON (expected ident at line 1 column 2); send the text exactly as AWS Config produced it"#
        ]],
    );
}

#[test]
fn scheduled_without_time() {
    check_event(
        r#"{"messageType":"ScheduledNotification"}"#,
        expect![[
            r#"error: invokingEvent.notificationCreationTime is missing; a ScheduledNotification carries the time that orders its evaluations"#
        ]],
    );
}

#[test]
fn wrong_type_names_the_field() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/cluster-cmk.json")).unwrap();
    item["configuration"]["storageEncrypted"] = "true".into();
    let event = serde_json::json!({
        "messageType": "ConfigurationItemChangeNotification",
        "configurationItem": item,
    });
    let InvokingEvent::ItemChange { item, .. } = InvokingEvent::parse(&event.to_string()).unwrap()
    else {
        panic!("change notification")
    };
    let error = neptune_cmk_evaluator::assess(&item, false).unwrap_err();
    expect![[r#"configurationItem.configuration.storageEncrypted must be a boolean, found the string "true""#]]
        .assert_eq(&error.to_string());
}

/// Fields the rule never reads never fail an item, whatever their shape.
#[test]
fn unused_fields_are_not_checked() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/cluster-cmk.json")).unwrap();
    item["configurationStateId"] = serde_json::json!({"n": 1});
    item["configurationItemVersion"] = serde_json::json!(1.3);
    item["relationships"] = serde_json::json!("not an array");
    let parsed = ConfigurationItem::parse(&item.to_string(), "configurationItem").unwrap();
    let plain = ConfigurationItem::parse(fixture!("items/cluster-cmk.json"), "i").unwrap();
    assert_eq!(parsed.header, plain.header);
}

/// RDK's test template sends `notificationCreationTime: ""` with change
/// notifications; only a scheduled sweep needs the value.
#[test]
fn an_empty_notification_time_fails_only_a_scheduled_event() {
    let item: serde_json::Value = serde_json::from_str(fixture!("items/cluster-cmk.json")).unwrap();
    let change = serde_json::json!({
        "configurationItem": item,
        "notificationCreationTime": "",
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    });
    let parsed = InvokingEvent::parse(&change.to_string()).unwrap();
    let InvokingEvent::ItemChange {
        notification_creation_time,
        ..
    } = parsed
    else {
        panic!("change notification")
    };
    assert_eq!(notification_creation_time, None);
    let scheduled = serde_json::json!({
        "awsAccountId": "123456789012",
        "notificationCreationTime": "",
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    });
    expect![[r#"invokingEvent.notificationCreationTime has the invalid value ""; expected an ISO-8601 date-time such as 2024-01-01T00:00:00.000Z"#]].assert_eq(&InvokingEvent::parse(&scheduled.to_string()).unwrap_err().to_string());
}

#[test]
fn both_dialects_give_the_same_header_fields() {
    let event_style = ConfigurationItem::parse(fixture!("items/cluster-cmk.json"), "i").unwrap();
    let history_style =
        ConfigurationItem::parse(fixture!("items/cluster-cmk.history.json"), "i").unwrap();
    assert_eq!(event_style.header.account_id, "123456789012");
    assert_eq!(history_style.header.account_id, "123456789012");
    assert_eq!(
        event_style.header.arn.as_deref(),
        Some("arn:aws:rds:us-east-1:123456789012:cluster:my-neptune")
    );
    assert_eq!(
        history_style.header.arn.as_deref(),
        Some("arn:aws:rds:us-east-2:123456789012:cluster:test")
    );
    assert_eq!(history_style.header.status, ItemStatus::ResourceDiscovered);
    // The history dialect's configuration string is unwrapped to an object.
    assert!(history_style.configuration.unwrap().starts_with('{'));
    assert!(event_style.configuration.unwrap().starts_with('{'));
}

#[test]
fn configuration_string_that_is_not_json() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/cluster-cmk.history.json")).unwrap();
    item["configuration"] = "{\"engine\":\"neptune\"".into();
    let item = ConfigurationItem::parse(&item.to_string(), "configurationItem").unwrap();
    let error = neptune_cmk_evaluator::assess(&item, false).unwrap_err();
    expect![[r#"configurationItem.configuration is not valid JSON (EOF while parsing an object at line 1 column 19); send the text exactly as AWS Config produced it"#]]
        .assert_eq(&error.to_string());
}

#[test]
fn relationship_without_resource_id_parses() {
    // The RDK cluster sample has relationships with a name but no id.
    ConfigurationItem::parse(fixture!("items/cluster-aurora-mysql.history.json"), "i").unwrap();
}

#[test]
fn encrypted_with_empty_key_id() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/cluster-cmk.json")).unwrap();
    item["configuration"]["kmsKeyId"] = "".into();
    let item = ConfigurationItem::parse(&item.to_string(), "configurationItem").unwrap();
    let error = neptune_cmk_evaluator::assess(&item, false).unwrap_err();
    expect![[r#"configurationItem.configuration.kmsKeyId has the invalid value ""; an encrypted resource names its KMS key; expected a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-…"#]]
        .assert_eq(&error.to_string());
}

#[test]
fn missing_capture_time() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/cluster-cmk.json")).unwrap();
    item.as_object_mut()
        .unwrap()
        .remove("configurationItemCaptureTime");
    let error = ConfigurationItem::parse(&item.to_string(), "configurationItem").unwrap_err();
    expect![[r#"configurationItem.configurationItemCaptureTime is missing; every configuration item carries its capture time"#]]
        .assert_eq(&error.to_string());
}

#[test]
fn unknown_status() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/cluster-cmk.json")).unwrap();
    item["configurationItemStatus"] = "Gone".into();
    let error = ConfigurationItem::parse(&item.to_string(), "configurationItem").unwrap_err();
    expect![[r#"configurationItem.configurationItemStatus has the invalid value "Gone"; expected one of OK, ResourceDiscovered, ResourceNotRecorded, ResourceDeleted, ResourceDeletedNotRecorded"#]]
        .assert_eq(&error.to_string());
}

#[test]
fn instance_without_cluster_identifier() {
    let mut item: serde_json::Value =
        serde_json::from_str(fixture!("items/instance-inherits-from-cluster.json")).unwrap();
    item["configuration"]
        .as_object_mut()
        .unwrap()
        .remove("dBClusterIdentifier");
    let item = ConfigurationItem::parse(&item.to_string(), "configurationItem").unwrap();
    let error = neptune_cmk_evaluator::assess(&item, false).unwrap_err();
    expect![[r#"configurationItem.configuration.dBClusterIdentifier is missing; every Neptune instance belongs to a cluster, whose encryption it inherits"#]]
        .assert_eq(&error.to_string());
}
