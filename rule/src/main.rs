//! The Lambda bootstrap: AWS Config invokes this function for every change
//! to a Neptune cluster, instance or cluster snapshot, and on a schedule.
//!
//! `main` builds the SDK clients once and hands each event to
//! [`neptune_cmk_rule::Rule::handle`], with the PutEvaluations writer as the
//! sink.

use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_lambda_events::event::config::ConfigEvent;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use std::time::{SystemTime, UNIX_EPOCH};

use neptune_cmk_rule::metrics::Metrics;
use neptune_cmk_rule::writer::{EvaluationWriter, RetryPolicy};
use neptune_cmk_rule::{Deadline, Outcome, Rule};
use serde::Serialize;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // JSON logs when AWS_LAMBDA_LOG_FORMAT=JSON; level from AWS_LAMBDA_LOG_LEVEL or RUST_LOG.
    lambda_runtime::tracing::init_default_subscriber();
    // Lambda always passes the function role's credentials and the region
    // in the environment: naming those providers skips the default chains
    // (profile files, web identity, IMDS), which only cost start-up time here.
    let sdk_config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .credentials_provider(EnvironmentVariableCredentialsProvider::new())
        .region(EnvironmentVariableRegionProvider::new())
        .timeout_config(neptune_cmk_rule::timeouts())
        .load()
        .await;
    let rule = Rule::new(&sdk_config);
    lambda_runtime::run(service_fn(|event: LambdaEvent<ConfigEvent>| {
        let rule = &rule;
        async move { handle(rule, event).await }
    }))
    .await
}

/// The response body: what the rule did, and how it was written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(flatten)]
    outcome: Outcome,
    /// PutEvaluations calls, retries included.
    put_calls: usize,
    /// Whether the evaluations were written with `TestMode`.
    test_mode: bool,
}

async fn handle(rule: &Rule, event: LambdaEvent<ConfigEvent>) -> Result<Response, Diagnostic> {
    let deadline = Deadline::at(event.context.deadline());
    let open_writer = |destination| {
        EvaluationWriter::new(destination, RetryPolicy::default()).with_deadline(deadline)
    };
    let function_name = event.context.env_config.function_name.clone();
    match rule.handle(&event.payload, deadline, open_writer).await {
        Ok((outcome, writer)) => {
            emit(&Metrics::of_success(&outcome), &function_name);
            Ok(Response {
                outcome,
                put_calls: writer.calls(),
                test_mode: writer.test_mode(),
            })
        }
        Err(error) => {
            emit(&Metrics::of_failure(&error), &function_name);
            tracing::error!(error_type = error.error_type(), %error, "invocation failed");
            Err(error.into())
        }
    }
}

/// Prints the invocation's metrics as one EMF line on stdout, which Lambda
/// sends to CloudWatch Logs unchanged (it is a JSON object).
fn emit(metrics: &Metrics, function_name: &str) {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64);
    println!("{}", metrics.emf_line(function_name, now_ms));
}
