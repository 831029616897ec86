//! Every subcommand's `--help` through the real binary: its examples, exit
//! codes and defaults, as a person reads them (goldens in
//! `tests/fixtures/help/`), and the `check -` example run as written.

use std::io::Write;
use std::process::{Command, Stdio};

use expect_test::{expect_file, ExpectFile};

use crate::{neptune_cmk_offline, stderr, stdout};

fn help(command: &str) -> String {
    let run = neptune_cmk_offline(&std::env::temp_dir(), &[command, "--help"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    stdout(&run)
}

/// The goldens; `UPDATE_EXPECT=1` rewrites them.
#[test]
fn every_subcommand_help_has_examples_exit_codes_and_defaults() {
    let goldens: [(&str, ExpectFile); 6] = [
        (
            "audit",
            expect_file!["../../../tests/fixtures/help/audit.txt"],
        ),
        (
            "report",
            expect_file!["../../../tests/fixtures/help/report.txt"],
        ),
        (
            "check",
            expect_file!["../../../tests/fixtures/help/check.txt"],
        ),
        (
            "evaluate",
            expect_file!["../../../tests/fixtures/help/evaluate.txt"],
        ),
        (
            "completions",
            expect_file!["../../../tests/fixtures/help/completions.txt"],
        ),
        ("man", expect_file!["../../../tests/fixtures/help/man.txt"]),
    ];
    for (command, golden) in goldens {
        let text = help(command);
        // What the goldens must hold, whatever they are regenerated to.
        let examples = text
            .split_once("\nExamples:\n")
            .and_then(|(_, after)| after.split_once("\nExit codes:\n"))
            .map_or(0, |(examples, _)| examples.matches("neptune-cmk ").count());
        assert!((2..=3).contains(&examples), "{command}: {text}");
        assert!(
            text.contains("\nExit codes:\n") && text.contains("\n  2  an error"),
            "{command}: {text}"
        );
        golden.assert_eq(&text);
    }
    // Defaults are clap's own display.
    let audit = help("audit");
    for default in [
        "[default: table]",
        "[default: CUSTOMER_MANAGED]",
        "[default: 16]",
        "[default: NeptuneCmkAuditRole]",
    ] {
        assert!(audit.contains(default), "audit lacks {default}");
    }
    assert!(help("check").contains("[default: .]"));
    assert!(help("report").contains("[default: neptune-cmk-encrypted]"));
}

/// `terraform show -json plan.out | neptune-cmk check -`, as `check
/// --help` shows it: a plan read from standard input.
#[test]
fn check_reads_a_terraform_plan_from_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_neptune-cmk"))
        .args(["check", "-", "--format", "json"])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(crate::fixture!("templates/terraform/plan-modules.json").as_bytes())
        .unwrap();
    let run = child.wait_with_output().unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&run)).unwrap();
    assert!(!rows.is_empty(), "{}", stderr(&run));
    assert!(rows.iter().all(|row| row["file"] == "<stdin>"), "{rows:#?}");
    let plain = rows
        .iter()
        .find(|row| row["resource"] == "aws_neptune_cluster.plain")
        .unwrap_or_else(|| panic!("read as a plan: {rows:#?}"));
    assert_eq!(plain["reason"], "unencrypted");
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
}
