//! Fault paths a server cannot produce on demand, with `aws-smithy-mocks`
//! standing in for the HTTP layer of the real SDK clients.

use aws_sdk_config::operation::put_evaluations::PutEvaluationsOutput;
use aws_sdk_config::types::{ComplianceType, Evaluation};
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

/// The change event's evaluation, as Config reports it in `FailedEvaluations`.
fn failed_evaluation() -> Evaluation {
    Evaluation::builder()
        .compliance_resource_type("AWS::RDS::DBCluster")
        .compliance_resource_id("cluster-GRAPH")
        .compliance_type(ComplianceType::Compliant)
        .ordering_timestamp(aws_smithy_types::DateTime::from_secs(0))
        .build()
        .unwrap()
}

#[tokio::test]
async fn kms_throttling_then_success() {
    let describe_key = mock!(aws_sdk_kms::Client::describe_key)
        .sequence()
        .error(throttling)
        .output(customer_key)
        .build();
    let put = mock!(aws_sdk_config::Client::put_evaluations)
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
        .sequence()
        .error(throttling)
        .times(10)
        .build();
    let put = mock!(aws_sdk_config::Client::put_evaluations)
        .then_output(|| PutEvaluationsOutput::builder().build());
    let kms = fast_retrying_kms(&describe_key);
    let config = mock_client!(aws_sdk_config, RuleMode::Sequential, &[&put]);
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
    assert_eq!(put.num_calls(), 0);
}

#[tokio::test]
async fn partial_failed_evaluations_are_resent() {
    let describe_key = mock!(aws_sdk_kms::Client::describe_key).then_output(customer_key);
    let failed = failed_evaluation();
    let put = mock!(aws_sdk_config::Client::put_evaluations)
        .sequence()
        .output(move || {
            PutEvaluationsOutput::builder()
                .failed_evaluations(failed.clone())
                .build()
        })
        .output(|| PutEvaluationsOutput::builder().build())
        .build();
    let kms = mock_client!(aws_sdk_kms, RuleMode::Sequential, &[&describe_key]);
    let config = mock_client!(aws_sdk_config, RuleMode::Sequential, &[&put]);
    let rule = rule_with(Clients {
        config,
        kms,
        neptune: unused_neptune(),
    })
    .await;
    let (outcome, writer) = lambda_with(&rule, &change_event(), Deadline::none(), fast_retry())
        .await
        .unwrap();
    assert_eq!((outcome.written, writer.calls()), (1, 2));
    assert_eq!(put.num_calls(), 2);
}

#[tokio::test]
async fn failed_evaluations_that_persist_fail_the_invocation() {
    let describe_key = mock!(aws_sdk_kms::Client::describe_key).then_output(customer_key);
    let failed = failed_evaluation();
    let put = mock!(aws_sdk_config::Client::put_evaluations)
        .sequence()
        .output(move || {
            PutEvaluationsOutput::builder()
                .failed_evaluations(failed.clone())
                .build()
        })
        .times(3)
        .build();
    let kms = mock_client!(aws_sdk_kms, RuleMode::Sequential, &[&describe_key]);
    let config = mock_client!(aws_sdk_config, RuleMode::Sequential, &[&put]);
    let rule = rule_with(Clients {
        config,
        kms,
        neptune: unused_neptune(),
    })
    .await;
    let error = lambda_with(&rule, &change_event(), Deadline::none(), fast_retry())
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "PutEvaluationsFailed");
    assert!(
        error
            .to_string()
            .contains("after 3 attempts: 1 evaluation(s) not written"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("AWS::RDS::DBCluster cluster-GRAPH"),
        "{error}"
    );
    assert_eq!(put.num_calls(), 3, "bounded retries");
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
    let describe_key = mock!(aws_sdk_kms::Client::describe_key)
        .sequence()
        .error(denied)
        .error(denied)
        .build();
    let kms = mock_client!(aws_sdk_kms, RuleMode::Sequential, &[&describe_key]);
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
        describe_key.num_calls(),
        2,
        "the key, then the alias/aws/rds probe"
    );
}
