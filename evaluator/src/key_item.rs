//! A KMS key's own configuration item (`AWS::KMS::Key`): the trigger that
//! re-judges every Neptune resource the key encrypts when the key is
//! disabled, scheduled for deletion, enabled again or deleted.
//!
//! The key item carries the new state itself (`configuration.keyState`,
//! `keyManager`, `origin`), so re-judging needs no DescribeKey. The key is
//! not judged: it gets NOT_APPLICABLE ([`Reason::KeyItem`]).

use serde::Deserialize;
use serde_json::Value;

use crate::json::{self, opt_str};
use crate::{
    ConfigurationItem, Deletion, Error, Evaluation, ItemStatus, KeyFacts, KeyLookup, KeyManager,
    KeyOrigin, KeyState, Reason, Timestamp,
};

/// Config's resource type for KMS keys.
pub const KMS_KEY_TYPE: &str = "AWS::KMS::Key";

/// What changed about a key, as far as the resources it encrypts care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    /// The key's ARN: resources whose `KmsKeyId` is this key are re-judged.
    pub key_arn: String,
    /// Config's resource id of the key (its key id).
    pub resource_id: String,
    /// The key's account.
    pub account_id: String,
    /// The key's region.
    pub region: Option<String>,
    /// The item's capture time: the ordering timestamp of every evaluation
    /// the change produces.
    pub captured: Timestamp,
    /// What the resources are judged with: the key's new facts, or
    /// `NotFound` for a deleted key.
    pub lookup: KeyLookup,
    /// Whether anything needs re-judging. AWS managed keys never change
    /// state in a way that changes a verdict (their resources are
    /// NON_COMPLIANT whatever the state), and an item that left the rule's
    /// scope or is no longer recorded says nothing new.
    pub rejudge: bool,
}

impl KeyChange {
    /// The key change an item describes; `None` when the item is not a KMS
    /// key's.
    pub fn from_item(
        item: &ConfigurationItem,
        event_left_scope: bool,
    ) -> Result<Option<Self>, Error> {
        let header = &item.header;
        if header.resource_type != KMS_KEY_TYPE {
            return Ok(None);
        }
        let field = |name: &str| format!("configurationItem.configuration.{name}");
        let configuration: Option<RawKeyConfiguration> = item
            .configuration
            .as_deref()
            .map(|text| json::parse(text, "configurationItem.configuration"))
            .transpose()?;
        let configured_arn = match &configuration {
            Some(configuration) => opt_str(&configuration.arn, &field("arn"))?,
            None => None,
        };
        let key_arn = key_arn(header, configured_arn)?;
        let (lookup, rejudge) = match (header.status, &configuration) {
            (ItemStatus::ResourceDeleted | ItemStatus::ResourceDeletedNotRecorded, _) => {
                (KeyLookup::NotFound, !event_left_scope)
            }
            (ItemStatus::ResourceNotRecorded, _) => (KeyLookup::NotFound, false),
            (_, None) => {
                return Err(Error::missing(
                    "configurationItem.configuration",
                    "a live KMS key's item carries keyManager, keyState and origin",
                ))
            }
            (_, Some(configuration)) => {
                let facts = configuration.facts(&key_arn, header.capture_time, &field)?;
                let rejudge = facts.key_manager == KeyManager::Customer && !event_left_scope;
                (KeyLookup::Found(facts), rejudge)
            }
        };
        Ok(Some(Self {
            key_arn,
            resource_id: header.resource_id.clone(),
            account_id: header.account_id.clone(),
            region: header.region.clone(),
            captured: header.capture_time,
            lookup,
            rejudge,
        }))
    }

    /// Whether a resource's `KmsKeyId` names this key: the same ARN, or its
    /// bare key id (which can only mean a key of the resource's own account
    /// and region).
    pub fn encrypts(&self, kms_key_id: &str) -> bool {
        if kms_key_id.starts_with("arn:") {
            return kms_key_id == self.key_arn;
        }
        self.key_arn
            .rsplit_once(":key/")
            .is_some_and(|(_, key_id)| key_id == kms_key_id)
    }

