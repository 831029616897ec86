"""Neptune Analytics (neptune-graph) in the launcher: ncmk_moto/neptune_graph.py, the
``unavailable_services`` and ``graph_override`` control endpoints, counting and faults,
checked through boto3 (whose client validates every request against botocore's model)
with each answer validated against the operation's output shape.

Run: .venv/bin/python -m pytest tests/moto/test_neptune_graph.py
"""

from __future__ import annotations

import json
import re
import socket
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.validate import ParamValidator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tools"))
import demo_events  # noqa: E402
import seed  # noqa: E402
from test_launcher import (  # noqa: E402,F401  (endpoint and _reset are fixtures: a launcher, reset per test)
    NO_RETRY,
    _reset,
    assume,
    client,
    control,
    endpoint,
    error_code,
    organization,
)

MODEL = botocore.session.get_session().get_service_model("neptune-graph")
GRAPH_ID = re.compile(r"g-[a-z0-9]{10}")
NO_VALIDATION = Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"})


def graphs_client(endpoint: str, region: str = "us-east-1", config: Config = NO_RETRY, **kw: Any) -> Any:
    return client(endpoint, "neptune-graph", config, region=region, **kw)


def valid(operation: str, response: dict[str, Any]) -> dict[str, Any]:
    """The answer without ResponseMetadata, after botocore's validator checked it against the
    operation's output shape (required members, types, ranges)."""
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, MODEL.operation_model(operation).output_shape)
    assert not report.has_errors(), report.generate_report()
    return body


