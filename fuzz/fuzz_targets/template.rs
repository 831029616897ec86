//! Fuzzes the template reader behind `neptune-cmk check`: CloudFormation
//! JSON and YAML, Terraform plan JSON and Terraform source (HCL), each input
//! read both as a template or plan and as a `.tf` file, judged, and
//! rendered in every format.
//!
//! Invariants: no panic, no stack overflow; every finding has a line; the
//! JSON and SARIF outputs are JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neptune_cmk_template::{check, CheckOptions, Document, Format};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let documents = [
        Document::named("template/input", text),
        Document::named("terraform/main.tf", text),
    ];
    let report = check(&documents, &CheckOptions::default());
    assert!(report.findings.iter().all(|finding| finding.line >= 1));
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit] {
        let rendered = report.render(format, true);
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_str::<serde_json::Value>(&rendered).expect("valid JSON");
        }
    }
});
