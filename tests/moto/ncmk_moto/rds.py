"""RDS/Neptune patches for what the rule reads: DbiResourceId, KmsKeyId, real paging."""

from __future__ import annotations

import functools
import os
import secrets
import string
from typing import Any, Optional

from . import records
from .kms import aws_managed_key_arn
from .state import STATE, decode_token, encode_token

_RESOURCE_ID_ALPHABET = string.ascii_uppercase + string.digits


def patch_rds_unique_dbi_resource_id() -> None:
    """RDS/Neptune: give every DB instance its own DbiResourceId.

    moto 5.1 hard-codes ``db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U`` for every instance, so anything
    keyed by resource id (Config's resourceId for AWS::RDS::DBInstance) collides. AWS
    issues ``db-`` + 26 upper-case alphanumerics, unique per region.
    """
    from moto.rds.models import DBInstance

    original = DBInstance.__init__

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        with STATE.lock:
            while True:
                rid = "db-" + "".join(secrets.choice(_RESOURCE_ID_ALPHABET) for _ in range(26))
                if rid not in STATE.dbi_resource_ids:
                    STATE.dbi_resource_ids.add(rid)
                    break
        self.dbi_resource_id = rid

    DBInstance.__init__ = __init__  # type: ignore[method-assign]


def _resolve_key_arn(backend: Any, key_id: str) -> str:
    """Full key ARN for a key id / alias / ARN of this account+region; unknown keys stay as given."""
    try:
        return str(backend._validate_kms_key(key_id))
    except Exception:  # noqa: BLE001 - foreign or unknown key: AWS would check grants we don't model
        return key_id


def patch_rds_kms_key_id() -> None:
    """RDS/Neptune: report KmsKeyId the way AWS does.

    moto 5.1 reports ``KmsKeyId: "default_kms_key_id"`` for an unencrypted cluster and for an
    encrypted one created without KmsKeyId. AWS: an unencrypted cluster has no KmsKeyId at
    all; an encrypted one created without a key uses the account's AWS managed key
    ``alias/aws/rds`` (created on first use, as KMS does) and reports that key's ARN; a key
    given as id or alias is reported as its ARN. Instances in a cluster already follow
    their cluster; standalone instances and snapshots taken afterwards inherit the fix.
    """
    from moto.rds.models import DBCluster, DBInstance, DBInstanceClustered

    original_cluster_init = DBCluster.__init__

    @functools.wraps(original_cluster_init)
    def cluster_init(self: Any, backend: Any, *args: Any, **kwargs: Any) -> None:
        original_cluster_init(self, backend, *args, **kwargs)
        requested = kwargs.get("kms_key_id")
        if requested and requested != "default_kms_key_id":
            self.kms_key_id = _resolve_key_arn(backend, requested)
        elif self.storage_encrypted:
            self.kms_key_id = aws_managed_key_arn(backend.account_id, backend.region_name)
        else:
            self.kms_key_id = None

    DBCluster.__init__ = cluster_init  # type: ignore[method-assign]

    original_instance_init = DBInstance.__init__

    @functools.wraps(original_instance_init)
    def instance_init(self: Any, backend: Any, *args: Any, **kwargs: Any) -> None:
        original_instance_init(self, backend, *args, **kwargs)
        if isinstance(self, DBInstanceClustered):
            return  # encryption is managed by the cluster (and read through it)
        current = getattr(self, "_kms_key_id", None)
        if current == "default_kms_key_id":
            self._kms_key_id = aws_managed_key_arn(backend.account_id, backend.region_name)
        elif current:
            self._kms_key_id = _resolve_key_arn(backend, current)

    DBInstance.__init__ = instance_init  # type: ignore[method-assign]


def _rds_page(op: str, params: Any, items: list[Any]) -> tuple[list[Any], Optional[str]]:
    """Real RDS paging: MaxRecords default 100, valid 20..100, opaque Marker."""
    from moto.rds.exceptions import InvalidParameterValue

    raw = params.get("MaxRecords")
    max_records = 100
    if raw not in (None, ""):
        try:
            max_records = int(raw)
        except (TypeError, ValueError):
            raise InvalidParameterValue(f"Invalid value {raw} for MaxRecords. Must be between 20 and 100")
        if not 20 <= max_records <= 100:
            raise InvalidParameterValue(f"Invalid value {max_records} for MaxRecords. Must be between 20 and 100")
    start = 0
    marker = params.get("Marker")
    if marker:
        decoded = decode_token(op, marker)
        if decoded is None:
            raise InvalidParameterValue("The parameter Marker is not a valid marker.")
        start = decoded
    page = items[start : start + max_records]
    next_marker = encode_token(op, start + max_records) if start + max_records < len(items) else None
    return page, next_marker


