//! What `audit` and `report` print: the rows and the report around them,
//! rendered as an aligned table, JSON or CSV here, as findings in
//! `findings` (OCSF, ASFF) and as a page in `html`; written to standard
//! output or `-o FILE`.

use std::path::Path;

use neptune_cmk_evaluator::{Compliance, Evaluation, Reason, Timestamp};
use serde_json::{json, Value};

use crate::args::{Format, Status};
use crate::{findings, html, Error};

/// An AWS account, with its name when Organizations told it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Account {
    /// The 12-digit id.
    pub id: String,
    /// The account's name in the organization.
    pub name: Option<String>,
}

impl Account {
    /// `123456789012 (name)`, or the bare id.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} ({name})", self.id),
            None => self.id.clone(),
        }
    }
}

/// A row's verdict: the rule's, or the failure that left a target unaudited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// The rule's verdict on one resource.
    Judged(Compliance),
    /// The target (an account, or an account and region) could not be read;
    /// the annotation says why.
    Error,
}

impl Verdict {
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
    pub verdict: Verdict,
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
            verdict: Verdict::Error,
            reason: None,
            annotation: message,
        }
    }

    /// `DBCluster` for `AWS::RDS::DBCluster`.
    pub fn short_type(&self) -> &str {
        self.resource_type
            .strip_prefix("AWS::RDS::")
            .unwrap_or(&self.resource_type)
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

    /// The report in `format`, ending with a newline.
    pub fn render(&self, format: Format) -> Result<String, Error> {
        Ok(match format {
            Format::Table => table(&self.rows),
            Format::Json => json_rows(&self.rows),
            Format::Csv => csv(&self.rows),
            Format::Ocsf => findings::ocsf(self),
            Format::Asff => findings::asff(self),
            Format::Html => html::render(self)?,
        })
    }

    /// Renders and writes the report, then tells how the run went: an error
    /// when any target failed (its rows are in the output), else the verdicts'
    /// status.
    pub fn deliver(&self, format: Format, output: Option<&Path>) -> Result<Status, Error> {
        let text = self.render(format)?;
        match output {
            None => print!("{text}"),
            Some(path) => std::fs::write(path, text).map_err(|source| Error::Io {
                action: "write",
                path: path.to_owned(),
                source,
            })?,
        }
        let failures: Vec<String> = self
            .rows
            .iter()
            .filter(|row| row.verdict == Verdict::Error)
            .map(|row| match row.region.as_str() {
                "" => format!("{}: {}", row.account.label(), row.annotation),
                region => format!("{} {region}: {}", row.account.label(), row.annotation),
            })
            .collect();
        if !failures.is_empty() {
            return Err(Error::TargetsFailed(failures));
        }
        Ok(Status::of(self.rows.iter().filter_map(
            |row| match &row.verdict {
                Verdict::Judged(compliance) => Some(*compliance),
                Verdict::Error => None,
            },
        )))
    }
}

const HEADERS: [&str; 11] = [
    "account",
    "region",
    "type",
    "identifier",
    "resource_id",
    "encrypted",
    "key",
    "key_manager",
    "key_state",
    "verdict",
    "annotation",
];

fn dash(text: &str) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text.to_owned()
    }
}

fn table_cells(row: &Row) -> [String; 11] {
    [
        row.account.label(),
        dash(&row.region),
        dash(row.short_type()),
        dash(&row.identifier),
        dash(&row.resource_id),
        encrypted_text(row.encrypted, row.verdict).to_owned(),
        row.key_arn
            .as_deref()
            .map_or_else(|| "-".to_owned(), short_key),
        row.key_manager.clone().unwrap_or_else(|| "-".to_owned()),
        row.key_state.clone().unwrap_or_else(|| "-".to_owned()),
        row.verdict.as_str().to_owned(),
        row.annotation.clone(),
    ]
}

/// `yes`, `no`, `?` (unknown), or `-` on an error row.
pub fn encrypted_text(encrypted: Option<bool>, verdict: Verdict) -> &'static str {
    match (encrypted, verdict) {
        (_, Verdict::Error) => "-",
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

fn table(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "no Neptune resources found\n".to_owned();
    }
    // The annotation is long and last; it is not padded.
    let all: Vec<[String; 11]> = rows.iter().map(table_cells).collect();
    let mut widths = HEADERS.map(str::len);
    for row in &all {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 == cells.len() {
                out += cell;
            } else {
                out += &format!("{cell:<width$}  ", width = widths[index]);
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(&HEADERS.map(|header| header.to_uppercase()));
    for row in &all {
        out += &line(row);
    }
    let count = |verdict: Verdict| rows.iter().filter(|row| row.verdict == verdict).count();
    let errors = count(Verdict::Error);
    out += &format!(
        "{} resource(s), {} NON_COMPLIANT",
        rows.len() - errors,
        count(Verdict::Judged(Compliance::NonCompliant))
    );
    if errors > 0 {
        out += &format!(", {errors} target(s) failed");
    }
    out + "\n"
}

fn json_rows(rows: &[Row]) -> String {
    let values: Vec<Value> = rows
        .iter()
        .map(|row| {
            let text = |text: &str| (!text.is_empty()).then(|| text.to_owned());
            json!({
                "accountId": row.account.id,
                "accountName": row.account.name,
                "region": text(&row.region),
                "resourceType": text(&row.resource_type),
                "identifier": text(&row.identifier),
                "resourceId": text(&row.resource_id),
                "arn": row.arn,
                "encrypted": row.encrypted,
                "kmsKeyArn": row.key_arn,
                "keyManager": row.key_manager,
                "keyState": row.key_state,
                "compliance": row.verdict.as_str(),
                "reason": row.reason.map(Reason::as_str),
                "annotation": row.annotation,
            })
        })
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&values).unwrap_or_default()
    )
}

const CSV_HEADER: &str = "account_id,account_name,region,type,identifier,resource_id,encrypted,key_arn,key_manager,key_state,verdict,reason,annotation";

fn csv(rows: &[Row]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for row in rows {
        let cells = [
            row.account.id.as_str(),
            row.account.name.as_deref().unwrap_or_default(),
            &row.region,
            row.short_type(),
            &row.identifier,
            &row.resource_id,
            match encrypted_text(row.encrypted, row.verdict) {
                "-" => "",
                text => text,
            },
            row.key_arn.as_deref().unwrap_or_default(),
            row.key_manager.as_deref().unwrap_or_default(),
            row.key_state.as_deref().unwrap_or_default(),
            row.verdict.as_str(),
            row.reason.map(Reason::as_str).unwrap_or_default(),
            &row.annotation,
        ];
        let line: Vec<String> = cells.iter().map(|cell| csv_field(cell)).collect();
        out += &line.join(",");
        out.push('\n');
    }
    out
}

fn csv_field(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// Evaluations in PutEvaluations' own shape.
pub fn evaluations_json(evaluations: &[Evaluation]) -> String {
    let values: Vec<Value> = evaluations
        .iter()
        .map(|evaluation| {
            json!({
                "ComplianceResourceType": evaluation.resource_type,
                "ComplianceResourceId": evaluation.resource_id,
                "ComplianceType": evaluation.compliance().as_str(),
                "Annotation": evaluation.annotation.as_str(),
                "OrderingTimestamp": evaluation.ordering_timestamp.to_string(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&values).unwrap_or_default()
}
