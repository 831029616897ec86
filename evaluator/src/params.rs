//! Rule parameters, parsed from the `ruleParameters` JSON string.
//!
//! An unknown name or a bad value is an error: a typo must never silently
//! fall back to a default and weaken the check.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::key::KmsArn;
use crate::{EncryptionLevel, Error};

/// The rule's parameters, with defaults for what was not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParameters {
    /// The lowest rung a key must reach (`desiredEncryptionLevel`, default
    /// `CUSTOMER_MANAGED`).
    pub desired_level: EncryptionLevel,
    /// When set, only these key ARNs are acceptable (`allowedKmsKeyArns`).
    pub allowed_key_arns: Option<BTreeSet<String>>,
    /// Whether a key must be `Enabled` (`requireEnabledKey`, default true).
    pub require_enabled_key: bool,
    /// The role name the adapter assumes in the resource's account
    /// (`ExecutionRoleName`); the evaluator does not use it.
    pub execution_role_name: Option<String>,
}

impl Default for RuleParameters {
    fn default() -> Self {
        Self {
            desired_level: EncryptionLevel::CustomerManaged,
            allowed_key_arns: None,
            require_enabled_key: true,
            execution_role_name: None,
        }
    }
}

const DESIRED_LEVEL: &str = "desiredEncryptionLevel";
const ALLOWED_KEYS: &str = "allowedKmsKeyArns";
/// The managed rule NEPTUNE_CLUSTER_ENCRYPTED's name for the same list, so
/// teams moving from it can keep their parameter.
const ALLOWED_KEYS_MANAGED_RULE: &str = "KmsKeyArns";
const REQUIRE_ENABLED: &str = "requireEnabledKey";
const EXECUTION_ROLE: &str = "ExecutionRoleName";

impl RuleParameters {
    /// Every parameter name `parse` accepts, aliases included, in the order
    /// of `evaluator/rule-parameters.json`.
    pub const NAMES: [&'static str; 5] = [
        DESIRED_LEVEL,
        ALLOWED_KEYS,
        ALLOWED_KEYS_MANAGED_RULE,
        REQUIRE_ENABLED,
        EXECUTION_ROLE,
    ];
}

impl RuleParameters {
    /// Parses `ruleParameters` (absent, empty or `{}` gives the defaults).
    /// Values are strings as Config sends them; an empty string means "use
    /// the default", as a conformance pack sends for a blank parameter.
    pub fn parse(rule_parameters: Option<&str>) -> Result<Self, Error> {
        let mut parameters = Self::default();
        let Some(text) = rule_parameters.filter(|text| !text.trim().is_empty()) else {
            return Ok(parameters);
        };
        let value: Value = crate::json::parse(text, "ruleParameters")?;
        let map = match value {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => {
                return Err(crate::json::wrong_type(
                    "ruleParameters",
                    "a JSON object",
                    &other,
                ))
            }
        };
        if map.contains_key(ALLOWED_KEYS) && map.contains_key(ALLOWED_KEYS_MANAGED_RULE) {
            return Err(Error::invalid(
                format!("ruleParameters.{ALLOWED_KEYS_MANAGED_RULE}"),
                ALLOWED_KEYS_MANAGED_RULE,
                format!(
                    "{ALLOWED_KEYS_MANAGED_RULE} is another name for {ALLOWED_KEYS}; set only one \
                     of them"
                ),
            ));
        }
        for (name, value) in &map {
            let field = format!("ruleParameters.{name}");
            match name.as_str() {
                DESIRED_LEVEL => {
                    if let Some(text) = string_value(value, &field)? {
                        parameters.desired_level = parse_level(text, &field)?;
                    }
                }
                ALLOWED_KEYS | ALLOWED_KEYS_MANAGED_RULE => {
                    if let Some(text) = string_value(value, &field)? {
                        parameters.allowed_key_arns = Some(parse_key_list(text, &field)?);
                    }
                }
                REQUIRE_ENABLED => {
                    parameters.require_enabled_key = match value {
                        Value::Bool(flag) => *flag,
                        _ => match string_value(value, &field)? {
                            None => true,
                            Some(text) if text.eq_ignore_ascii_case("true") => true,
                            Some(text) if text.eq_ignore_ascii_case("false") => false,
                            Some(text) => {
                                return Err(Error::invalid(field, text, "expected true or false"))
                            }
                        },
                    };
                }
                EXECUTION_ROLE => {
                    if let Some(text) = string_value(value, &field)? {
                        parameters.execution_role_name = Some(parse_role_name(text, &field)?);
                    }
                }
                _ => return Err(Error::UnknownParameter { name: name.clone() }),
            }
        }
        Ok(parameters)
    }

    /// Whether `key_arn` passes the allow-list (always, when none is set).
    pub fn allows_key(&self, key_arn: &str) -> bool {
        self.allowed_key_arns
            .as_ref()
            .is_none_or(|allowed| allowed.contains(key_arn))
    }
}

/// A parameter value as a trimmed string; `None` for empty or null.
fn string_value<'a>(value: &'a Value, field: &str) -> Result<Option<&'a str>, Error> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.trim()).filter(|text| !text.is_empty())),
        other => Err(crate::json::wrong_type(field, "a string", other)),
    }
}

fn parse_level(text: &str, field: &str) -> Result<EncryptionLevel, Error> {
    [
        EncryptionLevel::CustomerManaged,
        EncryptionLevel::External,
        EncryptionLevel::CloudHsm,
    ]
    .into_iter()
    .find(|level| level.as_str().eq_ignore_ascii_case(text))
    .ok_or_else(|| {
        Error::invalid(
            field,
            text,
            "expected CUSTOMER_MANAGED, EXTERNAL or CLOUDHSM",
        )
    })
}

fn parse_key_list(text: &str, field: &str) -> Result<BTreeSet<String>, Error> {
    let mut keys = BTreeSet::new();
    for entry in text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        match KmsArn::parse(entry) {
            Some(arn) if arn.is_key => {
                keys.insert(entry.to_owned());
            }
            _ => {
                return Err(Error::invalid(
                    field,
                    entry,
                    "expected comma-separated key ARNs such as \
                     arn:aws:kms:us-east-1:111122223333:key/1234abcd-… (alias ARNs and key ids \
                     cannot be matched reliably)",
                ))
            }
        }
    }
    if keys.is_empty() {
        return Err(Error::invalid(field, text, "expected at least one key ARN"));
    }
    Ok(keys)
}

fn parse_role_name(text: &str, field: &str) -> Result<String, Error> {
    let valid = text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(Error::invalid(
            field,
            text,
            "expected an IAM role name (1-64 characters from A-Z a-z 0-9 +=,.@_-), not an ARN",
        ))
    }
}