def failure(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    err = e.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


def cmk(endpoint: str, region: str = "us-east-1", **kw: Any) -> str:
    return client(endpoint, "kms", region=region, **kw).create_key()["KeyMetadata"]["Arn"]


def all_graphs(api: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Every graph over every page, by hand (page sizes checked), each page validated."""
    graphs, sizes, token = [], [], None
    while True:
        page = valid("ListGraphs", api.list_graphs(**kwargs, **({"nextToken": token} if token else {})))
        graphs += page["graphs"]
        sizes.append(len(page["graphs"]))
        token = page.get("nextToken")
        if not token:
            return graphs, sizes


# --------------------------------------------------------------------------- create, get, tags


def test_create_and_get_with_and_without_key(endpoint: str) -> None:
    api = graphs_client(endpoint)
    key = cmk(endpoint)
    raw = api.create_graph(graphName="owned", provisionedMemory=16)
    assert raw["ResponseMetadata"]["HTTPStatusCode"] == 201  # the model's responseCode
    owned = valid("CreateGraph", raw)
    gid = owned["id"]
    assert GRAPH_ID.fullmatch(gid)
    assert owned["arn"] == f"arn:aws:neptune-graph:us-east-1:123456789012:graph/{gid}"
    assert owned["status"] == "CREATING" and owned["name"] == "owned"
    assert owned["kmsKeyIdentifier"] == "AWS_OWNED_KEY"
    assert owned["endpoint"] == f"{gid}.us-east-1.neptune-graph.amazonaws.com"
    assert (owned["provisionedMemory"], owned["replicaCount"], owned["publicConnectivity"],
            owned["deletionProtection"]) == (16, 1, False, False)  # fmt: skip
    got = valid("GetGraph", api.get_graph(graphIdentifier=gid))
    assert got["status"] == "AVAILABLE"  # from the first read on
    assert {k: v for k, v in got.items() if k != "status"} == {k: v for k, v in owned.items() if k != "status"}

    mine = valid("CreateGraph", api.create_graph(
        graphName="mine-1", provisionedMemory=32, kmsKeyIdentifier=key, replicaCount=0, publicConnectivity=True,
        deletionProtection=True, vectorSearchConfiguration={"dimension": 128}, tags={"team": "graphs"}))  # fmt: skip
    assert mine["kmsKeyIdentifier"] == key
    got = valid("GetGraph", api.get_graph(graphIdentifier=mine["id"]))
    assert (got["kmsKeyIdentifier"], got["replicaCount"], got["publicConnectivity"], got["deletionProtection"],
            got["vectorSearchConfiguration"]) == (key, 0, True, True, {"dimension": 128})  # fmt: skip
    assert mine["id"] != gid and GRAPH_ID.fullmatch(mine["id"])

    # Tags: from CreateGraph, TagResource, UntagResource; by the graph's ARN only.
    assert valid("ListTagsForResource", api.list_tags_for_resource(resourceArn=mine["arn"]))["tags"] == {"team": "graphs"}
    valid("TagResource", api.tag_resource(resourceArn=mine["arn"], tags={"env": "test", "team": "analytics"}))
    valid("UntagResource", api.untag_resource(resourceArn=mine["arn"], tagKeys=["env"]))
    assert api.list_tags_for_resource(resourceArn=mine["arn"])["tags"] == {"team": "analytics"}
    assert api.list_tags_for_resource(resourceArn=owned["arn"])["tags"] == {}
    other_region = mine["arn"].replace("us-east-1", "eu-west-1")
    assert failure(api.list_tags_for_resource, resourceArn=other_region)[:2] == ("ResourceNotFoundException", 404)


def test_kms_key_identifier_must_be_a_usable_key_arn(endpoint: str) -> None:
    api = graphs_client(endpoint)
    kms = client(endpoint, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/graphs", TargetKeyId=key["KeyId"])
    # The model's pattern admits key ARNs only: no key id, alias or alias ARN.
    for given in (key["KeyId"], "alias/graphs", f"arn:aws:kms:us-east-1:123456789012:alias/graphs"):
        code, status, message = failure(api.create_graph, graphName="g", provisionedMemory=16, kmsKeyIdentifier=given)
        assert (code, status) == ("ValidationException", 400) and "at 'kmsKeyIdentifier'" in message, given
        assert "regular expression pattern" in message
    # Well formed, but no such key here: unknown, another region's, another account's, disabled, asymmetric.
    unknown = f"arn:aws:kms:us-east-1:123456789012:key/{uuid.uuid4()}"
    elsewhere = cmk(endpoint, "eu-west-1")
    other_account = key["Arn"].replace("123456789012", "111122223333")
    disabled = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=disabled["KeyId"])
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["Arn"]
    for bad in (unknown, elsewhere, other_account, disabled["Arn"], signing):
        code, status, message = failure(api.create_graph, graphName="g", provisionedMemory=16, kmsKeyIdentifier=bad)
        assert (code, status) == ("ValidationException", 400) and bad in message, bad
    assert api.list_graphs()["graphs"] == []  # nothing was created
    # A key that becomes unusable later is still reported (the audit judges its state).
    graph = api.create_graph(graphName="g", provisionedMemory=16, kmsKeyIdentifier=key["Arn"])
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert api.get_graph(graphIdentifier=graph["id"])["kmsKeyIdentifier"] == key["Arn"]


def test_not_found_validation_and_conflict(endpoint: str) -> None:
    api = graphs_client(endpoint)
    code, status, message = failure(api.get_graph, graphIdentifier="g-0123456789")
    assert (code, status) == ("ResourceNotFoundException", 404) and "g-0123456789" in message
    assert failure(api.delete_graph, graphIdentifier="g-0123456789", skipSnapshot=True)[:2] == (
        "ResourceNotFoundException", 404)  # fmt: skip
    # Identifiers that do not match the model's pattern g-[a-z0-9]{10} (a name is not an identifier).
    for bad in ("my-graph", "g-ABCDEFGHIJ", "g-012345678"):
        code, status, message = failure(api.get_graph, graphIdentifier=bad)
        assert (code, status) == ("ValidationException", 400) and "graphIdentifier" in message, bad

    for name in ("Upper", "g-graph", "ends-", "two--hyphens", "9lives", "x" * 64):
        code, status, message = failure(api.create_graph, graphName=name, provisionedMemory=16)
        assert (code, status) == ("ValidationException", 400) and "at 'graphName'" in message, name
    for extra, field in (({"provisionedMemory": 24577}, "provisionedMemory"), ({"replicaCount": 3}, "replicaCount"),
                         ({"vectorSearchConfiguration": {"dimension": 65537}}, "vectorSearchConfiguration.dimension"),
                         ({"tags": {"bad key!": "v"}}, "tags.key")):  # fmt: skip
        code, _, message = failure(api.create_graph, **{"graphName": "ok", "provisionedMemory": 16, **extra})
        assert code == "ValidationException" and f"at '{field}'" in message, extra
    # What botocore would refuse client-side reaches the server without its validation.
    raw = graphs_client(endpoint, config=NO_VALIDATION)
    code, _, message = failure(raw.create_graph, provisionedMemory=8)
    assert code == "ValidationException" and message.startswith("2 validation errors detected: ")
    assert "Value null at 'graphName'" in message and "Value '8' at 'provisionedMemory'" in message
    assert api.list_graphs()["graphs"] == []

    api.create_graph(graphName="taken", provisionedMemory=16)
    assert failure(api.create_graph, graphName="taken", provisionedMemory=16)[:2] == ("ConflictException", 409)
    graphs_client(endpoint, "eu-west-1").create_graph(graphName="taken", provisionedMemory=16)  # names are per region

    # Paths the API does not have: 404 UnknownOperationException (raw, signed for neptune-graph).
    req = urllib.request.Request(endpoint + "/graph-snapshots/gs-0123456789", method="PUT", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/neptune-graph/"
                         "aws4_request, SignedHeaders=host, Signature=00"})  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as h:
        urllib.request.urlopen(req, timeout=10)
    assert h.value.code == 404 and h.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"


# --------------------------------------------------------------------------- ListGraphs


def test_list_graphs_pages_with_opaque_tokens(endpoint: str) -> None:
    api = graphs_client(endpoint)
    key = cmk(endpoint)
    created = [api.create_graph(graphName=f"graph-{i}", provisionedMemory=16,
                                **({"kmsKeyIdentifier": key} if i % 2 else {}))["id"] for i in range(12)]  # fmt: skip
    graphs, sizes = all_graphs(api)
    assert sizes == [10, 2]  # default page size 10
    assert [g["id"] for g in graphs] == created  # creation order
    # GraphSummary carries kmsKeyIdentifier: the audit needs no GetGraph per graph.
    assert [g["kmsKeyIdentifier"] for g in graphs] == [key if i % 2 else "AWS_OWNED_KEY" for i in range(12)]
    assert set(graphs[0]) == {"id", "name", "arn", "status", "provisionedMemory", "publicConnectivity", "endpoint",
                              "replicaCount", "kmsKeyIdentifier", "deletionProtection"}  # fmt: skip
    assert {g["status"] for g in graphs} == {"AVAILABLE"}
    paged, sizes = all_graphs(api, maxResults=5)
    assert paged == graphs and sizes == [5, 5, 2]
    assert all_graphs(api, maxResults=100) == (graphs, [12])
    # The paginator the SDKs generate from paginators-1.json agrees.
    pages = api.get_paginator("list_graphs").paginate(PaginationConfig={"PageSize": 4})
    assert [g["id"] for page in pages for g in page["graphs"]] == created

    # A deleted graph does not shift the next page (the token remembers where it stopped).
    first = api.list_graphs(maxResults=3)
    api.delete_graph(graphIdentifier=created[1], skipSnapshot=True)
    assert [g["id"] for g in api.list_graphs(maxResults=3, nextToken=first["nextToken"])["graphs"]] == created[3:6]

    # Tokens are opaque: another region's, another operation's, made up or edited ones are refused.
    graphs_client(endpoint, "eu-west-1").create_graph(graphName="west", provisionedMemory=16)
    graphs_client(endpoint, "eu-west-1").create_graph(graphName="west-2", provisionedMemory=16)
    west_token = graphs_client(endpoint, "eu-west-1").list_graphs(maxResults=1)["nextToken"]
    regions_token = client(endpoint, "account").list_regions(MaxResults=1)["NextToken"]
    for token in (west_token, regions_token, "made-up", first["nextToken"][:-2]):
        code, status, message = failure(api.list_graphs, nextToken=token)
        assert (code, status) == ("ValidationException", 400) and "token" in message.lower(), token
    raw = graphs_client(endpoint, config=NO_VALIDATION)
    for size in (0, 101):  # botocore checks only the minimum itself
        code, _, message = failure(raw.list_graphs, maxResults=size)
        assert code == "ValidationException" and f"Value '{size}' at 'maxResults'" in message
    assert failure(api.list_graphs, maxResults=101)[0] == "ValidationException"


# --------------------------------------------------------------------------- accounts and regions


def test_graphs_per_account_and_region(endpoint: str) -> None:
    member, other = organization(endpoint)
    creds = assume(endpoint, member)
    member_key = cmk(endpoint, creds=creds)
    east = graphs_client(endpoint, creds=creds)
    west = graphs_client(endpoint, "eu-west-1", creds=creds)
    g_east = east.create_graph(graphName="member-graph", provisionedMemory=16, kmsKeyIdentifier=member_key)
    g_west = west.create_graph(graphName="member-graph", provisionedMemory=16)
    assert g_east["arn"] == f"arn:aws:neptune-graph:us-east-1:{member}:graph/{g_east['id']}"
    assert g_west["arn"] == f"arn:aws:neptune-graph:eu-west-1:{member}:graph/{g_west['id']}"
    assert [g["id"] for g in east.list_graphs()["graphs"]] == [g_east["id"]]
    assert [g["id"] for g in west.list_graphs()["graphs"]] == [g_west["id"]]
    assert failure(west.get_graph, graphIdentifier=g_east["id"])[:2] == ("ResourceNotFoundException", 404)
    # The management account and the other member see none of it.
    management = graphs_client(endpoint)
    assert management.list_graphs()["graphs"] == []
    assert graphs_client(endpoint, creds=assume(endpoint, other)).list_graphs()["graphs"] == []
    assert failure(management.get_graph, graphIdentifier=g_east["id"])[:2] == ("ResourceNotFoundException", 404)
    # A key of the member account is not a key of the management account (cross-account keys not modelled).
    code, _, _ = failure(management.create_graph, graphName="g", provisionedMemory=16, kmsKeyIdentifier=member_key)
    assert code == "ValidationException"
    # POST reset clears every graph.
    control(endpoint, "POST", "reset")
    assert graphs_client(endpoint, creds=assume(endpoint, member)).list_graphs()["graphs"] == []


# --------------------------------------------------------------------------- counting and faults


def test_counted_and_faulted_by_operation_name(endpoint: str) -> None:
    member, _ = organization(endpoint)
    api = graphs_client(endpoint)
    gid = api.create_graph(graphName="counted", provisionedMemory=16)["id"]
    api.get_graph(graphIdentifier=gid)
    api.list_graphs()
    api.list_tags_for_resource(resourceArn=api.get_graph(graphIdentifier=gid)["arn"])
    api.delete_graph(graphIdentifier=gid, skipSnapshot=True)
    graph_calls = {k: v for k, v in control(endpoint, "GET", "calls").items() if k.startswith("neptune-graph:")}
    assert graph_calls == {"neptune-graph:CreateGraph": 1, "neptune-graph:GetGraph": 2, "neptune-graph:ListGraphs": 1,
                           "neptune-graph:ListTagsForResource": 1, "neptune-graph:DeleteGraph": 1}  # fmt: skip

    control(endpoint, "POST", "calls/reset")
    gid = api.create_graph(graphName="faulted", provisionedMemory=16)["id"]
    control(endpoint, "POST", "faults", [
        {"operation": "ListGraphs", "service": "neptune-graph", "error_code": "AccessDeniedException", "status": 403,
         "message": "User is not authorized to perform: neptune-graph:ListGraphs", "count": 1},
        {"operation": "GetGraph", "match": {"params": {"graphIdentifier": gid}}, "error_code": "AccessDeniedException",
         "status": 403, "count": "unlimited"},
        {"operation": "ListGraphs", "match": {"account": member}, "error_code": "ThrottlingException", "status": 429,
         "count": "unlimited"},
        {"operation": "ListGraphs", "match": {"params": {"maxResults": 7}}, "error_code": "InternalServerException",
         "status": 500},
    ])  # fmt: skip
    code, status, message = failure(api.list_graphs)
    assert (code, status, message) == ("AccessDeniedException", 403,
                                       "User is not authorized to perform: neptune-graph:ListGraphs")  # fmt: skip
    assert api.list_graphs()["graphs"][0]["id"] == gid  # count 1: used up
    for _ in range(2):
        assert failure(api.get_graph, graphIdentifier=gid)[:2] == ("AccessDeniedException", 403)
    assert failure(api.get_graph, graphIdentifier="g-0123456789")[0] == "ResourceNotFoundException"  # not matched
    assert failure(graphs_client(endpoint, creds=assume(endpoint, member)).list_graphs)[:2] == (
        "ThrottlingException", 429)  # fmt: skip
    assert failure(api.list_graphs, maxResults=7)[:2] == ("InternalServerException", 500)  # query parameter
    calls = control(endpoint, "GET", "calls")
    assert (calls["neptune-graph:ListGraphs"], calls["neptune-graph:GetGraph"]) == (4, 3)  # faulted calls count


# --------------------------------------------------------------------------- regions without the service


def test_unavailable_region_drops_the_connection(endpoint: str) -> None:
    assert control(endpoint, "GET", "unavailable_services") == {}
    answer = control(endpoint, "POST", "unavailable_services",
                     {"service": "neptune-graph", "regions": ["me-central-1", "eu-south-1"]})
    assert answer == {"neptune-graph": ["eu-south-1", "me-central-1"]}
    assert control(endpoint, "GET", "unavailable_services") == answer
    control(endpoint, "POST", "faults", {"operation": "ListGraphs", "error_code": "AccessDeniedException", "status": 403,
                                         "match": {"region": "eu-south-1"}})  # fmt: skip

    # No HTTP answer at all: the connection is reset, as when the endpoint does not resolve.
    with pytest.raises(ConnectionClosedError):
        graphs_client(endpoint, "eu-south-1").list_graphs()
    retrying = Config(retries={"total_max_attempts": 3, "mode": "standard"})
    with pytest.raises(ConnectionClosedError):
        graphs_client(endpoint, "eu-south-1", retrying).list_graphs()
    assert control(endpoint, "GET", "calls") == {"neptune-graph:ListGraphs": 4}  # every attempt is counted
    assert len(control(endpoint, "GET", "faults")) == 1  # no fault applies where there is no service
    control(endpoint, "DELETE", "faults")
    port = int(endpoint.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"GET /graphs HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAM"
                    b"PLE/20260101/me-central-1/neptune-graph/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            assert raw.recv(1024) == b""  # a clean close would return b"" here: it must be a reset

    # The service elsewhere, and other services in that region, are untouched.
    assert graphs_client(endpoint).list_graphs()["graphs"] == []
    assert client(endpoint, "kms", region="eu-south-1").list_keys()["Keys"] == []
    # [] makes it available again; bad bodies are refused; reset clears.
    assert control(endpoint, "POST", "unavailable_services", {"service": "neptune-graph", "regions": []}) == {}
    assert graphs_client(endpoint, "eu-south-1").list_graphs()["graphs"] == []
    for bad in ({"service": "neptune-graph", "regions": ["mars-1"]}, {"service": "neptune-graph", "regions": "eu-south-1"},
                {"service": "Neptune Graph", "regions": []}, {"service": "neptune-graph"}, {"regions": []}):  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as h:
            control(endpoint, "POST", "unavailable_services", bad)
        assert h.value.code == 400, bad
    control(endpoint, "POST", "unavailable_services", {"service": "neptune-graph", "regions": ["eu-south-1"]})
    control(endpoint, "POST", "reset")
    assert control(endpoint, "GET", "unavailable_services") == {}


# --------------------------------------------------------------------------- delete and overrides


def test_delete_and_graph_override(endpoint: str) -> None:
    api = graphs_client(endpoint)
    protected = api.create_graph(graphName="protected", provisionedMemory=16, deletionProtection=True)["id"]
    code, status, message = failure(api.delete_graph, graphIdentifier=protected, skipSnapshot=True)
    assert (code, status) == ("ValidationException", 400) and "deletion protection" in message
    gone = api.create_graph(graphName="gone", provisionedMemory=16)["id"]
    deleted = valid("DeleteGraph", api.delete_graph(graphIdentifier=gone, skipSnapshot=False))
    assert (deleted["id"], deleted["status"]) == (gone, "DELETING")
    assert failure(api.get_graph, graphIdentifier=gone)[:2] == ("ResourceNotFoundException", 404)
    assert [g["id"] for g in api.list_graphs()["graphs"]] == [protected]

    # Overrides: the reported members change, in GetGraph and in ListGraphs; null omits one.
    answer = control(endpoint, "POST", "graph_override",
                     {"id": protected, "fields": {"kmsKeyIdentifier": None, "status": "UPDATING"}})
    assert answer == {"ok": True, "fields": {"kmsKeyIdentifier": None, "status": "UPDATING"}}
    got = valid("GetGraph", api.get_graph(graphIdentifier=protected))
    assert "kmsKeyIdentifier" not in got and got["status"] == "UPDATING"
    [summary] = valid("ListGraphs", api.list_graphs())["graphs"]
    assert "kmsKeyIdentifier" not in summary and summary["status"] == "UPDATING"
    foreign = "arn:aws:kms:us-east-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    control(endpoint, "POST", "graph_override", {"id": protected, "fields": {"kmsKeyIdentifier": foreign}})
    assert api.get_graph(graphIdentifier=protected)["kmsKeyIdentifier"] == foreign
    [member] = organization(endpoint, ("member-x",))
    member_graph = graphs_client(endpoint, "eu-west-1", creds=assume(endpoint, member)).create_graph(
        graphName="m", provisionedMemory=16)["id"]  # fmt: skip
    control(endpoint, "POST", "graph_override", {"id": member_graph, "accountId": member, "region": "eu-west-1",
                                                 "fields": {"status": "FAILED", "statusReason": "test"}})  # fmt: skip
    got = graphs_client(endpoint, "eu-west-1", creds=assume(endpoint, member)).get_graph(graphIdentifier=member_graph)
    assert (got["status"], got["statusReason"]) == ("FAILED", "test")
    for bad, code in (({"id": protected, "fields": {"id": "g-0000000000"}}, 400),
                      ({"id": protected, "fields": {"status": "MELTING"}}, 400),
                      ({"id": protected, "fields": {"replicaCount": "two"}}, 400),
                      ({"id": protected, "fields": {}}, 400),
                      ({"id": "g-0000000000", "fields": {"status": "FAILED"}}, 404)):  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as h:
            control(endpoint, "POST", "graph_override", bad)
        assert h.value.code == code, bad


# --------------------------------------------------------------------------- seed.py and demo_events.py


def test_seed_demo_graphs_and_summary(endpoint: str) -> None:
    summary = seed.seed_demo(endpoint)
    graphs = {g["scenario"]: g for g in summary["graphs"]}
    assert set(graphs) == {"aws-owned-key", "cmk-enabled"}
    assert graphs["aws-owned-key"]["kmsKeyIdentifier"] == "AWS_OWNED_KEY"
    assert graphs["cmk-enabled"]["kmsKeyIdentifier"] == summary["keys"]["cmk"]["Arn"]
    assert {g["status"] for g in graphs.values()} == {"AVAILABLE"}
    listed = graphs_client(endpoint).list_graphs()["graphs"]
    assert {g["id"] for g in listed} == {g["id"] for g in graphs.values()}
    lines = demo_events.summary(json.loads(json.dumps(summary)))
    graph_lines = [line for line in lines if line.lstrip().startswith("graph ")]
    assert len(graph_lines) == 2
    assert any("analytics-aws-owned" in line and "AWS owned key" in line for line in graph_lines)
    assert any("analytics-cmk" in line and "alias/neptune-cmk-demo (customer managed, Enabled)" in line
               for line in graph_lines)  # fmt: skip
    # A seed.json from before graphs existed still prints.
    assert demo_events.summary({k: v for k, v in summary.items() if k != "graphs"})
