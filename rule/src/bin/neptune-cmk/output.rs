//! Rendering rows and evaluations: aligned table, JSON, CSV.

use neptune_cmk_evaluator::Evaluation;
use serde_json::{json, Value};

use crate::audit::Row;
use crate::Format;

const HEADERS: [&str; 10] = [
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

fn cells(row: &Row) -> [String; 10] {
    let short_type = row
        .resource_type
        .strip_prefix("AWS::RDS::")
        .unwrap_or(&row.resource_type);
    [
        row.region.clone(),
        short_type.to_owned(),
        row.identifier.clone(),
        row.resource_id.clone(),
        match row.encrypted {
            Some(true) => "yes".to_owned(),
            Some(false) => "no".to_owned(),
            None => "?".to_owned(),
        },
        row.key_arn
            .as_deref()
            .map_or_else(|| "-".to_owned(), short_key),
        row.key_manager.clone().unwrap_or_else(|| "-".to_owned()),
        row.key_state.clone().unwrap_or_else(|| "-".to_owned()),
        row.compliance.as_str().to_owned(),
        row.annotation.clone(),
    ]
}

/// `arn:aws:kms:us-east-1:123456789012:key/abcd…` → `123456789012/abcd…`:
/// the account (which matters for cross-account keys) and the key id, so
/// the table fits a terminal. JSON and CSV keep the full ARN.
fn short_key(arn: &str) -> String {
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

/// The rows in the requested format, ending with a newline.
pub fn rows(rows: &[Row], format: Format) -> String {
    match format {
        Format::Table => table(rows),
        Format::Json => {
            let values: Vec<Value> = rows
                .iter()
                .map(|row| {
                    json!({
                        "region": row.region,
                        "resourceType": row.resource_type,
                        "identifier": row.identifier,
                        "resourceId": row.resource_id,
                        "encrypted": row.encrypted,
                        "kmsKeyArn": row.key_arn,
                        "keyManager": row.key_manager,
                        "keyState": row.key_state,
                        "compliance": row.compliance.as_str(),
                        "annotation": row.annotation,
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&values).unwrap_or_default()
            )
        }
        Format::Csv => {
            let mut out = HEADERS.join(",").replace(",key,", ",key_arn,") + "\n";
            for row in rows {
                let mut cells = cells(row);
                cells[5] = row.key_arn.clone().unwrap_or_default();
                let line: Vec<String> = cells.iter().map(|cell| csv_field(cell)).collect();
                out += &line.join(",");
                out.push('\n');
            }
            out
        }
    }
}

fn table(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "no Neptune resources found\n".to_owned();
    }
    // The annotation is long and last; it is not padded.
    let all: Vec<[String; 10]> = rows.iter().map(cells).collect();
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
    let non_compliant = rows
        .iter()
        .filter(|row| row.compliance.as_str() == "NON_COMPLIANT")
        .count();
    out += &format!(
        "{} resource(s), {non_compliant} NON_COMPLIANT\n",
        rows.len()
    );
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
                "ComplianceType": evaluation.compliance.as_str(),
                "Annotation": evaluation.annotation.as_str(),
                "OrderingTimestamp": evaluation.ordering_timestamp.to_string(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&values).unwrap_or_default()
}
