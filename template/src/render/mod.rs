//! Pure renderers: a [`Report`] in, the text of one output format out.

mod junit;
mod ordered;
mod sarif;

pub(crate) use junit::junit;
pub(crate) use sarif::sarif;

use ordered::Json;

use crate::{Finding, Report, Verdict};

/// `file:line: VERDICT resource: annotation`, one line per finding, then
/// skipped files, errors, and a summary line.
pub(crate) fn text(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        out += &format!(
            "{}:{}: {} {}: {}\n",
            finding.file,
            finding.line,
            finding.verdict(),
            resource_label(finding),
            finding.annotation
        );
    }
    for skipped in &report.skipped {
        out += &format!("{}: skipped: {}\n", skipped.file, skipped.reason);
    }
    for error in &report.errors {
        out += &format!("error: {error}\n");
    }
    let plural =
        |count: usize, noun: &str| format!("{count} {noun}{}", if count == 1 { "" } else { "s" });
    out += &format!(
        "{}: {} NON_COMPLIANT, {} UNVERIFIED, {} COMPLIANT; {} skipped, {}\n",
        plural(report.findings.len(), "resource"),
        report.count(Verdict::NonCompliant),
        report.count(Verdict::Unverified),
        report.count(Verdict::Compliant),
        plural(report.skipped.len(), "file"),
        plural(report.errors.len(), "error"),
    );
    out
}

/// The logical id, with the CDK construct path when there is one.
fn resource_label(finding: &Finding) -> String {
    match &finding.construct_path {
        Some(path) => format!("{} ({path})", finding.resource),
        None => finding.resource.clone(),
    }
}

/// A JSON array with one object per finding, then one per file that could
/// not be read (`compliance: "ERROR"`), so a consumer never mistakes a
/// failed run for a clean one.
pub(crate) fn json(report: &Report) -> String {
    Json::Array(
        report
            .findings
            .iter()
            .map(finding_json)
            .chain(report.errors.iter().map(error_json))
            .collect(),
    )
    .pretty()
}

fn error_json(error: &crate::Error) -> Json {
    let mut fields = vec![("file", Json::string(error.path()))];
    if let Some(line) = error.line() {
        fields.push(("line", Json::Number(line as u64)));
    }
    fields.extend([
        ("compliance", Json::string("ERROR")),
        ("message", Json::string(error.to_string())),
    ]);
    Json::Object(fields)
}

fn finding_json(finding: &Finding) -> Json {
    let mut fields = vec![
        ("file", Json::string(&finding.file)),
        ("line", Json::Number(finding.line as u64)),
        ("resource", Json::string(&finding.resource)),
    ];
    if let Some(path) = &finding.construct_path {
        fields.push(("construct_path", Json::string(path)));
    }
    fields.extend([
        ("type", Json::string(&finding.resource_type)),
        ("compliance", Json::string(finding.verdict().as_str())),
        ("reason", Json::string(finding.cause.id())),
        ("annotation", Json::string(&finding.annotation)),
    ]);
    if let Some(branch) = &finding.branch {
        fields.push(("branch", Json::string(branch)));
    }
    Json::Object(fields)
}
