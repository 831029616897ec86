"""Contract tests of the Neptune custom-endpoint patch (ncmk_moto/endpoints.py):
CreateDBClusterEndpoint, DescribeDBClusterEndpoints (paged), DeleteDBClusterEndpoint,
through boto3's `neptune` client, as the Rust SDK sends them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_launcher import (  # noqa: E402,F401  (endpoint and _reset are fixtures: a launcher, reset per test)
    _reset,
    client,
    endpoint,
    error_code,
)


def cluster_with_instances(neptune: Any, cid: str, count: int) -> None:
    neptune.create_db_cluster(DBClusterIdentifier=cid, Engine="neptune")
    for n in range(1, count + 1):
        neptune.create_db_instance(DBInstanceIdentifier=f"{cid}-{n}", DBClusterIdentifier=cid,
                                   DBInstanceClass="db.r6g.large", Engine="neptune")


def custom(neptune: Any, **params: Any) -> list[dict[str, Any]]:
    out = neptune.describe_db_cluster_endpoints(**params)["DBClusterEndpoints"]
    return [e for e in out if e["EndpointType"] == "CUSTOM"]


def test_create_and_describe_a_custom_endpoint(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    cluster_with_instances(neptune, "graph", 3)
    out = neptune.create_db_cluster_endpoint(
        DBClusterIdentifier="graph", DBClusterEndpointIdentifier="Analytics", EndpointType="READER",
        StaticMembers=["graph-2", "graph-3"], Tags=[{"Key": "team", "Value": "graph"}],
    )
    assert out["DBClusterEndpointIdentifier"] == "analytics"  # stored lowercase
    assert out["Status"] == "creating" and out["EndpointType"] == "CUSTOM"
    assert out["CustomEndpointType"] == "READER"
    assert out["StaticMembers"] == ["graph-2", "graph-3"] and out["ExcludedMembers"] == []
    assert out["DBClusterEndpointArn"] == "arn:aws:rds:us-east-1:123456789012:cluster-endpoint:analytics"
    assert out["Endpoint"].startswith("analytics.cluster-custom-")
    assert out["DBClusterEndpointResourceIdentifier"].startswith("cluster-endpoint-")
    neptune.create_db_cluster_endpoint(DBClusterIdentifier="graph", DBClusterEndpointIdentifier="all-but-1",
                                       EndpointType="ANY", ExcludedMembers=["graph-1"])

    listed = neptune.describe_db_cluster_endpoints(DBClusterIdentifier="graph")["DBClusterEndpoints"]
    assert [(e["EndpointType"], e.get("CustomEndpointType")) for e in listed] == [
        ("WRITER", None), ("READER", None), ("CUSTOM", "ANY"), ("CUSTOM", "READER"),
    ]
    created = {k: v for k, v in out.items() if k != "ResponseMetadata"}
    assert listed[3] == dict(created, Status="available")
    assert listed[2]["ExcludedMembers"] == ["graph-1"] and listed[2]["StaticMembers"] == []
    one = neptune.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="ANALYTICS")["DBClusterEndpoints"]
    assert [e["DBClusterEndpointIdentifier"] for e in one] == ["analytics"]


def test_identifiers_are_unique_per_account_and_region(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    cluster_with_instances(neptune, "old", 1)
    cluster_with_instances(neptune, "new", 1)
    neptune.create_db_cluster_endpoint(DBClusterIdentifier="old", DBClusterEndpointIdentifier="reports",
                                       EndpointType="ANY")
    with pytest.raises(ClientError) as e:  # another cluster, same name
        neptune.create_db_cluster_endpoint(DBClusterIdentifier="new", DBClusterEndpointIdentifier="reports",
                                           EndpointType="ANY")
    assert error_code(e.value) == "DBClusterEndpointAlreadyExistsFault"
    other_region = client(endpoint, "neptune", region="eu-west-1")
    cluster_with_instances(other_region, "new", 1)
    other_region.create_db_cluster_endpoint(DBClusterIdentifier="new", DBClusterEndpointIdentifier="reports",
                                            EndpointType="ANY")
    neptune.delete_db_cluster_endpoint(DBClusterEndpointIdentifier="reports")
    neptune.create_db_cluster_endpoint(DBClusterIdentifier="new", DBClusterEndpointIdentifier="reports",
                                       EndpointType="ANY")
    assert [e["DBClusterIdentifier"] for e in custom(neptune)] == ["new"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"DBClusterIdentifier": "nope", "EndpointType": "ANY"}, "DBClusterNotFoundFault"),
        ({"DBClusterIdentifier": "graph", "EndpointType": "CUSTOM"}, "InvalidParameterValue"),
        ({"DBClusterIdentifier": "graph", "EndpointType": "ANY", "StaticMembers": ["other-1"]}, "DBInstanceNotFound"),
        ({"DBClusterIdentifier": "graph", "EndpointType": "ANY", "ExcludedMembers": ["ghost"]}, "DBInstanceNotFound"),
    ],
)
def test_create_refuses(endpoint: str, params: dict[str, Any], code: str) -> None:
    neptune = client(endpoint, "neptune")
    cluster_with_instances(neptune, "graph", 1)
    cluster_with_instances(neptune, "other", 1)  # its instance is not a member of graph
    with pytest.raises(ClientError) as e:
        neptune.create_db_cluster_endpoint(DBClusterEndpointIdentifier="ep", **params)
    assert error_code(e.value) == code
    assert custom(neptune) == []


def test_describe_pages_with_marker_and_refuses_unknown_clusters(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    cluster_with_instances(neptune, "graph", 1)
    for n in range(25):
        neptune.create_db_cluster_endpoint(DBClusterIdentifier="graph", DBClusterEndpointIdentifier=f"ep-{n:02}",
                                           EndpointType="ANY")
    first = neptune.describe_db_cluster_endpoints(DBClusterIdentifier="graph", MaxRecords=20)
    assert len(first["DBClusterEndpoints"]) == 20 and first["Marker"]
    rest = neptune.describe_db_cluster_endpoints(DBClusterIdentifier="graph", MaxRecords=20, Marker=first["Marker"])
    assert len(rest["DBClusterEndpoints"]) == 7 and "Marker" not in rest  # 25 custom + writer + reader
    paged = [e for page in neptune.get_paginator("describe_db_cluster_endpoints").paginate(
        DBClusterIdentifier="graph", PaginationConfig={"PageSize": 20}) for e in page["DBClusterEndpoints"]]
    assert len(paged) == 27
    with pytest.raises(ClientError) as e:
        neptune.describe_db_cluster_endpoints(MaxRecords=5)
    assert error_code(e.value) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        neptune.describe_db_cluster_endpoints(DBClusterIdentifier="nope")
    assert error_code(e.value) == "DBClusterNotFoundFault"
    with pytest.raises(ClientError) as e:
        neptune.delete_db_cluster_endpoint(DBClusterEndpointIdentifier="nope")
    assert error_code(e.value) == "DBClusterEndpointNotFoundFault"
