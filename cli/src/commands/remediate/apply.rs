//! `neptune-cmk remediate apply`: performs the `Migrate` steps of the plan
//! `remediate plan` prints (the same [`Plan`], built from the same facts),
//! up to a new cluster the rule judges COMPLIANT. It creates only: the
//! source cluster, its instances and snapshots are never changed, and the
//! cut-over and deletion are printed for a human.
//!
//! Resumable by design: every identifier the plan makes is derived from the
//! source's (`names::derived`), so a second run finds the snapshot, cluster
//! and instances an interrupted run made, checks they are what the plan
//! makes, and continues from there (`run`).

mod perform;
mod preview;
mod run;
mod snapshot_age;
mod verify;
mod wait;

use std::io::{BufRead, IsTerminal, Write};

use neptune_cmk_rule::Clients;

use super::plan::{self, Path, Plan, Stage, Step};
use super::{facts, render};
use crate::args::ApplyArgs;
use crate::error::Error;
use crate::status::Status;
use run::Run;
use verify::Verified;
use wait::Waiter;

/// Runs `remediate apply`. Exits 0 when the new cluster is verified
/// COMPLIANT or there is nothing to do, 1 when the operator declines.
pub async fn run(args: &ApplyArgs) -> Result<Status, Error> {
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(Error::Usage {
            flag: "--yes",
            message: "stdin is not a terminal, so apply cannot ask before it creates anything; \
                      pass --yes to run the plan without asking (review it first with \
                      `neptune-cmk remediate plan`)"
                .to_owned(),
        });
    }
    let facts::Gathered { config, facts } =
        facts::gather_for(&args.aws, &args.rule, &args.cluster, Some(&args.kms_key)).await?;
    let plan = plan::build(&facts);
    if plan.path == Path::Nothing {
        print!("{}", render::render(&plan));
        return Ok(Status::AllCompliant);
    }
    refuse_what_apply_cannot_do(&plan)?;
    let clients = Clients::new(&config);
    let limit = snapshot_age::Limit {
        max_age: args.max_snapshot_age,
        reuse: args.reuse_snapshot,
    };
    let earlier = snapshot_age::check(&clients, &plan, limit).await?;
    // Said before anything is made, with --yes too: the steps on stdout,
    // the writes that go on on stderr, where a log of a pipeline shows it.
    print!("{}", preview::preview(&plan, earlier.as_deref()));
    eprint!("{}", preview::writes_warning(&plan, &facts.cluster));
    if !args.yes && !confirm(&plan)? {
        println!("Not confirmed: nothing was created.");
        return Ok(Status::NonCompliant);
    }
    let waiter = Waiter {
        poll: args.poll_interval,
        timeout: args.wait_timeout,
    };
    let mut run = Run::new(clients, &facts, &plan, waiter);
    print_header(&plan);
    let verified = execute(&mut run, &plan).await?;
    print_remaining(&plan, &verified);
    Ok(Status::AllCompliant)
}

/// Key repair and advice-only states have no migration to run.
fn refuse_what_apply_cannot_do(plan: &Plan) -> Result<(), Error> {
    let cluster = &plan.cluster;
    match plan.path {
        Path::RestoreSnapshot | Path::CloneToPointInTime | Path::Nothing => Ok(()),
        Path::RepairKey => Err(Error::Refused(format!(
            "{cluster} is already under a customer managed key that only needs repair ({}); \
             apply only migrates clusters, and changes no keys. {} Repair the key with the \
             steps of `neptune-cmk remediate plan --cluster {cluster}`, or let AWS Config run \
             the key-repair remediation runbook (docs/DEPLOY.md)",
            plan.evaluation.annotation,
            plan.summary.join(" ")
        ))),
        Path::GlobalDatabase => Err(Error::Refused(format!(
            "{cluster} is a member of a global database; apply does not migrate global \
             databases, because the new cluster must become the primary of a new global \
             database with secondaries in other regions, and the old members must leave the \
             old one first. Nothing was created. Follow the steps of `neptune-cmk remediate plan \
             --cluster {cluster}`: {}",
            plan.summary.join(" ")
        ))),
        Path::Advice => Err(Error::Refused(format!(
            "apply has no migration for {cluster} ({}): {} See `neptune-cmk remediate plan \
             --cluster {cluster}`",
            plan.evaluation.annotation,
            plan.summary.join(" ")
        ))),
    }
}

