//! The table: aligned columns for people, the annotation last and unpadded,
//! a count at the end; keys shortened to account and key id.

use neptune_cmk_evaluator::Compliance;

use crate::rows::{encrypted_text, short_key, Row, RowVerdict};

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

/// Aligned columns with a header and a closing count.
pub fn table(rows: &[Row]) -> String {
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
    out + &summary(rows) + "\n"
}

/// `5 resource(s), 1 NON_COMPLIANT, 2 not judged, 1 target(s) failed`:
/// a resource that could not be judged is still a resource; a target that
/// failed is not.
fn summary(rows: &[Row]) -> String {
    let targets = rows.iter().filter(|row| row.is_target_failure()).count();
    let not_judged = rows
        .iter()
        .filter(|row| row.verdict == RowVerdict::Error)
        .count()
        - targets;
    let non_compliant = rows
        .iter()
        .filter(|row| row.verdict == RowVerdict::Judged(Compliance::NonCompliant))
        .count();
    let mut out = format!(
        "{} resource(s), {non_compliant} NON_COMPLIANT",
        rows.len() - targets
    );
    if not_judged > 0 {
        out += &format!(", {not_judged} not judged");
    }
    if targets > 0 {
        out += &format!(", {targets} target(s) failed");
    }
    out
}
