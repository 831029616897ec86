"""Neptune patches for remediation: create, restore, clone and copy behave as AWS documents.

Everything here was checked against unpatched moto 5.1.22 first (README.md, patch table).
Restores are rebuilt only for Neptune sources; other engines keep moto's code.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Optional

from . import records
from .state import STATE

NEPTUNE_STORAGE_TYPES = ("standard", "iopt1")
SERVERLESS_CLASS = "db.serverless"


# ---------------------------------------------------------------------------
# KMS key usability (KMSKeyNotAccessibleFault)
# ---------------------------------------------------------------------------


_KMS_ARN_RE = re.compile(r"arn:aws[\w-]*:kms:([^:]+):(\d{12}):((?:key|alias)/.+)")


def usable_key_arn(backend: Any, key_id: str) -> str:
    """ARN of an Enabled key of this region, given as id, alias, alias ARN or key ARN.

    Unknown keys, keys of another region and keys that are Disabled or PendingDeletion
    raise KMSKeyNotAccessibleFault, whose message AWS gives as "Specified KMS key [..] does
    not exist, is not enabled or you do not have permissions to access it." (moto's own
    lookup answers HTTP 500 for an unknown alias.)
    """
    from moto.kms.models import kms_backends
    from moto.rds.exceptions import KMSKeyNotAccessibleFault

    account, region, ref = backend.account_id, backend.region_name, str(key_id)
    m = _KMS_ARN_RE.fullmatch(ref)
    if m:
        region, account, ref = m.groups()
    if region != backend.region_name:
        raise KMSKeyNotAccessibleFault(key_id)
    kms = kms_backends[account][region]
    if ref.startswith("alias/"):
        target = kms.get_key_id_from_alias(ref)  # creates an AWS managed key on first use, as KMS does
    else:
        target = ref[len("key/"):] if ref.startswith("key/") else ref
    key = kms.keys.get(target) if target else None
    if key is None or key.key_state != "Enabled":
        raise KMSKeyNotAccessibleFault(key_id)
    return str(key.arn)


def _check_create_key(backend: Any, kwargs: Any) -> None:
    with STATE.lock:
        strict = STATE.kms_checks.get("createDBCluster", False)
    if strict and kwargs.get("kms_key_id"):
        usable_key_arn(backend, kwargs["kms_key_id"])


# ---------------------------------------------------------------------------
# CreateDBCluster / CreateDBInstance
# ---------------------------------------------------------------------------


def patch_neptune_create_cluster() -> None:
    """CreateDBCluster for Neptune keeps IAM auth and I/O-Optimized storage.

    moto 5.1: EnableIAMDatabaseAuthentication=true on a Neptune cluster fails with
    InvalidParameterCombination ("... not supported by Multi-AZ DB clusters", its check is
    for non-Aurora RDS engines); StorageType=iopt1 fails with HTTP 500 (KeyError); the
    default StorageType is reported as gp2. AWS (Neptune CreateDBCluster): IAM auth is a
    cluster setting; StorageType is standard (default, "not returned in the response")
    or iopt1. Other values -> InvalidParameterValue (message inferred). Also, when
    POST /_neptune_cmk/kms_checks enabled it, an unusable KmsKeyId ->
    KMSKeyNotAccessibleFault (off by default: older tests create clusters on disabled keys).
    """
    from moto.rds.exceptions import InvalidParameterValue
    from moto.rds.models import DBCluster, RDSBackend

    original_init = DBCluster.__init__

    @functools.wraps(original_init)
    def cluster_init(self: Any, backend: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("engine") != "neptune":
            original_init(self, backend, *args, **kwargs)
            return
        iam_auth = kwargs.pop("enable_iam_database_authentication", None)
        storage_type = kwargs.pop("storage_type", None) or "standard"
        if storage_type not in NEPTUNE_STORAGE_TYPES:
            raise InvalidParameterValue(
                f"Invalid storage type: {storage_type}. Valid values: {', '.join(NEPTUNE_STORAGE_TYPES)}"
            )
        original_init(self, backend, *args, storage_type="standard", **kwargs)
        self.iam_auth = bool(iam_auth)
        self.storage_type = None if storage_type == "standard" else storage_type

    DBCluster.__init__ = cluster_init  # type: ignore[method-assign]

    original_create = RDSBackend.create_db_cluster

    @functools.wraps(original_create)
    def create_db_cluster(self: Any, kwargs: Any) -> Any:
        _check_create_key(self, kwargs)
        return original_create(self, kwargs)

    RDSBackend.create_db_cluster = create_db_cluster  # type: ignore[method-assign]


def patch_serverless_instances() -> None:
    """CreateDBInstance of class db.serverless needs the cluster's ServerlessV2ScalingConfiguration.

    moto 5.1 accepts it in any cluster. AWS answers InvalidDBClusterStateFault "Set the
    Serverless v2 scaling configuration on the parent DB cluster before creating a
    Serverless v2 DB instance." (seen from RDS/Aurora; the same rule for Neptune is inferred).
    """
    from moto.rds.exceptions import InvalidDBClusterStateFault
    from moto.rds.models import RDSBackend

    original = RDSBackend.create_db_instance

    @functools.wraps(original)
    def create_db_instance(self: Any, db_kwargs: Any) -> Any:
        cluster_id = db_kwargs.get("db_cluster_identifier")
        if db_kwargs.get("db_instance_class") == SERVERLESS_CLASS and cluster_id:
            cluster = self.clusters.get(cluster_id) or self.clusters.get(str(cluster_id).lower())
            if cluster is not None and not cluster.serverless_v2_scaling_configuration:
                raise InvalidDBClusterStateFault(
                    "Set the Serverless v2 scaling configuration on the parent DB cluster before "
                    "creating a Serverless v2 DB instance."
                )
        return original(self, db_kwargs)

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# RestoreDBClusterFromSnapshot / RestoreDBClusterToPointInTime
# ---------------------------------------------------------------------------


def _restored_cluster(backend: Any, cluster_id: str, params: Any, origin: Any) -> Any:
    """Create the cluster a Neptune restore makes from ``origin`` (a cluster snapshot, or the
    source cluster of a point-in-time restore) and the request ``params``.

    From the origin: engine version, port (documented default), availability zones and
    the encryption (documented: no KmsKeyId keeps the origin's key, or no encryption).
    Everything else comes from the request or takes its documented default when absent:
    IAM auth off, deletion protection off, storage standard, default security group;
    inferred: default subnet and parameter groups, no log exports, no tags, no
    ServerlessV2ScalingConfiguration, CopyTagsToSnapshot off.
    """
    from moto.rds.exceptions import RDSClientError

    if cluster_id in backend.clusters or cluster_id.lower() in backend.clusters:
        raise RDSClientError("DBClusterAlreadyExistsFault", f"DB cluster {cluster_id} already exists")
    requested_key = params.get("kms_key_id")
    if requested_key:
        key: Optional[str] = usable_key_arn(backend, requested_key)
    elif origin.storage_encrypted:
        key = usable_key_arn(backend, origin.kms_key_id)  # the origin's key must still be usable
    else:
        key = None
    kwargs = {
        "db_cluster_identifier": cluster_id,
        "engine": params.get("engine") or origin.engine,
        "engine_version": params.get("engine_version") or origin.engine_version,
        "port": params.get("port") or origin.port,
        "availability_zones": params.get("availability_zones") or origin.availability_zones,
        "master_username": origin.master_username,
        "db_subnet_group_name": params.get("db_subnet_group_name"),
        "vpc_security_group_ids": params.get("vpc_security_group_ids"),
        "db_cluster_parameter_group_name": params.get("db_cluster_parameter_group_name"),
        "enable_iam_database_authentication": bool(params.get("enable_iam_database_authentication")),
        "deletion_protection": bool(params.get("deletion_protection")),
        "enable_cloudwatch_logs_exports": list(params.get("enable_cloudwatch_logs_exports") or []),
        "tags": list(params.get("tags") or []),
        "serverless_v2_scaling_configuration": params.get("serverless_v2_scaling_configuration"),
        "storage_type": params.get("storage_type"),
        "copy_tags_to_snapshot": bool(params.get("copy_tags_to_snapshot")),
        "network_type": params.get("network_type"),
        "storage_encrypted": key is not None,
        "kms_key_id": key,
    }
    return backend.create_db_cluster(kwargs)


def patch_neptune_restore_from_snapshot() -> None:
    """RestoreDBClusterFromSnapshot of a Neptune snapshot.

    moto 5.1 answers HTTP 500 for every Neptune snapshot (KeyError
    '_master_user_password': its restore copies the source cluster's private fields, and
    Neptune clusters have no password). AWS: see _restored_cluster; KmsKeyId encrypts the
    new cluster with that key even when the snapshot is unencrypted (Neptune user guide,
    "Encrypting Neptune resources"); the key must be usable (KMSKeyNotAccessibleFault);
    an existing DBClusterIdentifier -> DBClusterAlreadyExistsFault; the snapshot must be
    available (InvalidDBClusterSnapshotStateFault while a transition says "creating").
    """
    from moto.rds.exceptions import InvalidDBClusterSnapshotStateFault
    from moto.rds.models import RDSBackend

    original = RDSBackend.restore_db_cluster_from_snapshot

    @functools.wraps(original)
    def restore(self: Any, from_snapshot_id: str, overrides: Any) -> Any:
        snapshot = self.get_db_cluster_snapshot(from_snapshot_id)
        if snapshot.engine != "neptune":
            return original(self, from_snapshot_id, overrides)
        if records.transitioning(snapshot):
            raise InvalidDBClusterSnapshotStateFault(f"DBClusterSnapshot {from_snapshot_id} is not available.")
        origin = _Origin(snapshot, snapshot.cluster)
        return _restored_cluster(self, overrides["db_cluster_identifier"], overrides, origin)

    RDSBackend.restore_db_cluster_from_snapshot = restore  # type: ignore[method-assign]


class _Origin:
    """The facts a restore takes from its origin: a snapshot's, else its cluster's."""

    def __init__(self, primary: Any, cluster: Any) -> None:
        self.engine = primary.engine
        self.engine_version = primary.engine_version
        self.port = primary.port
        self.master_username = primary.master_username
        self.storage_encrypted = bool(primary.storage_encrypted)
        self.kms_key_id = primary.kms_key_id
        self.availability_zones = list(cluster.availability_zones or [])


def patch_neptune_point_in_time_restore() -> None:
    """RestoreDBClusterToPointInTime of a Neptune cluster.

    moto 5.1 implements it by copying the source's fields: KmsKeyId on an unencrypted
    source gives StorageEncrypted false with a KmsKeyId; the parameter group, log exports
    and IAM auth are silently reset (its field names differ from CreateDBCluster's) while
    deletion protection, tags and scaling configuration are copied; an existing target
    identifier replaces that cluster. AWS: KmsKeyId on an unencrypted source is rejected
    (documented; the code InvalidParameterCombination is inferred), an encrypted source
    may be re-keyed, the rest as _restored_cluster. The source must be available.
    """
    from moto.rds.exceptions import InvalidDBClusterStateFault, InvalidParameterCombination
    from moto.rds.models import RDSBackend

    original = RDSBackend.restore_db_cluster_to_point_in_time

    @functools.wraps(original)
    def restore(self: Any, db_cluster_identifier: str, source_db_cluster_identifier: str, *args: Any,
                **overrides: Any) -> Any:
        source = self.describe_db_clusters(db_cluster_identifier=source_db_cluster_identifier)[0]
        if source.engine != "neptune":
            return original(self, db_cluster_identifier, source_db_cluster_identifier, *args, **overrides)
        if records.transitioning(source):
            raise InvalidDBClusterStateFault(f"DbCluster {source_db_cluster_identifier} is not available.")
        if overrides.get("kms_key_id") and not source.storage_encrypted:
            raise InvalidParameterCombination(
                "The source DB cluster is not encrypted: a point-in-time restore cannot encrypt it "
                "(KmsKeyId is only valid for an encrypted source)."
            )
        return _restored_cluster(self, db_cluster_identifier, overrides, _Origin(source, source))

    RDSBackend.restore_db_cluster_to_point_in_time = restore  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# CopyDBClusterSnapshot
# ---------------------------------------------------------------------------


def patch_copy_cluster_snapshot() -> None:
    """CopyDBClusterSnapshot refuses to encrypt an unencrypted snapshot.

    moto 5.1 encrypts the copy of an unencrypted snapshot when given a KmsKeyId and does
    not check that keys are usable. AWS (Neptune and RDS API reference): "If you copy an
    unencrypted DB cluster snapshot and specify a value for the KmsKeyId parameter, an
    error is returned" (the code InvalidParameterCombination is inferred); a KmsKeyId on
    an encrypted snapshot re-keys the copy; keys must be usable (KMSKeyNotAccessibleFault);
    the source must be available. Applies to every engine.
    """
    from moto.rds.exceptions import InvalidDBClusterSnapshotStateFault, InvalidParameterCombination
    from moto.rds.models import RDSBackend

    original = RDSBackend.copy_db_cluster_snapshot

    @functools.wraps(original)
    def copy_db_cluster_snapshot(self: Any, source_db_cluster_snapshot_identifier: str,
                                 target_db_cluster_snapshot_identifier: str, kms_key_id: Optional[str] = None,
                                 *args: Any, **kwargs: Any) -> Any:
        source = self.get_db_cluster_snapshot(source_db_cluster_snapshot_identifier)
        if records.transitioning(source):
            raise InvalidDBClusterSnapshotStateFault(
                f"DBClusterSnapshot {source_db_cluster_snapshot_identifier} is not available."
            )
        if kms_key_id:
            if not source.storage_encrypted:
                raise InvalidParameterCombination(
                    "You cannot encrypt an unencrypted DB cluster snapshot when you copy it: "
                    "KmsKeyId is only valid for an encrypted source snapshot."
                )
            kms_key_id = usable_key_arn(self, kms_key_id)
        elif source.storage_encrypted and source.kms_key_id:
            usable_key_arn(self, source.kms_key_id)
        return original(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier,
                        kms_key_id, *args, **kwargs)

    RDSBackend.copy_db_cluster_snapshot = copy_db_cluster_snapshot  # type: ignore[method-assign]
