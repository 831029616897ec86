"""Repairs the KMS key that encrypts one Amazon Neptune resource, then proves its cluster.

This file is the `aws:executeScript` step (runtime python3.11, handler
`handler`) of the neptune-cmk remediation runbook; the CDK inlines it into the
SSM Automation document (YAML) at synth (cdk/lib/remediation.ts). AWS Config
passes the non-compliant resource's id as `ResourceId`:

- `cluster-...`  a Neptune DB cluster's DbClusterResourceId;
- `db-...`       a Neptune DB instance's DbiResourceId (its cluster's key);
- anything else  a Neptune DB cluster snapshot identifier.

1. The key. PendingDeletion or PendingReplicaDeletion gets CancelKeyDeletion
   (which leaves it Disabled), then EnableKey; Disabled gets EnableKey. It
   refuses, changing nothing, when there is no key of this account to repair:
   unencrypted storage, an AWS managed key, a key of another account, a key
   state it does not handle, or a resource it cannot find. Moving a resource
   to another key needs a snapshot, a restore and a cut-over, which a human
   runs with `neptune-cmk remediate apply`.
2. The cluster (not for a snapshot). A repaired key does not make the data
   readable again by itself; the cluster's Status says whether it is:
   - `available`: nothing to do.
   - `inaccessible-encryption-credentials-recoverable`: StartDBCluster, then
     wait (at most START_WAIT_SECONDS) until it is `available`.
   - `starting`: wait the same way, without starting it again.
   - `inaccessible-encryption-credentials`: terminal; fail, naming the
     restore-from-backup commands.
   - anything else (`stopped` included): left alone and reported.
   Sources, quoted:
   - Aurora User Guide, "Viewing DB cluster status" (the RDS control plane
     that Neptune's management API shares): `inaccessible-encryption-credentials`
     "The AWS KMS key used to encrypt or decrypt the DB cluster can't be
     accessed or recovered."; `inaccessible-encryption-credentials-recoverable`
     "The KMS key used to encrypt or decrypt the DB cluster can't be accessed.
     However, if the KMS key is active, restarting the DB cluster can recover it."
   - Aurora User Guide, "Encrypting Amazon Aurora resources": "To recover the
     DB cluster, enable the KMS key and restart this DB cluster. [...] Restart
     the DB cluster using the AWS CLI command start-db-cluster"; "If the DB
     cluster isn't recovered within seven days, it goes into the terminal
     inaccessible-encryption-credentials state. In this state, the DB cluster
     is not usable anymore and you can only restore the DB cluster from a
     backup."
   - Neptune User Guide, "Encrypting Neptune resources at rest": "If Neptune
     loses access to the encryption key for a Neptune DB Cluster [...] the
     encrypted cluster is placed into a terminal state and can only be
     restored from a backup."
   - AWS re:Post Knowledge Center, "rds-aurora-inaccessible-state": a cluster
     in the terminal state is recovered by restoring from a backup or by a
     point-in-time recovery, "Each of these methods requires that the AWS KMS
     key is already activated."
   Inferred, not documented for Neptune: that a Neptune cluster reports the
   two RDS status values above (the Neptune User Guide names only "a terminal
   state"), and that StartDBCluster recovers it (Neptune's API reference
   documents StartDBCluster only for clusters stopped with StopDBCluster).
   A `stopped` cluster is not started: nothing documents a stop caused by the
   key, and the runbook cannot tell it from a stop on purpose.

Every AWS call it makes is listed in ALLOWED_CALLS; the CDK checks at synth
that the automation role grants exactly these actions. The wait's clock is a
parameter of `run` (tests pass a fake one); `handler` uses the real one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import boto3
from botocore.exceptions import ClientError

MIGRATION = "this needs a migration: run `neptune-cmk remediate apply`"
NEPTUNE_ONLY = [{"Name": "engine", "Values": ["neptune"]}]
# The boto3 calls this script makes, as IAM actions (checked against the role at synth).
ALLOWED_CALLS = (
    "rds:DescribeDBClusters",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusterSnapshots",
    "rds:StartDBCluster",
    "kms:DescribeKey",
    "kms:CancelKeyDeletion",
    "kms:EnableKey",
)
# "Not found", as the Neptune API reference documents it: DescribeDBClusters answers
# DBClusterNotFoundFault ("DBClusterIdentifier does not refer to an existing DB cluster",
# HTTP 404), DescribeDBClusterSnapshots DBClusterSnapshotNotFoundFault
# ("DBClusterSnapshotIdentifier does not refer to an existing DB cluster snapshot").
# Nothing documents InvalidParameterValue or InvalidParameterCombination as "not
# found" (RDS uses InvalidParameterValue for a malformed identifier), so those, like
# every other error, are raised as they come.
NOT_FOUND_CODES = frozenset({"DBClusterNotFoundFault", "DBClusterSnapshotNotFoundFault"})

# Key states (KMS Developer Guide, "Key states of AWS KMS keys" and "Deleting
# multi-Region keys": "You can cancel the scheduled deletion of the primary key or any
# replica key until it is deleted. The key state changes to Disabled, but you can
# re-enable the KMS key.").
PENDING_DELETION_STATES = ("PendingDeletion", "PendingReplicaDeletion")
REPAIRABLE_STATES = (*PENDING_DELETION_STATES, "Disabled", "Enabled")
UNHANDLED_STATE_HINTS = {
    "Unavailable": "its custom key store is disconnected: reconnect the key store",
    "PendingImport": "it has no key material: import its key material",
    "Creating": "it is still being created: run this runbook again later",
    "Updating": "it is being updated: run this runbook again later",
}

# Cluster statuses (see the module docstring for the sources).
AVAILABLE = "available"
STARTING = "starting"
RECOVERABLE = "inaccessible-encryption-credentials-recoverable"
TERMINAL = "inaccessible-encryption-credentials"

# The wait after StartDBCluster. The step's timeoutSeconds (600, the most
# aws:executeScript allows) must exceed it; the CDK checks that at synth.
START_WAIT_SECONDS = 480
POLL_SECONDS = 20


class Refusal(Exception):
    """The runbook will not change anything; the message says why and what to do."""


class RepairFailed(Exception):
    """A step failed after the key or the cluster was touched; the message says what was done
    and what is left to do. The AWS error, if any, is chained (`__cause__`)."""


class Clock:
    """Time for the wait after StartDBCluster."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Target:
    """What a resource id resolved to: the Neptune resource, its encryption and its cluster."""

    resource_id: str
    description: str
    resource_arn: str
    storage_encrypted: bool
    kms_key_id: Optional[str]
    cluster_id: Optional[str] = None  # None for a cluster snapshot

    @property
    def account(self) -> str:
        return self.resource_arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.resource_arn.split(":")[3]


