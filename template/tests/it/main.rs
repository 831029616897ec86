//! The template reader's integration tests: one crate, one module per
//! concern. Fixtures live in the workspace's `tests/fixtures/templates/`.

/// One test per row of the decision table, through one `check()` helper.
mod decision;
/// Files that cannot be read, and exit codes.
mod errors;
/// The whole corpus against golden files, in every format.
mod golden;
/// Hostile input: deep nesting, alias bombs, cycles, empty and binary files.
mod hostile;
/// SARIF output against the SARIF 2.1.0 schema and GitHub's needs.
mod sarif;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use neptune_cmk_evaluator::{KeyFacts, KeyLookup, KeyManager, KeyOrigin, KeyState};
use neptune_cmk_template::{CheckOptions, Deployment, Document, KeyLookups};

/// Loads a fixture from the workspace's `tests/fixtures/templates/`.
#[macro_export]
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/templates/",
            $path
        ))
    };
}

/// The fixture directory.
pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/templates")
}

/// Every input file under `dirs` (relative to the fixture directory), as
/// (display path, text), sorted: what the CLI's directory walk hands the
/// reader.
pub(crate) fn corpus(dirs: &[&str]) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in dirs {
        walk(&fixtures(), &fixtures().join(dir), &mut files);
    }
    files.sort();
    files
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("fixture directory exists") {
        let path = entry.expect("readable directory").path();
        if path.is_dir() {
            walk(root, &path, files);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml" | "template" | "tf")
        ) {
            let display = path
                .strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("readable fixture");
            files.push((display, text));
        }
    }
}

/// Documents over `files`, found in a directory walk.
pub(crate) fn documents(files: &[(String, String)]) -> Vec<Document<'_>> {
    files
        .iter()
        .map(|(path, text)| Document::found(path, text))
        .collect()
}

/// The account the fixtures' literal ARNs belong to.
pub(crate) fn deployment() -> Deployment {
    Deployment {
        account_id: "111122223333".to_owned(),
        region: "us-east-1".to_owned(),
        partition: "aws".to_owned(),
    }
}

/// What DescribeKey says about the fixtures' literal keys, from
/// `expected/lookups.json` (the CLI makes these calls with `--resolve`).
pub(crate) fn lookups() -> KeyLookups {
    let text = fixture!("expected/lookups.json");
    let table: BTreeMap<String, serde_json::Value> = serde_json::from_str(text).unwrap();
    table
        .into_iter()
        .map(|(reference, answer)| {
            let lookup = match answer.as_str() {
                Some("NotFound") => KeyLookup::NotFound,
                Some("AccessDenied") => KeyLookup::AccessDenied,
                _ => KeyLookup::Found(KeyFacts {
                    arn: answer["Arn"].as_str().unwrap().to_owned(),
                    key_manager: match answer["KeyManager"].as_str().unwrap() {
                        "AWS" => KeyManager::Aws,
                        _ => KeyManager::Customer,
                    },
                    key_state: KeyState::from_kms(answer["KeyState"].as_str().unwrap()),
                    origin: KeyOrigin::from_kms(answer["Origin"].as_str().unwrap()),
                    deletion: None,
                }),
            };
            (reference, lookup)
        })
        .collect()
}

/// Options as `check --resolve` would build them.
pub(crate) fn resolved() -> CheckOptions {
    CheckOptions {
        lookups: lookups(),
        deployment: Some(deployment()),
        ..CheckOptions::default()
    }
}
