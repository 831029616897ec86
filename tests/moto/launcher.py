#!/usr/bin/env python3
"""Local AWS for neptune-cmk tests: moto's server app, patched to keep the real AWS contract.

Usage::

    python tests/moto/launcher.py [--host 127.0.0.1] [--port 0] [--exit-on-stdin-eof] [--verbose]

Once listening it prints exactly one line ``READY <port>`` to stdout (port 0 picks a
free port; the bound port is printed). It stops cleanly on SIGTERM/SIGINT and, with
``--exit-on-stdin-eof``, when its standard input is closed (so a harness that dies
does not leak it). Everything else goes to stderr.

The moto quirks each ``patch_*`` function fixes were checked to exist in the pinned moto
(see README.md). A control API lives under ``/_neptune_cmk/`` on the same port; it is
described in README.md and in ``ControlApi`` below.

Default account 123456789012, default region us-east-1 (moto's defaults; requests are
routed by the region in their SigV4 credential scope).
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import logging
import os
import re
import secrets
import signal
import string
import sys
import threading
import time
import uuid
from collections import Counter, OrderedDict
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qs

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import JsonRESTError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

DEFAULT_REGION = "us-east-1"
CONTROL_PREFIX = "/_neptune_cmk/"
log = logging.getLogger("neptune_cmk.launcher")


# ---------------------------------------------------------------------------
# Shared state (everything the control API can see or change)
# ---------------------------------------------------------------------------

RuleKey = tuple[str, str, str]  # (account, region, configRuleName)
HistoryKey = tuple[str, str, str, str]  # (account, region, resourceType, resourceId)


class State:
    """All launcher-side state. Guarded by ``lock``: werkzeug serves each request on its own thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
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

    def known_rule(self, account: str, region: str, rule: str) -> bool:
        return (account, region, rule) in self.compliance or rule in self.token_rules.values()


STATE = State()

# Per-request data handed from the WSGI middleware to the patched moto handlers. werkzeug's
# threaded server runs one request start-to-finish on one thread, and Flask builds the
# response eagerly, so a thread-local is enough.
_request_local = threading.local()


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _now() -> float:
    return time.time()


def _to_epoch(value: Any) -> float:
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