    /// The key's own evaluation: NOT_APPLICABLE, saying what the change did.
    pub fn evaluation(&self, rejudged: usize) -> Evaluation {
        let text = if self.rejudge {
            format!(
                "KMS keys are not judged by this rule; this change re-judged the {rejudged} \
                 Neptune resource(s) of this account and region the key encrypts"
            )
        } else {
            "KMS keys are not judged by this rule; this change re-judges nothing (an AWS \
             managed key, or a key outside the rule's scope)"
                .to_owned()
        };
        Evaluation::new(
            KMS_KEY_TYPE,
            self.resource_id.clone(),
            Reason::KeyItem,
            text,
            self.captured,
        )
    }
}

/// The key's ARN: the item's `ARN`, else `configuration.arn`, else built
/// from the resource id, region and account.
fn key_arn(header: &crate::ItemHeader, configured_arn: Option<&str>) -> Result<String, Error> {
    if let Some(arn) = header.arn.as_deref().filter(|arn| arn.contains(":key/")) {
        return Ok(arn.to_owned());
    }
    if let Some(arn) = configured_arn.filter(|arn| arn.contains(":key/")) {
        return Ok(arn.to_owned());
    }
    let region = header.region.as_deref().ok_or_else(|| {
        Error::missing(
            "configurationItem.awsRegion",
            "a KMS key item without an ARN names its region",
        )
    })?;
    let partition = crate::partition_of(None, Some(region));
    Ok(format!(
        "arn:{partition}:kms:{region}:{}:key/{}",
        header.account_id, header.resource_id
    ))
}

/// The fields of a key item's `configuration` this rule reads.
#[derive(Deserialize)]
struct RawKeyConfiguration {
    arn: Option<Value>,
    #[serde(rename = "keyManager")]
    key_manager: Option<Value>,
    #[serde(rename = "keyState")]
    key_state: Option<Value>,
    origin: Option<Value>,
    #[serde(rename = "deletionDate")]
    deletion_date: Option<Value>,
}

impl RawKeyConfiguration {
    /// The key's facts; a deletion's days left count from `captured`, when
    /// Config read the state.
    fn facts(
        &self,
        key_arn: &str,
        captured: Timestamp,
        field: &dyn Fn(&str) -> String,
    ) -> Result<KeyFacts, Error> {
        let key_manager = json::req_str(
            &self.key_manager,
            &field("keyManager"),
            "a KMS key item says who manages the key (AWS or CUSTOMER)",
        )?;
        // Guessing either way could give a wrong verdict.
        let key_manager = KeyManager::from_kms(key_manager).ok_or_else(|| {
            Error::invalid(field("keyManager"), key_manager, "expected AWS or CUSTOMER")
        })?;
        let key_state = json::req_str(
            &self.key_state,
            &field("keyState"),
            "a KMS key item carries the key's state, e.g. Enabled",
        )?;
        Ok(KeyFacts {
            arn: key_arn.to_owned(),
            key_manager,
            key_state: KeyState::from_kms(key_state),
            origin: KeyOrigin::from_kms(opt_str(&self.origin, &field("origin"))?.unwrap_or("")),
            deletion: deletion_date(self.deletion_date.as_ref(), &field("deletionDate"))?.map(
                |date| Deletion {
                    date,
                    as_of: captured,
                },
            ),
        })
    }
}

/// `deletionDate`, as KMS's `DeletionDate` in the item's dialect: epoch
/// milliseconds like the item's `creationDate`, epoch seconds like the
/// history API's timestamps, or an ISO-8601 string. Absent or null when the
/// key is not scheduled for deletion.
fn deletion_date(value: Option<&Value>, field: &str) -> Result<Option<Timestamp>, Error> {
    // Epoch seconds stay below 1e11 until the year 5138; milliseconds of
    // any date after 1973 are above it.
    const MILLIS_FROM: f64 = 1.0e11;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) if number.as_f64().is_some_and(|n| n >= MILLIS_FROM) => number
            .as_f64()
            .filter(|millis| *millis < MILLIS_FROM * 1000.0)
            .map(|millis| Some(Timestamp::from_epoch_millis(millis.round() as i64)))
            .ok_or_else(|| {
                Error::invalid(field, &number.to_string(), "expected epoch milliseconds")
            }),
        Some(value) => Timestamp::from_json(value, field).map(Some),
    }
}
