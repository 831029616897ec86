//! `neptune-cmk`: the rule's evaluator as a command-line tool.
//!
//! - `audit`: sweep one or more regions (or every account of the
//!   organization) now and print one row per resource.
//! - `evaluate`: run the Lambda handler on a saved Config event or
//!   CloudFormation hook request.
//! - `report`: the rule's results from a Config aggregator, every account
//!   and region, in the same formats as `audit`.
//! - `check`: the rule's verdict on CloudFormation, CDK and Terraform
//!   before deploy.
//! - `completions`, `man`: a shell completion script and the man page,
//!   generated from the same definitions as the parser.
//! - `remediate plan`: the ordered `aws neptune …` steps to move a cluster
//!   onto a customer managed key; it changes nothing. `remediate apply`:
//!   those steps performed, up to a new cluster the rule judges COMPLIANT.
//!
//! The path of data: `args` parses the command line; a command
//! (`commands`) loads the SDK configuration (`sdk`), judges through the
//! rule's own code (`neptune_cmk_rule`: the sweep, the fact cache, the
//! handler, the hook, and its `aws` plumbing), and builds what it prints:
//! `audit` scans targets (`scan`, `org`, `progress`) into the report model
//! (`rows`), which `output` renders; `check` prints the template crate's
//! report; `remediate` prints or performs a plan. Exit codes (`status`): 0
//! all compliant, 1 something is not compliant, 2 an error (`error`).
//!
//! Each module uses only modules on a lower floor (`tools/check-layers.py`
//! proves there is no import cycle): `main` → `commands` → `scan`, `org`,
//! `output` → `rows`, `sdk`, `progress`, `args`, `status`, `error`.

mod args;
mod commands;
mod error;
mod filter;
mod graphs;
mod judged;
mod org;
mod output;
mod progress;
mod rows;
mod scan;
mod sdk;
mod status;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use commands::{audit, check, evaluate, remediate, report, shell};
use error::Error;
use status::{Status, EXIT_ERROR};

#[tokio::main]
async fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so `neptune-cmk audit | head` would panic on the
    // closed pipe; end quietly instead, as command-line tools do.
    // SAFETY: called before any thread writes; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match run(Cli::parse()).await {
        Ok(status) => status.exit_code(),
        Err(error) => {
            eprintln!("neptune-cmk: {error}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs one command.
async fn run(cli: Cli) -> Result<Status, Error> {
    match cli.command {
        Command::Audit(args) => audit::run(&args).await,
        Command::Evaluate(args) => evaluate::run(&args).await,
        Command::Report(args) => report::run(&args).await,
        Command::Check(args) => check::run(&args).await,
        Command::Remediate { command } => remediate::run(&command).await,
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    }
}
