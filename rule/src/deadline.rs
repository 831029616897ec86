//! The Lambda deadline, checked before each step that could outlive it.

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::Error;

/// When the invocation must stop, with a safety margin for writing what was
/// judged. `Deadline::none()` never expires (the CLI, tests).
///
/// New work starts only while more than the margin is left ([`Deadline::check`]),
/// and every AWS call is cut short so it cannot run into the margin
/// ([`Deadline::bound`]); the margin is what the final PutEvaluations get
/// ([`Deadline::for_final_writes`]).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Option<SystemTime>,
    margin: Duration,
}

impl Deadline {
    /// The margin left for flushing evaluations and reporting the failure.
    pub const DEFAULT_MARGIN: Duration = Duration::from_secs(10);

    /// Lambda's deadline, with the default margin.
    pub fn at(deadline: SystemTime) -> Self {
        Self {
            at: Some(deadline),
            margin: Self::DEFAULT_MARGIN,
        }
    }

    /// No deadline.
    pub fn none() -> Self {
        Self {
            at: None,
            margin: Self::DEFAULT_MARGIN,
        }
    }

    /// Replaces the margin.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The same deadline with only a second of margin: for writing what was
    /// judged, which may use the margin the other work left.
    pub fn for_final_writes(self) -> Self {
        self.with_margin(Self::DEFAULT_MARGIN.min(Duration::from_secs(1)))
    }

    /// Time left before the margin is reached; `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.at.map(|at| {
            at.duration_since(SystemTime::now())
                .unwrap_or_default()
                .saturating_sub(self.margin)
        })
    }

    /// Runs one AWS call, cut short with [`Error::DeadlineExceeded`] when it
    /// would run into the margin. `phase` names the call.
    pub async fn bound<T>(&self, phase: &str, call: impl Future<Output = T>) -> Result<T, Error> {
        match self.remaining() {
            None => Ok(call.await),
            Some(left) if left.is_zero() => Err(self.exceeded(phase)),
            Some(left) => tokio::time::timeout(left, call)
                .await
                .map_err(|_| self.exceeded(phase)),
        }
    }

    fn exceeded(&self, phase: &str) -> Error {
        let left = self
            .at
            .and_then(|at| at.duration_since(SystemTime::now()).ok())
            .unwrap_or_default();
        Error::DeadlineExceeded {
            phase: phase.to_owned(),
            remaining_ms: left.as_millis(),
        }
    }

    /// Fails with [`Error::DeadlineExceeded`] once only the margin is left.
    /// `phase` names what would come next, e.g. `listing DB instances`.
    pub fn check(&self, phase: &str) -> Result<(), Error> {
        match self.remaining() {
            Some(left) if left.is_zero() => Err(self.exceeded(phase)),
            _ => Ok(()),
        }
    }
}

impl Default for Deadline {
    fn default() -> Self {
        Self::none()
    }
}
