//! `neptune-cmk remediate plan` against moto: the plan for each starting
//! state, compared with golden files after normalizing what moto randomizes;
//! the forms `--kms-key` takes; what `remediate apply` says before it runs,
//! about a snapshot an earlier run left and after a refusal; `--help`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_neptune::primitives::{DateTime, DateTimeFormat};
use neptune_cmk_testing::*;

use expect_test::{expect, expect_file};
use serde_json::json;

use crate::{command, fleet, neptune_cmk, stderr, stdout};

/// Replaces values moto generates at random, so plans compare as text.
/// Each key named in `keys` keeps a name of its own (the target key, the
/// account's `aws/rds`), so a plan that puts one where the other belongs
/// differs from its golden; any other key is `<KEY_ARN>`.
fn normalize(plan: &str, keys: &[(&str, &str)]) -> String {
    let mut text = plan.to_owned();
    for (arn, name) in keys {
        text = text.replace(arn, name);
    }
    let rules = [
        (r"arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+", "<KEY_ARN>"),
        (r"\.cluster-(ro-)?[a-z0-9]{12}\.", ".cluster-$1<HASH>."),
        (
            r"[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d",
            "<MAINTENANCE_WINDOW>",
        ),
        (r"\d\d:\d\d-\d\d:\d\d", "<BACKUP_WINDOW>"),
        (r"--engine-version [0-9.]+", "--engine-version <VERSION>"),
        // A deletion's day and the day it was counted from move with the
        // clock; the days left between them do not.
        (
            r"unreadable from \d{4}-\d\d-\d\d",
            "unreadable from <DELETION_DAY>",
        ),
        (r"left as of \d{4}-\d\d-\d\d", "left as of <TODAY>"),
        (r"default\.neptune[0-9.]+", "<DEFAULT_PARAMETER_GROUP>"),
        (
            r"arn:aws:(sts|iam)::\d{12}:[a-z-]+/\S+\x22",
            "<OPERATOR_ARN>\"",
        ),
    ];
    for (pattern, replacement) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, replacement)
            .into_owned();
    }
    text
}

