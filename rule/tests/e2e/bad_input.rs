//! The bad-input corpus (`tests/fixtures/bad/`) through the real handler:
//! each file gives a clear, specific error or the correct NOT_APPLICABLE.
//!
//! The clients point at a loopback endpoint that hangs up on every
//! connection, with retries off, so a file that makes the handler reach AWS
//! fails with a transport error naming the call and the ARN it used.

use aws_lambda_events::event::config::ConfigEvent;
use neptune_cmk_evaluator::{Compliance, MAX_ANNOTATION_BYTES, TRUNCATION_MARKER};
use neptune_cmk_rule::sink::Collector;
use neptune_cmk_rule::{Deadline, Rule};

use crate::harness::DeadEndpoint;

enum Expected {
    /// The invocation fails with this `errorType` and message fragment.
    Error(&'static str, &'static str),
    /// One NOT_APPLICABLE evaluation whose annotation holds the fragment.
    NotApplicable(&'static str),
}
use Expected::*;

async fn unreachable_rule(endpoint: &DeadEndpoint) -> Rule {
    let sdk_config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region("us-east-1")
        .endpoint_url(endpoint.url())
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .credentials_provider(aws_credential_types::Credentials::new(
            "a", "b", None, None, "test",
        ))
        .load()
        .await;
    Rule::new(&sdk_config)
}

#[track_caller]
fn parse(name: &str, text: &str) -> ConfigEvent {
    serde_json::from_str(text)
        .unwrap_or_else(|error| panic!("{name}: envelope does not parse: {error}"))
}

async fn check(name: &str, text: &str, expected: Expected) {
    let endpoint = DeadEndpoint::hanging_up();
    let rule = unreachable_rule(&endpoint).await;
    let outcome = rule
        .handle(&parse(name, text), Deadline::none(), |_| {
            Collector::default()
        })
        .await
        .map(|handled| (handled.outcome, handled.sink.into_evaluations()));
    match (expected, outcome) {
        (Error(error_type, fragment), Err(error)) => {
            assert_eq!(error.error_type(), error_type, "{name}: {error}");
            assert!(
                error.to_string().contains(fragment),
                "{name}: {error:?} lacks {fragment:?}"
            );
        }
        (NotApplicable(fragment), Ok((_, evaluations))) => {
            assert_eq!(evaluations.len(), 1, "{name}");
            let evaluation = &evaluations[0];
            assert_eq!(evaluation.compliance(), Compliance::NotApplicable, "{name}");
            let annotation = evaluation.annotation.as_str();
            assert!(
                annotation.len() <= MAX_ANNOTATION_BYTES,
                "{name}: {} bytes",
                annotation.len()
            );
            assert!(annotation.contains(fragment), "{name}: {annotation}");
        }
        (Error(..), Ok(outcome)) => panic!("{name}: expected an error, got {outcome:?}"),
        (NotApplicable(_), Err(error)) => panic!("{name}: expected NOT_APPLICABLE, got {error}"),
    }
}

macro_rules! bad {
    ($test:ident, $file:literal, $expected:expr) => {
        #[tokio::test]
        async fn $test() {
            let text = include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/fixtures/bad/",
                $file
            ));
            check($file, text, $expected).await;
        }
    };
}

bad!(
    truncated_invoking_event,
    "truncated-invoking-event.json",
    Error(
        "InvalidEvent",
        "invokingEvent is not valid JSON (EOF while parsing"
    )
);
bad!(storage_encrypted_as_string, "storage-encrypted-as-string.json", Error("InvalidEvent", "configurationItem.configuration.storageEncrypted must be a boolean, found the string \"true\""));
// The rule never reads configurationStateId, so its shape cannot fail the
// event: judging goes on to the key lookup (here an unreachable endpoint).
bad!(
    configuration_state_id_as_object_is_ignored,
    "configuration-state-id-as-object.json",
    Error("RetryableAwsError", "kms:DescribeKey failed for")
);
bad!(
    missing_configuration_item,
    "missing-configuration-item.json",
    Error("InvalidEvent", "invokingEvent.configurationItem is missing")
);
bad!(
    unknown_message_type,
    "unknown-message-type.json",
    Error(
        "InvalidEvent",
        "\"ConfigurationSnapshotDeliveryCompleted\" is not handled"
    )
);
bad!(
    rule_parameters_not_json,
    "rule-parameters-not-json.json",
    Error("InvalidEvent", "ruleParameters is not valid JSON")
);
bad!(
    unknown_parameter,
    "unknown-parameter.json",
    Error(
        "InvalidEvent",
        "unknown parameter \"desiredLevel\"; valid parameters are desiredEncryptionLevel"
    )
);
bad!(
    empty_kms_key_id,
    "empty-kms-key-id.json",
    Error(
        "InvalidEvent",
        "configurationItem.configuration.kmsKeyId has the invalid value \"\""
    )
);
bad!(configuration_as_array, "configuration-as-array.json", Error("InvalidEvent", "configurationItem.configuration must be an object or a JSON string holding an object, found an array"));
bad!(
    missing_result_token,
    "missing-result-token.json",
    Error("InvalidEvent", "the Config event has no resultToken")
);
bad!(
    enormous_annotation,
    "enormous-annotation.json",
    NotApplicable(TRUNCATION_MARKER)
);
bad!(
    multibyte_truncation_point,
    "multibyte-truncation-point.json",
    NotApplicable(TRUNCATION_MARKER)
);
bad!(
    unknown_resource_type,
    "unknown-resource-type.json",
    NotApplicable("AWS::Neptune::DBCluster is not evaluated by this rule")
);
bad!(
    aws_cn_execution_role,
    "aws-cn-execution-role.json",
    Error(
        "AssumeRoleFailed",
        "sts:AssumeRole into arn:aws-cn:iam::123456789012:role/NeptuneCmkExecutionRole failed"
    )
);
bad!(aws_us_gov_bare_key_id, "aws-us-gov-bare-key-id.json", Error("RetryableAwsError", "kms:DescribeKey failed for arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));

#[test]
fn truncated_envelope_is_rejected_before_the_handler() {
    // lambda_runtime reports this deserialization error to /error itself.
    let text = crate::fixture!("bad/envelope-truncated.json");
    let error = serde_json::from_str::<ConfigEvent>(text).unwrap_err();
    assert!(error.is_eof(), "{error}");
}
