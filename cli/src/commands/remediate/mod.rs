//! `neptune-cmk remediate`: move a cluster onto a customer managed key.
//!
//! Facts are gathered into plain types (`facts`), a [`plan::Plan`] is built
//! from them as data (`plan`: ordered steps, one function each), and the plan
//! is rendered as runnable `aws` commands (`render`, through the quoting
//! `command` builder; identifiers from `names`). `remediate plan` only
//! prints; `remediate apply` (`apply`) performs the same plan's `Migrate`
//! steps with the SDK, resumably, and verifies the new cluster with the
//! rule's own code.

mod apply;
mod command;
mod endpoints;
mod facts;
#[cfg(test)]
mod goldens;
mod key_policy;
mod names;
mod plan;
mod render;

use crate::args::{PlanArgs, RemediateCommand};
use crate::error::Error;
use crate::status::Status;

/// Runs `remediate plan` or `remediate apply`.
pub async fn run(command: &RemediateCommand) -> Result<Status, Error> {
    match command {
        RemediateCommand::Plan(args) => print_plan(args).await,
        RemediateCommand::Apply(args) => apply::run(args).await,
    }
}

/// `remediate plan`: prints the plan, changes nothing. Exits 0 whenever it
/// printed one (1 means "not compliant" only for audit and check); errors
/// exit 2.
async fn print_plan(args: &PlanArgs) -> Result<Status, Error> {
    let gathered = facts::gather_for(
        &args.aws,
        &args.rule,
        &args.cluster,
        args.kms_key.as_deref(),
    )
    .await?;
    let plan = plan::build(&gathered.facts);
    print!("{}", render::render(&plan));
    Ok(Status::AllCompliant)
}