#[tokio::test]
async fn remediation_plans_for_each_case() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    let aws_rds = fleet.aws_rds_key().await;
    let keys = [
        (target.arn().unwrap(), "<TARGET_KEY_ARN>"),
        (aws_rds.arn().unwrap(), "<AWS_RDS_KEY_ARN>"),
    ];
    assert_ne!(keys[0].0, keys[1].0);
    let cases = [
        (
            "graph-aws-key",
            None,
            expect_file!["../../../tests/fixtures/remediate/aws-managed-key.txt"],
            0,
        ),
        (
            "graph-aws-key",
            target.arn(),
            expect_file!["../../../tests/fixtures/remediate/aws-managed-key-with-target.txt"],
            0,
        ),
        (
            "graph-plain",
            None,
            expect_file!["../../../tests/fixtures/remediate/unencrypted.txt"],
            0,
        ),
        (
            "graph-doomed",
            None,
            expect_file!["../../../tests/fixtures/remediate/pending-deletion.txt"],
            0,
        ),
        (
            "graph-good",
            None,
            expect_file!["../../../tests/fixtures/remediate/compliant.txt"],
            0,
        ),
    ];
    // A printed plan exits 0 whatever the verdict: 1 means "not compliant"
    // only for audit and check.
    for (cluster, key, golden, code) in cases {
        let mut args = vec!["remediate", "plan", "--cluster", cluster];
        if let Some(key) = key {
            args.extend(["--kms-key", key]);
        }
        let output = neptune_cmk(&moto, &args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{cluster}: {}",
            stderr(&output)
        );
        golden.assert_eq(&normalize(&stdout(&output), &keys));
    }
    let refused = neptune_cmk(
        &moto,
        &[
            "remediate",
            "plan",
            "--cluster",
            "graph-plain",
            "--kms-key",
            aws_rds.arn().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("is an AWS managed key"),
        "{}",
        stderr(&refused)
    );
    let missing = neptune_cmk(&moto, &["remediate", "plan", "--cluster", "graph-nope"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// `--kms-key` as a key id, an alias name and an alias ARN: each resolved
/// with DescribeKey to the key ARN the restore uses; `alias/aws/rds` is
/// refused by name, an unknown alias and a malformed value by what they are.
#[tokio::test]
async fn kms_key_takes_an_id_an_alias_or_an_alias_arn() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    let (arn, id) = (target.arn().unwrap(), target.key_id());
    fleet
        .kms
        .create_alias()
        .alias_name("alias/neptune")
        .target_key_id(id)
        .send()
        .await
        .unwrap();
    let alias_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/neptune");
    for given in [id, "alias/neptune", alias_arn.as_str(), arn] {
        let output = plan(&moto, "graph-plain", &["--kms-key", given]);
        let text = stdout(&output);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{given}: {}",
            stderr(&output)
        );
        assert!(
            text.contains(&format!("--kms-key-id {arn}")),
            "{given}:\n{text}"
        );
        assert!(!text.contains("kms create-key"), "{given}:\n{text}");
    }
    let unknown = plan(&moto, "graph-plain", &["--kms-key", "alias/nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    expect![[r#"
        neptune-cmk: --kms-key: alias/nope was not found in us-east-1 (kms:DescribeKey arn:aws:kms:us-east-1:123456789012:alias/nope); name an existing key by its ARN, key id, alias/NAME or alias ARN (aws kms list-aliases --region us-east-1)
    "#]]
    .assert_eq(&stderr(&unknown));
    let malformed = plan(&moto, "graph-plain", &["--kms-key", "my key"]);
    assert_eq!(malformed.status.code(), Some(2));
    expect![[r#"
        neptune-cmk: --kms-key has the invalid value "my key"; expected a key ARN, an alias ARN, a key id or alias/<name>
    "#]]
    .assert_eq(&stderr(&malformed));
    let refused = plan(&moto, "graph-plain", &["--kms-key", "alias/aws/rds"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        message.contains("--kms-key: alias/aws/rds is an AWS managed key (arn:aws:kms:"),
        "{message}"
    );
    assert!(
        message.contains("would itself be NON_COMPLIANT"),
        "{message}"
    );
    assert!(message.contains("Name a customer managed key"), "{message}");
}

/// A key that is only pending deletion: the plan warns that this may be
/// deliberate before it offers to cancel and re-enable, and a `--kms-key`
/// it does not use is said, by plan and by apply.
#[tokio::test]
async fn a_repair_warns_and_an_unused_kms_key_is_said() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    let key = target.arn().unwrap();
    let output = plan(&moto, "graph-doomed", &["--kms-key", key]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let warning = text.find("may be deliberate").expect(&text);
    assert!(
        warning < text.find("cancel-key-deletion").unwrap(),
        "{text}"
    );
    assert!(text.contains("crypto-shredding"), "{text}");
    assert!(
        flat(&text).contains(&format!("--kms-key {key} is not used")),
        "{text}"
    );
    let compliant = plan(&moto, "graph-good", &["--kms-key", key]);
    assert!(
        flat(&stdout(&compliant)).contains("is not used: the cluster is already compliant"),
        "{}",
        stdout(&compliant)
    );
    let refused = apply(&moto, "graph-doomed", key, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        flat(&message).contains(&format!("--kms-key {key} is not used")),
        "{message}"
    );
    assert!(message.contains("may be deliberate"), "{message}");
}

/// With `--yes`, apply first lists exactly the steps it runs, in the plan's
/// numbering, what it leaves to people, and that it does not stop writes;
/// the cut-over and deletion are not among them.
#[tokio::test]
async fn apply_yes_lists_its_steps_and_says_writes_go_on() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    let output = apply(&moto, "graph-plain", target.arn().unwrap(), &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let preview = &text[..text.find("# Applying").expect(&text)];
    expect![[r#"
        apply runs these steps, in order (numbered as in the plan):
          2. snapshot graph-plain as graph-plain-cmk-migration (or use the one an earlier run made), and wait until it is available
          3. restore graph-plain-cmk-migration into a new cluster graph-plain-cmk encrypted with <TARGET_KEY_ARN>, and wait
          4. set the backup and maintenance settings a restore cannot carry on graph-plain-cmk
          5. create instance graph-plain-1-cmk in graph-plain-cmk like graph-plain-1, and wait
          6. the rule judges graph-plain-cmk COMPLIANT (judged with the rule's own code)
        Not run by apply (yours, before it):
          1. Let the operator use the key through Neptune (key policy)
        Then apply stops. It prints the cut-over for a human and never runs it: it never changes or deletes graph-plain.
    "#]]
    .assert_eq(&normalize(preview, &[(target.arn().unwrap(), "<TARGET_KEY_ARN>")]));
    assert!(!preview.contains("delete-db-cluster"), "{preview}");
    expect![[r#"
        WARNING: apply does not stop writes. graph-plain keeps taking writes while apply copies it, and anything written after the snapshot is taken (for a clone, after its latest restorable time) is not in the new cluster. To stop writes first: stop or pause the applications that write to it.
    "#]]
    .assert_eq(&stderr(&output));
}

/// At the prompt (a terminal, given by `script`), apply shows the steps it
/// runs, not the whole plan with its deletion, and a "no" creates nothing.
#[tokio::test]
async fn the_prompt_lists_the_steps_apply_runs_and_no_creates_nothing() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    moto.reset_calls();
    let binary = env!("CARGO_BIN_EXE_neptune-cmk");
    let line = format!(
        "{binary} remediate apply --cluster graph-plain --kms-key {}",
        target.arn().unwrap()
    );
    let output = on_a_terminal(&moto, &line, "n\n");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let steps = text.find("apply runs these steps").expect(&text);
    let question = text.find("Go ahead? [y/N]").expect(&text);
    assert!(steps < question, "{text}");
    assert!(
        text.contains("Not confirmed: nothing was created."),
        "{text}"
    );
    for never in ["delete-db-cluster", "Delete the old cluster", "Cut over"] {
        assert!(
            !text.contains(never),
            "{never:?} shown at the prompt:\n{text}"
        );
    }
    assert!(text.contains("apply does not stop writes"), "{text}");
    assert_eq!(moto.calls("rds:CreateDBClusterSnapshot"), 0);
}

/// `line` run by `script` on a pseudo-terminal, in the environment the
/// binary gets against `moto`, with `input` typed in; -e keeps the exit
/// code of `line`.
fn on_a_terminal(moto: &Moto, line: &str, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut script = std::process::Command::new("script");
    script.args(["-qec", line, "/dev/null"]);
    for (key, value) in command(moto, &[]).get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let mut child = script
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the binary on a terminal");
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

/// `--kms-key alias/NAME` on apply restores onto the key's ARN, and the
/// write warning names the ways that fit a cluster with IAM authentication
/// and security groups.
#[tokio::test]
async fn apply_with_an_alias_restores_onto_the_key_arn_and_says_how_to_stop_writes() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    fleet
        .kms
        .create_alias()
        .alias_name("alias/graph")
        .target_key_id(target.key_id())
        .send()
        .await
        .unwrap();
    fleet
        .neptune
        .create_db_cluster()
        .db_cluster_identifier("graph-iam")
        .engine("neptune")
        .enable_iam_database_authentication(true)
        .vpc_security_group_ids("sg-0123456789abcdef0")
        .send()
        .await
        .unwrap();
    let output = apply(&moto, "graph-iam", "alias/graph", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let restored = fleet
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier("graph-iam-cmk")
        .send()
        .await
        .unwrap();
    assert_eq!(
        restored.db_clusters()[0].kms_key_id(),
        target.arn(),
        "restored with the alias's key ARN"
    );
    let message = flat(&stderr(&output));
    for way in [
        "stop or pause the applications that write to it",
        "deny their IAM principals neptune-db:WriteDataViaQuery and neptune-db:DeleteDataViaQuery",
        "remove the writers' inbound rules from its security groups (sg-0123456789abcdef0)",
    ] {
        assert!(message.contains(way), "missing {way:?} in:\n{message}");
    }
}

/// A migration snapshot an earlier run left, older than
/// `--max-snapshot-age`: refused before anything is made, naming both
/// flags and not advising the same command; restored with
/// `--reuse-snapshot`, its age shown.
#[tokio::test]
async fn an_old_snapshot_is_refused_unless_reused() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    let key = target.arn().unwrap();
    fleet
        .snapshot("graph-plain-cmk-migration", "graph-plain")
        .await;
    let three_hours_ago = SystemTime::now() - Duration::from_secs(3 * 3600);
    let seconds = three_hours_ago
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let created = DateTime::from_secs(seconds as i64)
        .fmt(DateTimeFormat::DateTime)
        .unwrap();
    moto.override_record(
        "snapshot",
        "graph-plain-cmk-migration",
        json!({ "SnapshotCreateTime": created }),
    );
    moto.reset_calls();

    let refused = apply(&moto, "graph-plain", key, &["--max-snapshot-age", "2h"]);

    assert_eq!(refused.status.code(), Some(2), "{}", stdout(&refused));
    let message = stderr(&refused);
    for expected in [
        "snapshot graph-plain-cmk-migration of graph-plain, from an earlier run, was taken 3h 00m ago",
        "older than --max-snapshot-age 2h 00m",
        "pass --reuse-snapshot",
        "Nothing was created.",
    ] {
        assert!(message.contains(expected), "missing {expected:?} in:\n{message}");
    }
    assert!(!message.contains("same command"), "{message}");
    assert_eq!(moto.calls("rds:RestoreDBClusterFromSnapshot"), 0);
    let default = apply(&moto, "graph-plain", key, &[]);
    assert_eq!(default.status.code(), Some(2), "the default is 1h");
    assert!(stderr(&default).contains("--max-snapshot-age 1h 00m"));

    let reused = apply(&moto, "graph-plain", key, &["--reuse-snapshot"]);

    let text = stdout(&reused);
    assert_eq!(reused.status.code(), Some(0), "{text}\n{}", stderr(&reused));
    assert!(
        text.contains("Found snapshot graph-plain-cmk-migration of graph-plain from an earlier run, taken 3h 00m ago"),
        "{text}"
    );
    assert_eq!(moto.calls("rds:CreateDBClusterSnapshot"), 0);
    assert_eq!(moto.calls("rds:RestoreDBClusterFromSnapshot"), 1);
}

/// A fresh snapshot from an earlier run is within a humane limit (30m).
#[tokio::test]
async fn a_fresh_snapshot_is_restored_with_its_age() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    fleet
        .snapshot("graph-plain-cmk-migration", "graph-plain")
        .await;
    let output = apply(
        &moto,
        "graph-plain",
        target.arn().unwrap(),
        &["--max-snapshot-age", "30m"],
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}\n{}", stderr(&output));
    assert!(
        regex::Regex::new(r"from an earlier run, taken [0-9.]+s ago \(\d{4}-")
            .unwrap()
            .is_match(&text),
        "{text}"
    );
}

/// A refusal that recurs on every run (something under the plan's name
/// that is not ours) does not advise running the same command again.
#[tokio::test]
async fn a_refusal_that_recurs_does_not_advise_the_same_command() {
    let moto = Moto::start();
    let fleet = fleet(&moto).await;
    let target = fleet.customer_key().await;
    fleet.cluster("graph-plain-cmk", "neptune", None).await;
    let output = apply(&moto, "graph-plain", target.arn().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("it is not what the plan makes"),
        "{message}"
    );
    assert!(!message.contains("run the same command again"), "{message}");
    assert!(
        message.contains("until then the same command fails the same way"),
        "{message}"
    );
}

/// `remediate --help`, `remediate plan --help` and `remediate apply --help`: examples, exit
/// codes and defaults, through the real binary at a fixed width.
#[test]
fn help_shows_examples_exit_codes_and_defaults() {
    let help = |subcommand: &str| {
        let args = ["remediate", subcommand, "--help"];
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_neptune-cmk"))
            .args(args.into_iter().filter(|arg| !arg.is_empty()))
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        // clap pads blank lines inside an option's help; the literal below
        // cannot keep trailing spaces.
        let text = stdout(&output);
        text.lines()
            .map(|line| line.trim_end().to_owned() + "\n")
            .collect::<String>()
    };
    expect![[r#"
        Move a cluster onto a customer managed key

        Usage: neptune-cmk remediate <COMMAND>

        Commands:
          plan   Print the ordered, runnable steps; changes nothing
          apply  Run the plan up to a new cluster the rule judges COMPLIANT; never changes the source, and prints the cut-over for a human
          help   Print this message or the help of the given subcommand(s)

        Options:
          -h, --help
                  Print help (see a summary with '-h')

          -V, --version
                  Print version

        Examples:
          neptune-cmk remediate plan --cluster prod-graph
          neptune-cmk remediate plan --cluster prod-graph --kms-key alias/neptune
          neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune

        Exit codes:
          plan   0 when it printed a plan, 2 when it could not make one
          apply  0 when the new cluster is verified COMPLIANT, 1 when not confirmed, 2 when refused or failed

        Defaults:
          plan makes a new key when --kms-key is not given; apply needs --kms-key and creates no keys.
          Neither stops writes to the cluster, changes it or deletes it: the cut-over is for a human.
          `remediate plan --help` and `remediate apply --help` have the details.
    "#]]
    .assert_eq(&help(""));
    expect![[r#"
        Print the ordered, runnable steps; changes nothing

        Usage: neptune-cmk remediate plan [OPTIONS] --cluster <CLUSTER>

        Options:
              --cluster <CLUSTER>
                  The DB cluster identifier

              --kms-key <KEY>
                  The customer managed key to move to: a key ARN, key id, alias/NAME or alias ARN (resolved to the key ARN); default: a new key created by the plan's first step

              --level <LEVEL>
                  desiredEncryptionLevel: CUSTOMER_MANAGED, EXTERNAL or CLOUDHSM

                  [default: CUSTOMER_MANAGED]

              --allowed-key <KEY_ARN>
                  allowedKmsKeyArns entry (repeatable); default: any customer managed key

              --allow-disabled-keys
                  requireEnabledKey=false: accept keys that are not Enabled

              --region <REGION>
                  Region to work in (`report`: the aggregator's; `remediate`: the cluster's; `check`: for --resolve); default: the profile's or AWS_REGION

              --profile <PROFILE>
                  Named profile from the AWS config files

          -h, --help
                  Print help (see a summary with '-h')

          -V, --version
                  Print version

        Examples:
          neptune-cmk remediate plan --cluster prod-graph --kms-key alias/neptune
          neptune-cmk remediate plan --cluster prod-graph --region eu-west-1 > plan.sh
          neptune-cmk remediate plan --cluster prod-graph --allowed-key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab

        Exit codes:
          0  the plan was printed (or the cluster is already compliant)
          2  no plan: the cluster, a flag or --kms-key was refused, or an AWS call failed

        Defaults:
          --kms-key   none: the plan's first step creates a key (alias/neptune-<cluster>)
          --region    the profile's region, or AWS_REGION
          --level     CUSTOMER_MANAGED, as the rule's desiredEncryptionLevel
    "#]].assert_eq(&help("plan"));
    expect![[r#"
        Run the plan up to a new cluster the rule judges COMPLIANT; never changes the source, and prints the cut-over for a human

        Usage: neptune-cmk remediate apply [OPTIONS] --cluster <CLUSTER> --kms-key <KEY>

        Options:
              --cluster <CLUSTER>
                  The DB cluster identifier

              --kms-key <KEY>
                  The customer managed key to move to: a key ARN, key id, alias/NAME or alias ARN (resolved to the key ARN); apply creates no keys

              --yes
                  Run without asking (needed when stdin is not a terminal). apply does not stop writes to the source: stop the writers first

              --max-snapshot-age <DURATION>
                  The oldest migration snapshot from an earlier run that apply restores, e.g. 30m or 2h; writes made after it are not in the new cluster

                  [default: 1h]

              --reuse-snapshot
                  Restore the migration snapshot of an earlier run however old it is

              --level <LEVEL>
                  desiredEncryptionLevel: CUSTOMER_MANAGED, EXTERNAL or CLOUDHSM

                  [default: CUSTOMER_MANAGED]

              --allowed-key <KEY_ARN>
                  allowedKmsKeyArns entry (repeatable); default: any customer managed key

              --allow-disabled-keys
                  requireEnabledKey=false: accept keys that are not Enabled

              --region <REGION>
                  Region to work in (`report`: the aggregator's; `remediate`: the cluster's; `check`: for --resolve); default: the profile's or AWS_REGION

              --profile <PROFILE>
                  Named profile from the AWS config files

              --wait-timeout <DURATION>
                  How long each new resource may take to become available, e.g. 90m or 8h; a re-run keeps waiting where this one gave up

                  [default: 6h]

          -h, --help
                  Print help (see a summary with '-h')

          -V, --version
                  Print version

        Examples:
          neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune
          neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune --yes --wait-timeout 8h
          neptune-cmk remediate apply --cluster prod-graph --kms-key alias/neptune --reuse-snapshot

        Exit codes:
          0  the new cluster is verified COMPLIANT, or the cluster already was
          1  not confirmed at the prompt: nothing was created
          2  refused or failed: the message says what exists and what to do

        Defaults:
          --max-snapshot-age  1h: an older migration snapshot from an earlier run is refused
          --wait-timeout      6h for each new resource to become available
          --region            the profile's region, or AWS_REGION

        apply never stops writes to the source cluster: stop the writers first.
    "#]].assert_eq(&help("apply"));
}

/// `text` with every run of whitespace made one space: plans wrap at 100
/// columns.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn plan(moto: &Moto, cluster: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["remediate", "plan", "--cluster", cluster];
    args.extend(extra);
    neptune_cmk(moto, &args)
}

/// `remediate apply --yes` with fast polls.
fn apply(moto: &Moto, cluster: &str, key: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "remediate",
        "apply",
        "--cluster",
        cluster,
        "--kms-key",
        key,
        "--yes",
        "--poll-interval",
        "20ms",
        "--wait-timeout",
        "60s",
    ];
    args.extend(extra);
    command(moto, &args).output().unwrap()
}
