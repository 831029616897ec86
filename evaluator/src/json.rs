//! Small helpers that read loosely typed JSON fields and name the field in
//! every error.
//!
//! Raw structs deserialize each interesting field as `Option<Value>` so that
//! serde never fails with a message that lacks the field's path; the checks
//! here then produce [`Error::WrongType`] with the full path.

use serde_json::Value;

use crate::Error;

/// A short, bounded rendering of a JSON value for error messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => format!("the boolean {flag}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string {:?}", crate::annotation::shorten(text, 60)),
        Value::Array(items) => format!("an array of {} items", items.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A string field; `null` and absent are `None`.
pub(crate) fn opt_str<'a>(value: &'a Option<Value>, field: &str) -> Result<Option<&'a str>, Error> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(wrong_type(field, "a string", other)),
    }
}

/// A string field that must be present and non-empty.
pub(crate) fn req_str<'a>(
    value: &'a Option<Value>,
    field: &str,
    fix: &'static str,
) -> Result<&'a str, Error> {
    match opt_str(value, field)? {
        Some(text) if !text.trim().is_empty() => Ok(text),
        Some(_) => Err(Error::invalid(field, "", fix)),
        None => Err(Error::missing(field, fix)),
    }
}

/// A boolean field; `null` and absent are `None`.
pub(crate) fn opt_bool(value: &Option<Value>, field: &str) -> Result<Option<bool>, Error> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(other) => Err(wrong_type(field, "a boolean", other)),
    }
}

pub(crate) fn wrong_type(field: &str, expected: &'static str, found: &Value) -> Error {
    Error::WrongType {
        field: field.to_owned(),
        expected,
        found: describe(found),
    }
}

/// Parses `text` as `T`, naming `context` in the error.
pub(crate) fn parse<'de, T: serde::Deserialize<'de>>(
    text: &'de str,
    context: &str,
) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|source| Error::json(context, source))
}
