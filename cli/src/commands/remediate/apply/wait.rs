//! The resources `apply` makes, their status, and waiting for them to become
//! available: a spinner on stderr (hidden when stderr is not a terminal),
//! and a plain line on stdout saying how long it took.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use neptune_cmk_rule::aws::{describe_cluster, describe_instance, describe_snapshot};
use neptune_cmk_rule::{Clients, Deadline};

use crate::commands::remediate::command::Command;
use crate::error::Error;

/// Something the plan makes, named by its predictable identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A manual cluster snapshot.
    Snapshot(String),
    /// A DB cluster.
    Cluster(String),
    /// A DB instance.
    Instance(String),
}

/// Statuses from which a resource never becomes available by itself.
const DEAD_ENDS: [&str; 9] = [
    "failed",
    "deleting",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "restore-error",
    "storage-full",
];

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Snapshot(id) => write!(f, "snapshot {id}"),
            Self::Cluster(id) => write!(f, "cluster {id}"),
            Self::Instance(id) => write!(f, "instance {id}"),
        }
    }
}

impl Resource {
    /// Its status now; `None` when it does not exist.
    pub async fn status(&self, clients: &Clients) -> Result<Option<String>, Error> {
        let (neptune, deadline) = (&clients.neptune, &Deadline::none());
        Ok(match self {
            Self::Snapshot(id) => describe_snapshot(neptune, deadline, id)
                .await?
                .and_then(|snapshot| snapshot.status),
            Self::Cluster(id) => describe_cluster(neptune, deadline, id)
                .await?
                .and_then(|cluster| cluster.status),
            Self::Instance(id) => describe_instance(neptune, deadline, id)
                .await?
                .and_then(|instance| instance.db_instance_status),
        })
    }

    /// The commands that delete it. A cluster with deletion protection (the
    /// restore copies the source's) must drop it first.
    pub fn delete_commands(&self, region: &str, deletion_protection: bool) -> Vec<Command> {
        match self {
            Self::Snapshot(id) => {
                vec![
                    Command::aws("neptune", "delete-db-cluster-snapshot", region)
                        .opt("--db-cluster-snapshot-identifier", id),
                ]
            }
            Self::Instance(id) => vec![Command::aws("neptune", "delete-db-instance", region)
                .opt("--db-instance-identifier", id)],
            Self::Cluster(id) => {
                let mut commands = Vec::new();
                if deletion_protection {
                    commands.push(
                        Command::aws("neptune", "modify-db-cluster", region)
                            .opt("--db-cluster-identifier", id)
                            .flag("--no-deletion-protection", true)
                            .flag("--apply-immediately", true),
                    );
                }
                commands.push(
                    Command::aws("neptune", "delete-db-cluster", region)
                        .opt("--db-cluster-identifier", id)
                        .flag("--skip-final-snapshot", true),
                );
                commands
            }
        }
    }
}

/// How often to look, and for how long, before giving up on one resource.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    /// Time between two status checks.
    pub poll: Duration,
    /// How long one resource may take to become available.
    pub timeout: Duration,
}

/// How a wait went.
#[derive(Debug, Clone, Copy)]
pub struct Waited {
    /// Time from the first check to `available`.
    pub elapsed: Duration,
    /// Status checks made.
    pub checks: u32,
}

impl Waiter {
    /// Polls until `resource` is available. A dead-end status, a resource
    /// that disappears, or the timeout is an error that names it.
    pub async fn until_available(
        &self,
        clients: &Clients,
        resource: &Resource,
    ) -> Result<Waited, Error> {
        let started = Instant::now();
        let spinner = spinner(resource);
        let mut checks = 0;
        let outcome = loop {
            checks += 1;
            let status = match resource.status(clients).await {
                Ok(status) => status,
                Err(error) => break Err(error),
            };
            let elapsed = started.elapsed();
            match status.as_deref() {
                Some("available") => break Ok(Waited { elapsed, checks }),
                None => break Err(gone(resource)),
                Some(status) if DEAD_ENDS.contains(&status) => {
                    break Err(Error::Unavailable {
                        resource: resource.to_string(),
                        status: status.to_owned(),
                    })
                }
                Some(status) if elapsed >= self.timeout => {
                    break Err(Error::WaitTimedOut {
                        resource: resource.to_string(),
                        status: status.to_owned(),
                        waited: took(elapsed),
                    })
                }
                Some(status) => spinner.set_message(format!("{resource} is {status}")),
            }
            tokio::time::sleep(self.poll).await;
        };
        spinner.finish_and_clear();
        outcome
    }
}

fn gone(resource: &Resource) -> Error {
    Error::Unavailable {
        resource: resource.to_string(),
        status: "gone (it was deleted while apply waited for it)".to_owned(),
    }
}

/// A spinner with the resource's status and the time waited; hidden when
/// stderr is not a terminal, so logs and tests see only the stdout lines.
fn spinner(resource: &Resource) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("   {spinner} waiting: {msg} ({elapsed})")
            .expect("a valid template"),
    );
    spinner.set_message(format!("{resource}"));
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// A duration for people: `0.4s`, `45s`, `2m 05s`, `1h 02m`.
pub fn took(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    match seconds {
        0..10 => format!("{:.1}s", elapsed.as_secs_f64()),
        10..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(took(Duration::from_millis(420)), "0.4s");
        assert_eq!(took(Duration::from_secs(45)), "45s");
        assert_eq!(took(Duration::from_secs(125)), "2m 05s");
        assert_eq!(took(Duration::from_secs(3720)), "1h 02m");
    }

    #[test]
    fn cleanup_drops_deletion_protection_first() {
        let commands = Resource::Cluster("graph-cmk".to_owned()).delete_commands("us-east-1", true);
        let text: Vec<String> = commands.iter().map(Command::render).collect();
        assert!(text[0].contains("--no-deletion-protection"), "{text:?}");
        assert!(text[1].contains("delete-db-cluster "), "{text:?}");
        assert!(text[1].contains("--skip-final-snapshot"), "{text:?}");
    }
}
