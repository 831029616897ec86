//! The outcome of a check: findings, files skipped, files that could not
//! be read; the exit code they imply; the four output formats.

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
}

/// Nothing NON_COMPLIANT (and, with `--strict`, nothing UNVERIFIED).
pub const EXIT_OK: u8 = 0;
/// Something NON_COMPLIANT (or UNVERIFIED with `--strict`).
pub const EXIT_NON_COMPLIANT: u8 = 1;
/// A file could not be parsed (or the command line was wrong: the CLI's).
pub const EXIT_ERROR: u8 = 2;

impl Report {
    /// The process exit code. A file that could not be read outranks a
    /// finding: the verdict is then incomplete, whatever the rest says.
    pub fn exit_code(&self, strict: bool) -> u8 {
        if !self.errors.is_empty() {
            return EXIT_ERROR;
        }
        if self.findings.iter().any(|finding| finding.fails(strict)) {
            EXIT_NON_COMPLIANT
        } else {
            EXIT_OK
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
