"""Neptune Analytics (``neptune-graph``): the control-plane calls an audit of graphs needs,
which moto 5.1.22 does not route at all (HTTP 500: no backend for the signing name).

A small backend of its own, served in front of moto by the middleware (``SERVICE_APPS``),
in the REST-JSON protocol of botocore's ``neptune-graph`` 2023-11-29 model:

=======================  ===================================  ======================
operation                request                              answer
=======================  ===================================  ======================
CreateGraph              ``POST /graphs`` (JSON body)         201, the graph
GetGraph                 ``GET /graphs/{graphIdentifier}``    200, the graph
ListGraphs               ``GET /graphs?maxResults&nextToken`` 200, ``graphs`` + token
DeleteGraph              ``DELETE /graphs/{id}?skipSnapshot`` 200, the graph
TagResource              ``POST /tags/{resourceArn}``         200, ``{}``
ListTagsForResource      ``GET /tags/{resourceArn}``          200, ``tags``
UntagResource            ``DELETE /tags/{arn}?tagKeys=..``    200, ``{}``
=======================  ===================================  ======================

State is per (account, region): the account moto resolves from the credentials (an assumed
role's account for its sessions), the region of the SigV4 credential scope. tests/moto/
README.md ("Neptune Analytics") says what is documented by AWS and what is inferred.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import string
import uuid
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qs

from .state import STATE, decode_token, encode_token, now

SERVICE = "neptune-graph"
# Patterns and ranges of botocore's model (service-2.json, shapes GraphId, GraphName,
# KmsKeyArn, TagKey, MaxResults, ProvisionedMemory, ReplicaCount, VectorSearchDimension).
GRAPH_ID_RE = re.compile(r"g-[a-z0-9]{10}")
GRAPH_NAME_RE = re.compile(r"(?!g-)[a-z][a-z0-9]*(-[a-z0-9]+)*")
KMS_KEY_ARN_RE = re.compile(r"arn:aws[^:]*:kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}")
_KEY_ARN_PARTS = re.compile(r"arn:(?P<partition>aws[^:]*):kms:(?P<region>[^:]*):(?P<account>\d{12}):key/(?P<key>.+)")
TAG_KEY_RE = re.compile(r"[a-zA-Z+-=._:/]+")
ARN_RE = re.compile(r"arn:.+")
GRAPH_STATUSES = ["CREATING", "AVAILABLE", "DELETING", "RESETTING", "UPDATING", "SNAPSHOTTING", "FAILED",
                  "IMPORTING", "STARTING", "STOPPING", "STOPPED"]  # fmt: skip
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10  # not documented by AWS; small, so that paging is exercised
DEFAULT_REPLICA_COUNT = 1  # documented: "Min =0, Max = 2, Default = 1"
# What GetGraph / ListGraphs report as kmsKeyIdentifier for a graph created without a key
# (inferred, see README.md; POST graph_override {"kmsKeyIdentifier": null} omits the member).
AWS_OWNED_KEY = "AWS_OWNED_KEY"

# The members each answer carries (GetGraphOutput = CreateGraphOutput = DeleteGraphOutput,
# and GraphSummary), in the model's order.
GRAPH_MEMBERS = ["id", "name", "arn", "status", "statusReason", "createTime", "provisionedMemory", "endpoint",
                 "publicConnectivity", "vectorSearchConfiguration", "replicaCount", "kmsKeyIdentifier",
                 "sourceSnapshotId", "deletionProtection", "buildNumber"]  # fmt: skip
SUMMARY_MEMBERS = ["id", "name", "arn", "status", "provisionedMemory", "publicConnectivity", "endpoint",
                   "replicaCount", "kmsKeyIdentifier", "deletionProtection"]  # fmt: skip
# Members POST /_neptune_cmk/graph_override may change, with their JSON types.
OVERRIDABLE: dict[str, tuple[type, ...]] = {
    "status": (str,), "statusReason": (str,), "createTime": (int, float), "provisionedMemory": (int,),
    "endpoint": (str,), "publicConnectivity": (bool,), "vectorSearchConfiguration": (dict,),
    "replicaCount": (int,), "kmsKeyIdentifier": (str,), "sourceSnapshotId": (str,),
    "deletionProtection": (bool,), "buildNumber": (str,),
}  # fmt: skip

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"/graphs"), "CreateGraph"),
    ("GET", re.compile(r"/graphs"), "ListGraphs"),
    ("GET", re.compile(r"/graphs/(?P<graphIdentifier>[^/]+)"), "GetGraph"),
    ("DELETE", re.compile(r"/graphs/(?P<graphIdentifier>[^/]+)"), "DeleteGraph"),
    ("POST", re.compile(r"/tags/(?P<resourceArn>.+)"), "TagResource"),
    ("GET", re.compile(r"/tags/(?P<resourceArn>.+)"), "ListTagsForResource"),
    ("DELETE", re.compile(r"/tags/(?P<resourceArn>.+)"), "UntagResource"),
]
_seq = itertools.count(1)
_ID_ALPHABET = string.ascii_lowercase + string.digits


class GraphError(Exception):
    """An error answer: the model's error code, its HTTP status, message and extra members."""

    def __init__(self, code: str, status: int, message: str, **members: Any) -> None:
        super().__init__(message)
        self.code, self.status, self.message, self.members = code, status, message, members