@dataclass(frozen=True)
class KeyRepair:
    arn: str
    before: str
    after: str
    changes: list[str]

    def summary(self) -> str:
        done = ", ".join(self.changes) if self.changes else "nothing to do"
        return f"key {self.arn} was {self.before}, is {self.after} ({done})"


@dataclass(frozen=True)
class ClusterCheck:
    identifier: Optional[str]
    before: str
    after: str
    changes: list[str] = field(default_factory=list)
    note: str = ""

    def summary(self) -> str:
        if self.identifier is None:
            return self.note
        return f"cluster {self.identifier} was {self.before}, is {self.after} ({self.note})"


def handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point of the aws:executeScript step; `events` is the InputPayload."""
    return run(events, Clock())


def run(events: dict[str, Any], clock: Clock) -> dict[str, Any]:
    resource_id = str(events.get("ResourceId") or "").strip()
    if not resource_id:
        raise Refusal("ResourceId is empty: AWS Config passes the non-compliant resource id (RESOURCE_ID)")
    rds = boto3.client("rds")
    kms = boto3.client("kms")
    target = find_target(rds, resource_id)
    key_arn = key_of(target)
    metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    check_repairable(target, metadata)
    key = repair_key_state(kms, target, metadata)
    cluster = check_cluster(rds, target, key, clock)
    return {
        "ResourceId": target.resource_id,
        "KeyArn": key.arn,
        "PreviousKeyState": key.before,
        "KeyState": key.after,
        "Changes": key.changes,
        "Cluster": cluster.identifier or "",
        "PreviousClusterStatus": cluster.before,
        "ClusterStatus": cluster.after,
        "ClusterChanges": cluster.changes,
        "Message": f"{target.description}: {key.summary()}; {cluster.summary()}",
    }


# --------------------------------------------------------------------------- lookup


def find_target(rds: Any, resource_id: str) -> Target:
    """Resolves Config's resource id; snapshot identifiers are the fallback for any id."""
    found: Optional[Target] = None
    if resource_id.startswith("cluster-"):
        found = cluster_by_resource_id(rds, resource_id)
    elif resource_id.startswith("db-"):
        found = instance_by_resource_id(rds, resource_id)
    found = found or snapshot_by_identifier(rds, resource_id)
    if found is None:
        raise Refusal(
            f"found no Neptune DB cluster, DB instance or DB cluster snapshot with id {resource_id} "
            f"in this account and region; nothing changed. If it exists elsewhere, {MIGRATION}"
        )
    return found


