"""Repairs the state of the KMS key that encrypts one Amazon Neptune resource.

This file is the `aws:executeScript` step (runtime python3.11, handler
`handler`) of the neptune-cmk remediation runbook; the CDK inlines it into the
SSM Automation document at synth (cdk/lib/remediation.ts). AWS Config passes
the non-compliant resource's id as `ResourceId`:

- `cluster-...`  a Neptune DB cluster's DbClusterResourceId;
- `db-...`       a Neptune DB instance's DbiResourceId (its cluster's key);
- anything else  a Neptune DB cluster snapshot identifier.

It repairs only the key state: a key PendingDeletion gets CancelKeyDeletion
(which leaves it Disabled), a Disabled key gets EnableKey. It refuses, changing
nothing, when there is no key of this account to repair: unencrypted storage,
an AWS managed key, a key of another account, an unusable key state, or a
resource it cannot find. Moving a resource to another key needs a snapshot,
a restore and a cut-over, which a human runs with `neptune-cmk remediate apply`.

Every AWS call it makes is listed in ALLOWED_CALLS; the CDK checks at synth
that the automation role grants exactly these actions.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    "kms:DescribeKey",
    "kms:CancelKeyDeletion",
    "kms:EnableKey",
)
NOT_FOUND_CODES = {
    "DBClusterNotFoundFault",
    "DBClusterSnapshotNotFoundFault",
    "InvalidParameterValue",
    "InvalidParameterCombination",
}


class Refusal(Exception):
    """The runbook will not change anything; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """What a resource id resolved to: the Neptune resource and its encryption."""

    resource_id: str
    description: str
    resource_arn: str
    storage_encrypted: bool
    kms_key_id: Optional[str]

    @property
    def account(self) -> str:
        return self.resource_arn.split(":")[4]


def handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point of the aws:executeScript step; `events` is the InputPayload."""
    resource_id = str(events.get("ResourceId") or "").strip()
    if not resource_id:
        raise Refusal("ResourceId is empty: AWS Config passes the non-compliant resource id (RESOURCE_ID)")
    rds = boto3.client("rds")
    kms = boto3.client("kms")
    target = find_target(rds, resource_id)
    key_arn = key_of(target)
    metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    check_repairable(target, metadata)
    return repair(kms, target, metadata)


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
    if state not in ("PendingDeletion", "Disabled", "Enabled"):
        raise Refusal(
            f"{target.description} is encrypted with customer managed key {key}, which is {state}: "
            f"this runbook repairs only PendingDeletion and Disabled keys; nothing changed"
        )


# --------------------------------------------------------------------------- repair


def repair(kms: Any, target: Target, metadata: dict[str, Any]) -> dict[str, Any]:
    """PendingDeletion -> CancelKeyDeletion (Disabled) -> EnableKey -> Enabled."""
    key_id, before = metadata["KeyId"], metadata["KeyState"]
    changes: list[str] = []
    state = before
    # KMS mutators are called with the key id: the key is in this account
    # (checked above), and moto accepts only ids for them.
    if state == "PendingDeletion":
        kms.cancel_key_deletion(KeyId=key_id)
        changes.append("CancelKeyDeletion")
        state = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
    if state == "Disabled":
        kms.enable_key(KeyId=key_id)
        changes.append("EnableKey")
        state = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
    done = ", ".join(changes) if changes else "nothing to do"
    return {
        "ResourceId": target.resource_id,
        "KeyArn": metadata["Arn"],
        "PreviousKeyState": before,
        "KeyState": state,
        "Changes": changes,
        "Message": f"{target.description}: key {metadata['Arn']} was {before}, is {state} ({done})",
    }
