//! The migration snapshot an earlier run left: how old it is, and whether
//! apply may restore it. Writes made after a snapshot was taken are not in
//! it, so one older than `--max-snapshot-age` is refused unless
//! `--reuse-snapshot` says to restore it anyway. The age is read here, in
//! the shell, from the snapshot's SnapshotCreateTime and this machine's
//! clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_neptune::primitives::DateTimeFormat;
use neptune_cmk_rule::aws::{describe_cluster, describe_snapshot};
use neptune_cmk_rule::{Clients, Deadline};

use super::wait::took;
use crate::commands::remediate::plan::{Action, Plan};
use crate::error::Error;

/// How much of the earlier snapshot apply may use.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// `--max-snapshot-age`.
    pub max_age: Duration,
    /// `--reuse-snapshot`.
    pub reuse: bool,
}

/// The earlier run's snapshot, when the plan restores one that exists and
/// its restore has not happened yet: a line that says how old it is, or a
/// refusal when it is older than `limit` allows.
pub async fn check(clients: &Clients, plan: &Plan, limit: Limit) -> Result<Option<String>, Error> {
    let Some((cluster, snapshot, new_cluster)) = snapshot_of(plan) else {
        return Ok(None);
    };
    let (neptune, deadline) = (&clients.neptune, &Deadline::none());
    let Some(found) = describe_snapshot(neptune, deadline, snapshot).await? else {
        return Ok(None);
    };
    // A snapshot of another cluster is refused by the run itself, and one
    // already restored is not used again.
    let of = found.db_cluster_identifier().unwrap_or_default();
    if !of.eq_ignore_ascii_case(cluster)
        || describe_cluster(neptune, deadline, new_cluster)
            .await?
            .is_some()
    {
        return Ok(None);
    }
    let Some(created) = found.snapshot_create_time() else {
        return Ok(Some(format!(
            "Found snapshot {snapshot} of {cluster} from an earlier run, still being created; \
             apply restores it."
        )));
    };
    let age = age_at(created.secs(), SystemTime::now());
    let at = created.fmt(DateTimeFormat::DateTime).unwrap_or_default();
    let when = format!("taken {} ago ({at})", took(age));
    if age > limit.max_age && !limit.reuse {
        return Err(Error::Refused(format!(
            "snapshot {snapshot} of {cluster}, from an earlier run, was {when}: older than \
             --max-snapshot-age {}, so writes since then would be missing from the new \
             cluster. Either pass --reuse-snapshot to restore it anyway, or delete it (aws \
             neptune delete-db-cluster-snapshot --db-cluster-snapshot-identifier {snapshot}) \
             so that apply takes a fresh one; a longer --max-snapshot-age also accepts it. \
             Nothing was created.",
            took(limit.max_age)
        )));
    }
    Ok(Some(format!(
        "Found snapshot {snapshot} of {cluster} from an earlier run, {when}; apply restores \
         it, so writes made after it are not in the new cluster."
    )))
}

/// The plan's snapshot action: (source, snapshot, new cluster).
fn snapshot_of(plan: &Plan) -> Option<(&str, &str, &str)> {
    let actions = || plan.steps.iter().flat_map(|step| &step.actions);
    let (cluster, snapshot) = actions().find_map(|action| match action {
        Action::Snapshot { cluster, snapshot } => Some((cluster.as_str(), snapshot.as_str())),
        _ => None,
    })?;
    let new_cluster = actions().find_map(|action| match action {
        Action::Restore(new) => Some(new.identifier.as_str()),
        _ => None,
    })?;
    Some((cluster, snapshot, new_cluster))
}

/// How long before `now` the epoch second `created` was; zero when the
/// snapshot's clock runs ahead of this machine's.
fn age_at(created: i64, now: SystemTime) -> Duration {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    Duration::from_secs(now.saturating_sub(u64::try_from(created).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_measured_against_the_given_clock() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        assert_eq!(age_at(2_800, now), Duration::from_secs(7_200));
        assert_eq!(age_at(20_000, now), Duration::ZERO, "a clock ahead");
        assert_eq!(age_at(-5, now), Duration::from_secs(10_000));
    }
}