def _validation(errors: list[str]) -> GraphError:
    n = len(errors)
    message = f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(errors)
    return GraphError("ValidationException", 400, message, reason="CONSTRAINT_VIOLATION")


def _illegal(message: str) -> GraphError:
    return GraphError("ValidationException", 400, message, reason="ILLEGAL_ARGUMENT")


def _not_found(message: str) -> GraphError:
    return GraphError("ResourceNotFoundException", 404, message)


# --------------------------------------------------------------------------- routing


def route(method: str, path: str) -> Optional[tuple[str, dict[str, str]]]:
    """(operation, URI labels) of a neptune-graph request, or None for a path it does not serve."""
    for verb, pattern, operation in _ROUTES:
        m = pattern.fullmatch(path)
        if verb == method and m:
            return operation, m.groupdict()
    return None


def _where(environ: dict[str, Any]) -> tuple[str, str]:
    """(account, region) as moto resolves them for this request."""
    from .middleware import RequestFacts

    facts = RequestFacts(environ, "rest")
    return facts.account, facts.region or "us-east-1"


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """WSGI app for every request signed for neptune-graph (the middleware has counted it)."""
    from .middleware import buffer_body

    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    request_id = str(uuid.uuid4())
    try:
        routed = route(method, path)
        if routed is None:
            raise GraphError("UnknownOperationException", 404, f"No operation serves {method} {path}")
        operation, labels = routed
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        raw = buffer_body(environ)
        body: Any = {}
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise GraphError("SerializationException", 400, "The request body is not valid JSON")
        if not isinstance(body, dict):
            raise GraphError("SerializationException", 400, "The request body must be a JSON object")
        account, region = _where(environ)
        status, payload = HANDLERS[operation](account, region, labels, query, body)
    except GraphError as e:
        data = json.dumps({"message": e.message, **e.members}).encode()
        start_response(f"{e.status} Error", [
            ("Content-Type", "application/json"), ("x-amzn-ErrorType", e.code), ("x-amzn-RequestId", request_id),
            ("Content-Length", str(len(data))),
        ])  # fmt: skip
        return [data]
    data = json.dumps(payload).encode()
    reason = "Created" if status == 201 else "OK"
    start_response(f"{status} {reason}", [
        ("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("Content-Length", str(len(data))),
    ])  # fmt: skip
    return [data]


# --------------------------------------------------------------------------- validation


def _check_string(errors: list[str], path: str, value: Any, lo: int, hi: int,
                  pattern: Optional[re.Pattern[str]] = None, required: bool = False) -> None:  # fmt: skip
    if value is None:
        if required:
            errors.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
        return
    if not isinstance(value, str):
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must be a string")
    elif len(value) < lo:
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                      f"Member must have length greater than or equal to {lo}")  # fmt: skip
    elif len(value) > hi:
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                      f"Member must have length less than or equal to {hi}")  # fmt: skip
    elif pattern is not None and not pattern.fullmatch(value):
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                      f"Member must satisfy regular expression pattern: {pattern.pattern}")  # fmt: skip


def _check_int(errors: list[str], path: str, value: Any, lo: int, hi: int, required: bool = False) -> None:
    if value is None:
        if required:
            errors.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
    elif isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must be an integer")
    elif value < lo:
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                      f"Member must have value greater than or equal to {lo}")  # fmt: skip
    elif value > hi:
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                      f"Member must have value less than or equal to {hi}")  # fmt: skip


