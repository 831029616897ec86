"""The control API: JSON over HTTP under /_neptune_cmk/ (README.md has the full contract)."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from typing import Any, Callable
from urllib.parse import parse_qs

from . import neptune_graph, rds, records
from .account import regions_of, set_regions
from .config import register_config_rule
from .middleware import (CONTROL_PREFIX, buffer_body, concurrency, latency_ms, normalise_fault, release_sleepers,
                         set_latency)
from .state import COMPLIANCE_TYPES, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, STATE, now, to_epoch


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
    ci["configurationItemCaptureTime"] = to_epoch(capture) if capture is not None else now()
    for field in ("resourceCreationTime", "configurationItemDeliveryTime"):
        if ci.get(field) is not None:
            ci[field] = to_epoch(ci[field])
    if "configuration" in ci and not isinstance(ci["configuration"], str):
        ci["configuration"] = json.dumps(ci["configuration"])
    if isinstance(ci.get("supplementaryConfiguration"), dict):
        ci["supplementaryConfiguration"] = {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in ci["supplementaryConfiguration"].items()
        }
    return ci


def _where(body: dict[str, Any]) -> tuple[str, str]:
    return body.get("accountId") or DEFAULT_ACCOUNT_ID, body.get("region") or DEFAULT_REGION


def bulk_create_clusters(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Create many clusters (and their instances) straight in moto's RDS backend.

    Body: {"count": N, "prefix": "sweep-", "kmsKeyIds": [ARN...], "engine": "neptune",
    "storageEncrypted": true, "start": 0, "instancesPerCluster": 0,
    "instanceClass": "db.r6g.large", "accountId"?, "region"?}. Cluster i uses
    kmsKeyIds[i % len]; with no kmsKeyIds the clusters are unencrypted unless
    storageEncrypted is true (then alias/aws/rds, as AWS). Goes through the same DBCluster
    and DBInstance code (and patches) as the API, automated snapshot included; everything
    is created ``available`` (transitions do not apply).
    """
    from moto.rds.models import rds_backends

    account, region = _where(body)
    count = int(body.get("count", 0))
    prefix = str(body.get("prefix", "sweep-"))
    start = int(body.get("start", 0))
    keys = list(body.get("kmsKeyIds") or [])
    engine = str(body.get("engine", "neptune"))
    encrypted = bool(body.get("storageEncrypted", bool(keys)))
    per_cluster = int(body.get("instancesPerCluster", 0))
    instance_class = str(body.get("instanceClass", "db.r6g.large"))
    if per_cluster < 0:
        raise ControlError("instancesPerCluster must be >= 0")
    backend = rds_backends[account][region]
    width = max(5, len(str(start + count)))
    clusters, instances = [], []
    for i in range(start, start + count):
        cid = f"{prefix}{i:0{width}d}"
        if cid in backend.clusters:
            raise ControlError(f"DBClusterAlreadyExistsFault: {cid}")
        kwargs: dict[str, Any] = {"db_cluster_identifier": cid, "engine": engine, "storage_encrypted": encrypted}
        if keys:
            kwargs["kms_key_id"] = keys[i % len(keys)]
        cluster = backend.create_db_cluster(kwargs)
        records.end_transition(cluster)
        cluster.status = "available"
        clusters.append(
            {
                "DBClusterIdentifier": cluster.db_cluster_identifier,
                "DBClusterArn": cluster.db_cluster_arn,
                "DbClusterResourceId": cluster.db_cluster_resource_id,
                "StorageEncrypted": cluster.storage_encrypted,
                "KmsKeyId": cluster.kms_key_id,
            }
        )
        for j in range(1, per_cluster + 1):
            instance = backend.create_db_instance(
                {"db_instance_identifier": f"{cid}-{j}", "db_instance_class": instance_class, "engine": engine,
                 "db_cluster_identifier": cid}
            )
            records.end_transition(instance)
            instances.append(
                {
                    "DBInstanceIdentifier": instance.db_instance_identifier,
                    "DBInstanceArn": instance.db_instance_arn,
                    "DbiResourceId": instance.dbi_resource_id,
                    "DBClusterIdentifier": cid,
                }
            )
    return {"clusters": clusters, "instances": instances}


