"""What DescribeDB* reports for a record, beyond moto's model: status transitions of new
records (POST /_neptune_cmk/transitions) and per-field overrides (POST rds_override).

Both work by setting an attribute named exactly as the API member (``Status``,
``KmsKeyId``) on moto's object: moto's response serializer looks that name up before its
snake_case twin, so the value is reported as is while moto keeps using its own fields.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from .state import STATE, after_response

KINDS = ("cluster", "instance", "snapshot")
_STATUS_FIELD = {"cluster": "Status", "instance": "DBInstanceStatus", "snapshot": "Status"}
_SHAPES = {"cluster": "DBCluster", "instance": "DBInstance", "snapshot": "DBClusterSnapshot"}
_LEFT = "_ncmk_describes_left"
_OVERRIDES = "_ncmk_overrides"


def transitioning(obj: Any) -> bool:
    """True while a record still reports its creation status."""
    return getattr(obj, _LEFT, 0) > 0


def start_transition(obj: Any, kind: str) -> None:
    """Make a new record report ``creating`` for the configured number of describes."""
    with STATE.lock:
        describes = STATE.describes_until_available
    if describes <= 0:
        return
    setattr(obj, _LEFT, describes)
    setattr(obj, _STATUS_FIELD[kind], "creating")
    if kind == "cluster":
        obj._status = "available"  # replaces moto's own "creating on the first read"


def end_transition(obj: Any) -> None:
    """Report the record's real status again (unless a test overrode it)."""
    field = _STATUS_FIELD[_kind_of(obj)]
    setattr(obj, _LEFT, 0)
    if field not in getattr(obj, _OVERRIDES, {}) and field in vars(obj):
        delattr(obj, field)


def described(items: list[Any]) -> None:
    """Count one describe for every record in a DescribeDB* page."""
    with STATE.lock:
        for obj in items:
            left = getattr(obj, _LEFT, 0)
            if left > 0:
                setattr(obj, _LEFT, left - 1)
                if left == 1:  # this answer still says "creating"; the next one will not
                    after_response(functools.partial(_finish_if_done, obj))


def _finish_if_done(obj: Any) -> None:
    with STATE.lock:
        if getattr(obj, _LEFT, 0) == 0:
            end_transition(obj)


def _kind_of(obj: Any) -> str:
    from moto.rds.models import DBCluster, DBClusterSnapshot

    if isinstance(obj, DBCluster):
        return "cluster"
    if isinstance(obj, DBClusterSnapshot):
        return "snapshot"
    return "instance"


def patch_rds_transitions() -> None:
    """Hook new clusters, instances and manual cluster snapshots into start_transition.

    moto 5.1 answers ``creating`` once for a cluster (its first read, usually the
    CreateDBCluster answer itself) and ``available`` at once for instances and snapshots,
    so a CLI that waits for ``available`` is never exercised. Off by default.
    """
    from moto.rds.models import DBCluster, DBClusterSnapshot, DBInstance

    def hook(cls: Any, kind: str) -> None:
        original = cls.__init__

        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            if kind != "snapshot" or getattr(self, "snapshot_type", "manual") == "manual":
                start_transition(self, kind)

        cls.__init__ = __init__

    hook(DBCluster, "cluster")
    hook(DBInstance, "instance")
    hook(DBClusterSnapshot, "snapshot")


# ---------------------------------------------------------------------------
# Overrides (corrupt records for isolation tests)
# ---------------------------------------------------------------------------


class RecordNotFound(LookupError):
    pass


def find_record(kind: str, identifier: str, account: str, region: str) -> Any:
    from moto.rds.models import rds_backends

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    backend = rds_backends[account][region]
    table = {"cluster": backend.clusters, "instance": backend.databases, "snapshot": backend.cluster_snapshots}[kind]
    record = table.get(identifier) or table.get(identifier.lower())
    if record is None:
        raise RecordNotFound(f"no {kind} {identifier!r} in account {account} region {region}")
    return record


@functools.lru_cache(maxsize=None)
def record_fields(kind: str) -> frozenset[str]:
    """Top-level members DescribeDB* can report for this kind (botocore's RDS model, which
    moto serializes with)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("rds")
    return frozenset(model.shape_for(_SHAPES[kind]).members)


def override(kind: str, identifier: str, fields: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """Report ``fields`` (API member name -> value; null = omit) for one record from now on."""
    if not isinstance(fields, dict) or not fields:
        raise ValueError("fields must be a non-empty object of API member names")
    unknown = sorted(set(fields) - record_fields(kind))
    if unknown:
        raise ValueError(f"unknown {_SHAPES[kind]} field(s): {', '.join(unknown)}")
    json.dumps(fields)  # JSON values only
    record = find_record(kind, identifier, account, region)
    with STATE.lock:
        overrides = dict(getattr(record, _OVERRIDES, {}))
        for name, value in fields.items():
            setattr(record, name, value)
            overrides[name] = value
        setattr(record, _OVERRIDES, overrides)
    return overrides
