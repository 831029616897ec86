//! A plan as text: numbered steps, explanations as `#` comments, and every
//! action as the `aws` commands that perform it. Deterministic for the same
//! plan, so plans are compared with golden files.

use std::fmt::Write;

use neptune_cmk_evaluator::Tag;

use super::command::{Command, Word};
use super::plan::{
    Action, ClusterSettings, NewCluster, NewInstance, Plan, RestoreSource, Step, TargetKey,
};

/// Explanations are wrapped at this width.
const WIDTH: usize = 100;

/// The whole plan.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Remediation plan for Neptune cluster {} ({})",
        plan.cluster, plan.region
    );
    let _ = writeln!(
        out,
        "# Current verdict: {} — {}",
        plan.evaluation.compliance(),
        plan.evaluation.annotation
    );
    if !plan.parameters.is_empty() {
        let _ = writeln!(out, "# Judged with: {}", plan.parameters.join(", "));
    }
    if !plan.steps.is_empty() {
        let _ = writeln!(
            out,
            "# This plan changes nothing; run the commands yourself, in order."
        );
    }
    out.push('\n');
    for line in &plan.summary {
        out += &wrap(line, "");
    }
    for (index, step) in plan.steps.iter().enumerate() {
        out += &render_step(index + 1, step, &plan.region);
    }
    out
}

/// One step, numbered as in its plan: `remediate apply` prints the steps it
/// leaves to people exactly as `remediate plan` does.
pub fn render_step(number: usize, step: &Step, region: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n## {number}. {}", step.title);
    for line in &step.explanation {
        out += &wrap(line, "# ");
    }
    for action in &step.actions {
        for command in commands(action, region) {
            let _ = writeln!(out, "{command}");
        }
    }
    for command in &step.manual {
        let _ = writeln!(out, "{}", command.render());
    }
    out
}

