//! Configuration items, in both dialects AWS Config produces.
//!
//! * Invoking-event style (inside `invokingEvent.configurationItem`): `ARN`,
//!   `awsAccountId`, `configurationItemVersion`, `relationships[].name`,
//!   `configuration` as an object.
//! * GetResourceConfigHistory / snapshot style: `arn`, `accountId`,
//!   `version`, `relationships[].relationshipName`, `configuration` as a
//!   JSON *string*.
//!
//! Only the header is read eagerly; `configuration` is kept as JSON text and
//! parsed by [`crate::assess`] once the item is known to be in scope.

use serde::Deserialize;
use serde_json::{value::RawValue, Value};

use crate::json::{self, opt_str, req_str};
use crate::{Error, Timestamp};

/// `configurationItemStatus`: whether Config still records the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemStatus {
    /// The resource exists and was updated.
    Ok,
    /// The resource was discovered for the first time.
    ResourceDiscovered,
    /// Config stopped recording this resource type.
    ResourceNotRecorded,
    /// The resource was deleted.
    ResourceDeleted,
    /// The resource was deleted while its type was not recorded.
    ResourceDeletedNotRecorded,
}

impl ItemStatus {
    const ALL: [Self; 5] = [
        Self::Ok,
        Self::ResourceDiscovered,
        Self::ResourceNotRecorded,
        Self::ResourceDeleted,
        Self::ResourceDeletedNotRecorded,
    ];

    /// The value as Config spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::ResourceDiscovered => "ResourceDiscovered",
            Self::ResourceNotRecorded => "ResourceNotRecorded",
            Self::ResourceDeleted => "ResourceDeleted",
            Self::ResourceDeletedNotRecorded => "ResourceDeletedNotRecorded",
        }
    }

    /// Parses Config's spelling; `field` names the input in the error.
    pub fn parse(text: &str, field: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                Error::invalid(
                field,
                text,
                "expected one of OK, ResourceDiscovered, ResourceNotRecorded, ResourceDeleted, \
                 ResourceDeletedNotRecorded",
            )
            })
    }

    /// Whether the resource currently exists and is recorded, so a verdict
    /// about its configuration makes sense.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Ok | Self::ResourceDiscovered)
    }
}

/// The fields every configuration item and every oversized-item summary
/// carries: enough to name the resource and to decide NOT_APPLICABLE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemHeader {
    /// Config's resource type, e.g. `AWS::RDS::DBCluster`.
    pub resource_type: String,
    /// Config's resource id (`cluster-…`, `db-…`, or a snapshot identifier):
    /// the id evaluations are written for.
    pub resource_id: String,
    /// The resource's name (the DB identifier), when Config has one.
    pub resource_name: Option<String>,
    /// The resource ARN, when present.
    pub arn: Option<String>,
    /// The account that owns the resource.
    pub account_id: String,
    /// The region of the resource.
    pub region: Option<String>,
    /// When Config captured this item: the ordering timestamp of a
    /// change-triggered evaluation.
    pub capture_time: Timestamp,
    /// Whether the resource exists and is recorded.
    pub status: ItemStatus,
}

/// One configuration item: header plus the resource's `configuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigurationItem {
    /// Identity and status.
    pub header: ItemHeader,
    /// The `configuration` object as JSON text (already unwrapped when the
    /// item carried it as a JSON string); `None` when absent or null, as for
    /// deleted resources.
    pub configuration: Option<String>,
}

impl ConfigurationItem {
    /// Parses a configuration item in either dialect. `context` names the
    /// input in errors, e.g. `invokingEvent.configurationItem`.
    pub fn parse(text: &str, context: &str) -> Result<Self, Error> {
        let raw: RawItem = json::parse(text, context)?;
        Self::from_raw(raw, context)
    }

    /// Assembles an item from parts the adapter already has, e.g. from a
    /// GetResourceConfigHistory response mapped out of SDK types.
    pub fn from_parts(header: ItemHeader, configuration: Option<String>) -> Self {
        Self {
            header,
            configuration,
        }
    }

    pub(crate) fn from_raw(raw: RawItem, context: &str) -> Result<Self, Error> {
        let header = ItemHeader::from_raw(&raw, context)?;
        let configuration = match raw.configuration {
            None => None,
            Some(raw_configuration) => {
                unwrap_configuration(raw_configuration.get(), &format!("{context}.configuration"))?
            }
        };
        Ok(Self {
            header,
            configuration,
        })
    }
}

impl ItemHeader {
    /// Parses the header of an item or of an oversized-item summary.
    pub fn parse(text: &str, context: &str) -> Result<Self, Error> {
        let raw: RawItem = json::parse(text, context)?;
        Self::from_raw(&raw, context)
    }

