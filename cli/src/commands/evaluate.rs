//! `neptune-cmk evaluate EVENT [--put] [-o FILE]`: the Lambda handler on a
//! saved event, as the bootstrap tells them apart.
//!
//! - A Config event: the evaluations in PutEvaluations' shape. Without
//!   `--put` the sink is a dry-run collector; with it, the PutEvaluations
//!   writer, recorded so the evaluations can still be printed.
//! - A CloudFormation Lambda Hook request: the hook's answer, exactly as the
//!   function returns it (exit 0 SUCCESS, 1 FAILED NonCompliant, 2
//!   InternalFailure).

use aws_lambda_events::event::config::ConfigEvent;
use neptune_cmk_evaluator::{Evaluation, HookErrorCode, HookRequest};
use neptune_cmk_rule::hook_answer::answer_json;
use neptune_cmk_rule::sink::{Collector, Recording};
use neptune_cmk_rule::writer::{EvaluationWriter, RetryPolicy};
use neptune_cmk_rule::{Deadline, Rule};
use serde_json::{json, Value};

use crate::args::EvaluateArgs;
use crate::error::Error;
use crate::output;
use crate::sdk;
use crate::status::Status;

/// Runs `evaluate`.
pub async fn run(args: &EvaluateArgs) -> Result<Status, Error> {
    let text = std::fs::read_to_string(&args.event).map_err(|source| Error::Io {
        action: "read",
        path: args.event.clone(),
        source,
    })?;
    let event: serde_json::Value = serde_json::from_str(&text).map_err(|error| Error::BadFile {
        path: args.event.clone(),
        what: "is not JSON",
        detail: error.to_string(),
    })?;
    let config = sdk::for_flags(&args.aws).await?;
    let rule = Rule::new(&config);
    if HookRequest::is_hook_request(&event) {
        return answer_hook(&rule, &event, args).await;
    }
    let event: ConfigEvent = serde_json::from_value(event).map_err(|error| Error::BadFile {
        path: args.event.clone(),
        what: "is neither a Config Lambda event nor a CloudFormation hook request",
        detail: error.to_string(),
    })?;
    let evaluations = if args.put {
        let open = |destination| {
            let writer =
                EvaluationWriter::new(destination, RetryPolicy::default(), Deadline::none());
            Recording::new(writer)
        };
        let handled = rule.handle(&event, Deadline::none(), open).await?;
        let writer = handled.sink.inner();
        eprintln!(
            "wrote {} evaluation(s) in {} PutEvaluations call(s){}",
            handled.outcome.written,
            writer.calls(),
            if writer.test_mode() {
                " (TestMode)"
            } else {
                ""
            }
        );
        handled.sink.into_evaluations()
    } else {
        let handled = rule
            .handle(&event, Deadline::none(), |_| Collector::default())
            .await?;
        handled.sink.into_evaluations()
    };
    output::write(
        &format!("{}\n", evaluations_json(&evaluations)),
        args.output.as_deref(),
    )?;
    Ok(Status::of(evaluations.iter().map(Evaluation::compliance)))
}

/// A hook request: the hook's answer, as the hook function returns it.
async fn answer_hook(
    rule: &Rule,
    request: &serde_json::Value,
    args: &EvaluateArgs,
) -> Result<Status, Error> {
    if args.put {
        return Err(Error::Usage {
            flag: "--put",
            message: "a hook request gets an answer, not evaluations: drop --put".to_owned(),
        });
    }
    let answer = rule
        .answer_hook(request, args.rule_parameters.as_deref(), Deadline::none())
        .await;
    let text = serde_json::to_string_pretty(&answer_json(&answer)).unwrap_or_default();
    output::write(&format!("{text}\n"), args.output.as_deref())?;
    match answer.error_code {
        None => Ok(Status::AllCompliant),
        Some(HookErrorCode::NonCompliant) => Ok(Status::NonCompliant),
        Some(HookErrorCode::InternalFailure) => Err(Error::HookFailure(answer.message)),
    }
}

/// Evaluations in PutEvaluations' own shape.
fn evaluations_json(evaluations: &[Evaluation]) -> String {
    let values: Vec<Value> = evaluations
        .iter()
        .map(|evaluation| {
            json!({
                "ComplianceResourceType": evaluation.resource_type,
                "ComplianceResourceId": evaluation.resource_id,
                "ComplianceType": evaluation.compliance().as_str(),
                "Annotation": evaluation.annotation.as_str(),
                "OrderingTimestamp": evaluation.ordering_timestamp.to_string(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&values).unwrap_or_default()
}