def pages(describe: Any, result_key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Marker-paged RDS Describe call."""
    marker: Optional[str] = None
    while True:
        page = describe(**params, **({"Marker": marker} if marker else {}))
        yield from page.get(result_key, [])
        marker = page.get("Marker")
        if not marker:
            return


def cluster_by_resource_id(rds: Any, resource_id: str) -> Optional[Target]:
    # Neptune's DescribeDBClusters filters only by cluster id and engine, not by resource id.
    for cluster in pages(rds.describe_db_clusters, "DBClusters", Filters=NEPTUNE_ONLY):
        if cluster.get("DbClusterResourceId") == resource_id:
            return cluster_target(resource_id, cluster, f"Neptune DB cluster {cluster['DBClusterIdentifier']}")
    return None


def instance_by_resource_id(rds: Any, resource_id: str) -> Optional[Target]:
    for instance in pages(rds.describe_db_instances, "DBInstances", Filters=NEPTUNE_ONLY):
        if instance.get("DbiResourceId") != resource_id:
            continue
        name = instance["DBInstanceIdentifier"]
        cluster_id = instance.get("DBClusterIdentifier")
        cluster = describe_cluster(rds, cluster_id) if cluster_id else None
        if cluster is None:
            raise Refusal(
                f"Neptune DB instance {name} ({resource_id}) names no existing cluster "
                f"({cluster_id or 'none'}), whose key it would use; nothing changed"
            )
        return cluster_target(resource_id, cluster, f"Neptune DB instance {name} (cluster {cluster_id})")
    return None


def describe_cluster(rds: Any, cluster_id: str) -> Optional[dict[str, Any]]:
    try:
        clusters = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
    except ClientError as error:
        if error.response["Error"]["Code"] in NOT_FOUND_CODES:
            return None
        raise
    return clusters[0] if clusters else None


def snapshot_by_identifier(rds: Any, identifier: str) -> Optional[Target]:
    try:
        snapshots = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=identifier)["DBClusterSnapshots"]
    except ClientError as error:
        if error.response["Error"]["Code"] in NOT_FOUND_CODES:
            return None
        raise
    snapshot = next((s for s in snapshots if s.get("Engine") == "neptune"), None)
    if snapshot is None:
        return None
    return Target(
        resource_id=identifier,
        description=f"Neptune DB cluster snapshot {snapshot['DBClusterSnapshotIdentifier']}",
        resource_arn=snapshot["DBClusterSnapshotArn"],
        storage_encrypted=bool(snapshot.get("StorageEncrypted")),
        kms_key_id=snapshot.get("KmsKeyId"),
    )


def cluster_target(resource_id: str, cluster: dict[str, Any], description: str) -> Target:
    return Target(
        resource_id=resource_id,
        description=description,
        resource_arn=cluster["DBClusterArn"],
        storage_encrypted=bool(cluster.get("StorageEncrypted")),
        kms_key_id=cluster.get("KmsKeyId"),
        cluster_id=cluster["DBClusterIdentifier"],
    )


# --------------------------------------------------------------------------- checks


def key_of(target: Target) -> str:
    """The key ARN to repair; refuses for unencrypted storage and keys of other accounts."""
    if not target.storage_encrypted or not target.kms_key_id:
        raise Refusal(
            f"{target.description} has storage encryption off: there is no key to repair; nothing changed. {MIGRATION}"
        )
    key = target.kms_key_id
    parts = key.split(":")
    if len(parts) < 6 or parts[2] != "kms":
        raise Refusal(f"{target.description} names KMS key {key!r}, which is not a key ARN; nothing changed")
    if parts[4] != target.account:
        raise Refusal(
            f"{target.description} is encrypted with key {key} of account {parts[4]}, not of this account "
            f"({target.account}): its owner must repair it; nothing changed. If that is not possible, {MIGRATION}"
        )
    return key


def check_repairable(target: Target, metadata: dict[str, Any]) -> None:
    key, state = metadata["Arn"], metadata["KeyState"]
    if metadata.get("KeyManager") == "AWS":
        raise Refusal(
            f"{target.description} is encrypted with the AWS managed key {key}, not a customer managed key; "
            f"nothing changed. {MIGRATION}"
        )
    if state not in REPAIRABLE_STATES:
        hint = UNHANDLED_STATE_HINTS.get(state, "see https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html")
        raise Refusal(
            f"{target.description} is encrypted with customer managed key {key}, which is {state}: "
            f"this runbook repairs only PendingDeletion, PendingReplicaDeletion and Disabled keys; nothing changed. "
            f"To use the key again, {hint}"
        )


# --------------------------------------------------------------------------- the key


def repair_key_state(kms: Any, target: Target, metadata: dict[str, Any]) -> KeyRepair:
    """Pending(Replica)Deletion -> CancelKeyDeletion (Disabled) -> EnableKey -> Enabled."""
    key_id, key_arn, before = metadata["KeyId"], metadata["Arn"], metadata["KeyState"]
    changes: list[str] = []
    # KMS mutators are called with the key id: the key is in this account
    # (checked above), and moto accepts only ids for them.
    if before in PENDING_DELETION_STATES:
        # An error here changed nothing: it is raised as it comes.
        kms.cancel_key_deletion(KeyId=key_id)
        changes.append("CancelKeyDeletion")
    if changes or before == "Disabled":
        try:
            kms.enable_key(KeyId=key_id)
        except ClientError as error:
            if not changes:
                raise  # the key is Disabled, as it was: nothing changed
            raise RepairFailed(
                f"{target.description}: CancelKeyDeletion succeeded, so key {key_arn} is now Disabled, no longer "
                f"{before} (it will not be deleted), but EnableKey failed ({error_text(error)}). The data stays "
                f"unreadable until the key is enabled: enable it with a principal allowed kms:EnableKey on it "
                f"(`aws kms enable-key --region {target.region} --key-id {key_arn}`), then run this runbook again"
            ) from error
        changes.append("EnableKey")
    after = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] if changes else before
    return KeyRepair(arn=key_arn, before=before, after=after, changes=changes)


def error_text(error: ClientError) -> str:
    err = error.response.get("Error", {})
    return f"{err.get('Code', 'error')}: {err.get('Message', error)}"


# --------------------------------------------------------------------------- the cluster


def check_cluster(rds: Any, target: Target, key: KeyRepair, clock: Clock) -> ClusterCheck:
    """Reads the cluster's Status after the key repair; starts it when Neptune needs that."""
    if target.cluster_id is None:
        return ClusterCheck(None, "", "", note="a DB cluster snapshot has no cluster to start")
    cluster_id = target.cluster_id
    done = f"{target.description}: {key.summary()}"
    cluster = describe_cluster(rds, cluster_id)
    if cluster is None:
        raise RepairFailed(f"{done}; but cluster {cluster_id} no longer exists, so nothing proves its data readable")
    before = str(cluster.get("Status") or "")
    if before == AVAILABLE:
        return ClusterCheck(cluster_id, before, before, note="nothing to start")
    if before == TERMINAL:
        raise RepairFailed(terminal_message(rds, target, done))
    if before == RECOVERABLE:
        try:
            rds.start_db_cluster(DBClusterIdentifier=cluster_id)
        except ClientError as error:
            raise RepairFailed(
                f"{done}; cluster {cluster_id} is {RECOVERABLE}, but StartDBCluster failed ({error_text(error)}). "
                f"Start it with `aws neptune start-db-cluster --region {target.region} "
                f"--db-cluster-identifier {cluster_id}` and wait until its status is {AVAILABLE}"
            ) from error
        after, waited = wait_until_available(rds, target, done, clock, started=True)
        return ClusterCheck(cluster_id, before, after, ["StartDBCluster"], f"started; {AVAILABLE} after {waited} s")
    if before == STARTING:
        after, waited = wait_until_available(rds, target, done, clock, started=False)
        return ClusterCheck(cluster_id, before, after, note=f"already starting; {AVAILABLE} after {waited} s")
    # stopped, stopping, backing-up, modifying, ...: not a status the key explains.
    return ClusterCheck(
        cluster_id,
        before,
        before,
        note=(
            f"not started: {before} is not a status Neptune reports for an inaccessible key; if the cluster "
            f"should run, `aws neptune start-db-cluster --region {target.region} --db-cluster-identifier {cluster_id}`"
        )
        if before in ("stopped", "stopping")
        else f"left as it is: {before} is not a status Neptune reports for an inaccessible key",
    )


def wait_until_available(rds: Any, target: Target, done: str, clock: Clock, started: bool) -> tuple[str, int]:
    """Polls the cluster's Status every POLL_SECONDS, for at most START_WAIT_SECONDS."""
    cluster_id = target.cluster_id
    assert cluster_id is not None
    start = clock.now()
    while True:
        cluster = describe_cluster(rds, cluster_id)
        if cluster is None:
            raise RepairFailed(f"{done}; cluster {cluster_id} disappeared while it was starting")
        status = str(cluster.get("Status") or "")
        waited = int(clock.now() - start)
        if status == AVAILABLE:
            return status, waited
        if status == TERMINAL:
            raise RepairFailed(terminal_message(rds, target, done))
        if waited >= START_WAIT_SECONDS:
            what = "StartDBCluster was accepted, but the cluster" if started else "the cluster was starting and"
            raise RepairFailed(
                f"{done}; {what} is still {status} after {waited} s. Check "
                f"`aws neptune describe-db-clusters --region {target.region} --db-cluster-identifier {cluster_id} "
                f"--query 'DBClusters[0].Status'` until it is {AVAILABLE}, or run this runbook again "
                f"(it waits for a starting cluster without starting it again)"
            )
        clock.sleep(min(POLL_SECONDS, START_WAIT_SECONDS - waited))


def terminal_message(rds: Any, target: Target, done: str) -> str:
    """The restore-from-backup path for a cluster in the terminal state."""
    cluster_id, region = target.cluster_id, target.region
    snapshot = latest_snapshot(rds, str(cluster_id))
    new_id = f"{cluster_id}-restored"
    from_snapshot = (
        f"`aws neptune restore-db-cluster-from-snapshot --region {region} --db-cluster-identifier {new_id} "
        f"--snapshot-identifier {snapshot or '<snapshot-id>'} --engine neptune`"
    )
    if snapshot is None:
        from_snapshot += (
            f" (it has no available snapshot now; list them with `aws neptune describe-db-cluster-snapshots "
            f"--region {region} --db-cluster-identifier {cluster_id}`)"
        )
    else:
        from_snapshot += f" (its latest available snapshot is {snapshot})"
    return (
        f"{done}; but cluster {cluster_id} is {TERMINAL}, a terminal state: Neptune can only restore it from a "
        f"backup, and starting it cannot bring it back. With the key enabled, restore it into a new cluster, to "
        f"its latest restorable time: `aws neptune restore-db-cluster-to-point-in-time --region {region} "
        f"--source-db-cluster-identifier {cluster_id} --db-cluster-identifier {new_id} "
        f"--use-latest-restorable-time`, or from a snapshot: {from_snapshot}. Then add instances "
        f"(`aws neptune create-db-instance --region {region} --db-cluster-identifier {new_id} "
        f"--db-instance-identifier {new_id}-1 --db-instance-class <class> --engine neptune`), move clients to "
        f"the new cluster's endpoints and delete {cluster_id}"
    )


def latest_snapshot(rds: Any, cluster_id: str) -> Optional[str]:
    """The cluster's newest available snapshot (manual or automated), or None."""
    available = [
        s
        for s in pages(rds.describe_db_cluster_snapshots, "DBClusterSnapshots", DBClusterIdentifier=cluster_id)
        if s.get("Status") == AVAILABLE and s.get("SnapshotCreateTime") is not None
    ]
    if not available:
        return None
    return str(max(available, key=lambda s: s["SnapshotCreateTime"])["DBClusterSnapshotIdentifier"])
