//! The `neptune-cmk` binary against the patched moto server: one test crate,
//! one module per command. Golden files are compared with `expect_test`
//! (`UPDATE_EXPECT=1` rewrites them, the same variable as every snapshot in
//! the workspace).

/// `remediate apply` end to end: migrations, resume, refusals.
mod apply;
/// `audit`: formats, exit codes, failures.
mod audit;
/// `check`: the template corpus in every format, `--resolve` against moto.
mod check;
/// Errors a person can act on: one line per cause, with its fix.
mod errors;
/// `evaluate`: dry run and `--put`.
mod evaluate;
/// The findings formats (OCSF, ASFF) and the HTML report, validated.
mod findings;
/// Neptune Analytics graphs in `audit`, single account and organization.
mod graphs;
/// Every subcommand's `--help`: examples, exit codes, defaults.
mod help;
/// `check` on hostile input: deep nesting, alias bombs, cycles, binary and empty files.
mod hostile;
/// `audit --organization` against an organization in moto.
mod org_audit;
/// A seeded organization shared by the organization and report tests.
mod organization;
/// `check --skip-other-files`, as the pre-commit hook runs it.
mod precommit;
/// `remediate plan` against moto.
mod remediate;
/// `report --aggregator` over results the rule wrote in member accounts.
mod report;
/// `completions` in every shell, `man` pages.
mod shell;

use std::process::{Command, Output};

use neptune_cmk_testing::{DeadEndpoint, Fleet, Moto, REGION};

/// Loads a fixture from the workspace's `tests/fixtures/`.
#[macro_export]
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}

/// Runs the binary against `moto` with a clean AWS environment (stdin is
/// empty and not a terminal).
pub fn neptune_cmk(moto: &Moto, args: &[&str]) -> Output {
    command(moto, args).output().unwrap()
}

/// Runs the binary with `input` piped to its stdin (a pipe is never a
/// terminal, which is what `remediate apply` checks before asking).
pub fn neptune_cmk_with_stdin(moto: &Moto, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = command(moto, args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The binary may exit before reading: a broken pipe is not a failure.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

fn command(moto: &Moto, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_neptune-cmk"));
    command
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("NEPTUNE_CMK_RULE_PARAMETERS")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    command
}

/// Runs the binary in `dir` as an offline run, which must make no AWS call:
/// its endpoint hangs up on every connection, and none may reach it.
pub fn neptune_cmk_offline(dir: &std::path::Path, args: &[&str]) -> Output {
    let endpoint = DeadEndpoint::hanging_up();
    let output = Command::new(env!("CARGO_BIN_EXE_neptune-cmk"))
        .args(args)
        .current_dir(dir)
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", endpoint.url())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert_eq!(
        endpoint.connections(),
        0,
        "an offline run ({args:?}) called AWS"
    );
    output
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A compliant cluster with an instance, plus one on `aws/rds`, one
/// unencrypted and one on a key pending deletion.
pub async fn fleet(moto: &Moto) -> Fleet {
    let fleet = Fleet::new(&moto.sdk_config().await);
    let good = fleet.customer_key().await;
    fleet.cluster("graph-good", "neptune", good.arn()).await;
    fleet.instance("graph-good-1", "graph-good").await;
    fleet
        .cluster("graph-aws-key", "neptune", fleet.aws_rds_key().await.arn())
        .await;
    fleet.instance("graph-aws-key-1", "graph-aws-key").await;
    fleet.cluster("graph-plain", "neptune", None).await;
    fleet.instance("graph-plain-1", "graph-plain").await;
    fleet
        .cluster(
            "graph-doomed",
            "neptune",
            fleet.pending_deletion_key().await.arn(),
        )
        .await;
    fleet
}
