//! `neptune-cmk evaluate EVENT [--put]`: the Lambda handler on a saved
//! Config event, printing the evaluations in PutEvaluations' shape. Without
//! `--put` the sink is a dry-run collector; with it, the PutEvaluations
//! writer, recorded so the evaluations can still be printed.

use aws_lambda_events::event::config::ConfigEvent;
use neptune_cmk_evaluator::Evaluation;
use neptune_cmk_rule::sink::{Collector, Recording};
use neptune_cmk_rule::writer::{EvaluationWriter, RetryPolicy};
use neptune_cmk_rule::{Deadline, Rule};

use crate::args::{EvaluateArgs, Status};
use crate::{aws, output, Error};

/// Runs `evaluate`.
pub async fn run(args: &EvaluateArgs) -> Result<Status, Error> {
    let text = std::fs::read_to_string(&args.event).map_err(|source| Error::Io {
        action: "read",
        path: args.event.clone(),
        source,
    })?;
    let event: ConfigEvent = serde_json::from_str(&text).map_err(|error| Error::BadFile {
        path: args.event.clone(),
        what: "is not a Config Lambda event",
        detail: error.to_string(),
    })?;
    let config = aws::sdk_config(args.profile.as_deref(), args.region.as_deref()).await;
    let rule = Rule::new(&config);
    let evaluations = if args.put {
        let open = |destination| {
            Recording::new(EvaluationWriter::new(destination, RetryPolicy::default()))
        };
        let (outcome, recording) = rule.handle(&event, Deadline::none(), open).await?;
        let (writer, evaluations) = recording.into_parts();
        eprintln!(
            "wrote {} evaluation(s) in {} PutEvaluations call(s){}",
            outcome.written,
            writer.calls(),
            if writer.test_mode() {
                " (TestMode)"
            } else {
                ""
            }
        );
        evaluations
    } else {
        let (_, collector) = rule
            .handle(&event, Deadline::none(), |_| Collector::default())
            .await?;
        collector.into_evaluations()
    };
    println!("{}", output::evaluations_json(&evaluations));
    Ok(Status::of(evaluations.iter().map(Evaluation::compliance)))
}
