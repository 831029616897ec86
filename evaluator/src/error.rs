//! The evaluator's one error type.
//!
//! Every variant is about *input*: text Config sent that is malformed, a rule
//! parameter that is wrong, or a fact the adapter supplied that cannot be
//! turned into a verdict. Domain outcomes (deleted, not Neptune, not
//! encrypted) are never errors; they are [`crate::Evaluation`]s.

/// Why an event, a configuration item, a rule parameter or a key fact could
/// not be turned into an evaluation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not JSON at all, or it is truncated.
    #[error(
        "{context} is not valid JSON ({source}); send the text exactly as AWS Config produced it"
    )]
    InvalidJson {
        /// Which input, e.g. `invokingEvent` or `configurationItem.configuration`.
        context: String,
        /// The parser's own message, with line and column.
        #[source]
        source: serde_json::Error,
    },

    /// A field every valid input carries is absent or null.
    #[error("{field} is missing; {fix}")]
    MissingField {
        /// JSON path of the field, e.g. `configurationItem.resourceId`.
        field: String,
        /// What a valid input looks like.
        fix: &'static str,
    },

    /// A field holds a JSON value of the wrong type.
    #[error("{field} must be {expected}, found {found}")]
    WrongType {
        /// JSON path of the field.
        field: String,
        /// The type a valid input has there, e.g. `a boolean`.
        expected: &'static str,
        /// A short rendering of what was found, e.g. `the string "true"`.
        found: String,
    },

    /// A field has the right type but a value outside its allowed set or
    /// format.
    #[error("{field} has the invalid value {value:?}; {fix}")]
    InvalidValue {
        /// JSON path of the field.
        field: String,
        /// The offending value (shortened when long).
        value: String,
        /// What the valid values are.
        fix: String,
    },

    /// `invokingEvent.messageType` is not one this rule handles.
    #[error(
        "invokingEvent.messageType {message_type:?} is not handled; this rule handles \
         ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification \
         and ScheduledNotification (configure the rule's triggers to those)"
    )]
    UnknownMessageType {
        /// The message type that was sent.
        message_type: String,
    },

    /// `ruleParameters` names a parameter this rule does not know. A typo
    /// must not silently fall back to a default and weaken the check.
    #[error(
        "ruleParameters has the unknown parameter {name:?}; valid parameters are \
         desiredEncryptionLevel, allowedKmsKeyArns (or KmsKeyArns, the managed rule's name for \
         it), requireEnabledKey and ExecutionRoleName (names are case-sensitive)"
    )]
    UnknownParameter {
        /// The unknown parameter name.
        name: String,
    },

    /// The key is in the resource's own account, yet DescribeKey was denied:
    /// the rule's role lacks `kms:DescribeKey`, so no verdict is honest.
    #[error(
        "kms:DescribeKey was denied for {key_arn}, a key in the resource's own account \
         {account_id}; grant kms:DescribeKey to the rule's execution role (IAM policy and \
         key policy)"
    )]
    KeyAccessDenied {
        /// The key that could not be described.
        key_arn: String,
        /// The account owning both the key and the resource.
        account_id: String,
    },
}

impl Error {
    pub(crate) fn missing(field: impl Into<String>, fix: &'static str) -> Self {
        Self::MissingField {
            field: field.into(),
            fix,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, value: &str, fix: impl Into<String>) -> Self {
        Self::InvalidValue {
            field: field.into(),
            value: crate::annotation::shorten(value, 120),
            fix: fix.into(),
        }
    }

    pub(crate) fn json(context: impl Into<String>, source: serde_json::Error) -> Self {
        Self::InvalidJson {
            context: context.into(),
            source,
        }
    }
}