def patch_rds_paging() -> None:
    """RDS/Neptune: honour MaxRecords/Marker on DescribeDBClusters, DescribeDBInstances,
    DescribeDBClusterSnapshots.

    moto 5.1 returns everything in one page for clusters and cluster snapshots, ignoring
    MaxRecords (even out-of-range values) and Marker; its generic pager on
    DescribeDBInstances is not AWS's. AWS: MaxRecords default 100, 20..100 else
    InvalidParameterValue; Marker is opaque. Filters (engine, db-cluster-id, ...) still
    go through moto and are applied before paging.
    """
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    def wrap(method_name: str, op: str, result_key: str) -> None:
        original = getattr(RDSResponse, method_name)

        @functools.wraps(original)
        def paged(self: Any) -> Any:
            _rds_page(op, self.params, [])  # validate MaxRecords/Marker before any lookup
            result = original(self)
            items = list(result.result[result_key])  # PaginatedResult too: .result is unpaged
            page, marker = _rds_page(op, self.params, items)
            records.described(page)
            body: dict[str, Any] = {result_key: page}
            if marker:
                body["Marker"] = marker
            return ActionResult(body)

        setattr(RDSResponse, method_name, paged)

    wrap("describe_db_clusters", "DescribeDBClusters", "DBClusters")
    wrap("describe_db_instances", "DescribeDBInstances", "DBInstances")
    wrap("describe_db_cluster_snapshots", "DescribeDBClusterSnapshots", "DBClusterSnapshots")


def patch_rds_cluster_members_index() -> None:
    """RDS/Neptune: find a cluster's member instances through an index, not a scan.

    moto 5.1 answers ``DBCluster._members`` by scanning every DB instance of the region,
    and serializing one cluster asks for it several times (members, writer, Multi-AZ): a
    DescribeDBClusters page costs O(page × instances), so a 10,000-cluster sweep spent
    minutes of server time there. Not an AWS behaviour, only moto's cost; the answer is
    unchanged. The index is rebuilt whenever the region's instance collection changes
    (its ``__setitem__`` and ``__delitem__`` count a version; ``pop``, ``update`` and
    ``clear`` go through them) and is keyed by each instance's ``db_cluster_identifier``,
    which moto sets once at creation.
    """
    from moto.rds.models import DBCluster, DBInstanceClustered, RDSBackend
    from moto.utilities.utils import CaseInsensitiveDict

    class VersionedInstances(CaseInsensitiveDict):  # type: ignore[type-arg]
        version = 0

        def __setitem__(self, key: str, value: Any) -> None:
            super().__setitem__(key, value)
            self.version += 1

        def __delitem__(self, key: str) -> None:
            super().__delitem__(key)
            self.version += 1

    original_init = RDSBackend.__init__

    @functools.wraps(original_init)
    def backend_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if type(self.databases) is not CaseInsensitiveDict:
            raise RuntimeError(f"moto changed RDSBackend.databases ({type(self.databases)}): re-check this patch")
        # The same object (moto's resource map holds it), with a counting class.
        self.databases.__class__ = VersionedInstances

    RDSBackend.__init__ = backend_init  # type: ignore[method-assign]

    def members_by_cluster(backend: Any) -> dict[Any, list[Any]]:
        databases = backend.databases
        with STATE.lock:
            cached = getattr(backend, "_ncmk_members", None)
            if cached is not None and cached[0] == databases.version:
                return cached[1]
            index: dict[Any, list[Any]] = {}
            for instance in list(databases.values()):
                if isinstance(instance, DBInstanceClustered):
                    index.setdefault(instance.db_cluster_identifier, []).append(instance)
            backend._ncmk_members = (databases.version, index)
            return index

    def _members(self: Any) -> list[Any]:
        return list(members_by_cluster(self.backend).get(self.resource_id, []))

    DBCluster._members = property(_members)  # type: ignore[assignment]


SNAPSHOT_LIMIT_ENV = "MOTO_RDS_SNAPSHOT_LIMIT"