class ControlApi:
    """JSON over HTTP under /_neptune_cmk/ (see README.md for the full contract)."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")[len(CONTROL_PREFIX) :].strip("/")
        try:
            raw = buffer_body(environ) if method in ("POST", "PUT", "DELETE") else b""
            body = json.loads(raw) if raw.strip() else None
            if method == "GET":  # GET handlers take their query string as the body
                body = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()} or None
            handler = self.routes().get((method, path))
            if handler is None:
                raise ControlError(f"no control endpoint {method} /_neptune_cmk/{path}", 404)
            status, payload = 200, handler(body)
        except ControlError as e:
            status, payload = e.status, {"error": str(e)}
        except records.RecordNotFound as e:
            status, payload = 404, {"error": str(e.args[0] if e.args else e)}
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
            ("POST", "config_rules"): self.post_config_rules,
            ("GET", "calls"): self.get_calls,
            ("POST", "calls/reset"): self.reset_calls,
            ("GET", "faults"): self.get_faults,
            ("POST", "faults"): self.post_faults,
            ("DELETE", "faults"): self.delete_faults,
            ("GET", "latency"): self.get_latency,
            ("POST", "latency"): self.post_latency,
            ("POST", "latency/release"): lambda _: {"released": release_sleepers()},
            ("GET", "concurrency"): lambda _: concurrency(),
            ("POST", "concurrency/reset"): lambda _: concurrency(reset_peak=True),
            ("GET", "transitions"): self.get_transitions,
            ("POST", "transitions"): self.post_transitions,
            ("GET", "kms_checks"): self.get_kms_checks,
            ("POST", "kms_checks"): self.post_kms_checks,
            ("GET", "iam_checks"): self.get_iam_checks,
            ("POST", "iam_checks"): self.post_iam_checks,
            ("POST", "rds_override"): self.post_rds_override,
            ("POST", "system_tags"): self.post_system_tags,
            ("POST", "kms_key_state"): self.post_kms_key_state,
            ("GET", "regions"): self.get_regions,
            ("POST", "regions"): self.post_regions,
            ("POST", "reset"): self.reset,
            ("POST", "bulk_clusters"): self.post_bulk_clusters,
            ("GET", "unavailable_services"): lambda _: neptune_graph.unavailable_services(),
            ("POST", "unavailable_services"): self.post_unavailable_services,
            ("POST", "graph_override"): self.post_graph_override,
        }

    @staticmethod
    def _need(body: Any, *fields: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ControlError("expected a JSON object body")
        missing = [f for f in fields if not body.get(f)]
        if missing:
            raise ControlError(f"missing field(s): {', '.join(missing)}")
        return body

    # -- Config ----------------------------------------------------------------

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
        key = (*_where(body), body["configRuleName"])
        stamp = now()
        with STATE.lock:
            store = STATE.compliance.setdefault(key, OrderedDict())
            for r in body.get("results") or []:
                ctype = r["complianceType"]
                if ctype not in COMPLIANCE_TYPES:
                    raise ControlError(f"bad complianceType {ctype!r}")
                recorded = to_epoch(r["resultRecordedTime"]) if r.get("resultRecordedTime") is not None else stamp
                store[(r["resourceType"], r["resourceId"])] = {
                    "complianceType": ctype,
                    "annotation": r.get("annotation"),
                    "orderingTimestamp": to_epoch(r.get("orderingTimestamp", recorded)),
                    "resultRecordedTime": recorded,
                    "configRuleInvokedTime": recorded,
                }
            return {"ok": True, "stored": len(store)}

    def post_config_history(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "resourceType", "resourceId")
        items = body.get("items") or ([body["item"]] if body.get("item") else [])
        if not items:
            raise ControlError("give 'item' (or 'items')")
        account, region = _where(body)
        key = (account, region, body["resourceType"], body["resourceId"])
        with STATE.lock:
            stored = STATE.history.setdefault(key, [])
            for item in items:
                stored.append(_normalise_ci(body["resourceType"], body["resourceId"], item, account, region))
            return {"ok": True, "stored": len(stored)}

    def post_config_rules(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "configRuleName")
        if body.get("scope") is not None and not isinstance(body["scope"], dict):
            raise ControlError("scope must be an object in the API's Scope shape")
        return register_config_rule(body, *_where(body))

    # -- counting, faults, latency ---------------------------------------------

    def get_calls(self, _: Any) -> dict[str, int]:
        with STATE.lock:
            return dict(STATE.calls)

    def reset_calls(self, _: Any) -> dict[str, Any]:
        with STATE.lock:
            STATE.calls.clear()
        return {"ok": True}

    def get_faults(self, _: Any) -> list[dict[str, Any]]:
        with STATE.lock:
            return json.loads(json.dumps(STATE.faults))

    def post_faults(self, body: Any) -> dict[str, Any]:
        faults = [normalise_fault(f) for f in (body if isinstance(body, list) else [body])]
        with STATE.lock:
            STATE.faults.extend(faults)
            return {"ok": True, "queued": len(STATE.faults)}

    def delete_faults(self, _: Any) -> dict[str, Any]:
        with STATE.lock:
            STATE.faults.clear()
        return {"ok": True}

    def get_latency(self, _: Any) -> dict[str, float]:
        return {"ms": latency_ms()}

    def post_latency(self, body: Any) -> dict[str, float]:
        if not isinstance(body, dict) or "ms" not in body:
            raise ControlError('expected {"ms": N}')
        return {"ms": set_latency(body["ms"])}

    # -- RDS record behaviour --------------------------------------------------

    def get_transitions(self, _: Any) -> dict[str, int]:
        with STATE.lock:
            return {"describes_until_available": STATE.describes_until_available}

    def post_transitions(self, body: Any) -> dict[str, int]:
        value = (body or {}).get("describes_until_available") if isinstance(body, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise ControlError('expected {"describes_until_available": 0..100}')
        with STATE.lock:
            STATE.describes_until_available = value
        return {"describes_until_available": value}

    def get_kms_checks(self, _: Any) -> dict[str, bool]:
        with STATE.lock:
            return dict(STATE.kms_checks)

    def get_iam_checks(self, _: Any) -> dict[str, bool]:
        with STATE.lock:
            return dict(STATE.iam_checks)

    def post_iam_checks(self, body: Any) -> dict[str, bool]:
        if not isinstance(body, dict) or set(body) - set(STATE.iam_checks) or not all(
            isinstance(v, bool) for v in body.values()
        ):
            raise ControlError(f"expected booleans for: {', '.join(STATE.iam_checks)}")
        with STATE.lock:
            STATE.iam_checks.update(body)
            return dict(STATE.iam_checks)

    def post_kms_checks(self, body: Any) -> dict[str, bool]:
        if not isinstance(body, dict) or set(body) - set(STATE.kms_checks) or not all(
            isinstance(v, bool) for v in body.values()
        ):
            raise ControlError(f"expected booleans for: {', '.join(STATE.kms_checks)}")
        with STATE.lock:
            STATE.kms_checks.update(body)
            return dict(STATE.kms_checks)

    def post_system_tags(self, body: Any) -> dict[str, Any]:
        """Tags an RDS resource as AWS does, reserved ``aws:`` keys included:
        {"arn", "tags": {key: value}, "accountId"?, "region"?}."""
        body = self._need(body, "arn", "tags")
        tags = body["tags"]
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise ControlError('expected "tags": {key: value} with string values')
        return {"tags": rds.add_system_tags(*_where(body), str(body["arn"]), tags)}

    def post_rds_override(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "kind", "id", "fields")
        overrides = records.override(str(body["kind"]), str(body["id"]), body["fields"], *_where(body))
        return {"ok": True, "fields": overrides}

    def post_kms_key_state(self, body: Any) -> dict[str, str]:
        from .kms import set_key_state

        body = self._need(body, "keyId", "keyState")
        try:
            return set_key_state(str(body["keyId"]), str(body["keyState"]), *_where(body))
        except LookupError as e:
            raise ControlError(str(e.args[0] if e.args else e), 404) from e

    # -- Account ListRegions ---------------------------------------------------

    @staticmethod
    def _account_of(body: Any) -> str:
        account = (body or {}).get("accountId") or DEFAULT_ACCOUNT_ID
        if not isinstance(account, str) or not re.fullmatch(r"\d{12}", account):
            raise ControlError("accountId must be a 12-digit account id string")
        return account

    def get_regions(self, query: Any) -> dict[str, Any]:
        account = self._account_of(query)
        with STATE.lock:
            source = "set" if account in STATE.account_regions else "default"
        return {"accountId": account, "source": source, "regions": regions_of(account)}

    def post_regions(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or "regions" not in body:
            raise ControlError('expected {"accountId"?, "regions": [{"RegionName", "RegionOptStatus"}]}')
        account = self._account_of(body)
        return {"accountId": account, "source": "set", "regions": set_regions(account, body["regions"])}

    # -- Neptune Analytics, and services absent from regions ---------------------

    def post_unavailable_services(self, body: Any) -> dict[str, list[str]]:
        body = self._need(body, "service")
        if "regions" not in body:
            raise ControlError('expected {"service": "neptune-graph", "regions": ["eu-south-1", ...]}')
        return neptune_graph.set_unavailable(body["service"], body["regions"])

    def post_graph_override(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "id", "fields")
        try:
            fields = neptune_graph.override(str(body["id"]), body["fields"], *_where(body))
        except LookupError as e:
            raise ControlError(str(e), 404)
        return {"ok": True, "fields": fields}

    # -- reset and bulk ----------------------------------------------------------

    def reset(self, _: Any) -> dict[str, Any]:
        from moto.moto_api._internal.models import moto_api_backend

        with STATE.lock:
            moto_api_backend.reset()  # same as POST /moto-api/reset
            STATE.clear()  # latency is server configuration and stays
        return {"ok": True}

    def post_bulk_clusters(self, body: Any) -> dict[str, Any]:
        body = self._need(body, "count")
        return bulk_create_clusters(body)
