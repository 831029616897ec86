"""Launcher-side state shared by the patches, the WSGI middleware and the control API,
plus the small helpers (timestamps, paging tokens, model validation) they all use."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import Counter, OrderedDict
from datetime import datetime, timezone
from typing import Any, Optional

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import JsonRESTError

DEFAULT_REGION = "us-east-1"
__all__ = ["DEFAULT_ACCOUNT_ID", "DEFAULT_REGION", "STATE", "State", "request_local"]

RuleKey = tuple[str, str, str]  # (account, region, configRuleName)
HistoryKey = tuple[str, str, str, str]  # (account, region, resourceType, resourceId)
COMPLIANCE_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"]


class State:
    """All launcher-side state. Guarded by ``lock``: werkzeug serves each request on its own thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        # Server configuration, not test state: POST reset leaves it alone.
        self.latency_ms: float = 0.0
        # What POST reset restores iam_checks to (the launcher's --check-assume-role).
        self.iam_check_defaults: dict[str, bool] = {"assumeRole": False}
        # Live request bookkeeping (middleware), never cleared: AWS calls being handled now,
        # those of them asleep in their latency, and the event that wakes those sleepers.
        self.in_flight: int = 0
        self.sleeping: int = 0
        self.latency_release = threading.Event()
        self.clear()

    def clear(self) -> None:
        self.put_calls: list[dict[str, Any]] = []  # PutEvaluations call log, arrival order
        self.token_rules: dict[str, str] = {}  # resultToken -> configRuleName
        # (account, region, rule) -> {(resourceType, resourceId): stored evaluation result}
        self.compliance: dict[RuleKey, OrderedDict[tuple[str, str], dict[str, Any]]] = {}
        self.history: dict[HistoryKey, list[dict[str, Any]]] = {}
        self.calls: Counter[str] = Counter()
        self.faults: list[dict[str, Any]] = []
        self.dbi_resource_ids: set[str] = set()
        # New clusters / instances / manual cluster snapshots report a non-available status
        # for this many describes (0 = off, moto's own behaviour).
        self.describes_until_available: int = 0
        # CreateDBCluster refuses unusable KMS keys only when asked (older tests create
        # clusters on disabled keys on purpose).
        self.kms_checks: dict[str, bool] = {"createDBCluster": False}
        # STS AssumeRole refuses roles missing from the target account's IAM only when asked
        # (off unless the launcher was started with --check-assume-role).
        self.iam_checks: dict[str, bool] = dict(self.iam_check_defaults)
        # Most AWS calls in flight at once since the last reset (GET concurrency).
        self.peak_in_flight: int = self.in_flight
        # account -> its ListRegions answer, set through the control API (else the defaults).
        self.account_regions: dict[str, list[dict[str, str]]] = {}
        # Neptune Analytics (neptune_graph.py): (account, region) -> graph id -> record.
        self.graphs: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        # SigV4 service name -> regions where the service does not exist (its requests are
        # dropped, as a DNS failure would fail them); set through the control API.
        self.unavailable_services: dict[str, set[str]] = {}

    def known_rule(self, account: str, region: str, rule: str) -> bool:
        return (account, region, rule) in self.compliance or rule in self.token_rules.values()


STATE = State()

# Per-request data handed from the WSGI middleware to the patched moto handlers. werkzeug's
# threaded server runs one request start-to-finish on one thread, and Flask builds the
# response eagerly, so a thread-local is enough.
request_local = threading.local()


def after_response(callback: Any) -> None:
    """Run ``callback`` once the current request's response has been built (see middleware)."""
    pending = getattr(request_local, "after_response", None)
    if pending is None:
        callback()  # not inside a request (control API, bulk creation): nothing to wait for
    else:
        pending.append(callback)


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def now() -> float:
    return time.time()


def to_epoch(value: Any) -> float:
    """Epoch seconds from an epoch number (JSON protocol timestamps) or an ISO-8601 string."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a timestamp")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def encode_token(op: str, offset: int) -> str:
    """Opaque paging token: callers must pass it back verbatim, never build one."""
    raw = json.dumps({"op": op, "o": offset, "n": secrets.token_hex(4)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(op: str, token: str) -> Optional[int]:
    try:
        pad = "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(token + pad))
        if data.get("op") == op and isinstance(data.get("o"), int) and data["o"] >= 0:
            return int(data["o"])
    except (ValueError, TypeError, AttributeError):
        pass
    return None


def validation_error(errors: list[str]) -> JsonRESTError:
    """AWS JSON services report model constraint violations all at once like this."""
    n = len(errors)
    return JsonRESTError(
        "ValidationException",
        f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(errors),
    )


def check_length(errors: list[str], path: str, value: Any, lo: int, hi: int) -> None:
    if value is None:
        errors.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
    elif not isinstance(value, str):
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must be a string")
    elif len(value) < lo:
        errors.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {lo}"
        )
    elif len(value) > hi:
        errors.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {hi}"
        )


def parse_limit(errors: list[str], path: str, value: Any, default: int = 10, maximum: int = 100) -> int:
    """Config's Limit shape: 0..maximum, where 0 (or absent) means the default."""
    if value is None:
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must be an integer")
        return default
    if limit > maximum:
        errors.append(
            f"Value '{limit}' at '{path}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {maximum}"
        )
    elif limit < 0:
        errors.append(
            f"Value '{limit}' at '{path}' failed to satisfy constraint: "
            "Member must have value greater than or equal to 0"
        )
    return limit or default


def page_start(op: str, token: Optional[str]) -> int:
    """Offset encoded in a Config NextToken (InvalidNextTokenException if it is not ours)."""
    if not token:
        return 0
    decoded = decode_token(op, token)
    if decoded is None:
        raise JsonRESTError("InvalidNextTokenException", "The nextToken provided is invalid")
    return decoded
