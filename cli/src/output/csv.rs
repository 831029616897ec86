//! The rows as RFC 4180 CSV with a header row.

use crate::rows::{encrypted_text, Row};

const CSV_HEADER: &str = "account_id,account_name,region,type,identifier,resource_id,arn,encrypted,key_arn,key_manager,key_state,verdict,reason,annotation";

/// RFC 4180 CSV with a header row; full key ARNs.
pub fn csv(rows: &[Row]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for row in rows {
        let cells = [
            row.account.id.as_str(),
            row.account.name.as_deref().unwrap_or_default(),
            &row.region,
            row.short_type(),
            &row.identifier,
            &row.resource_id,
            row.arn.as_deref().unwrap_or_default(),
            match encrypted_text(row.encrypted, row.verdict) {
                "-" => "",
                text => text,
            },
            row.key_arn.as_deref().unwrap_or_default(),
            row.key_manager.as_deref().unwrap_or_default(),
            row.key_state.as_deref().unwrap_or_default(),
            row.verdict.as_str(),
            row.reason_id().unwrap_or_default(),
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
