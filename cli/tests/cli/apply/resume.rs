//! `remediate apply` run again over what an earlier run left: at each step
//! it goes on from what exists, never makes a thing twice, and refuses
//! anything under the plan's names that the plan did not make. Asserted by
//! the steps' own lines and by what the server holds afterwards.

use aws_sdk_neptune::types::DbClusterSnapshot;
use neptune_cmk_testing::*;
use serde_json::json;

use super::{
    apply, apply_disabling_the_key_before_verify, assert_migrated, instance, instances_of,
    slow_creation, target_key, DESCRIBES_UNTIL_AVAILABLE,
};
use crate::{stderr, stdout};

/// Each step's heading and the lines apply printed for its actions, with
/// the wait's duration and count of checks left out (they vary by run).
fn steps_done(output: &std::process::Output) -> Vec<String> {
    let waited = regex::Regex::new(r" \(waited [^)]*\)$").unwrap();
    let progress = [
        "found ",
        "creating ",
        "restoring ",
        "skipped: ",
        "already set ",
        "setting ",
        "attaching ",
        "role ",
    ];
    stdout(output)
        .lines()
        .filter_map(|line| {
            if let Some(heading) = line.strip_prefix("## ") {
                return Some(heading.to_owned());
            }
            let text = line.strip_prefix("   ")?;
            let is_progress = progress.iter().any(|verb| text.starts_with(verb))
                || text.contains(" is available (waited ");
            is_progress.then(|| format!("  {}", waited.replace(text, "")))
        })
        .collect()
}

async fn snapshot(fleet: &Fleet, identifier: &str) -> Option<DbClusterSnapshot> {
    let output = fleet
        .neptune
        .describe_db_cluster_snapshots()
        .db_cluster_snapshot_identifier(identifier)
        .send()
        .await;
    match output {
        Ok(output) => output.db_cluster_snapshots.unwrap_or_default().pop(),
        Err(error) => {
            let code = error.into_service_error();
            assert!(code.is_db_cluster_snapshot_not_found_fault(), "{code:?}");
            None
        }
    }
}

/// The first run stops at the instances: CreateDBInstance for `instance`
/// is refused once, as when a zone has no capacity.
fn no_capacity_for(moto: &Moto, instance: &str) {
    moto.fault(json!({
        "operation": "CreateDBInstance",
        "match": {"params": {"DBInstanceIdentifier": instance}},
        "error_code": "InsufficientDBInstanceCapacity",
        "message": "No capacity",
    }));
}

/// The migration snapshot was deleted after the restore (to save storage,
/// say): the new cluster is there, so the rerun neither snapshots the
/// source again nor fails for the missing snapshot; it goes on from the
/// cluster.
#[tokio::test]
async fn a_snapshot_deleted_after_the_restore_is_not_taken_again() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = target_key(&fleet).await;
    let key = key.arn().unwrap();
    fleet.cluster("graph-s", "neptune", None).await;
    instance(
        &fleet,
        "graph-s-1",
        "graph-s",
        "db.r6g.large",
        "us-east-1a",
        0,
    )
    .await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);
    no_capacity_for(&moto, "graph-s-1-cmk");
    let first = apply(&moto, "graph-s", key, &[]);
    assert_eq!(first.status.code(), Some(2), "{}", stdout(&first));
    assert!(snapshot(&fleet, "graph-s-cmk-migration").await.is_some());
    fleet
        .neptune
        .delete_db_cluster_snapshot()
        .db_cluster_snapshot_identifier("graph-s-cmk-migration")
        .send()
        .await
        .unwrap();
    moto.reset_calls();

    let second = apply(&moto, "graph-s", key, &[]);

    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let steps = steps_done(&second);
    assert_eq!(
        steps[1..5],
        [
            "2. Stop writes, then snapshot the cluster",
            "  skipped: cluster graph-s-cmk already exists, so its snapshot is not needed",
            "3. Restore the snapshot into a new cluster encrypted with the customer managed key",
            "  found cluster graph-s-cmk, restored by an earlier run",
        ],
        "{steps:#?}"
    );
    assert!(
        steps.contains(
            &"  creating instance graph-s-1-cmk like graph-s-1 (db.r6g.large, us-east-1a)"
                .to_owned()
        ),
        "{steps:#?}"
    );
    assert_eq!(moto.calls("rds:CreateDBClusterSnapshot"), 0);
    assert_eq!(moto.calls("rds:RestoreDBClusterFromSnapshot"), 0);
    assert_eq!(moto.calls("rds:CreateDBInstance"), 1);
    assert!(
        snapshot(&fleet, "graph-s-cmk-migration").await.is_none(),
        "no new migration snapshot"
    );
    assert_migrated(&moto, "graph-s", key).await;
}

