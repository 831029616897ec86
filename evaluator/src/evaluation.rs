//! The evaluator's output: what PutEvaluations will write.

use std::fmt;

use crate::{Annotation, Timestamp};

/// The three compliance values PutEvaluations accepts. `INSUFFICIENT_DATA`
/// is rejected by AWS Config, so it is not representable here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Compliance {
    /// The resource meets the rule.
    Compliant,
    /// The resource does not meet the rule.
    NonCompliant,
    /// The rule does not apply (not Neptune, deleted, out of scope).
    NotApplicable,
}

impl Compliance {
    /// Config's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "COMPLIANT",
            Self::NonCompliant => "NON_COMPLIANT",
            Self::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

impl fmt::Display for Compliance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One verdict for one resource, ready for PutEvaluations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Config's resource type, e.g. `AWS::RDS::DBCluster`.
    pub resource_type: String,
    /// Config's resource id (never the DB identifier).
    pub resource_id: String,
    /// The verdict.
    pub compliance: Compliance,
    /// Why, in at most 256 bytes.
    pub annotation: Annotation,
    /// The item's capture time, or the sweep's notification time.
    pub ordering_timestamp: Timestamp,
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} @ {}: {}",
            self.resource_type,
            self.resource_id,
            self.compliance,
            self.ordering_timestamp,
            self.annotation
        )
    }
}
