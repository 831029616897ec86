//! JUnit XML: one `<testsuite>` per file, one `<testcase>` per resource.
//! NON_COMPLIANT is a `<failure>`; UNVERIFIED is `<skipped>`, or a
//! `<failure>` with `--strict`; a file that could not be read is a test
//! case with an `<error>`.

use crate::{Error, Finding, Report, Verdict};

pub(crate) fn junit(report: &Report, strict: bool) -> String {
    let mut files: Vec<&str> = Vec::new();
    let paths = report
        .findings
        .iter()
        .map(|finding| finding.file.as_str())
        .chain(report.errors.iter().map(Error::path));
    for path in paths {
        if !files.contains(&path) {
            files.push(path);
        }
    }
    let suites: Vec<Suite<'_>> = files
        .iter()
        .map(|file| Suite {
            file,
            findings: report.findings.iter().filter(|f| f.file == *file).collect(),
            errors: report.errors.iter().filter(|e| e.path() == *file).collect(),
        })
        .collect();
    let mut total = [0; 4];
    for suite in &suites {
        for (sum, count) in total.iter_mut().zip(suite.counts(strict)) {
            *sum += count;
        }
    }
    let [tests, failures, errors, skipped] = total;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out += &format!(
        "<testsuites name=\"neptune-cmk check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n"
    );
    for suite in &suites {
        suite.write(strict, &mut out);
    }
    out += "</testsuites>\n";
    out
}

struct Suite<'a> {
    file: &'a str,
    findings: Vec<&'a Finding>,
    errors: Vec<&'a Error>,
}

impl Suite<'_> {
    /// Tests, failures, errors, skipped.
    fn counts(&self, strict: bool) -> [usize; 4] {
        let failures = self.findings.iter().filter(|f| f.fails(strict)).count();
        let skipped = self
            .findings
            .iter()
            .filter(|f| f.verdict() == Verdict::Unverified && !strict)
            .count();
        [
            self.findings.len() + self.errors.len(),
            failures,
            self.errors.len(),
            skipped,
        ]
    }

    fn write(&self, strict: bool, out: &mut String) {
        let file = escape(self.file);
        let [tests, failures, errors, skipped] = self.counts(strict);
        *out += &format!(
            "  <testsuite name=\"{file}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n"
        );
        for finding in &self.findings {
            let name = escape(&finding.resource);
            let annotation = escape(&finding.annotation);
            let kind = finding.cause.id();
            let opening = format!(
                "    <testcase classname=\"{file}\" name=\"{name}\" file=\"{file}\" line=\"{}\"",
                finding.line
            );
            let verdict = finding.verdict();
            *out += &match verdict {
                Verdict::Compliant => format!("{opening}/>\n"),
                Verdict::Unverified if !strict => format!(
                    "{opening}>\n      <skipped message=\"{verdict}: {annotation}\"/>\n    </testcase>\n"
                ),
                _ => format!(
                    "{opening}>\n      <failure type=\"{kind}\" message=\"{annotation}\">{verdict} ({}): {annotation}</failure>\n    </testcase>\n",
                    escape(finding.cause.describe())
                ),
            };
        }
        for error in &self.errors {
            let message = escape(&error.to_string());
            *out += &format!(
                "    <testcase classname=\"{file}\" name=\"(file)\" file=\"{file}\" line=\"{}\">\n      <error type=\"parse-error\" message=\"{message}\">{message}</error>\n    </testcase>\n",
                error.line().unwrap_or(1)
            );
        }
        *out += "  </testsuite>\n";
    }
}

/// Escapes text for XML attributes and content, dropping characters XML
/// 1.0 cannot carry at all.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&#10;"
        );
    }
}