    pub(crate) fn from_raw(raw: &RawItem, context: &str) -> Result<Self, Error> {
        let field = |name: &str| format!("{context}.{name}");
        let resource_type = req_str(
            &raw.resource_type,
            &field("resourceType"),
            "every configuration item names its resource type, e.g. AWS::RDS::DBCluster",
        )?;
        let resource_id = req_str(
            &raw.resource_id,
            &field("resourceId"),
            "every configuration item carries Config's resource id",
        )?;
        let account_id = req_str(
            &raw.account_id,
            &field("awsAccountId"),
            "every configuration item carries its account (awsAccountId or accountId)",
        )?;
        let capture_time = match &raw.capture_time {
            None | Some(Value::Null) => {
                return Err(Error::missing(
                    field("configurationItemCaptureTime"),
                    "every configuration item carries its capture time",
                ))
            }
            Some(value) => Timestamp::from_json(value, &field("configurationItemCaptureTime"))?,
        };
        let status_field = field("configurationItemStatus");
        let status = ItemStatus::parse(
            req_str(
                &raw.status,
                &status_field,
                "every configuration item carries its status",
            )?,
            &status_field,
        )?;
        // configurationStateId, the item version and relationships are not
        // read: whatever shape they have, they never fail an event.
        Ok(Self {
            resource_type: resource_type.to_owned(),
            resource_id: resource_id.to_owned(),
            resource_name: opt_str(&raw.resource_name, &field("resourceName"))?.map(str::to_owned),
            arn: opt_str(&raw.arn, &field("ARN"))?.map(str::to_owned),
            account_id: account_id.to_owned(),
            region: opt_str(&raw.region, &field("awsRegion"))?.map(str::to_owned),
            capture_time,
            status,
        })
    }
}

/// Returns the configuration object's JSON text, decoding it first when the
/// item carries it as a JSON string.
fn unwrap_configuration(text: &str, field: &str) -> Result<Option<String>, Error> {
    match text.trim_start().as_bytes().first() {
        Some(b'n') => Ok(None),
        Some(b'{') => Ok(Some(text.to_owned())),
        Some(b'"') => {
            let inner: String = json::parse(text, field)?;
            if inner.trim().is_empty() || inner.trim() == "null" {
                return Ok(None);
            }
            // The object itself is parsed (and its errors reported) by
            // `assess`, and only for items in scope: one pass, not two.
            match inner.trim_start().as_bytes().first() {
                Some(b'{') => Ok(Some(inner)),
                _ => Err(Error::WrongType {
                    field: field.to_owned(),
                    expected: "an object or a JSON string holding an object",
                    found: "a JSON string holding something else".to_owned(),
                }),
            }
        }
        _ => {
            let value: Value = json::parse(text, field)?;
            Err(json::wrong_type(
                field,
                "an object or a JSON string holding an object",
                &value,
            ))
        }
    }
}

/// Both dialects at once: serde aliases map `ARN`/`arn`, `awsAccountId`/
/// `accountId`, `configurationItemVersion`/`version`. Every field is a loose
/// `Value` so type errors are reported with the field's path.
#[derive(Deserialize)]
pub(crate) struct RawItem {
    #[serde(rename = "resourceType")]
    resource_type: Option<Value>,
    #[serde(rename = "resourceId")]
    resource_id: Option<Value>,
    #[serde(rename = "resourceName")]
    resource_name: Option<Value>,
    #[serde(rename = "ARN", alias = "arn")]
    arn: Option<Value>,
    #[serde(rename = "awsAccountId", alias = "accountId")]
    account_id: Option<Value>,
    #[serde(rename = "awsRegion")]
    region: Option<Value>,
    #[serde(rename = "configurationItemCaptureTime")]
    capture_time: Option<Value>,
    #[serde(rename = "configurationItemStatus")]
    status: Option<Value>,
    configuration: Option<Box<RawValue>>,
}

/// The fields of `configuration` this rule reads, for all three resource
/// types. Key casing is Config's own and differs between types.
#[derive(Deserialize)]
pub(crate) struct RawConfiguration {
    pub(crate) engine: Option<Value>,
    #[serde(rename = "storageEncrypted")]
    pub(crate) storage_encrypted: Option<Value>,
    #[serde(rename = "kmsKeyId")]
    pub(crate) kms_key_id: Option<Value>,
    /// Cluster items: the cluster's identifier. Snapshot items: the source
    /// cluster's identifier.
    #[serde(rename = "dbclusterIdentifier")]
    pub(crate) dbcluster_identifier: Option<Value>,
    /// Instance items: the identifier of the cluster the instance belongs to.
    #[serde(rename = "dBClusterIdentifier", alias = "dbClusterIdentifier")]
    pub(crate) parent_cluster_identifier: Option<Value>,
    #[serde(rename = "dBInstanceIdentifier", alias = "dbInstanceIdentifier")]
    pub(crate) instance_identifier: Option<Value>,
    #[serde(
        rename = "dbclusterSnapshotIdentifier",
        alias = "dBClusterSnapshotIdentifier"
    )]
    pub(crate) snapshot_identifier: Option<Value>,
}