def _encode_token(op: str, offset: int) -> str:
    """Opaque paging token: callers must pass it back verbatim, never build one."""
    raw = json.dumps({"op": op, "o": offset, "n": secrets.token_hex(4)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(op: str, token: str) -> Optional[int]:
    try:
        pad = "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(token + pad))
        if data.get("op") == op and isinstance(data.get("o"), int) and data["o"] >= 0:
            return int(data["o"])
    except (ValueError, TypeError, AttributeError):
        pass
    return None


def _validation_error(errors: list[str]) -> JsonRESTError:
    """AWS JSON services report model constraint violations all at once like this."""
    n = len(errors)
    return JsonRESTError(
        "ValidationException",
        f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(errors),
    )


def _check_length(errors: list[str], path: str, value: Any, lo: int, hi: int) -> None:
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


def _parse_limit(errors: list[str], path: str, value: Any) -> int:
    """Config's Limit shape: 0..100, where 0 (or absent) means the default of 10."""
    if value is None:
        return 10
    try:
        limit = int(value)
    except (TypeError, ValueError):
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must be an integer")
        return 10
    if limit > 100:
        errors.append(
            f"Value '{limit}' at '{path}' failed to satisfy constraint: "
            "Member must have value less than or equal to 100"
        )
    elif limit < 0:
        errors.append(
            f"Value '{limit}' at '{path}' failed to satisfy constraint: "
            "Member must have value greater than or equal to 0"
        )
    return limit or 10


COMPLIANCE_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"]


# ---------------------------------------------------------------------------
# Patches: Config
# ---------------------------------------------------------------------------


def patch_config_put_evaluations() -> None:
    """Config PutEvaluations: validate, accept TestMode true/false, and keep what was sent.

    moto 5.1 raises NotImplementedError (HTTP 500) unless TestMode=True, accepts anything
    (101 evaluations, INSUFFICIENT_DATA, missing fields), stores nothing and never fails
    an evaluation. AWS instead: ResultToken required, 0..100 evaluations, each with
    ComplianceResourceType (1..256), ComplianceResourceId (1..768), ComplianceType and
    OrderingTimestamp required, Annotation 1..256; model violations -> ValidationException;
    INSUFFICIENT_DATA -> InvalidParameterValueException; empty token ->
    InvalidResultTokenException.

    Every accepted call is appended to the call log (GET /_neptune_cmk/put_evaluations).
    Unless TestMode, the accepted evaluations are also upserted (keyed by resource type +
    id, last arrival wins) into the compliance store of the rule the result token was
    mapped to with POST /_neptune_cmk/result_tokens; unmapped tokens only reach the log.
    A queued ``failed_evaluations`` fault makes the first N evaluations come back in
    FailedEvaluations instead of being stored.
    """
    from moto.config.responses import ConfigResponse

    def put_evaluations(self: Any) -> str:
        token = self._get_param("ResultToken")
        evaluations = self._get_param("Evaluations")
        test_mode = bool(self._get_param("TestMode") or False)
        errors: list[str] = []
        if token is None:
            errors.append("Value null at 'resultToken' failed to satisfy constraint: Member must not be null")
        if evaluations is None:
            evaluations = []
        if not isinstance(evaluations, list):
            raise _validation_error(["Value at 'evaluations' failed to satisfy constraint: Member must be a list"])
        if len(evaluations) > 100:
            errors.append(
                f"Value '[...{len(evaluations)} items]' at 'evaluations' failed to satisfy constraint: "
                "Member must have length less than or equal to 100"
            )
        for i, ev in enumerate(evaluations, 1):
            p = f"evaluations.{i}.member"
            if not isinstance(ev, dict):
                errors.append(f"Value at '{p}' failed to satisfy constraint: Member must be a structure")
                continue
            _check_length(errors, f"{p}.complianceResourceType", ev.get("ComplianceResourceType"), 1, 256)
            _check_length(errors, f"{p}.complianceResourceId", ev.get("ComplianceResourceId"), 1, 768)
            ctype = ev.get("ComplianceType")
            if ctype is None:
                errors.append(f"Value null at '{p}.complianceType' failed to satisfy constraint: Member must not be null")
            elif ctype not in COMPLIANCE_TYPES:
                errors.append(
                    f"Value '{ctype}' at '{p}.complianceType' failed to satisfy constraint: "
                    f"Member must satisfy enum value set: [{', '.join(COMPLIANCE_TYPES)}]"
                )
            if ev.get("OrderingTimestamp") is None:
                errors.append(
                    f"Value null at '{p}.orderingTimestamp' failed to satisfy constraint: Member must not be null"
                )
            else:
                try:
                    _to_epoch(ev["OrderingTimestamp"])
                except ValueError:
                    raise JsonRESTError("SerializationException", "Unable to parse OrderingTimestamp")
            if "Annotation" in ev and ev["Annotation"] is not None:
                _check_length(errors, f"{p}.annotation", ev["Annotation"], 1, 256)
        if errors:
            raise _validation_error(errors)
        if token == "":
            raise JsonRESTError("InvalidResultTokenException", "The result token is invalid.")
        if any(ev["ComplianceType"] == "INSUFFICIENT_DATA" for ev in evaluations):
            raise JsonRESTError(
                "InvalidParameterValueException",
                "AWS Config does not accept INSUFFICIENT_DATA as the value for ComplianceType "
                "from a PutEvaluations request.",
            )

        n_failed = int(getattr(_request_local, "failed_evaluations", 0) or 0)
        failed, accepted = evaluations[:n_failed], evaluations[n_failed:]

        def as_received(ev: dict[str, Any]) -> dict[str, Any]:
            return {
                "ComplianceResourceType": ev["ComplianceResourceType"],
                "ComplianceResourceId": ev["ComplianceResourceId"],
                "ComplianceType": ev["ComplianceType"],
                "Annotation": ev.get("Annotation"),
                "OrderingTimestamp": ev["OrderingTimestamp"],
            }

        account, region = self.current_account, self.region
        received = _now()
        with STATE.lock:
            rule = STATE.token_rules.get(token)
            STATE.put_calls.append(
                {
                    "resultToken": token,
                    "testMode": test_mode,
                    "configRuleName": rule,
                    "accountId": account,
                    "region": region,
                    "evaluations": [as_received(ev) for ev in accepted],
                    "failed": [as_received(ev) for ev in failed],
                }
            )
            if rule is not None and not test_mode:
                store = STATE.compliance.setdefault((account, region, rule), OrderedDict())
                for ev in accepted:
                    store[(ev["ComplianceResourceType"], ev["ComplianceResourceId"])] = {
                        "complianceType": ev["ComplianceType"],
                        "annotation": ev.get("Annotation"),
                        "orderingTimestamp": _to_epoch(ev["OrderingTimestamp"]),
                        "resultRecordedTime": received,
                        "configRuleInvokedTime": received,
                    }

        def api_shape(ev: dict[str, Any]) -> dict[str, Any]:
            out = {k: ev[k] for k in ("ComplianceResourceType", "ComplianceResourceId", "ComplianceType")}
            if ev.get("Annotation") is not None:
                out["Annotation"] = ev["Annotation"]
            out["OrderingTimestamp"] = _to_epoch(ev["OrderingTimestamp"])
            return out

        return json.dumps({"FailedEvaluations": [api_shape(ev) for ev in failed]})

    ConfigResponse.put_evaluations = put_evaluations  # type: ignore[method-assign]


def patch_config_get_compliance_details_by_config_rule() -> None:
    """Config GetComplianceDetailsByConfigRule: implement it (moto 5.1 answers HTTP 500).

    Serves the per-rule compliance store filled by non-TestMode PutEvaluations (token
    mapped to the rule) and POST /_neptune_cmk/compliance. ConfigRuleName required
    (unknown rule -> NoSuchConfigRuleException; a rule is known once it has results, a
    mapped result token, or exists in moto's own Config backend); ComplianceTypes filter
    (max 3, default all of COMPLIANT/NON_COMPLIANT/NOT_APPLICABLE; INSUFFICIENT_DATA ->
    InvalidParameterValueException); Limit 0..100 (0 = default 10); opaque NextToken.
    Output follows botocore's model, timestamps as epoch seconds.
    """
    from moto.config.responses import ConfigResponse

    op = "GetComplianceDetailsByConfigRule"

    def get_compliance_details_by_config_rule(self: Any) -> str:
        rule = self._get_param("ConfigRuleName")
        types = self._get_param("ComplianceTypes")
        next_token = self._get_param("NextToken")
        errors: list[str] = []
        _check_length(errors, "configRuleName", rule, 1, 64)
        if types is not None:
            if not isinstance(types, list) or len(types) > 3:
                errors.append(
                    "Value at 'complianceTypes' failed to satisfy constraint: "
                    "Member must have length less than or equal to 3"
                )
                types = []
            for i, t in enumerate(types, 1):
                if t not in COMPLIANCE_TYPES:
                    errors.append(
                        f"Value '{t}' at 'complianceTypes.{i}.member' failed to satisfy constraint: "
                        f"Member must satisfy enum value set: [{', '.join(COMPLIANCE_TYPES)}]"
                    )
        limit = _parse_limit(errors, "limit", self._get_param("Limit"))
        if errors:
            raise _validation_error(errors)
        if types and "INSUFFICIENT_DATA" in types:
            raise JsonRESTError(
                "InvalidParameterValueException",
                "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results.",
            )
        wanted = set(types or ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"])
        start = 0
        if next_token:
            decoded = _decode_token(op, next_token)
            if decoded is None:
                raise JsonRESTError("InvalidNextTokenException", "The nextToken provided is invalid")
            start = decoded
        account, region = self.current_account, self.region
        with STATE.lock:
            moto_rules = getattr(self.config_backend, "config_rules", {}) or {}
            if not STATE.known_rule(account, region, rule) and rule not in moto_rules:
                raise JsonRESTError(
                    "NoSuchConfigRuleException",
                    f"The ConfigRule '{rule}' provided in the request is invalid. "
                    "Please check the configRule name.",
                )
            store = STATE.compliance.get((account, region, rule), OrderedDict())
            matching = [(k, v) for k, v in store.items() if v["complianceType"] in wanted]
        page = matching[start : start + limit]
        results = []
        for (rtype, rid), rec in page:
            result: dict[str, Any] = {
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": rule,
                        "ResourceType": rtype,
                        "ResourceId": rid,
                        "EvaluationMode": "DETECTIVE",
                    },
                    "OrderingTimestamp": rec["orderingTimestamp"],
                },
                "ComplianceType": rec["complianceType"],
                "ResultRecordedTime": rec["resultRecordedTime"],
                "ConfigRuleInvokedTime": rec["configRuleInvokedTime"],
            }
            if rec.get("annotation") is not None:
                result["Annotation"] = rec["annotation"]
            results.append(result)
        body: dict[str, Any] = {"EvaluationResults": results}
        if start + limit < len(matching):
            body["NextToken"] = _encode_token(op, start + limit)
        return json.dumps(body)

    ConfigResponse.get_compliance_details_by_config_rule = get_compliance_details_by_config_rule  # type: ignore[attr-defined]


def patch_config_get_resource_config_history() -> None:
    """Config GetResourceConfigHistory: serve registered items for any resource type.

    moto 5.1 only knows a few resource types (not AWS::RDS::*), answering
    ResourceNotDiscoveredException. Items registered with POST /_neptune_cmk/config_history
    are served API-style (``configuration`` a JSON string, timestamps epoch seconds) with
    laterTime (captured at or before), earlierTime (at or after; later < earlier ->
    InvalidTimeRangeException), chronologicalOrder (default Reverse = newest first),
    limit 0..100 (0 = default 10) and an opaque nextToken. Resources never registered fall
    through to moto (ResourceNotDiscoveredException for unknown ones).
    """
    from moto.config.responses import ConfigResponse

    original = ConfigResponse.get_resource_config_history
    op = "GetResourceConfigHistory"

    @functools.wraps(original)
    def get_resource_config_history(self: Any) -> str:
        rtype = self._get_param("resourceType")
        rid = self._get_param("resourceId")
        key = (self.current_account, self.region, rtype, rid)
        with STATE.lock:
            items = list(STATE.history.get(key, [])) if key in STATE.history else None
        if items is None:
            return original(self)
        errors: list[str] = []
        limit = _parse_limit(errors, "limit", self._get_param("limit"))
        order = self._get_param("chronologicalOrder") or "Reverse"
        if order not in ("Reverse", "Forward"):
            errors.append(
                f"Value '{order}' at 'chronologicalOrder' failed to satisfy constraint: "
                "Member must satisfy enum value set: [Reverse, Forward]"
            )
        if errors:
            raise _validation_error(errors)
        try:
            later = self._get_param("laterTime")
            earlier = self._get_param("earlierTime")
            later_t = _to_epoch(later) if later is not None else None
            earlier_t = _to_epoch(earlier) if earlier is not None else None
        except ValueError:
            raise JsonRESTError("SerializationException", "Unable to parse laterTime/earlierTime")
        if later_t is not None and earlier_t is not None and earlier_t > later_t:
            raise JsonRESTError(
                "InvalidTimeRangeException",
                "The specified time range is not valid. The earlier time is not chronologically "
                "before the later time.",
            )
        start = 0
        token = self._get_param("nextToken")
        if token:
            decoded = _decode_token(op, token)
            if decoded is None:
                raise JsonRESTError("InvalidNextTokenException", "The nextToken provided is invalid")
            start = decoded
        selected = [
            it
            for it in items
            if (later_t is None or it["configurationItemCaptureTime"] <= later_t)
            and (earlier_t is None or it["configurationItemCaptureTime"] >= earlier_t)
        ]
        selected.sort(key=lambda it: it["configurationItemCaptureTime"], reverse=(order == "Reverse"))
        body: dict[str, Any] = {"configurationItems": selected[start : start + limit]}
        if start + limit < len(selected):
            body["nextToken"] = _encode_token(op, start + limit)
        return json.dumps(body)

    ConfigResponse.get_resource_config_history = get_resource_config_history  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# Patches: KMS
# ---------------------------------------------------------------------------

AWS_MANAGED_KEY_DESCRIPTIONS = {
    "alias/aws/rds": "Default key that protects my RDS database volumes when no other key is defined",
}


def patch_kms_aws_managed_keys() -> None:
    """KMS: keys behind reserved ``alias/aws/*`` aliases report KeyManager AWS.

    moto 5.1 creates the key for a reserved alias lazily on first use
    (``_generate_default_keys``) as an ordinary key (KeyManager CUSTOMER, random id). AWS
    reports KeyManager AWS for AWS managed keys however they are addressed (alias, alias
    ARN, key id, key ARN). The key is also given the id moto's ListAliases already
    advertises for that alias, so ListAliases and DescribeKey agree.
    """
    from moto.kms.models import KmsBackend
    from moto.kms.utils import RESERVED_ALIASE_TARGET_KEY_IDS, RESERVED_ALIASES

    def _generate_default_keys(self: Any, alias_name: str) -> Optional[str]:
        if alias_name not in RESERVED_ALIASES:
            return None
        description = AWS_MANAGED_KEY_DESCRIPTIONS.get(alias_name, "Default key")
        key = self.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", description, None)
        fixed_id = RESERVED_ALIASE_TARGET_KEY_IDS.get(alias_name)
        if fixed_id and fixed_id not in self.keys:
            del self.keys[key.id]
            key.arn = key.arn.rsplit(":key/", 1)[0] + f":key/{fixed_id}"
            key.id = fixed_id
            self.keys[fixed_id] = key
        key.key_manager = "AWS"
        self.create_alias(key.id, alias_name)
        return key.id

    KmsBackend._generate_default_keys = _generate_default_keys  # type: ignore[method-assign]


def aws_managed_key_arn(account: str, region: str, alias: str = "alias/aws/rds") -> str:
    """ARN of an AWS managed key, created the way KMS (and the patched moto) would on first use."""
    from moto.kms.models import kms_backends

    kms = kms_backends[account][region]
    key_id = kms.get_key_id_from_alias(alias)
    assert key_id is not None, alias
    return kms.keys[key_id].arn


# ---------------------------------------------------------------------------
# Patches: RDS / Neptune
# ---------------------------------------------------------------------------

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
        decoded = _decode_token(op, marker)
        if decoded is None:
            raise InvalidParameterValue("The parameter Marker is not a valid marker.")
        start = decoded
    page = items[start : start + max_records]
    next_marker = _encode_token(op, start + max_records) if start + max_records < len(items) else None
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
            body: dict[str, Any] = {result_key: page}
            if marker:
                body["Marker"] = marker
            return ActionResult(body)

        setattr(RDSResponse, method_name, paged)

    wrap("describe_db_clusters", "DescribeDBClusters", "DBClusters")
    wrap("describe_db_instances", "DescribeDBInstances", "DBInstances")
    wrap("describe_db_cluster_snapshots", "DescribeDBClusterSnapshots", "DBClusterSnapshots")


PATCHES: list[Callable[[], None]] = [
    patch_config_put_evaluations,
    patch_config_get_compliance_details_by_config_rule,
    patch_config_get_resource_config_history,
    patch_kms_aws_managed_keys,
    patch_rds_unique_dbi_resource_id,
    patch_rds_kms_key_id,
    patch_rds_paging,
]
_patched = False


def apply_patches() -> None:
    """Apply every patch once (idempotent)."""
    global _patched
    if _patched:
        return
    for patch in PATCHES:
        patch()
    _patched = True


# ---------------------------------------------------------------------------
# Request classification, call counting and fault injection (WSGI middleware)
# ---------------------------------------------------------------------------

_SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
QUERY_XMLNS = {
    "rds": "http://rds.amazonaws.com/doc/2014-10-31/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


def _buffer_body(environ: dict[str, Any]) -> bytes:
    """Read the request body once and put it back so moto can read it again."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def classify(environ: dict[str, Any]) -> tuple[str, str, str]:
    """(service, operation, protocol) of an AWS request; protocol is "json" or "query"."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    auth = environ.get("HTTP_AUTHORIZATION", "") or query.get("X-Amz-Credential", [""])[0]
    m = _SCOPE_RE.search(auth) or re.search(r"[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
    service = m.group(2).lower() if m else "unsigned"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1], "json"
    action = query.get("Action", [None])[0]
    if action is None and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(_buffer_body(environ).decode("utf-8", "replace"))
        action = form.get("Action", [None])[0]
    if action:
        return service, action, "query"
    return service, f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '/')}", "rest"


