//! `check --skip-other-files`, as the pre-commit hook runs it: pre-commit
//! hands over every JSON and YAML file of a commit, templates or not.

use std::path::PathBuf;

use crate::{neptune_cmk_offline, stderr, stdout};

fn cfn(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/templates/cfn")
        .join(name)
        .display()
        .to_string()
}

fn scratch_with_package_json() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neptune-cmk-hook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name": "not a template"}"#).unwrap();
    dir
}

/// A named file that is no template is skipped, not an error, and the
/// templates beside it are judged as without the flag.
#[test]
fn other_files_are_skipped_and_templates_judged() {
    let dir = scratch_with_package_json();
    let other = cfn("not-a-template.yaml");
    let (good, bad) = (
        cfn("cluster-cmk-in-template.yaml"),
        cfn("cluster-aws-rds-alias.yaml"),
    );
    let strict = neptune_cmk_offline(&dir, &["check", "package.json", &good]);
    assert_eq!(strict.status.code(), Some(2), "{}", stderr(&strict));

    let passes = neptune_cmk_offline(
        &dir,
        &["check", "--skip-other-files", "package.json", &other, &good],
    );
    assert_eq!(passes.status.code(), Some(0), "{}", stderr(&passes));
    assert!(
        stdout(&passes).contains("COMPLIANT Cluster"),
        "{}",
        stdout(&passes)
    );

    let fails = neptune_cmk_offline(
        &dir,
        &["check", "--skip-other-files", "package.json", &good, &bad],
    );
    assert_eq!(fails.status.code(), Some(1), "{}", stderr(&fails));
    assert!(
        stdout(&fails).contains("NON_COMPLIANT AliasName"),
        "{}",
        stdout(&fails)
    );
}

/// A commit that touched no template passes (without the flag, a check of
/// nothing is an error: a gate that checked nothing must not pass).
#[test]
fn nothing_but_other_files_passes() {
    let dir = scratch_with_package_json();
    let run = neptune_cmk_offline(&dir, &["check", "--skip-other-files", "package.json"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let without = neptune_cmk_offline(&dir, &["check", "package.json"]);
    assert_eq!(without.status.code(), Some(2));
}

/// A file that is not YAML or JSON at all (a Helm chart's Go template, a
/// broken file) is skipped with a note, as in a directory search; a file
/// that cannot be read is still an error.
#[test]
fn unparsable_is_a_note_and_unreadable_an_error() {
    let dir = scratch_with_package_json();
    std::fs::write(dir.join("broken.yaml"), "Resources: [unclosed\n").unwrap();
    let run = neptune_cmk_offline(&dir, &["check", "--skip-other-files", "broken.yaml"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("broken.yaml: skipped: not YAML or JSON"),
        "{}",
        stdout(&run)
    );
    let missing = neptune_cmk_offline(&dir, &["check", "--skip-other-files", "missing.yaml"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stdout(&missing));
}
