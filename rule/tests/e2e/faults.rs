//! Fault paths at the SDK's level, with `aws-smithy-mocks` standing in for
//! the HTTP layer of the real SDK clients: the SDK's own retries of a KMS
//! error, and a denial read from the SDK's error type. Every mock matches
//! the request it stands for (`match_requests`), so a call the rule should
//! not make, or makes with other input, finds no answer and fails the test.
//! What the launcher can produce (FailedEvaluations, throttled writes,
//! denials by key) is tested against it, in `handler.rs`.

use aws_sdk_config::operation::put_evaluations::{PutEvaluationsInput, PutEvaluationsOutput};
use aws_sdk_config::types::ComplianceType;
use aws_sdk_kms::operation::describe_key::DescribeKeyInput;
use aws_sdk_kms::operation::describe_key::{DescribeKeyError, DescribeKeyOutput};
use aws_sdk_kms::types::{KeyManagerType, KeyMetadata, KeyState, OriginType};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use neptune_cmk_rule::writer::RetryPolicy;
use neptune_cmk_rule::{Clients, Deadline, Rule};
use std::time::Duration;

use crate::harness::*;
use crate::lambda_with;

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
    }
}

async fn rule_with(clients: Clients) -> Rule {
    let sdk_config = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new(REGION))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    Rule::new(&sdk_config).with_clients(clients)
}

fn customer_key() -> DescribeKeyOutput {
    DescribeKeyOutput::builder()
        .key_metadata(
            KeyMetadata::builder()
                .key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
                .arn(KEY)
                .aws_account_id(ACCOUNT)
                .key_manager(KeyManagerType::Customer)
                .key_state(KeyState::Enabled)
                .origin(OriginType::AwsKms)
                .build()
                .unwrap(),
        )
        .build()
}

fn change_event() -> aws_lambda_events::event::config::ConfigEvent {
    let cluster = Cluster {
        identifier: "graph".into(),
        resource_id: "cluster-GRAPH".into(),
    };
    envelope(
        cluster_change(&cluster, "neptune", Some(KEY)),
        "{}",
        "token-1",
        false,
    )
}

/// DescribeKey of `key_id`, exactly.
fn describes(key_id: &'static str) -> impl Fn(&DescribeKeyInput) -> bool {
    move |request| request.key_id() == Some(key_id)
}

/// PutEvaluations of the change event's one COMPLIANT evaluation, with its
/// token.
fn puts_the_change(request: &PutEvaluationsInput) -> bool {
    let evaluations = request.evaluations();
    request.result_token() == Some("token-1")
        && evaluations.len() == 1
        && evaluations[0].compliance_resource_type() == "AWS::RDS::DBCluster"
        && evaluations[0].compliance_resource_id() == "cluster-GRAPH"
        && evaluations[0].compliance_type() == &ComplianceType::Compliant
}

/// A Neptune client that answers nothing: a change of a cluster needs no
/// Neptune call.
fn unused_neptune() -> aws_sdk_neptune::Client {
    mock_client!(aws_sdk_neptune, RuleMode::MatchAny, &[])
}

fn throttling() -> DescribeKeyError {
    DescribeKeyError::generic(
        aws_sdk_kms::error::ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("rate exceeded")
            .build(),
    )
}

/// A KMS client answering from `describe_key`, with the SDK's standard
/// retries at a 1 ms backoff.
fn fast_retrying_kms(describe_key: &aws_smithy_mocks::Rule) -> aws_sdk_kms::Client {
    mock_client!(
        aws_sdk_kms,
        RuleMode::Sequential,
        &[describe_key],
        |config| {
            config.retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_initial_backoff(Duration::from_millis(1)),
            )
        }
    )
}

#[tokio::test]
async fn kms_throttling_then_success() {
    let describe_key = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(describes(KEY))
        .sequence()
        .error(throttling)
        .output(customer_key)
        .build();
    let put = mock!(aws_sdk_config::Client::put_evaluations)
        .match_requests(puts_the_change)
        .then_output(|| PutEvaluationsOutput::builder().build());
    let kms = fast_retrying_kms(&describe_key);
    let config = mock_client!(aws_sdk_config, RuleMode::Sequential, &[&put]);
    let rule = rule_with(Clients {
        config,
        kms,
        neptune: unused_neptune(),
    })
    .await;
    let (outcome, _) = lambda_with(&rule, &change_event(), Deadline::none(), fast_retry())
        .await
        .unwrap();
    assert_eq!((outcome.compliant, outcome.written), (1, 1));
    assert_eq!(describe_key.num_calls(), 2, "one throttled call, one retry");
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn kms_throttling_that_persists_fails_the_invocation_and_writes_nothing() {
    let describe_key = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(describes(KEY))
        .sequence()
        .error(throttling)
        .times(10)
        .build();
    let kms = fast_retrying_kms(&describe_key);
    // Nothing is judged, so nothing may be written.
    let config = mock_client!(aws_sdk_config, RuleMode::MatchAny, &[]);
    let rule = rule_with(Clients {
        config,
        kms,
        neptune: unused_neptune(),
    })
    .await;
    let error = lambda_with(&rule, &change_event(), Deadline::none(), fast_retry())
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "RetryableAwsError", "{error}");
    assert!(
        error.to_string().contains("kms:DescribeKey failed"),
        "{error}"
    );
    assert_eq!(
        describe_key.num_calls(),
        3,
        "bounded: the SDK's three attempts"
    );
}

#[tokio::test]
async fn same_account_access_denied_from_the_sdk() {
    // The key and the probe of alias/aws/rds are both denied: the rule's
    // role lacks kms:DescribeKey altogether.
    let denied = || {
        DescribeKeyError::generic(
            aws_sdk_kms::error::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized to perform kms:DescribeKey")
                .build(),
        )
    };
    let key = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(describes(KEY))
        .then_error(denied);
    let probe = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(describes("alias/aws/rds"))
        .then_error(denied);
    let kms = mock_client!(aws_sdk_kms, RuleMode::Sequential, &[&key, &probe]);
    let config = mock_client!(aws_sdk_config, RuleMode::MatchAny, &[]);
    let rule = rule_with(Clients {
        config,
        kms,
        neptune: unused_neptune(),
    })
    .await;
    let error = lambda_with(&rule, &change_event(), Deadline::none(), fast_retry())
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "MissingPermission");
    assert_eq!(
        (key.num_calls(), probe.num_calls()),
        (1, 1),
        "the key, then the alias/aws/rds probe"
    );
}
