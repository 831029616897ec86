//! The invoking event: the JSON text in a Config Lambda event's
//! `invokingEvent` field.

use serde::Deserialize;
use serde_json::{value::RawValue, Value};

use crate::item::RawItem;
use crate::json::{self, opt_str, req_str};
use crate::{ConfigurationItem, Error, ItemHeader, Timestamp};

/// What Config is asking the rule to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokingEvent {
    /// `ConfigurationItemChangeNotification`: one resource changed.
    ItemChange {
        /// The changed resource's configuration item.
        item: Box<ConfigurationItem>,
        /// When Config sent the notification, if it said so readably (the
        /// rule does not use it, so a malformed value is ignored).
        notification_creation_time: Option<Timestamp>,
    },
    /// `OversizedConfigurationItemChangeNotification`: the item was too big
    /// for the event; fetch it with GetResourceConfigHistory.
    OversizedItemChange {
        /// Identity, status and capture time of the item to fetch.
        summary: ItemHeader,
        /// When Config sent the notification, if it said.
        notification_creation_time: Option<Timestamp>,
    },
    /// `ScheduledNotification`: the periodic sweep.
    Scheduled {
        /// The account being evaluated, if the event said.
        account_id: Option<String>,
        /// The ordering timestamp of every evaluation of this sweep.
        notification_creation_time: Timestamp,
    },
}

impl InvokingEvent {
    /// Parses the `invokingEvent` string.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let raw: RawInvokingEvent = json::parse(text, "invokingEvent")?;
        let message_type = req_str(
            &raw.message_type,
            "invokingEvent.messageType",
            "Config always names the message type",
        )?;
        // Only a scheduled sweep uses notificationCreationTime (as its
        // ordering timestamp), so only there may it fail the event; RDK's
        // test template sends it empty with change notifications.
        let notification_time = || match &raw.notification_creation_time {
            None | Some(Value::Null) => Ok(None),
            Some(value) => {
                Timestamp::from_json(value, "invokingEvent.notificationCreationTime").map(Some)
            }
        };
        let lenient_notification_time = || notification_time().ok().flatten();
        match message_type {
            "ConfigurationItemChangeNotification" => {
                let context = "invokingEvent.configurationItem";
                let text = present(&raw.configuration_item).ok_or_else(|| {
                    Error::missing(
                        context,
                        "a ConfigurationItemChangeNotification carries the changed item",
                    )
                })?;
                let item: RawItem = json::parse(text.get(), context)?;
                Ok(Self::ItemChange {
                    item: Box::new(ConfigurationItem::from_raw(item, context)?),
                    notification_creation_time: lenient_notification_time(),
                })
            }
            "OversizedConfigurationItemChangeNotification" => {
                let context = "invokingEvent.configurationItemSummary";
                let text = present(&raw.configuration_item_summary).ok_or_else(|| {
                    Error::missing(
                        context,
                        "an OversizedConfigurationItemChangeNotification carries the item's summary",
                    )
                })?;
                Ok(Self::OversizedItemChange {
                    summary: ItemHeader::parse(text.get(), context)?,
                    notification_creation_time: lenient_notification_time(),
                })
            }
            "ScheduledNotification" => Ok(Self::Scheduled {
                account_id: opt_str(&raw.aws_account_id, "invokingEvent.awsAccountId")?
                    .map(str::to_owned),
                notification_creation_time: notification_time()?.ok_or_else(|| {
                    Error::missing(
                        "invokingEvent.notificationCreationTime",
                        "a ScheduledNotification carries the time that orders its evaluations",
                    )
                })?,
            }),
            other => Err(Error::UnknownMessageType {
                message_type: other.to_owned(),
            }),
        }
    }
}

fn present(raw: &Option<Box<RawValue>>) -> Option<&RawValue> {
    raw.as_deref().filter(|raw| raw.get().trim() != "null")
}

#[derive(Deserialize)]
struct RawInvokingEvent {
    #[serde(rename = "messageType")]
    message_type: Option<Value>,
    #[serde(rename = "configurationItem")]
    configuration_item: Option<Box<RawValue>>,
    #[serde(rename = "configurationItemSummary")]
    configuration_item_summary: Option<Box<RawValue>>,
    #[serde(rename = "notificationCreationTime")]
    notification_creation_time: Option<Value>,
    #[serde(rename = "awsAccountId")]
    aws_account_id: Option<Value>,
}
