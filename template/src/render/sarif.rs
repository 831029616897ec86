//! SARIF 2.1.0, the format GitHub code scanning reads.
//!
//! Choices:
//! - One rule per cause a finding can fail with: the evaluator's reason
//!   ids (`aws-managed-key`, …) and this crate's `unverified-…` ids, all
//!   listed whether used or not, so rule indices are stable.
//! - NON_COMPLIANT is `error`, UNVERIFIED is `warning` (`error` with
//!   `--strict`, which fails the run on it). COMPLIANT
//!   resources are not results: code scanning turns every result into an
//!   alert, and an alert that disappears is closed, which is what fixing a
//!   template should do.
//! - Each result has the resource's line as its region, a logical location
//!   naming the resource, and a partial fingerprint from file, resource and
//!   rule, so alerts survive lines moving.
//! - Files that could not be read are tool execution notifications, and
//!   make the invocation unsuccessful; skipped files are notes.

use crate::render::ordered::Json;
use crate::{Cause, Finding, Report, Verdict};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub(crate) fn sarif(report: &Report, strict: bool) -> String {
    let rules: Vec<Cause> = Cause::all()
        .into_iter()
        .filter(|cause| cause.verdict() != Verdict::Compliant)
        .collect();
    let results: Vec<Json> = report
        .findings
        .iter()
        .filter(|finding| finding.verdict() != Verdict::Compliant)
        .map(|finding| result(finding, &rules, strict))
        .collect();
    let driver = Json::Object(vec![
        ("name", Json::string("neptune-cmk")),
        ("semanticVersion", Json::string(env!("CARGO_PKG_VERSION"))),
        (
            "rules",
            Json::Array(rules.iter().map(|cause| rule(*cause)).collect()),
        ),
    ]);
    let run = Json::Object(vec![
        ("tool", Json::Object(vec![("driver", driver)])),
        ("invocations", Json::Array(vec![invocation(report)])),
        ("results", Json::Array(results)),
    ]);
    Json::Object(vec![
        ("$schema", Json::string(SCHEMA)),
        ("version", Json::string("2.1.0")),
        ("runs", Json::Array(vec![run])),
    ])
    .pretty()
}

fn level(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::NonCompliant => "error",
        Verdict::Unverified => "warning",
        Verdict::Compliant => "none",
    }
}

fn rule(cause: Cause) -> Json {
    let verdict = cause.verdict();
    // GitHub ranks security alerts by this score: high for a wrong key,
    // medium for one that could not be verified.
    let severity = match verdict {
        Verdict::NonCompliant => "7.5",
        _ => "4.0",
    };
    Json::Object(vec![
        ("id", Json::string(cause.id())),
        (
            "shortDescription",
            text(format!("Neptune encryption: {}", cause.describe())),
        ),
        (
            "fullDescription",
            text(format!(
                "{verdict}: {}. Amazon Neptune clusters and graphs must be encrypted with a KMS \
                 customer managed key.",
                cause.describe()
            )),
        ),
        ("help", text(cause.help())),
        (
            "defaultConfiguration",
            Json::Object(vec![("level", Json::string(level(verdict)))]),
        ),
        (
            "properties",
            Json::Object(vec![
                (
                    "tags",
                    Json::Array(vec![Json::string("security"), Json::string("encryption")]),
                ),
                ("security-severity", Json::string(severity)),
            ]),
        ),
    ])
}

fn text(text: impl Into<String>) -> Json {
    Json::Object(vec![("text", Json::String(text.into()))])
}

fn result(finding: &Finding, rules: &[Cause], strict: bool) -> Json {
    let index = rules
        .iter()
        .position(|cause| *cause == finding.cause)
        .expect("every failing cause has a rule");
    let logical = Json::Object(vec![
        ("name", Json::string(&finding.resource)),
        (
            "fullyQualifiedName",
            Json::string(
                finding
                    .construct_path
                    .as_deref()
                    .unwrap_or(&finding.resource),
            ),
        ),
        ("kind", Json::string("resource")),
    ]);
    let location = Json::Object(vec![
        (
            "physicalLocation",
            physical(&finding.file, Some(finding.line)),
        ),
        ("logicalLocations", Json::Array(vec![logical])),
    ]);
    let fingerprint = fnv1a(&format!(
        "{}\u{0}{}\u{0}{}",
        uri(&finding.file),
        finding.resource,
        finding.cause.id()
    ));
    Json::Object(vec![
        ("ruleId", Json::string(finding.cause.id())),
        ("ruleIndex", Json::Number(index as u64)),
        // --strict fails the run on UNVERIFIED: the alert says so too.
        (
            "level",
            Json::string(match finding.fails(strict) {
                true => "error",
                false => level(finding.verdict()),
            }),
        ),
        ("message", text(&finding.annotation)),
        ("locations", Json::Array(vec![location])),
        (
            "partialFingerprints",
            Json::Object(vec![(
                "neptuneCmkResource/v1",
                Json::String(format!("{fingerprint:016x}")),
            )]),
        ),
    ])
}

fn physical(file: &str, line: Option<usize>) -> Json {
    let mut fields = vec![(
        "artifactLocation",
        Json::Object(vec![("uri", Json::String(uri(file)))]),
    )];
    if let Some(line) = line {
        fields.push((
            "region",
            Json::Object(vec![("startLine", Json::Number(line.max(1) as u64))]),
        ));
    }
    Json::Object(fields)
}

fn invocation(report: &Report) -> Json {
    let errors = report.errors.iter().map(|error| {
        Json::Object(vec![
            ("level", Json::string("error")),
            ("message", text(error.to_string())),
            (
                "locations",
                Json::Array(vec![Json::Object(vec![(
                    "physicalLocation",
                    physical(error.path(), error.line()),
                )])]),
            ),
        ])
    });
    let skipped = report.skipped.iter().map(|skipped| {
        Json::Object(vec![
            ("level", Json::string("note")),
            ("message", text(format!("skipped: {}", skipped.reason))),
            (
                "locations",
                Json::Array(vec![Json::Object(vec![(
                    "physicalLocation",
                    physical(&skipped.file, None),
                )])]),
            ),
        ])
    });
    Json::Object(vec![
        ("executionSuccessful", Json::Bool(report.errors.is_empty())),
        (
            "toolExecutionNotifications",
            Json::Array(errors.chain(skipped).collect()),
        ),
    ])
}

/// A relative URI reference: forward slashes, no `./`, and every byte
/// outside RFC 3986's path characters percent-encoded.
pub(crate) fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            out.push(byte as char);
        } else {
            out += &format!("%{byte:02X}");
        }
    }
    out
}

/// 64-bit FNV-1a: stable across runs and platforms, which is all a
/// fingerprint needs.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(
            uri(r".\templates\my stack.yaml"),
            "templates/my%20stack.yaml"
        );
        assert_eq!(
            uri("cdk.out/App.template.json"),
            "cdk.out/App.template.json"
        );
        assert_eq!(uri("ünï.yaml"), "%C3%BCn%C3%AF.yaml");
    }

    #[test]
    fn fingerprints_are_fnv1a() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