def _error_response(
    start_response: Any, service: str, protocol: str, code: str, status: int, message: str
) -> list[bytes]:
    request_id = str(uuid.uuid4())
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
              500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
    if protocol == "query":
        xmlns = QUERY_XMLNS.get(service)
        ns = f' xmlns="{xmlns}"' if xmlns else ""
        kind = "Sender" if status < 500 else "Receiver"
        esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
        body = (
            f"<ErrorResponse{ns}><Error><Type>{kind}</Type><Code>{esc(code)}</Code>"
            f"<Message>{esc(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ]
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {reason}", headers)
    return [body]


def _take_fault(service: str, operation: str) -> Optional[dict[str, Any]]:
    with STATE.lock:
        for fault in STATE.faults:
            if fault["operation"] == operation and fault.get("service") in (None, service):
                fault["count"] -= 1
                if fault["count"] <= 0:
                    STATE.faults.remove(fault)
                return dict(fault)
    return None


def _normalise_fault(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw.get("operation"):
        raise ValueError("a fault needs an 'operation'")
    fault = {
        "operation": str(raw["operation"]),
        "service": raw.get("service"),
        "count": int(raw.get("count", 1)),
    }
    if fault["count"] < 1:
        raise ValueError("count must be >= 1")
    if raw.get("error_code"):
        fault["error_code"] = str(raw["error_code"])
        fault["status"] = int(raw.get("status", 400))
        fault["message"] = str(raw.get("message") or raw["error_code"])
    if raw.get("failed_evaluations") is not None:
        if fault.get("error_code"):
            raise ValueError("error_code and failed_evaluations are exclusive")
        fault["failed_evaluations"] = int(raw["failed_evaluations"])
    if raw.get("delay_seconds") is not None:
        fault["delay_seconds"] = float(raw["delay_seconds"])
    if not any(k in fault for k in ("error_code", "failed_evaluations", "delay_seconds")):
        raise ValueError("a fault needs error_code, failed_evaluations or delay_seconds")
    return fault


class NeptuneCmkApp:
    """WSGI app: control API + call counting + faults in front of moto's dispatcher."""

    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.control = ControlApi()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self.control(environ, start_response)
        if path.startswith("/moto-api"):
            return self.moto(environ, start_response)  # moto's own dashboard/reset: not AWS, not counted
        service, operation, protocol = classify(environ)
        with STATE.lock:
            STATE.calls[f"{service}:{operation}"] += 1
        fault = _take_fault(service, operation)
        if fault:
            if fault.get("delay_seconds"):
                time.sleep(fault["delay_seconds"])
            if fault.get("error_code"):
                return _error_response(
                    start_response, service, protocol, fault["error_code"], fault["status"], fault["message"]
                )
        _request_local.failed_evaluations = (fault or {}).get("failed_evaluations", 0)
        try:
            return self.moto(environ, start_response)
        finally:
            _request_local.failed_evaluations = 0


# ---------------------------------------------------------------------------
# Control API
# ---------------------------------------------------------------------------


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _normalise_ci(resource_type: str, resource_id: str, item: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """API-style ConfigurationItem: configuration as a JSON string, timestamps as epoch seconds."""
    ci = dict(item)
    ci.setdefault("version", "1.3")
    ci.setdefault("accountId", account)
    ci.setdefault("configurationItemStatus", "OK")
    ci.setdefault("resourceType", resource_type)
    ci.setdefault("resourceId", resource_id)
    ci.setdefault("awsRegion", region)
    capture = ci.pop("captureTime", None)
    capture = ci.get("configurationItemCaptureTime", capture)
    ci["configurationItemCaptureTime"] = _to_epoch(capture) if capture is not None else _now()
    for field in ("resourceCreationTime", "configurationItemDeliveryTime"):
        if ci.get(field) is not None:
            ci[field] = _to_epoch(ci[field])
    if "configuration" in ci and not isinstance(ci["configuration"], str):
        ci["configuration"] = json.dumps(ci["configuration"])
    if isinstance(ci.get("supplementaryConfiguration"), dict):
        ci["supplementaryConfiguration"] = {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in ci["supplementaryConfiguration"].items()
        }
    return ci


def bulk_create_clusters(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Create many clusters straight in moto's RDS backend (no HTTP per cluster).

    Body: {"count": N, "prefix": "sweep-", "kmsKeyIds": [ARN...], "engine": "neptune",
    "storageEncrypted": true, "start": 0, "accountId"?, "region"?}. Cluster i uses
    kmsKeyIds[i % len]; with no kmsKeyIds the clusters are unencrypted unless
    storageEncrypted is true (then alias/aws/rds, as AWS). Goes through the same
    DBCluster code (and patches) as CreateDBCluster, automated snapshot included.
    """
    from moto.rds.models import rds_backends

    account = body.get("accountId") or DEFAULT_ACCOUNT_ID
    region = body.get("region") or DEFAULT_REGION
    count = int(body.get("count", 0))
    prefix = str(body.get("prefix", "sweep-"))
    start = int(body.get("start", 0))
    keys = list(body.get("kmsKeyIds") or [])
    engine = str(body.get("engine", "neptune"))
    encrypted = bool(body.get("storageEncrypted", bool(keys)))
    backend = rds_backends[account][region]
    width = max(5, len(str(start + count)))
    created = []
    for i in range(start, start + count):
        cid = f"{prefix}{i:0{width}d}"
        if cid in backend.clusters:
            raise ControlError(f"DBClusterAlreadyExistsFault: {cid}")
        kwargs: dict[str, Any] = {"db_cluster_identifier": cid, "engine": engine, "storage_encrypted": encrypted}
        if keys:
            kwargs["kms_key_id"] = keys[i % len(keys)]
        cluster = backend.create_db_cluster(kwargs)
        cluster.status = "available"
        created.append(
            {
                "DBClusterIdentifier": cluster.db_cluster_identifier,
                "DBClusterArn": cluster.db_cluster_arn,
                "DbClusterResourceId": cluster.db_cluster_resource_id,
                "StorageEncrypted": cluster.storage_encrypted,
                "KmsKeyId": cluster.kms_key_id,
            }
        )
    return created


class ControlApi:
    """JSON over HTTP under /_neptune_cmk/ (see README.md for the full contract)."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")[len(CONTROL_PREFIX) :].strip("/")
        try:
            raw = _buffer_body(environ) if method in ("POST", "PUT", "DELETE") else b""
            body = json.loads(raw) if raw.strip() else None
            handler = self.routes().get((method, path))
            if handler is None:
                raise ControlError(f"no control endpoint {method} /_neptune_cmk/{path}", 404)
            status, payload = 200, handler(body)
        except ControlError as e:
            status, payload = e.status, {"error": str(e)}
        except (ValueError, TypeError, KeyError) as e:
            status, payload = 400, {"error": f"{type(e).__name__}: {e}"}
        except Exception as e:  # noqa: BLE001 - report moto errors (e.g. already exists) to the caller
            status, payload = 400, {"error": f"{type(e).__name__}: {getattr(e, 'message', e)}"}
        data = json.dumps(payload).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]

    def routes(self) -> dict[tuple[str, str], Callable[[Any], Any]]:
        return {
            ("GET", "ping"): lambda _: {"ok": True},
            ("GET", "put_evaluations"): self.get_put_evaluations,
            ("DELETE", "put_evaluations"): self.delete_put_evaluations,
            ("POST", "result_tokens"): self.post_result_token,
            ("POST", "compliance"): self.post_compliance,
            ("POST", "config_history"): self.post_config_history,
            ("GET", "calls"): self.get_calls,
            ("POST", "calls/reset"): self.reset_calls,
            ("GET", "faults"): self.get_faults,
            ("POST", "faults"): self.post_faults,
            ("DELETE", "faults"): self.delete_faults,
            ("POST", "reset"): self.reset,
            ("POST", "bulk_clusters"): self.post_bulk_clusters,
        }

    @staticmethod
    def _need(body: Any, *fields: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ControlError("expected a JSON object body")
        missing = [f for f in fields if not body.get(f)]
        if missing:
            raise ControlError(f"missing field(s): {', '.join(missing)}")
        return body

    def get_put_evaluations(self, _: Any) -> list[dict[str, Any]]:
        with STATE.lock:
            return json.loads(json.dumps(STATE.put_calls))

    def delete_put_evaluations(self, _: Any) -> dict[str, Any]:
        with STATE.lock:
            STATE.put_calls.clear()  # the log only; stored compliance results stay
        return {"ok": True}

    def post_result_token(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "resultToken", "configRuleName")
        with STATE.lock:
            STATE.token_rules[str(body["resultToken"])] = str(body["configRuleName"])
        return {"ok": True}

    def post_compliance(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "configRuleName")
        key = (body.get("accountId") or DEFAULT_ACCOUNT_ID, body.get("region") or DEFAULT_REGION, body["configRuleName"])
        now = _now()
        with STATE.lock:
            store = STATE.compliance.setdefault(key, OrderedDict())
            for r in body.get("results") or []:
                ctype = r["complianceType"]
                if ctype not in COMPLIANCE_TYPES:
                    raise ControlError(f"bad complianceType {ctype!r}")
                recorded = _to_epoch(r["resultRecordedTime"]) if r.get("resultRecordedTime") is not None else now
                store[(r["resourceType"], r["resourceId"])] = {
                    "complianceType": ctype,
                    "annotation": r.get("annotation"),
                    "orderingTimestamp": _to_epoch(r.get("orderingTimestamp", recorded)),
                    "resultRecordedTime": recorded,
                    "configRuleInvokedTime": recorded,
                }
            return {"ok": True, "stored": len(store)}

    def post_config_history(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "resourceType", "resourceId")
        items = body.get("items") or ([body["item"]] if body.get("item") else [])
        if not items:
            raise ControlError("give 'item' (or 'items')")
        account = body.get("accountId") or DEFAULT_ACCOUNT_ID
        region = body.get("region") or DEFAULT_REGION
        key = (account, region, body["resourceType"], body["resourceId"])
        with STATE.lock:
            stored = STATE.history.setdefault(key, [])
            for item in items:
                stored.append(_normalise_ci(body["resourceType"], body["resourceId"], item, account, region))
            return {"ok": True, "stored": len(stored)}

    def get_calls(self, _: Any) -> dict[str, int]:
        with STATE.lock:
            return dict(STATE.calls)

    def reset_calls(self, _: Any) -> dict[str, Any]:
        with STATE.lock:
            STATE.calls.clear()
        return {"ok": True}

    def get_faults(self, _: Any) -> list[dict[str, Any]]:
        with STATE.lock:
            return [dict(f) for f in STATE.faults]

    def post_faults(self, body: Any) -> dict[str, Any]:
        faults = [_normalise_fault(f) for f in (body if isinstance(body, list) else [body])]
        with STATE.lock:
            STATE.faults.extend(faults)
            return {"ok": True, "queued": len(STATE.faults)}

    def delete_faults(self, _: Any) -> dict[str, Any]:
        with STATE.lock:
            STATE.faults.clear()
        return {"ok": True}

    def reset(self, _: Any) -> dict[str, Any]:
        from moto.moto_api._internal.models import moto_api_backend

        with STATE.lock:
            moto_api_backend.reset()  # same as POST /moto-api/reset
            STATE.clear()
        return {"ok": True}

    def post_bulk_clusters(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "count")
        return {"clusters": bulk_create_clusters(body)}


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port (printed in READY)")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="stop when stdin is closed")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)

    apply_patches()
    server = make_server(args.host, args.port, NeptuneCmkApp(), threaded=True)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.exit_on_stdin_eof:

        def watch_stdin() -> None:
            try:
                # os.read, not sys.stdin: a daemon thread blocked inside the
                # buffered reader makes interpreter shutdown abort.
                while os.read(0, 4096):
                    pass
            except (OSError, ValueError):
                pass
            stop.set()

        threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()

    serving = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    serving.start()
    sys.stdout.write(f"READY {server.server_port}\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    sys.stdout.flush()
    # Skip interpreter teardown: the stdin watcher may still be blocked in read().
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
