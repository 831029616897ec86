//! The outcome of a check: findings, files skipped, files that could not
//! be read; the conclusion they come to; the four output formats.

use crate::render;
use crate::{Error, Finding, Verdict};

/// A file that was read but holds nothing to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file, as the caller displays it.
    pub file: String,
    /// Why, e.g. `not a CloudFormation template or Terraform plan`.
    pub reason: String,
}

/// Everything one run found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// One per Neptune resource, in input order, then by line.
    pub findings: Vec<Finding>,
    /// Files with nothing to judge.
    pub skipped: Vec<Skipped>,
    /// Files that could not be read as what they claim to be.
    pub errors: Vec<Error>,
    /// Templates, plans and Terraform modules read (with or without Neptune
    /// resources): none means nothing was checked at all.
    pub inputs: usize,
}

/// What a check comes to; the caller turns it into an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    /// Nothing NON_COMPLIANT (and, when strict, nothing UNVERIFIED).
    Passes,
    /// Something NON_COMPLIANT (or UNVERIFIED when strict).
    Fails,
    /// A file could not be read as what it claims to be: the verdict is
    /// incomplete, whatever the findings say.
    Unreadable,
    /// No template, plan or Terraform source among the inputs: a gate
    /// that checked nothing must not pass.
    NothingChecked,
}

impl Report {
    /// The conclusion. A file that could not be read outranks a finding.
    pub fn conclusion(&self, strict: bool) -> Conclusion {
        if !self.errors.is_empty() {
            return Conclusion::Unreadable;
        }
        if self.inputs == 0 {
            return Conclusion::NothingChecked;
        }
        if self.findings.iter().any(|finding| finding.fails(strict)) {
            Conclusion::Fails
        } else {
            Conclusion::Passes
        }
    }

    /// How many findings have `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.verdict() == verdict)
            .count()
    }

    /// The report in `format`. `strict` decides whether UNVERIFIED is a
    /// JUnit failure (else it is skipped); the other formats do not
    /// depend on it.
    pub fn render(&self, format: Format, strict: bool) -> String {
        match format {
            Format::Text => render::text(self),
            Format::Json => render::json(self),
            Format::Sarif => render::sarif(self, strict),
            Format::Junit => render::junit(self, strict),
        }
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One line per finding: `file:line: VERDICT resource: annotation`.
    Text,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, one test case per resource.
    Junit,
}
