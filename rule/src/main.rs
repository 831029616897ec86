//! The Lambda bootstrap, one artifact with two callers:
//!
//! - AWS Config invokes it for every change to a Neptune cluster, instance
//!   or cluster snapshot, to a KMS key, and on a schedule: an event with
//!   `invokingEvent` goes to [`neptune_cmk_rule::Rule::handle`], with the
//!   PutEvaluations writer as the sink;
//! - a CloudFormation Lambda Hook invokes it before a Neptune cluster or
//!   graph is created or updated: an event with `actionInvocationPoint` or
//!   `requestData` goes to [`neptune_cmk_rule::Rule::answer_hook`], whose
//!   answer is the function's result.
//!
//! `main` names the credential and region providers and loads the SDK
//! configuration once; the rule builds its clients on first use.

use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_lambda_events::event::config::ConfigEvent;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use neptune_cmk_evaluator::{HookAnswer, HookRequest};
use serde_json::value::RawValue;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

use neptune_cmk_rule::hook_answer::{answer_json, hook_deadline, RULE_PARAMETERS_VARIABLE};
use neptune_cmk_rule::metrics::Metrics;
use neptune_cmk_rule::writer::{EvaluationWriter, RetryPolicy};
use neptune_cmk_rule::{Deadline, Handled, Outcome, Rule};
use serde::Serialize;

/// What the binary is, for whoever runs it by hand.
const USAGE: &str = "\
neptune-cmk-rule: the AWS Lambda bootstrap of neptune-cmk (runtime provided.al2023).

It answers AWS Config rule events (is every Neptune database encrypted with a KMS
customer managed key?) and CloudFormation Lambda Hook requests, through the Lambda
Runtime API named by AWS_LAMBDA_RUNTIME_API. Outside Lambda there is nothing to
answer. To try it locally:

  neptune-cmk evaluate EVENT.json   the same handler on a saved Config event or hook
                                    request (tests/fixtures/events/, tests/fixtures/hooks/)
  make demo                         a local AWS (moto), a seeded fleet, and events through
                                    this binary behind a local Runtime API

Deploy: docs/DEPLOY.md (make package builds the zip; the CDK or the standalone
templates of make dist deploy it).
";

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Run by hand (no Runtime API, or asked for help): say what this is,
    // instead of the runtime's panic about its missing environment.
    let asked = std::env::args()
        .skip(1)
        .any(|arg| matches!(arg.as_str(), "-h" | "--help" | "help" | "-V" | "--version"));
    if asked || std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        print!("{USAGE}");
        println!("version {}", env!("CARGO_PKG_VERSION"));
        std::process::exit(if asked { 0 } else { 2 });
    }
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
    // Read once: the environment of a Lambda function is fixed.
    let hook_parameters = std::env::var(RULE_PARAMETERS_VARIABLE).ok();
    // The payload arrives as raw JSON text: serde_json reads it without a
    // depth limit and without recursion, and this function parses it
    // itself, so an event too deep for a Value still gets an answer.
    lambda_runtime::run(service_fn(|event: LambdaEvent<Box<RawValue>>| {
        let (rule, hook_parameters) = (&rule, hook_parameters.as_deref());
        async move { dispatch(rule, hook_parameters, event).await }
    }))
    .await
}

/// A hook request gets the hook's answer; anything else must be a Config
/// event.
async fn dispatch(
    rule: &Rule,
    hook_parameters: Option<&str>,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<Value, Diagnostic> {
    let LambdaEvent { payload, context } = event;
    let text = payload.get();
    let payload: Value = match serde_json::from_str(text) {
        Ok(payload) => payload,
        // Too deep (serde_json stops at 128 levels) or not JSON: a hook
        // request still gets a hook answer, with its token when the text
        // shows one; anything else is an invalid event.
        Err(error) if HookRequest::text_is_hook_request(text) => {
            let token = HookRequest::token_in_text(text);
            let answer = HookAnswer::internal_failure(
                token.as_deref(),
                &format!("the hook request cannot be read ({error}); nothing was judged"),
            );
            tracing::warn!(message = %answer.message, "hook answered FAILED");
            return Ok(answer_json(&answer));
        }
        Err(error) => {
            return Err(Diagnostic {
                error_type: "InvalidEvent".to_owned(),
                error_message: format!(
                    "the event cannot be read as JSON ({error}); AWS Config sends a JSON object \
                     with invokingEvent, ruleParameters and resultToken"
                ),
            })
        }
    };
    if HookRequest::is_hook_request(&payload) {
        let deadline = hook_deadline(context.deadline());
        // Boxed, as the Config path below: the two paths' futures nested
        // in one type exceed the compiler's layout depth limit.
        let answer = Box::pin(rule.answer_hook(&payload, hook_parameters, deadline)).await;
        if let Some(code) = answer.error_code {
            tracing::warn!(error_code = code.as_str(), message = %answer.message, "hook answered FAILED");
        }
        return Ok(answer_json(&answer));
    }
    let config_event: ConfigEvent =
        serde_json::from_value(payload).map_err(|error| Diagnostic {
            error_type: "InvalidEvent".to_owned(),
            error_message: format!(
                "the event is neither a Config rule event (invokingEvent, resultToken, …) nor a \
             CloudFormation hook request (actionInvocationPoint, requestData): {error}"
            ),
        })?;
    let response = Box::pin(handle(rule, LambdaEvent::new(config_event, context))).await?;
    serde_json::to_value(response).map_err(|error| Diagnostic {
        error_type: "InternalError".to_owned(),
        error_message: format!("the response could not be serialized: {error}"),
    })
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
    let open_writer =
        |destination| EvaluationWriter::new(destination, RetryPolicy::default(), deadline);
    let function_name = event.context.env_config.function_name.clone();
    match rule.handle(&event.payload, deadline, open_writer).await {
        Ok(Handled {
            outcome,
            sink: writer,
        }) => {
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