/// Asks on the terminal, after the preview (never after the whole plan,
/// whose last steps are the cut-over and deletion apply does not run);
/// true when the answer is yes.
fn confirm(plan: &Plan) -> Result<bool, Error> {
    eprint!(
        "\n(The whole plan, cut-over included: neptune-cmk remediate plan --cluster {}.)\n\
         Go ahead? [y/N] ",
        plan.cluster
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|source| Error::Io {
            action: "read",
            path: "stdin".into(),
            source,
        })?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn print_header(plan: &Plan) {
    println!(
        "# Applying the remediation plan for Neptune cluster {} ({})",
        plan.cluster, plan.region
    );
    println!(
        "# Current verdict: {} — {}",
        plan.evaluation.compliance(),
        plan.evaluation.annotation
    );
    if !plan.parameters.is_empty() {
        println!("# Judged with: {}", plan.parameters.join(", "));
    }
    println!(
        "# apply creates new resources only; it never changes or deletes {}, its instances or \
         its snapshots.",
        plan.cluster
    );
    for line in &plan.summary {
        println!("# {line}");
    }
}

/// Every step up to the cut-over, in the plan's order and numbering. A
/// failure names its step and says what exists and how to go on.
async fn execute(run: &mut Run<'_>, plan: &Plan) -> Result<Verified, Error> {
    let mut verified = None;
    for (index, step) in plan.steps.iter().enumerate() {
        if step.stage == Stage::CutOver {
            continue;
        }
        println!("\n## {}. {}", index + 1, step.title);
        let outcome = match step.stage {
            Stage::Verify => run.verify().await.map(|done| verified = Some(done)),
            _ => perform_step(run, step).await,
        };
        outcome.map_err(|cause| Error::ApplyStep {
            step: format!("{} ({})", index + 1, step.title),
            aftermath: run.aftermath(&cause),
            cause: Box::new(cause),
        })?;
    }
    verified.ok_or_else(|| Error::Refused("the plan has no Verify step".to_owned()))
}

/// A `Migrate` step's actions; `Prepare` steps (key policy) are the
/// operator's, and a step without actions is shown as guidance.
async fn perform_step(run: &mut Run<'_>, step: &Step) -> Result<(), Error> {
    if step.stage == Stage::Prepare {
        println!("   not run by apply, which changes no keys or key policies.");
        println!(
            "   If a restore is refused with KMSKeyNotAccessibleFault, do this step as \
             `neptune-cmk remediate plan` prints it."
        );
        return Ok(());
    }
    if step.actions.is_empty() {
        for line in &step.explanation {
            println!("   {line}");
        }
    }
    for action in &step.actions {
        run.perform(action).await?;
    }
    Ok(())
}

/// The verified result, then the steps apply leaves to people, rendered as
/// `remediate plan` renders them.
fn print_remaining(plan: &Plan, verified: &Verified) {
    println!();
    println!(
        "Done: the new cluster is verified COMPLIANT; {} is unchanged.",
        plan.cluster
    );
    println!(
        "New writer endpoint: {}",
        verified.endpoint.as_deref().unwrap_or("-")
    );
    println!(
        "New reader endpoint: {}",
        verified.reader_endpoint.as_deref().unwrap_or("-")
    );
    println!("What remains needs a human, and apply never runs it:");
    for (index, step) in plan.steps.iter().enumerate() {
        if step.stage == Stage::CutOver {
            print!("{}", render::render_step(index + 1, step, &plan.region));
        }
    }
}
