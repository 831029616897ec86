//! PutEvaluations: batches of at most 100, each written in the background as
//! soon as it is full (a few at a time) while judging goes on, retried with
//! bounded backoff within the deadline the writer is built with, and never
//! silently dropped: `flush` waits for every batch and reports what could not
//! be written.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_config::types::{ComplianceType, Evaluation as SdkEvaluation};
use neptune_cmk_evaluator::{Compliance, Evaluation};
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::aws::{error_message, is_retryable, to_date_time};
use crate::sink::{Destination, EvaluationSink};
use crate::{Deadline, Error};

/// PutEvaluations accepts at most this many evaluations per call.
pub const MAX_BATCH: usize = 100;

/// Batches written at once. Config documents no PutEvaluations rate, so the
/// writer stays modest: enough to hide a round trip behind judging, few
/// enough that a throttled account recovers within the retries.
pub const WRITES_IN_FLIGHT: usize = 4;

/// The `resultToken` convention for a test invocation (RDK's): write with
/// `TestMode=true`.
pub const TEST_MODE_TOKEN: &str = "TESTMODE";

/// How often and how patiently to retry a batch.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per batch, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// The Lambda's sink: writes evaluations with PutEvaluations in batches.
#[derive(Debug)]
pub struct EvaluationWriter {
    batches: Arc<BatchWriter>,
    pending: Vec<Evaluation>,
    in_flight: JoinSet<BatchResult>,
    written: usize,
    lost: Option<Lost>,
}

/// Writes the batches of one invocation: where, how, and by when.
#[derive(Debug)]
struct BatchWriter {
    client: aws_sdk_config::Client,
    result_token: String,
    test_mode: bool,
    retry: RetryPolicy,
    deadline: Deadline,
    calls: AtomicUsize,
}

/// What one batch came to.
#[derive(Debug)]
struct BatchResult {
    written: usize,
    lost: Option<Lost>,
}

/// Evaluations that could not be written, and the last reason.
#[derive(Debug, Clone)]
struct Lost {
    unwritten: usize,
    attempts: u32,
    message: String,
}

impl EvaluationWriter {
    /// A writer for one invocation's destination. Every write and every
    /// retry is bounded by `deadline` (the Lambda's; `Deadline::none()` for
    /// none); writes may use the margin the other work left (all but a
    /// second).
    pub fn new(destination: Destination, retry: RetryPolicy, deadline: Deadline) -> Self {
        Self {
            batches: Arc::new(BatchWriter {
                client: destination.config,
                test_mode: destination.result_token == TEST_MODE_TOKEN,
                result_token: destination.result_token,
                retry,
                deadline: deadline.for_final_writes(),
                calls: AtomicUsize::new(0),
            }),
            pending: Vec::with_capacity(MAX_BATCH),
            in_flight: JoinSet::new(),
            written: 0,
            lost: None,
        }
    }

    /// PutEvaluations calls made so far, retries included.
    pub fn calls(&self) -> usize {
        self.batches.calls.load(Ordering::Relaxed)
    }

    /// Whether this invocation writes with `TestMode=true`.
    pub fn test_mode(&self) -> bool {
        self.batches.test_mode
    }

    /// Starts writing `batch` in the background, once fewer than
    /// [`WRITES_IN_FLIGHT`] batches are being written.
    async fn start(&mut self, batch: Vec<Evaluation>) {
        while self.in_flight.len() >= WRITES_IN_FLIGHT {
            self.finish_one().await;
        }
        let batches = Arc::clone(&self.batches);
        self.in_flight
            .spawn(async move { batches.write(batch).await });
    }

    /// Waits for one batch and adds up its result.
    async fn finish_one(&mut self) {
        let Some(joined) = self.in_flight.join_next().await else {
            return;
        };
        let result = joined.unwrap_or_else(|error| BatchResult {
            written: 0,
            lost: Some(Lost {
                // A batch is at most 100; a panicked write is counted as all lost.
                unwritten: MAX_BATCH,
                attempts: 0,
                message: format!("the write task failed: {error}"),
            }),
        });
        self.written += result.written;
        if let Some(lost) = result.lost {
            // The counts add up; the last reason is reported.
            let earlier = self.lost.as_ref().map_or(0, |lost| lost.unwritten);
            self.lost = Some(Lost {
                unwritten: earlier + lost.unwritten,
                ..lost
            });
        }
    }
}

