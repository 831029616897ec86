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
use crate::rows::{Report, RowVerdict};
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
/// when any target failed (its rows are in the output), else the verdicts'
/// status.
pub fn deliver(report: &Report, format: Format, output: Option<&Path>) -> Result<Status, Error> {
    let text = render(report, format)?;
    match output {
        None => print!("{text}"),
        Some(path) => std::fs::write(path, text).map_err(|source| Error::Io {
            action: "write",
            path: path.to_owned(),
            source,
        })?,
    }
    let failures: Vec<String> = report
        .rows
        .iter()
        .filter(|row| row.verdict == RowVerdict::Error)
        .map(|row| match row.region.as_str() {
            "" => format!("{}: {}", row.account.label(), row.annotation),
            region => format!("{} {region}: {}", row.account.label(), row.annotation),
        })
        .collect();
    if !failures.is_empty() {
        return Err(Error::TargetsFailed(failures));
    }
    Ok(Status::of(report.rows.iter().filter_map(
        |row| match row.verdict {
            RowVerdict::Judged(compliance) => Some(compliance),
            RowVerdict::Error => None,
        },
    )))
}
