//! `neptune-cmk remediate`: move a cluster onto a customer managed key.
//!
//! Facts are gathered into plain types (`facts`), a [`plan::Plan`] is built
//! from them as data (`plan`: ordered steps, one function each), and the plan
//! is rendered as runnable `aws` commands (`render`, through the quoting
//! `command` builder). `plan` only reads; `apply` performs the same plan's
//! `Migrate` steps with the SDK, resumably, and verifies the new cluster
//! with the rule's own code.

mod apply;
mod command;
mod facts;
#[cfg(test)]
mod goldens;
mod names;
mod plan;
mod render;

pub use apply::apply;

use crate::args::{PlanArgs, Status};
use crate::{aws, Error};

/// Runs `remediate plan`: prints the plan, changes nothing. Exits 0 when the
/// cluster is already compliant, 1 when it needs remediation.
pub async fn plan(args: &PlanArgs) -> Result<Status, Error> {
    let config = aws::sdk_config(args.profile.as_deref(), args.region.as_deref()).await;
    let region = aws::region_of(&config)?;
    let parameters = args.rule.rule_parameters()?;
    let mut facts = facts::gather(
        &config,
        &region,
        &args.cluster,
        args.kms_key.as_deref(),
        &parameters,
    )
    .await?;
    facts.operator = facts::operator(&config).await;
    let plan = plan::build(&facts);
    print!("{}", render::render(&plan));
    Ok(Status::of([facts.verdict.compliance()]))
}
