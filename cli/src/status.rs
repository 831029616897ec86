//! How a command that finished went, and the process's exit codes: 0 all
//! compliant, 1 something is not compliant, 2 the command failed (an
//! [`Error`](crate::error::Error), including a run that could not read some
//! of what it was asked to judge).

use std::process::ExitCode;

use neptune_cmk_evaluator::Compliance;

/// Everything judged is compliant (or not applicable).
const EXIT_ALL_COMPLIANT: u8 = 0;
/// Something is NON_COMPLIANT.
const EXIT_NON_COMPLIANT: u8 = 1;
/// The command failed.
pub const EXIT_ERROR: u8 = 2;

/// How a command that finished went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything judged is compliant (or not applicable).
    AllCompliant,
    /// Something is NON_COMPLIANT.
    NonCompliant,
}

impl Status {
    /// `NonCompliant` when any verdict is NON_COMPLIANT.
    pub fn of(verdicts: impl IntoIterator<Item = Compliance>) -> Self {
        if verdicts
            .into_iter()
            .any(|verdict| verdict == Compliance::NonCompliant)
        {
            Self::NonCompliant
        } else {
            Self::AllCompliant
        }
    }

    /// The process's exit code.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::AllCompliant => ExitCode::from(EXIT_ALL_COMPLIANT),
            Self::NonCompliant => ExitCode::from(EXIT_NON_COMPLIANT),
        }
    }
}
