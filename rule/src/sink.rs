//! Where an invocation's evaluations go. The rule hands every evaluation to
//! an [`EvaluationSink`] and never asks which one it is: the Lambda passes
//! the PutEvaluations writer, the CLI a [`Collector`] (dry run) or a
//! [`Recording`] around the writer (`evaluate --put`).

use std::future::Future;

use neptune_cmk_evaluator::Evaluation;

use crate::Error;

/// Where one invocation's evaluations are to be written: the Config client
/// holding the invocation's credentials, and the result token Config sent.
#[derive(Debug, Clone)]
pub struct Destination {
    /// Config, in the account the evaluations are about.
    pub config: aws_sdk_config::Client,
    /// The event's `resultToken`.
    pub result_token: String,
}

/// Takes evaluations as they are judged.
pub trait EvaluationSink {
    /// Takes one evaluation. A sink that writes may write a batch now; an
    /// error means evaluations were not written.
    fn accept(&mut self, evaluation: Evaluation) -> impl Future<Output = Result<(), Error>>;

    /// Writes whatever is queued.
    fn flush(&mut self) -> impl Future<Output = Result<(), Error>>;

    /// Evaluations written so far (a sink that writes nothing says 0).
    fn written(&self) -> usize;
}

/// Keeps every evaluation and writes nothing: a dry run.
#[derive(Debug, Default)]
pub struct Collector {
    evaluations: Vec<Evaluation>,
}

impl Collector {
    /// The evaluations taken, in order.
    pub fn into_evaluations(self) -> Vec<Evaluation> {
        self.evaluations
    }
}

impl EvaluationSink for Collector {
    async fn accept(&mut self, evaluation: Evaluation) -> Result<(), Error> {
        self.evaluations.push(evaluation);
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }

    fn written(&self) -> usize {
        0
    }
}

/// Passes every evaluation to another sink and keeps a copy, so a caller can
/// show what was written.
#[derive(Debug)]
pub struct Recording<S> {
    inner: S,
    kept: Vec<Evaluation>,
}

impl<S> Recording<S> {
    /// Records what passes to `inner`.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            kept: Vec::new(),
        }
    }

    /// The sink the evaluations passed to.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The evaluations passed on, in order.
    pub fn into_evaluations(self) -> Vec<Evaluation> {
        self.kept
    }
}

impl<S: EvaluationSink> EvaluationSink for Recording<S> {
    async fn accept(&mut self, evaluation: Evaluation) -> Result<(), Error> {
        self.kept.push(evaluation.clone());
        self.inner.accept(evaluation).await
    }

    async fn flush(&mut self) -> Result<(), Error> {
        self.inner.flush().await
    }

    fn written(&self) -> usize {
        self.inner.written()
    }
}
