//! The report model: what `audit` and `report` produce and every format
//! in `output` renders — accounts, one row per resource or failed target,
//! each with its [`RowVerdict`], and the [`Report`] around them. It depends
//! on nothing else of the crate.

use neptune_cmk_evaluator::{Compliance, Reason, Timestamp};

/// An AWS account, with its name when Organizations told it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Account {
    /// The 12-digit id.
    pub id: String,
    /// The account's name in the organization.
    pub name: Option<String>,
}

impl Account {
    /// The account of a failure that lost track of its own (a task that
    /// panicked).
    pub fn unknown() -> Self {
        Self {
            id: "unknown".to_owned(),
            name: None,
        }
    }

    /// `123456789012 (name)`, or the bare id.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} ({name})", self.id),
            None => self.id.clone(),
        }
    }
}

/// A row's verdict: the rule's, or the failure that left a resource
/// unjudged or a target unaudited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowVerdict {
    /// The rule's verdict on one resource.
    Judged(Compliance),
    /// The resource could not be judged, or the target (an account, or an
    /// account and region) could not be read; the annotation says why.
    Error,
}

/// The reason id of a resource that was listed but could not be judged.
pub const NOT_JUDGED: &str = "not-judged";
/// The reason id of a target (account, or account and region) that could
/// not be read.
pub const NOT_AUDITED: &str = "not-audited";

impl RowVerdict {
    /// Config's spelling, or `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Judged(compliance) => compliance.as_str(),
            Self::Error => "ERROR",
        }
    }
}

/// One audited resource, or one target that failed, as every format prints it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The account the resource lives in.
    pub account: Account,
    /// The resource's region; empty when a whole account failed.
    pub region: String,
    /// Config's resource type; empty for an error row.
    pub resource_type: String,
    /// The DB identifier, when known (aggregated results carry only the
    /// resource id).
    pub identifier: String,
    /// Config's resource id.
    pub resource_id: String,
    /// The resource's ARN, when its identifier is known.
    pub arn: Option<String>,
    /// Whether storage encryption is on, when known.
    pub encrypted: Option<bool>,
    /// The key that encrypts it.
    pub key_arn: Option<String>,
    /// `AWS` or `CUSTOMER`, when DescribeKey told.
    pub key_manager: Option<String>,
    /// The key's state, or `NotFound` / `AccessDenied`.
    pub key_state: Option<String>,
    /// The verdict.
    pub verdict: RowVerdict,
    /// The decision-table row behind the verdict, when known.
    pub reason: Option<Reason>,
    /// Why, or what failed and how to fix it.
    pub annotation: String,
}

impl Row {
    /// A target that could not be audited: `region` is `None` when the
    /// whole account failed (assume-role denied, regions not listed).
    pub fn error(account: &Account, region: Option<&str>, message: String) -> Self {
        Self {
            account: account.clone(),
            region: region.unwrap_or_default().to_owned(),
            resource_type: String::new(),
            identifier: String::new(),
            resource_id: String::new(),
            arn: None,
            encrypted: None,
            key_arn: None,
            key_manager: None,
            key_state: None,
            verdict: RowVerdict::Error,
            reason: None,
            annotation: message,
        }
    }

    /// `DBCluster` for `AWS::RDS::DBCluster`, `Graph` for
    /// `AWS::NeptuneGraph::Graph`.
    pub fn short_type(&self) -> &str {
        ["AWS::RDS::", "AWS::NeptuneGraph::"]
            .iter()
            .find_map(|prefix| self.resource_type.strip_prefix(prefix))
            .unwrap_or(&self.resource_type)
    }

    /// Whether this row is a whole target (an account, or an account and
    /// region) that could not be read, rather than one resource.
    pub fn is_target_failure(&self) -> bool {
        self.verdict == RowVerdict::Error && self.resource_type.is_empty()
    }

    /// The decision-table row's id, or for an error row what failed:
    /// [`NOT_JUDGED`] (a resource) or [`NOT_AUDITED`] (a target). `None`
    /// only for a verdict whose reason is not known (an aggregator's
    /// annotation that names none).
    pub fn reason_id(&self) -> Option<&'static str> {
        match (self.verdict, self.reason) {
            (RowVerdict::Error, _) if self.is_target_failure() => Some(NOT_AUDITED),
            (RowVerdict::Error, _) => Some(NOT_JUDGED),
            (_, reason) => reason.map(Reason::as_str),
        }
    }

    /// The identifier, else the resource id: what people call it.
    pub fn name(&self) -> &str {
        if self.identifier.is_empty() {
            &self.resource_id
        } else {
            &self.identifier
        }
    }

    fn sort_key(&self) -> (&str, &str, &str, &str, &str) {
        (
            &self.account.id,
            &self.region,
            &self.resource_type,
            &self.identifier,
            &self.resource_id,
        )
    }
}

/// Everything a format needs: the rows and where they came from.
#[derive(Debug, Clone)]
pub struct Report {
    /// What produced it, e.g. `neptune-cmk audit --organization`.
    pub title: String,
    /// The rule (or its Config name) the verdicts are for.
    pub rule_name: String,
    /// The partition of every ARN in it (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// When the report was made.
    pub generated_at: Timestamp,
    /// Every resource and every failed target, sorted by account, region,
    /// type and identifier.
    pub rows: Vec<Row>,
}

impl Report {
    /// A report of `rows`, sorted, stamped now.
    pub fn new(title: String, rule_name: &str, partition: &str, mut rows: Vec<Row>) -> Self {
        rows.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis() as i64);
        Self {
            title,
            rule_name: rule_name.to_owned(),
            partition: partition.to_owned(),
            generated_at: Timestamp::from_epoch_millis(now),
            rows,
        }
    }
}

/// `yes`, `no`, `?` (unknown), or `-` on an error row.
pub fn encrypted_text(encrypted: Option<bool>, verdict: RowVerdict) -> &'static str {
    match (encrypted, verdict) {
        (_, RowVerdict::Error) => "-",
        (Some(true), _) => "yes",
        (Some(false), _) => "no",
        (None, _) => "?",
    }
}

/// `arn:aws:kms:us-east-1:123456789012:key/abcd…` → `123456789012/abcd…`:
/// the account (which matters for cross-account keys) and the key id, so
/// the table fits a terminal. JSON and CSV keep the full ARN.
pub fn short_key(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [_, _, "kms", _, account, resource] => {
            format!(
                "{account}/{}",
                resource.strip_prefix("key/").unwrap_or(resource)
            )
        }
        _ => arn.to_owned(),
    }
}
