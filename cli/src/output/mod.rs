//! Every format of a [`Report`]: the table, JSON and CSV for people and
//! scripts, OCSF and ASFF findings for security tools, one HTML page; and
//! delivering it to standard output or `-o FILE`. Each renderer is a module
//! of its own that reads the model (`rows`) and nothing here.

mod asff;
mod csv;
mod finding;
mod html;
mod json;
mod ocsf;
mod table;

use std::path::Path;

use crate::args::Format;
use crate::error::Error;
use crate::rows::{Report, Row, RowVerdict};
use crate::status::Status;

/// The report in `format`, ending with a newline.
pub fn render(report: &Report, format: Format) -> Result<String, Error> {
    Ok(match format {
        Format::Table => table::table(&report.rows),
        Format::Json => json::json(&report.rows),
        Format::Csv => csv::csv(&report.rows),
        Format::Ocsf => ocsf::ocsf(report),
        Format::Asff => asff::asff(report),
        Format::Html => html::render(report)?,
    })
}

/// Renders and writes the report, then tells how the run went: an error
/// when any resource could not be judged or any target failed (their rows
/// are in the output), else the verdicts' status.
pub fn deliver(report: &Report, format: Format, output: Option<&Path>) -> Result<Status, Error> {
    write(&render(report, format)?, output)?;
    let failures = |targets: bool| -> Vec<String> {
        report
            .rows
            .iter()
            .filter(|row| row.verdict == RowVerdict::Error && row.is_target_failure() == targets)
            .map(failure_line)
            .collect()
    };
    let (resources, targets) = (failures(false), failures(true));
    if !resources.is_empty() || !targets.is_empty() {
        return Err(Error::AuditIncomplete { resources, targets });
    }
    Ok(Status::of(report.rows.iter().filter_map(
        |row| match row.verdict {
            RowVerdict::Judged(compliance) => Some(compliance),
            RowVerdict::Error => None,
        },
    )))
}

/// Prints `text`, or writes it to `-o FILE`: every command's output goes
/// one of these two ways.
pub fn write(text: &str, output: Option<&Path>) -> Result<(), Error> {
    match output {
        None => print!("{text}"),
        Some(path) => std::fs::write(path, text).map_err(|source| Error::Io {
            action: "write",
            path: path.to_owned(),
            source,
        })?,
    }
    Ok(())
}

/// `123456789012 us-east-1 DBInstance graph-1: why`, or the target alone
/// for a target that failed.
fn failure_line(row: &Row) -> String {
    let mut place = row.account.label();
    for part in [row.region.as_str(), row.short_type(), row.name()] {
        if !part.is_empty() {
            place = format!("{place} {part}");
        }
    }
    format!("{place}: {}", row.annotation)
}
