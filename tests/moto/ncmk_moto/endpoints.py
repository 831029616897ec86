"""Neptune custom endpoints: CreateDBClusterEndpoint, DescribeDBClusterEndpoints,
DeleteDBClusterEndpoint, which moto 5.1.22 does not implement (HTTP 500).

Shapes from the Neptune API reference (CreateDBClusterEndpoint,
DescribeDBClusterEndpoints, DBClusterEndpoint) and botocore's model; what is
inferred is marked in README.md's patch table.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from .rds import _rds_page

CUSTOM_TYPES = ("READER", "WRITER", "ANY")
_RESOURCE_ID_CHARS = string.ascii_uppercase + string.digits


def _store(backend: Any) -> dict[str, dict[str, Any]]:
    """The backend's custom endpoints by identifier: one namespace per account and
    region (a backend), so `POST reset`, which rebuilds the backends, drops them."""
    store = getattr(backend, "_ncmk_cluster_endpoints", None)
    if store is None:
        store = {}
        backend._ncmk_cluster_endpoints = store
    return store


def _cluster(backend: Any, identifier: Any) -> Any:
    from moto.rds.exceptions import DBClusterNotFoundError

    cluster = backend.clusters.get(str(identifier or "").lower())
    if cluster is None:
        raise DBClusterNotFoundError(str(identifier))
    return cluster


def _members(backend: Any, cluster_id: str) -> list[str]:
    return sorted(
        db.db_instance_identifier
        for db in backend.databases.values()
        if getattr(db, "db_cluster_identifier", None) == cluster_id
    )


def _check_members(backend: Any, cluster_id: str, names: list[str]) -> list[str]:
    """Each named instance must exist in the cluster (DBInstanceNotFound otherwise;
    the code for an instance of another cluster is inferred)."""
    from moto.rds.exceptions import DBInstanceNotFoundError

    members = _members(backend, cluster_id)
    lowered = [str(name).lower() for name in names]
    for name in lowered:
        if name not in members:
            raise DBInstanceNotFoundError(name)
    return lowered


def _builtin(cluster: Any) -> list[dict[str, Any]]:
    """The cluster's own writer and reader endpoints, which DescribeDBClusterEndpoints
    lists beside the custom ones (EndpointType WRITER / READER, no CustomEndpointType)."""
    return [
        {
            "DBClusterEndpointIdentifier": cluster.db_cluster_identifier,
            "DBClusterIdentifier": cluster.db_cluster_identifier,
            "Endpoint": endpoint,
            "Status": "available",
            "EndpointType": kind,
        }
        for kind, endpoint in (("WRITER", cluster.endpoint), ("READER", cluster.reader_endpoint))
    ]


def create(backend: Any, params: Any) -> dict[str, Any]:
    from moto.rds.exceptions import InvalidParameterValue, RDSClientError

    cluster = _cluster(backend, params.get("DBClusterIdentifier"))
    cluster_id = cluster.db_cluster_identifier
    identifier = str(params.get("DBClusterEndpointIdentifier") or "").lower()
    if not identifier:
        raise InvalidParameterValue("DBClusterEndpointIdentifier is required")
    kind = params.get("EndpointType")
    if kind not in CUSTOM_TYPES:
        raise InvalidParameterValue(f"Invalid endpoint type {kind}: must be one of READER, WRITER, ANY")
    store = _store(backend)
    if identifier in store:
        raise RDSClientError(
            "DBClusterEndpointAlreadyExistsFault", f"DBClusterEndpoint {identifier} already exists."
        )
    static = _check_members(backend, cluster_id, list(params.get("StaticMembers") or []))
    excluded = _check_members(backend, cluster_id, list(params.get("ExcludedMembers") or []))
    arn = f"arn:aws:rds:{backend.region_name}:{backend.account_id}:cluster-endpoint:{identifier}"
    store[identifier] = {
        "DBClusterEndpointIdentifier": identifier,
        "DBClusterIdentifier": cluster_id,
        "DBClusterEndpointResourceIdentifier": "cluster-endpoint-"
        + "".join(secrets.choice(_RESOURCE_ID_CHARS) for _ in range(20)),
        "Endpoint": f"{identifier}.cluster-custom-{cluster.url_identifier}.{backend.region_name}.rds.amazonaws.com",
        "Status": "available",
        "EndpointType": "CUSTOM",
        "CustomEndpointType": kind,
        "StaticMembers": static,
        "ExcludedMembers": excluded,
        "DBClusterEndpointArn": arn,
    }
    # Tags are accepted but not kept: moto's tagging does not know endpoint ARNs
    # (ListTagsForResource on one is InvalidParameterValue), and nothing here reads them.
    # AWS answers while the endpoint is still being created (Status values:
    # available, creating, deleting, inactive, modifying); reads after it see it available.
    return dict(store[identifier], Status="creating")


def describe(backend: Any, params: Any) -> list[dict[str, Any]]:
    """Every endpoint of one cluster (built-in first) or of the account and region;
    `DBClusterEndpointIdentifier` narrows to one custom endpoint."""
    store = _store(backend)
    cluster_id = params.get("DBClusterIdentifier")
    if cluster_id:
        cluster = _cluster(backend, cluster_id)
        clusters = [cluster]
    else:
        clusters = list(backend.clusters.values())
    wanted = {c.db_cluster_identifier for c in clusters}
    items: list[dict[str, Any]] = []
    endpoint_id = str(params.get("DBClusterEndpointIdentifier") or "").lower()
    for cluster in clusters:
        if not endpoint_id:
            items.extend(_builtin(cluster))
        items.extend(
            dict(e)
            for _, e in sorted(store.items())
            if e["DBClusterIdentifier"] == cluster.db_cluster_identifier
            and (not endpoint_id or e["DBClusterEndpointIdentifier"] == endpoint_id)
        )
    return [item for item in items if item["DBClusterIdentifier"] in wanted]


def delete(backend: Any, params: Any) -> dict[str, Any]:
    from moto.rds.exceptions import RDSClientError

    identifier = str(params.get("DBClusterEndpointIdentifier") or "").lower()
    endpoint = _store(backend).pop(identifier, None)
    if endpoint is None:
        raise RDSClientError("DBClusterEndpointNotFoundFault", f"DBClusterEndpoint {identifier} not found.")
    return dict(endpoint, Status="deleting")


def patch_neptune_cluster_endpoints() -> None:
    """Adds the three custom-endpoint actions to moto's RDS responses (query protocol,
    shared by Neptune). moto 5.1.22 has none of them: each is an HTTP 500."""
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    def create_db_cluster_endpoint(self: Any) -> Any:
        return ActionResult(create(self.backend, self.params))

    def describe_db_cluster_endpoints(self: Any) -> Any:
        _rds_page("DescribeDBClusterEndpoints", self.params, [])  # validate before any lookup
        items = describe(self.backend, self.params)
        page, marker = _rds_page("DescribeDBClusterEndpoints", self.params, items)
        body: dict[str, Any] = {"DBClusterEndpoints": page}
        if marker:
            body["Marker"] = marker
        return ActionResult(body)

    def delete_db_cluster_endpoint(self: Any) -> Any:
        return ActionResult(delete(self.backend, self.params))

    for action in (create_db_cluster_endpoint, describe_db_cluster_endpoints, delete_db_cluster_endpoint):
        setattr(RDSResponse, action.__name__, action)