def patch_rds_snapshot_quota() -> None:
    """RDS/Neptune: do not run into moto's snapshot quota with large fleets.

    moto 5.1 counts *automated* snapshots against its manual-snapshot limit (1000 by
    default): every cluster gets an automated cluster snapshot and every DB instance,
    clustered ones included, an automated DB snapshot. After 1000 clusters
    CreateDBClusterSnapshot / CopyDBClusterSnapshot, and after 1000 instances
    CreateDBInstance, fail with SnapshotQuotaExceeded. AWS's quota counts manual snapshots
    only. The launcher raises moto's limit to 1,000,000 (unless the environment already
    sets MOTO_RDS_SNAPSHOT_LIMIT), so snapshot quotas are effectively not modelled.
    """
    os.environ.setdefault(SNAPSHOT_LIMIT_ENV, "1000000")


# Operations that take Tags and create or tag a resource.
_TAGGING_ACTIONS = (
    "create_db_cluster",
    "create_db_instance",
    "restore_db_cluster_from_snapshot",
    "restore_db_cluster_to_point_in_time",
    "create_db_cluster_snapshot",
    "copy_db_cluster_snapshot",
    "create_db_cluster_parameter_group",
    "create_db_parameter_group",
    "create_db_subnet_group",
    "create_event_subscription",
    "add_tags_to_resource",
)
RESERVED_TAG_MESSAGE = 'Tag keys cannot start with the reserved prefix "aws:".'


def reserved_tag_keys(tags: Any) -> list[str]:
    """The keys of ``tags`` (moto's parsed ``[{"Key", "Value"}]``) with the reserved prefix,
    in any letter case."""
    return [str(tag.get("Key")) for tag in tags or [] if str(tag.get("Key", "")).lower().startswith("aws:")]


def patch_rds_reserved_tag_keys() -> None:
    """RDS/Neptune: a Tags parameter with a key that starts with ``aws:`` is rejected.

    AWS reserves the prefix (in any letter case) for its own tags, such as CloudFormation's
    ``aws:cloudformation:stack-name``; RDS answers "Tag keys cannot start with the reserved
    prefix "aws:"." (aws-cloudformation-resource-providers-rds#239). The code
    InvalidParameterValue is inferred (EC2 uses it for the same rule). moto 5.1 stores any
    key. Resources carrying AWS's own tags are seeded with POST /_neptune_cmk/system_tags.
    """
    from moto.rds.exceptions import InvalidParameterValue
    from moto.rds.responses import RDSResponse

    def guarded(original: Any) -> Any:
        @functools.wraps(original)
        def action(self: Any) -> Any:
            reserved = reserved_tag_keys(self.params.get("Tags"))
            if reserved:
                raise InvalidParameterValue(f"{RESERVED_TAG_MESSAGE} Found: {', '.join(reserved)}")
            return original(self)

        return action

    for name in _TAGGING_ACTIONS:
        setattr(RDSResponse, name, guarded(getattr(RDSResponse, name)))


def add_system_tags(account: str, region: str, arn: str, tags: dict[str, str]) -> list[dict[str, str]]:
    """Tags an RDS resource as AWS itself does (reserved keys allowed): what CloudFormation
    puts on the resources of a stack. Returns the resource's tags."""
    from moto.rds.models import rds_backends

    backend = rds_backends[account][region]
    backend.add_tags_to_resource(arn, [{"Key": k, "Value": v} for k, v in tags.items()])
    return list(backend.list_tags_for_resource(arn))


def patch_rds_global_cluster_primary() -> None:
    """CreateGlobalCluster with SourceDBClusterIdentifier makes that cluster the primary.

    AWS (Neptune and RDS CreateGlobalCluster: "SourceDBClusterIdentifier: the Amazon
    Resource Name (ARN) to use as the primary cluster of the global database"):
    DescribeGlobalClusters reports it with ``IsWriter: true``. moto 5.1 adds it as a member
    with ``IsWriter: false`` (it sets the flag only for clusters created into a global
    cluster with CreateDBCluster).
    """
    from moto.rds.models import RDSBackend

    original = RDSBackend.create_global_cluster

    @functools.wraps(original)
    def create_global_cluster(self: Any, *args: Any, **kwargs: Any) -> Any:
        global_cluster = original(self, *args, **kwargs)
        if kwargs.get("source_db_cluster_identifier") and global_cluster.members:
            global_cluster.members[0].is_writer = True
        return global_cluster

    RDSBackend.create_global_cluster = create_global_cluster  # type: ignore[method-assign]