def _check_bool(errors: list[str], path: str, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member must be a boolean")


def _check_tags(errors: list[str], path: str, tags: Any, required: bool = False) -> None:
    if tags is None:
        if required:
            errors.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
        return
    if not isinstance(tags, dict):
        errors.append(f"Value '{tags}' at '{path}' failed to satisfy constraint: Member must be a map")
        return
    if len(tags) > 50:
        errors.append(f"Value '{tags}' at '{path}' failed to satisfy constraint: "
                      "Member must have length less than or equal to 50")  # fmt: skip
    for key, value in tags.items():
        _check_string(errors, f"{path}.key", key, 1, 128, TAG_KEY_RE)
        _check_string(errors, f"{path}.value", value, 0, 256, required=True)


def _query_int(errors: list[str], path: str, query: dict[str, list[str]]) -> Optional[int]:
    if path not in query:
        return None
    text = query[path][0]
    try:
        return int(text)
    except ValueError:
        errors.append(f"Value '{text}' at '{path}' failed to satisfy constraint: Member must be an integer")
        return None


# --------------------------------------------------------------------------- records


def _graphs(account: str, region: str) -> dict[str, dict[str, Any]]:
    with STATE.lock:
        return STATE.graphs.setdefault((account, region), {})


def _new_id() -> str:
    with STATE.lock:
        taken = {gid for graphs in STATE.graphs.values() for gid in graphs}
    while True:
        gid = "g-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))
        if gid not in taken:
            return gid


def _render(graph: dict[str, Any], members: list[str]) -> dict[str, Any]:
    """The graph as the API answers it: the model's members, with overrides applied."""
    full: dict[str, Any] = {
        "id": graph["id"],
        "name": graph["name"],
        "arn": graph["arn"],
        "status": graph["status"],
        "createTime": graph["createTime"],
        "provisionedMemory": graph["provisionedMemory"],
        "endpoint": graph["endpoint"],
        "publicConnectivity": graph["publicConnectivity"],
        "replicaCount": graph["replicaCount"],
        "kmsKeyIdentifier": graph["kmsKeyIdentifier"] or AWS_OWNED_KEY,
        "deletionProtection": graph["deletionProtection"],
    }
    if graph.get("vectorSearchConfiguration") is not None:
        full["vectorSearchConfiguration"] = graph["vectorSearchConfiguration"]
    for name, value in graph["overrides"].items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    return {m: full[m] for m in members if m in full}


def _find(account: str, region: str, identifier: Any) -> dict[str, Any]:
    errors: list[str] = []
    _check_string(errors, "graphIdentifier", identifier, 1, 1024, GRAPH_ID_RE, required=True)
    if errors:
        raise _validation(errors)
    graph = _graphs(account, region).get(identifier)
    if graph is None:
        raise _not_found(f"Graph {identifier} not found")  # message inferred
    return graph


def _check_key(account: str, region: str, key_arn: str) -> str:
    """The given key ARN, if it names a usable symmetric KMS key of the caller's account and region."""
    from moto.kms.models import kms_backends

    m = _KEY_ARN_PARTS.fullmatch(key_arn)
    key = None
    if m and m["account"] == account and m["region"] == region:
        key = kms_backends[account][region].keys.get(m["key"])
    if key is None:
        raise _illegal(f"The KMS key {key_arn} does not exist or is not accessible")  # code and message inferred
    if key.key_state != "Enabled":
        raise _illegal(f"The KMS key {key_arn} is not enabled (state {key.key_state})")
    if key.key_spec != "SYMMETRIC_DEFAULT" or (key.key_usage or "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        raise _illegal(f"The KMS key {key_arn} must be a symmetric encryption key")
    return key_arn


# --------------------------------------------------------------------------- operations

Answer = tuple[int, dict[str, Any]]
Query = dict[str, list[str]]


def create_graph(account: str, region: str, _labels: dict[str, str], _query: Query, body: dict[str, Any]) -> Answer:
    errors: list[str] = []
    _check_string(errors, "graphName", body.get("graphName"), 1, 63, GRAPH_NAME_RE, required=True)
    _check_int(errors, "provisionedMemory", body.get("provisionedMemory"), 16, 24576, required=True)
    _check_int(errors, "replicaCount", body.get("replicaCount"), 0, 2)
    _check_string(errors, "kmsKeyIdentifier", body.get("kmsKeyIdentifier"), 1, 1024, KMS_KEY_ARN_RE)
    _check_bool(errors, "publicConnectivity", body.get("publicConnectivity"))
    _check_bool(errors, "deletionProtection", body.get("deletionProtection"))
    _check_tags(errors, "tags", body.get("tags"))
    vector = body.get("vectorSearchConfiguration")
    if vector is not None:
        if not isinstance(vector, dict):
            errors.append(f"Value '{vector}' at 'vectorSearchConfiguration' failed to satisfy constraint: "
                          "Member must be a structure")  # fmt: skip
        else:
            _check_int(errors, "vectorSearchConfiguration.dimension", vector.get("dimension"), 1, 65536, required=True)
    if errors:
        raise _validation(errors)
    name = body["graphName"]
    key_arn = body.get("kmsKeyIdentifier")
    if key_arn is not None:
        _check_key(account, region, key_arn)
    with STATE.lock:
        graphs = _graphs(account, region)
        if any(g["name"] == name for g in graphs.values()):
            raise GraphError("ConflictException", 409, f"A graph named {name} already exists")  # inferred
        gid = _new_id()
        graph = {
            "seq": next(_seq),
            "id": gid,
            "name": name,
            "arn": f"arn:aws:neptune-graph:{region}:{account}:graph/{gid}",
            "status": "CREATING",
            "createTime": now(),
            "provisionedMemory": body["provisionedMemory"],
            "endpoint": f"{gid}.{region}.neptune-graph.amazonaws.com",
            "publicConnectivity": bool(body.get("publicConnectivity", False)),
            "replicaCount": body.get("replicaCount", DEFAULT_REPLICA_COUNT),
            "kmsKeyIdentifier": key_arn,
            "deletionProtection": bool(body.get("deletionProtection", False)),
            "vectorSearchConfiguration": {"dimension": vector["dimension"]} if vector else None,
            "tags": dict(body.get("tags") or {}),
            "overrides": {},
        }
        graphs[gid] = graph
        answer = _render(graph, GRAPH_MEMBERS)
        graph["status"] = "AVAILABLE"  # CREATING in the create answer only; AVAILABLE from the next read on
    return 201, answer


def get_graph(account: str, region: str, labels: dict[str, str], _query: Query, _body: dict[str, Any]) -> Answer:
    with STATE.lock:
        return 200, _render(_find(account, region, labels["graphIdentifier"]), GRAPH_MEMBERS)


def _token_op(account: str, region: str) -> str:
    return f"{SERVICE}:ListGraphs:{account}:{region}"


def list_graphs(account: str, region: str, _labels: dict[str, str], query: Query, _body: dict[str, Any]) -> Answer:
    errors: list[str] = []
    size = _query_int(errors, "maxResults", query)
    _check_int(errors, "maxResults", size, 1, MAX_PAGE_SIZE)
    token = query["nextToken"][0] if "nextToken" in query else None
    _check_string(errors, "nextToken", token, 1, 8192)
    if errors:
        raise _validation(errors)
    after = 0
    if token is not None:
        decoded = decode_token(_token_op(account, region), token)
        if decoded is None:  # another operation's, account's or region's token, or made up
            raise _illegal("Invalid pagination token: pass the nextToken of the previous page unchanged")
        after = decoded
    size = size or DEFAULT_PAGE_SIZE
    with STATE.lock:
        ordered = sorted(_graphs(account, region).values(), key=lambda g: g["seq"])
        rest = [g for g in ordered if g["seq"] > after]
        page = rest[:size]
        answer: dict[str, Any] = {"graphs": [_render(g, SUMMARY_MEMBERS) for g in page]}
        if len(rest) > size:
            answer["nextToken"] = encode_token(_token_op(account, region), page[-1]["seq"])
    return 200, answer


def delete_graph(account: str, region: str, labels: dict[str, str], query: Query, _body: dict[str, Any]) -> Answer:
    errors: list[str] = []
    skip = query.get("skipSnapshot", [None])[0]
    if skip is None:
        errors.append("Value null at 'skipSnapshot' failed to satisfy constraint: Member must not be null")
    elif skip not in ("true", "false"):
        errors.append(f"Value '{skip}' at 'skipSnapshot' failed to satisfy constraint: Member must be a boolean")
    if errors:
        raise _validation(errors)
    with STATE.lock:
        graph = _find(account, region, labels["graphIdentifier"])
        if graph["deletionProtection"]:
            raise _illegal(f"Graph {graph['id']} cannot be deleted because deletion protection is enabled.")
        del _graphs(account, region)[graph["id"]]
        graph["status"] = "DELETING"
        return 200, _render(graph, GRAPH_MEMBERS)  # gone from the next read on (no final snapshot is kept)


def _tagged(account: str, region: str, arn: Any) -> dict[str, Any]:
    errors: list[str] = []
    _check_string(errors, "resourceArn", arn, 1, 1011, ARN_RE, required=True)
    if errors:
        raise _validation(errors)
    prefix = f"arn:aws:neptune-graph:{region}:{account}:graph/"
    graph = _graphs(account, region).get(arn[len(prefix):]) if arn.startswith(prefix) else None
    if graph is None:
        raise _not_found(f"Resource {arn} not found")  # message inferred
    return graph


def tag_resource(account: str, region: str, labels: dict[str, str], _query: Query, body: dict[str, Any]) -> Answer:
    errors: list[str] = []
    _check_tags(errors, "tags", body.get("tags"), required=True)
    if errors:
        raise _validation(errors)
    with STATE.lock:
        _tagged(account, region, labels["resourceArn"])["tags"].update(body["tags"])
    return 200, {}


def list_tags_for_resource(account: str, region: str, labels: dict[str, str], _query: Query,
                           _body: dict[str, Any]) -> Answer:  # fmt: skip
    with STATE.lock:
        return 200, {"tags": dict(_tagged(account, region, labels["resourceArn"])["tags"])}


def untag_resource(account: str, region: str, labels: dict[str, str], query: Query, _body: dict[str, Any]) -> Answer:
    if "tagKeys" not in query:
        raise _validation(["Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"])
    with STATE.lock:
        tags = _tagged(account, region, labels["resourceArn"])["tags"]
        for key in query["tagKeys"]:
            tags.pop(key, None)
    return 200, {}


HANDLERS: dict[str, Callable[[str, str, dict[str, str], Query, dict[str, Any]], Answer]] = {
    "CreateGraph": create_graph,
    "GetGraph": get_graph,
    "ListGraphs": list_graphs,
    "DeleteGraph": delete_graph,
    "TagResource": tag_resource,
    "ListTagsForResource": list_tags_for_resource,
    "UntagResource": untag_resource,
}


# --------------------------------------------------------------------------- control API


def override(graph_id: str, fields: Any, account: str, region: str) -> dict[str, Any]:
    """POST graph_override: report these members with these values from now on (null omits)."""
    if not isinstance(fields, dict) or not fields:
        raise ValueError('fields must be a non-empty object of GetGraph members, e.g. {"kmsKeyIdentifier": null}')
    for name, value in fields.items():
        if name not in OVERRIDABLE:
            raise ValueError(f"{name!r} cannot be overridden; one of: {', '.join(OVERRIDABLE)}")
        if value is not None and (isinstance(value, bool) and bool not in OVERRIDABLE[name]
                                  or not isinstance(value, OVERRIDABLE[name])):  # fmt: skip
            raise ValueError(f"{name} must be {' or '.join(t.__name__ for t in OVERRIDABLE[name])} or null")
        if name == "status" and value is not None and value not in GRAPH_STATUSES:
            raise ValueError(f"status must be one of {', '.join(GRAPH_STATUSES)}")
    with STATE.lock:
        graph = _graphs(account, region).get(graph_id)
        if graph is None:
            raise LookupError(f"no graph {graph_id} in account {account}, region {region}")
        graph["overrides"].update(fields)
        return dict(graph["overrides"])


def set_unavailable(service: Any, regions: Any) -> dict[str, list[str]]:
    """POST unavailable_services: the regions where ``service`` (a SigV4 signing name) does not exist."""
    from .account import _partition_regions

    if not isinstance(service, str) or not re.fullmatch(r"[a-z0-9-]+", service):
        raise ValueError('service must be a SigV4 signing name such as "neptune-graph"')
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise ValueError("regions must be a list of region names ([] makes the service available everywhere)")
    known = {name for names in _partition_regions().values() for name in names}
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a region botocore knows (e.g. eu-south-1)")
    with STATE.lock:
        if regions:
            STATE.unavailable_services[service] = set(regions)
        else:
            STATE.unavailable_services.pop(service, None)
    return unavailable_services()


def unavailable_services() -> dict[str, list[str]]:
    with STATE.lock:
        return {service: sorted(regions) for service, regions in sorted(STATE.unavailable_services.items())}


def patch_neptune_graph() -> None:
    """Serve neptune-graph (moto 5.1.22 has no backend for it: every call is an HTTP 500)."""
    from .middleware import REST_ROUTERS, SERVICE_APPS

    SERVICE_APPS[SERVICE] = app
    REST_ROUTERS[SERVICE] = route