/// The backup and maintenance settings were carried over by the first
/// run, which then stopped: the rerun finds them set and modifies nothing.
#[tokio::test]
async fn settings_already_carried_over_are_not_modified_again() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = target_key(&fleet).await;
    let key = key.arn().unwrap();
    fleet
        .neptune
        .create_db_cluster()
        .db_cluster_identifier("graph-m")
        .engine("neptune")
        .backup_retention_period(9)
        .preferred_backup_window("03:00-03:30")
        .preferred_maintenance_window("sun:05:00-sun:05:30")
        .send()
        .await
        .unwrap();
    instance(
        &fleet,
        "graph-m-1",
        "graph-m",
        "db.r6g.large",
        "us-east-1a",
        0,
    )
    .await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);
    no_capacity_for(&moto, "graph-m-1-cmk");
    let first = apply(&moto, "graph-m", key, &[]);
    assert_eq!(first.status.code(), Some(2), "{}", stdout(&first));
    let settings = "  setting backup retention 9 d, backup window 03:00-03:30, maintenance window \
                    sun:05:00-sun:05:30 on cluster graph-m-cmk";
    assert!(
        steps_done(&first).contains(&settings.to_owned()),
        "{:#?}",
        steps_done(&first)
    );
    assert_eq!(moto.calls("rds:ModifyDBCluster"), 1);
    moto.reset_calls();

    let second = apply(&moto, "graph-m", key, &[]);

    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let steps = steps_done(&second);
    let at = steps
        .iter()
        .position(|line| line.ends_with("Carry over the settings a restore cannot set"))
        .unwrap_or_else(|| panic!("no settings step in {steps:#?}"));
    assert_eq!(
        steps[at + 1..at + 3],
        [
            "  already set on cluster graph-m-cmk",
            "5. Recreate the instances in the new cluster",
        ],
        "{steps:#?}"
    );
    assert_eq!(moto.calls("rds:ModifyDBCluster"), 0);
    let new = fleet
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier("graph-m-cmk")
        .send()
        .await
        .unwrap()
        .db_clusters
        .unwrap()
        .remove(0);
    assert_eq!(new.backup_retention_period(), Some(9));
    assert_eq!(new.preferred_backup_window(), Some("03:00-03:30"));
    assert_eq!(
        new.preferred_maintenance_window(),
        Some("sun:05:00-sun:05:30")
    );
    assert_migrated(&moto, "graph-m", key).await;
}

/// A snapshot under the plan's snapshot name, of another cluster: apply
/// names it and stops before it makes anything, and never restores it.
#[tokio::test]
async fn a_snapshot_under_the_plans_name_that_is_not_ours_stops_apply() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = target_key(&fleet).await;
    fleet.cluster("graph-x", "neptune", None).await;
    fleet.cluster("graph-other", "neptune", None).await;
    fleet.snapshot("graph-x-cmk-migration", "graph-other").await;
    moto.reset_calls();

    let output = apply(&moto, "graph-x", key.arn().unwrap(), &[]);

    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let report = stderr(&output);
    for expected in [
        "step 2 (Stop writes, then snapshot the cluster) failed",
        "snapshot graph-x-cmk-migration already exists, but it is not what the plan makes: it is \
         a snapshot of graph-other, not of graph-x",
        "Nothing was created",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    for operation in [
        "CreateDBClusterSnapshot",
        "RestoreDBClusterFromSnapshot",
        "CreateDBInstance",
    ] {
        assert_eq!(moto.calls(&format!("rds:{operation}")), 0, "{operation}");
    }
    let theirs = snapshot(&fleet, "graph-x-cmk-migration").await.unwrap();
    assert_eq!(theirs.db_cluster_identifier(), Some("graph-other"));
    let clusters = fleet.neptune.describe_db_clusters().send().await.unwrap();
    let mut names: Vec<_> = clusters
        .db_clusters()
        .iter()
        .filter_map(|cluster| cluster.db_cluster_identifier())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["graph-other", "graph-x"]);
}