impl BatchWriter {
    /// Writes one batch: resends only what Config reports failed, retries
    /// throttling and server errors with doubling backoff, within the
    /// deadline; whatever is left is reported lost.
    async fn write(&self, mut batch: Vec<Evaluation>) -> BatchResult {
        let (mut written, mut backoff, mut attempt) = (0, self.retry.initial_backoff, 0);
        loop {
            attempt += 1;
            let message = match self.put_once(&batch).await {
                Ok(failed) if failed.is_empty() => {
                    written += batch.len();
                    return BatchResult {
                        written,
                        lost: None,
                    };
                }
                Ok(failed) => {
                    let before = batch.len();
                    batch.retain(|evaluation| {
                        failed.iter().any(|failed| {
                            failed.compliance_resource_type() == evaluation.resource_type
                                && failed.compliance_resource_id() == evaluation.resource_id
                        })
                    });
                    if batch.is_empty() {
                        // Config reported failures it does not name: all are lost.
                        return lost(
                            written,
                            before,
                            attempt,
                            "FailedEvaluations did not match the batch",
                        );
                    }
                    written += before - batch.len();
                    failed_message(&failed)
                }
                Err((message, false)) => return lost(written, batch.len(), attempt, &message),
                Err((message, true)) => message,
            };
            let out_of_time = self
                .deadline
                .remaining()
                .is_some_and(|left| left <= backoff);
            if attempt >= self.retry.max_attempts || out_of_time {
                return lost(written, batch.len(), attempt, &message);
            }
            warn!(attempt, unwritten = batch.len(), %message, "PutEvaluations retry");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.retry.max_backoff);
        }
    }

    /// One PutEvaluations call. `Ok` carries the failed evaluations;
    /// `Err` the message and whether a retry may help.
    async fn put_once(&self, batch: &[Evaluation]) -> Result<Vec<SdkEvaluation>, (String, bool)> {
        let mut request = self
            .client
            .put_evaluations()
            .result_token(&self.result_token)
            .test_mode(self.test_mode);
        for evaluation in batch {
            request = request.evaluations(to_sdk(evaluation));
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        match self
            .deadline
            .bound("writing evaluations", request.send())
            .await
        {
            Ok(Ok(output)) => Ok(output.failed_evaluations().to_vec()),
            // is_retryable already counts throttling codes.
            Ok(Err(error)) => Err((error_message(&error), is_retryable(&error))),
            Err(deadline) => Err((deadline.to_string(), false)),
        }
    }
}

fn lost(written: usize, unwritten: usize, attempts: u32, message: &str) -> BatchResult {
    BatchResult {
        written,
        lost: Some(Lost {
            unwritten,
            attempts,
            message: message.to_owned(),
        }),
    }
}

fn failed_message(failed: &[SdkEvaluation]) -> String {
    let names: Vec<String> = failed
        .iter()
        .map(|failed| {
            format!(
                "{} {}",
                failed.compliance_resource_type(),
                failed.compliance_resource_id()
            )
        })
        .collect();
    format!("FailedEvaluations for {}", names.join(", "))
}

impl EvaluationSink for EvaluationWriter {
    /// Queues one evaluation, starting a batch write when 100 are waiting.
    async fn accept(&mut self, evaluation: Evaluation) -> Result<(), Error> {
        info!(
            resource_type = %evaluation.resource_type,
            resource_id = %evaluation.resource_id,
            compliance = %evaluation.compliance(),
            "evaluation"
        );
        self.pending.push(evaluation);
        if self.pending.len() >= MAX_BATCH {
            let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(MAX_BATCH));
            self.start(batch).await;
        }
        Ok(())
    }

    /// Writes what is queued and waits for every batch; fails, saying how
    /// many were written and how many were not, when any batch was lost.
    async fn flush(&mut self) -> Result<(), Error> {
        while !self.pending.is_empty() {
            let rest = self.pending.split_off(self.pending.len().min(MAX_BATCH));
            let batch = std::mem::replace(&mut self.pending, rest);
            self.start(batch).await;
        }
        while !self.in_flight.is_empty() {
            self.finish_one().await;
        }
        match self.lost.take() {
            None => Ok(()),
            Some(lost) => Err(Error::PutEvaluations {
                written: self.written,
                unwritten: lost.unwritten,
                attempts: lost.attempts,
                message: lost.message,
                tally: Box::default(),
            }),
        }
    }

    fn written(&self) -> usize {
        self.written
    }
}

fn to_sdk(evaluation: &Evaluation) -> SdkEvaluation {
    let compliance_type = match evaluation.compliance() {
        Compliance::Compliant => ComplianceType::Compliant,
        Compliance::NonCompliant => ComplianceType::NonCompliant,
        Compliance::NotApplicable => ComplianceType::NotApplicable,
    };
    SdkEvaluation::builder()
        .compliance_resource_type(&evaluation.resource_type)
        .compliance_resource_id(&evaluation.resource_id)
        .compliance_type(compliance_type)
        .annotation(evaluation.annotation.as_str())
        .ordering_timestamp(to_date_time(evaluation.ordering_timestamp))
        .build()
        .expect("every required Evaluation field is set above")
}
