//! The rows as one JSON array.

use serde_json::{json, Value};

use crate::rows::Row;

/// One JSON array of rows, in camelCase.
pub fn json(rows: &[Row]) -> String {
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
                "reason": row.reason_id(),
                "annotation": row.annotation,
            })
        })
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&values).unwrap_or_default()
    )
}
