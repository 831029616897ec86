//! Per-invocation metrics in CloudWatch Embedded Metric Format: one JSON
//! log line that CloudWatch Logs turns into metrics, so the function needs
//! no extra service call or permission. The CDK alarms on
//! `EvaluationsNotWritten` and on the function's `Errors`.
//!
//! Namespace `NeptuneCmk`, one dimension set `[["FunctionName"]]`.

use serde_json::{json, Map, Value};

use crate::{Error, Outcome};

/// The metrics namespace the CDK's alarms and dashboards read.
pub const NAMESPACE: &str = "NeptuneCmk";

/// One metric of an invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricValue {
    /// The metric's name, e.g. `EvaluationsWritten`.
    pub name: &'static str,
    /// Its CloudWatch unit: `Count` or `Milliseconds`.
    pub unit: &'static str,
    /// Its value.
    pub value: u64,
}

/// The metrics of one invocation, from what it did or how it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    outcome: Outcome,
    not_written: usize,
}

impl Metrics {
    /// An invocation that finished.
    pub fn of_success(outcome: &Outcome) -> Self {
        Self {
            outcome: outcome.clone(),
            not_written: 0,
        }
    }

    /// An invocation that failed: what it did before, and what it lost.
    pub fn of_failure(error: &Error) -> Self {
        Self {
            outcome: error.outcome(),
            not_written: error.unwritten(),
        }
    }

    /// The metric values, in a stable order.
    pub fn values(&self) -> Vec<MetricValue> {
        let outcome = &self.outcome;
        let count = |name, n: usize| MetricValue {
            name,
            unit: "Count",
            value: n as u64,
        };
        let mut values = vec![
            count("EvaluationsCompliant", outcome.compliant),
            count("EvaluationsNonCompliant", outcome.non_compliant),
            count("EvaluationsNotApplicable", outcome.not_applicable),
            count("EvaluationsWritten", outcome.written),
            count("EvaluationsNotWritten", self.not_written),
            count("StaleResultsCleared", outcome.stale_removed),
            count("DescribeKeyCalls", outcome.describe_key_calls),
            count("ResourcesSkipped", outcome.unjudged),
        ];
        if let Some(sweep_ms) = outcome.sweep_ms {
            values.push(MetricValue {
                name: "SweepDuration",
                unit: "Milliseconds",
                value: sweep_ms,
            });
        }
        values
    }

    /// The EMF log line for `function_name`, stamped `timestamp_ms` (epoch
    /// milliseconds).
    pub fn emf_line(&self, function_name: &str, timestamp_ms: u64) -> String {
        let values = self.values();
        let definitions: Vec<Value> = values
            .iter()
            .map(|metric| json!({"Name": metric.name, "Unit": metric.unit}))
            .collect();
        let mut line = Map::new();
        line.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": definitions,
                }],
            }),
        );
        line.insert("FunctionName".to_owned(), function_name.into());
        for metric in values {
            line.insert(metric.name.to_owned(), metric.value.into());
        }
        Value::Object(line).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_reports_what_was_lost() {
        let error = Error::PutEvaluations {
            written: 100,
            unwritten: 30,
            attempts: 5,
            message: "ThrottlingException".to_owned(),
            tally: Box::default(),
        };
        let line: Value =
            serde_json::from_str(&Metrics::of_failure(&error).emf_line("f", 1)).unwrap();
        assert_eq!(line["EvaluationsWritten"], 100);
        assert_eq!(line["EvaluationsNotWritten"], 30);
        assert!(line.get("SweepDuration").is_none());
        let names: Vec<&str> = line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|metric| metric["Name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"EvaluationsNotWritten"), "{names:?}");
    }
}
