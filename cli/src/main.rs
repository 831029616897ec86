//! `neptune-cmk`: the rule's evaluator as a command-line tool.
//!
//! - `audit`: sweep one or more regions now and print one row per resource.
//! - `evaluate`: run the Lambda handler on a saved Config event.
//! - `report`: the rule's results from a Config aggregator, every account
//!   and region, in the same formats as `audit`.
//! - `check`: the rule's verdict on CloudFormation, CDK and Terraform
//!   before deploy.
//! - `remediate plan`: the ordered `aws neptune …` steps to move a cluster
//!   onto a customer managed key. It changes nothing.
//!
//! Exit codes: 0 all compliant, 1 something is not compliant, 2 error.
//! `main` only parses and dispatches; each command lives in its own module,
//! and what commands share lives in `args`, `aws` and `error`.

mod args;
mod audit;
mod aws;
mod check;
mod error;
mod evaluate;
mod findings;
mod html;
mod org;
mod output;
mod remediate;
mod report;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, RemediateCommand, Status};
use error::Error;

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
            ExitCode::from(2)
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
        Command::Remediate {
            command: RemediateCommand::Plan(args),
        } => remediate::plan(&args).await,
        Command::Remediate {
            command: RemediateCommand::Apply(args),
        } => remediate::apply(&args).await,
    }
}
