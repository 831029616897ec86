//! The Lambda bootstrap: AWS Config invokes this function for every change
//! to a Neptune cluster, instance or cluster snapshot, and on a schedule.
//!
//! `main` builds the SDK clients once and hands each event to
//! [`neptune_cmk_rule::Rule::handle`].

use aws_lambda_events::event::config::ConfigEvent;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use neptune_cmk_rule::{Invocation, Outcome, Rule};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // JSON logs when AWS_LAMBDA_LOG_FORMAT=JSON; level from AWS_LAMBDA_LOG_LEVEL or RUST_LOG.
    lambda_runtime::tracing::init_default_subscriber();
    let sdk_config = aws_config::defaults(aws_config::BehaviorVersion::latest())
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

async fn handle(rule: &Rule, event: LambdaEvent<ConfigEvent>) -> Result<Outcome, Diagnostic> {
    let invocation = Invocation {
        deadline: Some(event.context.deadline()),
        dry_run: false,
        collect: false,
    };
    match rule.handle(&event.payload, invocation).await {
        Ok((outcome, _)) => Ok(outcome),
        Err(error) => {
            tracing::error!(error_type = error.error_type(), %error, "invocation failed");
            Err(error.into())
        }
    }
}
