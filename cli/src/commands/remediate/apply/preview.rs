//! What `apply` is about to do, shown before it does anything (at the
//! prompt, and with `--yes` in its place): exactly the steps it runs, in the
//! plan's numbering, the steps it leaves to people; and, apart (stderr), that
//! it does not stop writes to the source. The cut-over and deletion are never listed as
//! next: apply ends at verification and only prints them afterwards.

use std::fmt::Write;

use crate::commands::remediate::facts::SourceCluster;
use crate::commands::remediate::plan::{Action, Plan, RestoreSource, Stage, Step, TargetKey};

/// Whether apply performs `step` (the others are printed, never run).
pub fn runs(step: &Step) -> bool {
    match step.stage {
        Stage::Migrate => !step.actions.is_empty(),
        Stage::Verify => true,
        Stage::Prepare | Stage::CutOver => false,
    }
}

/// The preview of a run of `plan` on `source`; `earlier` is what is known
/// of a snapshot an earlier run left.
pub fn preview(plan: &Plan, earlier: Option<&str>) -> String {
    let mut out = String::from("apply runs these steps, in order (numbered as in the plan):\n");
    for (number, step) in numbered(plan).filter(|(_, step)| runs(step)) {
        for line in step_lines(step) {
            let _ = writeln!(out, "  {number}. {line}");
        }
    }
    let yours: Vec<String> = numbered(plan)
        .filter(|(_, step)| step.stage != Stage::CutOver && !runs(step))
        .map(|(number, step)| format!("  {number}. {}", step.title))
        .collect();
    if !yours.is_empty() {
        out += "Not run by apply (yours, before it):\n";
        out += &yours.join("\n");
        out.push('\n');
    }
    if let Some(earlier) = earlier {
        let _ = writeln!(out, "{earlier}");
    }
    let _ = writeln!(
        out,
        "Then apply stops. It prints the cut-over for a human and never runs it: it never \
         changes or deletes {}.",
        plan.cluster
    );
    out
}

fn numbered(plan: &Plan) -> impl Iterator<Item = (usize, &Step)> {
    plan.steps
        .iter()
        .enumerate()
        .map(|(index, step)| (index + 1, step))
}

/// What apply does for one step it runs, one line per action.
fn step_lines(step: &Step) -> Vec<String> {
    if step.stage == Stage::Verify {
        return vec![format!(
            "{} (judged with the rule's own code)",
            step.title.trim_start_matches("Verify: ")
        )];
    }
    step.actions.iter().map(action_line).collect()
}

fn action_line(action: &Action) -> String {
    match action {
        Action::Snapshot { cluster, snapshot } => format!(
            "snapshot {cluster} as {snapshot} (or use the one an earlier run made), and wait \
             until it is available"
        ),
        Action::Restore(new) => {
            let key = match &new.key {
                TargetKey::Arn(arn) => arn.as_str(),
                TargetKey::Created => "$CMK_ARN",
            };
            let from = match &new.source {
                RestoreSource::Snapshot(snapshot) => format!("restore {snapshot}"),
                RestoreSource::PointInTime(source) => {
                    format!("clone {source} at its latest restorable time")
                }
            };
            format!(
                "{from} into a new cluster {} encrypted with {key}, and wait",
                new.identifier
            )
        }
        Action::Modify(settings) => format!(
            "set the backup and maintenance settings a restore cannot carry on {}",
            settings.cluster
        ),
        Action::CreateInstance(instance) => format!(
            "create instance {} in {} like {}, and wait",
            instance.identifier, instance.cluster, instance.settings.identifier
        ),
        Action::AddRole { cluster, role } => {
            format!("attach IAM role {} to {cluster}", role.role_arn)
        }
        Action::CreateEndpoint(endpoint) => format!(
            "create custom endpoint {} on {} (not waited for)",
            endpoint.identifier, endpoint.cluster
        ),
        Action::CreateKey { alias, .. } => format!("create key {alias}"),
        Action::CancelKeyDeletion { key_arn } => format!("cancel the deletion of {key_arn}"),
        Action::EnableKey { key_arn } => format!("enable {key_arn}"),
    }
}

/// apply cannot stop the source's writers, and says so plainly: what is
/// written after the snapshot (or the clone's restore time) is lost to the
/// new cluster. How to stop them depends on how the writers reach Neptune.
pub fn writes_warning(plan: &Plan, source: &SourceCluster) -> String {
    let cluster = &plan.cluster;
    let mut ways = vec!["stop or pause the applications that write to it".to_owned()];
    if source.iam_auth {
        ways.push(
            "deny their IAM principals neptune-db:WriteDataViaQuery and \
             neptune-db:DeleteDataViaQuery (IAM policy changes take up to 10 minutes to apply)"
                .to_owned(),
        );
    }
    if !source.security_groups.is_empty() {
        ways.push(format!(
            "remove the writers' inbound rules from its security groups ({}), which also stops \
             their reads",
            source.security_groups.join(", ")
        ));
    }
    format!(
        "WARNING: apply does not stop writes. {cluster} keeps taking writes while apply copies \
         it, and anything written after the snapshot is taken (for a clone, after its latest \
         restorable time) is not in the new cluster. To stop writes first: {}.\n",
        ways.join("; or ")
    )
}