/// `line` with `prefix`, wrapped at spaces; lines that look like code (JSON
/// of a policy) are kept as they are.
fn wrap(line: &str, prefix: &str) -> String {
    if line.starts_with(['{', ' ']) || line.len() + prefix.len() <= WIDTH {
        return format!("{prefix}{line}\n");
    }
    let mut out = String::new();
    let mut current = String::new();
    for word in line.split(' ') {
        if !current.is_empty() && prefix.len() + current.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{prefix}{current}");
            current.clear();
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    let _ = writeln!(out, "{prefix}{current}");
    out
}

/// The shell commands that perform `action`.
pub fn commands(action: &Action, region: &str) -> Vec<String> {
    match action {
        Action::CreateKey { alias, description } => vec![
            format!(
                "CMK_ARN=$({})",
                Command::aws("kms", "create-key", region)
                    .opt("--description", description)
                    .opt("--query", "KeyMetadata.Arn")
                    .opt("--output", "text")
                    .render()
            ),
            Command::aws("kms", "create-alias", region)
                .opt("--alias-name", alias)
                .opt("--target-key-id", Word::Variable("CMK_ARN".to_owned()))
                .render(),
        ],
        Action::Snapshot { cluster, snapshot } => vec![
            Command::aws("neptune", "create-db-cluster-snapshot", region)
                .opt("--db-cluster-identifier", cluster)
                .opt("--db-cluster-snapshot-identifier", snapshot)
                .render(),
            wait_until_available(
                Command::aws("neptune", "describe-db-cluster-snapshots", region)
                    .opt("--db-cluster-snapshot-identifier", snapshot)
                    .opt("--query", "DBClusterSnapshots[0].Status"),
            ),
        ],
        Action::Restore(new) => vec![
            restore(new, region).render(),
            wait_until_available(
                Command::aws("neptune", "describe-db-clusters", region)
                    .opt("--db-cluster-identifier", &new.identifier)
                    .opt("--query", "DBClusters[0].Status"),
            ),
        ],
        Action::Modify(settings) => vec![modify(settings, region).render()],
        Action::CreateInstance(instance) => vec![
            create_instance(instance, region).render(),
            Command::new(["aws", "neptune", "wait", "db-instance-available"])
                .opt("--region", region)
                .opt("--db-instance-identifier", &instance.identifier)
                .render(),
        ],
        Action::CreateEndpoint(new) => {
            vec![
                Command::aws("neptune", "create-db-cluster-endpoint", region)
                    .opt("--db-cluster-identifier", &new.cluster)
                    .opt("--db-cluster-endpoint-identifier", &new.identifier)
                    .opt("--endpoint-type", &new.kind)
                    .opt_list("--static-members", &new.static_members)
                    .opt_list("--excluded-members", &new.excluded_members)
                    .render(),
            ]
        }
        Action::AddRole { cluster, role } => {
            vec![Command::aws("neptune", "add-role-to-db-cluster", region)
                .opt("--db-cluster-identifier", cluster)
                .opt("--role-arn", &role.role_arn)
                .opt_some("--feature-name", role.feature_name.as_ref())
                .render()]
        }
        Action::CancelKeyDeletion { key_arn } => {
            vec![Command::new(["aws", "kms", "cancel-key-deletion"])
                .opt("--key-id", key_arn)
                .opt("--region", region)
                .render()]
        }
        Action::EnableKey { key_arn } => vec![Command::new(["aws", "kms", "enable-key"])
            .opt("--key-id", key_arn)
            .opt("--region", region)
            .render()],
    }
}

/// `until [ "$(<describe> --output text)" = available ]; do sleep 30; done`:
/// Neptune's CLI has no waiter for clusters and cluster snapshots.
fn wait_until_available(describe: Command) -> String {
    format!(
        "until [ \"$({})\" = available ]; do sleep 30; done",
        describe.opt("--output", "text").render()
    )
}

fn key_word(key: &TargetKey) -> Word {
    match key {
        TargetKey::Arn(arn) => Word::from(arn),
        TargetKey::Created => Word::Variable("CMK_ARN".to_owned()),
    }
}

/// `Key=<k>,Value=<v>` words for `--tags`.
fn tag_words(tags: &[Tag]) -> Vec<String> {
    tags.iter()
        .map(|tag| format!("Key={},Value={}", tag.key, tag.value))
        .collect()
}

fn restore(new: &NewCluster, region: &str) -> Command {
    let settings = &new.settings;
    let command = match &new.source {
        RestoreSource::Snapshot(snapshot) => {
            Command::aws("neptune", "restore-db-cluster-from-snapshot", region)
                .opt("--db-cluster-identifier", &new.identifier)
                .opt("--snapshot-identifier", snapshot)
                .opt("--engine", "neptune")
                .opt_some("--engine-version", settings.engine_version.as_ref())
        }
        RestoreSource::PointInTime(source) => {
            Command::aws("neptune", "restore-db-cluster-to-point-in-time", region)
                .opt("--source-db-cluster-identifier", source)
                .opt("--db-cluster-identifier", &new.identifier)
                .opt("--restore-type", "full-copy")
                .flag("--use-latest-restorable-time", true)
        }
    };
    let copy_tags =
        matches!(new.source, RestoreSource::Snapshot(_)) && settings.copy_tags_to_snapshot;
    command
        .opt("--kms-key-id", key_word(&new.key))
        .opt_some("--port", settings.port.map(|port| port.to_string()))
        .opt_some("--db-subnet-group-name", settings.subnet_group.as_ref())
        .opt_list("--vpc-security-group-ids", &settings.security_groups)
        .opt_some(
            "--db-cluster-parameter-group-name",
            settings.parameter_group.as_ref(),
        )
        .flag("--enable-iam-database-authentication", settings.iam_auth)
        .flag("--deletion-protection", settings.deletion_protection)
        .opt_list("--enable-cloudwatch-logs-exports", &settings.log_exports)
        .opt_some("--storage-type", settings.storage_type.as_ref())
        .opt_some("--network-type", settings.network_type.as_ref())
        .opt_some(
            "--serverless-v2-scaling-configuration",
            settings.serverless.map(|capacity| {
                format!("MinCapacity={},MaxCapacity={}", capacity.min, capacity.max)
            }),
        )
        .flag("--copy-tags-to-snapshot", copy_tags)
        .opt_list("--tags", tag_words(&settings.tags))
}

fn modify(settings: &ClusterSettings, region: &str) -> Command {
    Command::aws("neptune", "modify-db-cluster", region)
        .opt("--db-cluster-identifier", &settings.cluster)
        .opt_some(
            "--backup-retention-period",
            settings.backup_retention.map(|days| days.to_string()),
        )
        .opt_some("--preferred-backup-window", settings.backup_window.as_ref())
        .opt_some(
            "--preferred-maintenance-window",
            settings.maintenance_window.as_ref(),
        )
        .switch("copy-tags-to-snapshot", settings.copy_tags_to_snapshot)
        .flag("--apply-immediately", true)
}

fn create_instance(instance: &NewInstance, region: &str) -> Command {
    let settings = &instance.settings;
    Command::aws("neptune", "create-db-instance", region)
        .opt("--db-instance-identifier", &instance.identifier)
        .opt("--db-cluster-identifier", &instance.cluster)
        .opt("--engine", "neptune")
        .opt_some("--db-instance-class", settings.class.as_ref())
        .opt_some(
            "--db-parameter-group-name",
            settings.parameter_group.as_ref(),
        )
        .opt_some("--availability-zone", settings.availability_zone.as_ref())
        .opt_some(
            "--promotion-tier",
            settings.promotion_tier.map(|tier| tier.to_string()),
        )
        .switch(
            "auto-minor-version-upgrade",
            settings.auto_minor_version_upgrade,
        )
        .opt_some(
            "--preferred-maintenance-window",
            settings.maintenance_window.as_ref(),
        )
        .opt_list("--tags", tag_words(&settings.tags))
}
