//! PutEvaluations: batches of at most 100, written as soon as they are full,
//! retried with bounded backoff, and never silently dropped.

use std::time::Duration;

use aws_sdk_config::types::{ComplianceType, Evaluation as SdkEvaluation};
use neptune_cmk_evaluator::{Compliance, Evaluation};
use tracing::{info, warn};

use crate::aws::{aws_message, is_retryable, to_date_time};
use crate::Error;

/// PutEvaluations accepts at most this many evaluations per call.
pub const MAX_BATCH: usize = 100;

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

/// Collects evaluations and writes them in batches.
pub struct EvaluationWriter {
    client: aws_sdk_config::Client,
    result_token: String,
    test_mode: bool,
    retry: RetryPolicy,
    pending: Vec<Evaluation>,
    written: usize,
    calls: usize,
}

impl EvaluationWriter {
    /// A writer for one invocation's result token.
    pub fn new(client: aws_sdk_config::Client, result_token: String, retry: RetryPolicy) -> Self {
        Self {
            client,
            test_mode: result_token == TEST_MODE_TOKEN,
            result_token,
            retry,
            pending: Vec::with_capacity(MAX_BATCH),
            written: 0,
            calls: 0,
        }
    }

    /// Queues one evaluation, writing a batch when 100 are waiting.
    pub async fn push(&mut self, evaluation: Evaluation) -> Result<(), Error> {
        info!(
            resource_type = %evaluation.resource_type,
            resource_id = %evaluation.resource_id,
            compliance = %evaluation.compliance,
            "evaluation"
        );
        self.pending.push(evaluation);
        if self.pending.len() >= MAX_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes whatever is queued.
    pub async fn flush(&mut self) -> Result<(), Error> {
        while !self.pending.is_empty() {
            let batch: Vec<Evaluation> = self
                .pending
                .drain(..self.pending.len().min(MAX_BATCH))
                .collect();
            self.put_batch(batch).await?;
        }
        Ok(())
    }

    /// Evaluations written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Evaluations queued but not written yet.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// PutEvaluations calls made so far, retries included.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// Whether this invocation writes with `TestMode=true`.
    pub fn test_mode(&self) -> bool {
        self.test_mode
    }

    async fn put_batch(&mut self, mut batch: Vec<Evaluation>) -> Result<(), Error> {
        let mut backoff = self.retry.initial_backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.put_once(&batch).await;
            let message = match outcome {
                Ok(failed) if failed.is_empty() => {
                    self.written += batch.len();
                    return Ok(());
                }
                Ok(failed) => {
                    // Only the evaluations Config reports as failed are resent.
                    let failed_keys: Vec<(String, String)> = failed
                        .iter()
                        .map(|failed| {
                            (
                                failed.compliance_resource_type().to_owned(),
                                failed.compliance_resource_id().to_owned(),
                            )
                        })
                        .collect();
                    let before = batch.len();
                    batch.retain(|evaluation| {
                        failed_keys.iter().any(|(resource_type, resource_id)| {
                            *resource_type == evaluation.resource_type
                                && *resource_id == evaluation.resource_id
                        })
                    });
                    if batch.is_empty() {
                        // Config reported failures it cannot name: resend them all.
                        return Err(self.failure(
                            before,
                            attempt,
                            "FailedEvaluations did not match the batch".to_owned(),
                        ));
                    }
                    self.written += before - batch.len();
                    format!(
                        "FailedEvaluations for {}",
                        failed_keys
                            .iter()
                            .map(|(resource_type, resource_id)| format!(
                                "{resource_type} {resource_id}"
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
                Err((message, retryable)) if !retryable => {
                    return Err(self.failure(batch.len(), attempt, message));
                }
                Err((message, _)) => message,
            };
            if attempt >= self.retry.max_attempts {
                return Err(self.failure(batch.len(), attempt, message));
            }
            warn!(attempt, unwritten = batch.len(), %message, "PutEvaluations retry");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.retry.max_backoff);
        }
    }

    fn failure(&self, unwritten: usize, attempts: u32, message: String) -> Error {
        Error::PutEvaluations {
            written: self.written,
            unwritten: unwritten + self.pending.len(),
            attempts,
            message,
        }
    }

    /// One PutEvaluations call. `Ok` carries the failed evaluations;
    /// `Err` the message and whether a retry may help.
    async fn put_once(
        &mut self,
        batch: &[Evaluation],
    ) -> Result<Vec<SdkEvaluation>, (String, bool)> {
        let mut request = self
            .client
            .put_evaluations()
            .result_token(&self.result_token)
            .test_mode(self.test_mode);
        for evaluation in batch {
            request = request.evaluations(to_sdk(evaluation));
        }
        self.calls += 1;
        match request.send().await {
            Ok(output) => Ok(output.failed_evaluations().to_vec()),
            Err(error) => {
                // is_retryable already counts throttling codes.
                Err((aws_message(&error), is_retryable(&error)))
            }
        }
    }
}

fn to_sdk(evaluation: &Evaluation) -> SdkEvaluation {
    let compliance_type = match evaluation.compliance {
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