/// An instance under the plan's name for a new instance, in another
/// cluster: apply stops at the instances step, names it, leaves it where
/// it is, and lists what it did make, so the operator can clean up.
#[tokio::test]
async fn an_instance_under_the_plans_name_that_is_not_ours_stops_apply() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = target_key(&fleet).await;
    let aws_rds = fleet.aws_rds_key().await;
    fleet.cluster("graph-y", "neptune", aws_rds.arn()).await;
    instance(
        &fleet,
        "graph-y-1",
        "graph-y",
        "db.r6g.large",
        "us-east-1a",
        0,
    )
    .await;
    fleet.cluster("graph-other", "neptune", None).await;
    instance(
        &fleet,
        "graph-y-1-cmk",
        "graph-other",
        "db.r6g.large",
        "us-east-1b",
        0,
    )
    .await;
    moto.reset_calls();

    let output = apply(&moto, "graph-y", key.arn().unwrap(), &[]);

    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let report = stderr(&output);
    for expected in [
        "(Recreate the instances in the new cluster) failed",
        "instance graph-y-1-cmk already exists, but it is not what the plan makes: it belongs to \
         graph-other, not to graph-y-cmk",
        "Exists now, made by this plan:\n  cluster graph-y-cmk\nTo continue",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    assert_eq!(moto.calls("rds:CreateDBInstance"), 0);
    let theirs = instances_of(&fleet, "graph-other").await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].db_instance_identifier(), Some("graph-y-1-cmk"));
    assert_eq!(theirs[0].availability_zone(), Some("us-east-1b"));
    assert!(instances_of(&fleet, "graph-y-cmk").await.is_empty());
}

/// The key was disabled while the clone was made, so the first run's
/// verification failed; the operator enables it again and reruns: apply
/// finds the clone, makes nothing, and verifies it COMPLIANT.
#[tokio::test]
async fn a_rerun_after_a_failed_verification_verifies_the_same_cluster() {
    let moto = Moto::start();
    let fleet = Fleet::new(&moto.sdk_config().await);
    let key = target_key(&fleet).await;
    let aws_rds = fleet.aws_rds_key().await;
    fleet.cluster("graph-w", "neptune", aws_rds.arn()).await;
    slow_creation(&moto, DESCRIBES_UNTIL_AVAILABLE);
    let first = apply_disabling_the_key_before_verify(&moto, &fleet, &key, "graph-w").await;
    assert_eq!(first.status.code(), Some(2), "{}", stdout(&first));
    assert!(
        stderr(&first).contains("the rule judges cluster graph-w-cmk NON_COMPLIANT"),
        "{}",
        stderr(&first)
    );
    fleet
        .kms
        .enable_key()
        .key_id(key.key_id())
        .send()
        .await
        .unwrap();
    moto.reset_calls();

    let second = apply(&moto, "graph-w", "alias/graph-target", &[]);

    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let steps = steps_done(&second);
    assert_eq!(
        steps[2..9],
        [
            "3. Clone the cluster to a new one encrypted with the customer managed key",
            "  found cluster graph-w-cmk, restored by an earlier run",
            "  cluster graph-w-cmk is available",
            "4. Carry over the settings a restore cannot set",
            "  already set on cluster graph-w-cmk",
            "5. Recreate the instances in the new cluster",
            "6. Verify: the rule judges graph-w-cmk COMPLIANT",
        ],
        "{steps:#?}"
    );
    let text = stdout(&second);
    let verdict = format!(
        "cluster graph-w-cmk: COMPLIANT — encrypted with customer managed key {}",
        key.arn().unwrap()
    );
    assert!(text.contains(&verdict), "missing {verdict:?} in:\n{text}");
    assert_eq!(moto.calls("rds:RestoreDBClusterToPointInTime"), 0);
    assert_migrated(&moto, "graph-w", key.arn().unwrap()).await;
}
