"""Exercises every patch and control endpoint of tests/moto/launcher.py through boto3.

Run: .venv/bin/python -m pytest tests/moto
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "launcher.py"
sys.path.insert(0, str(HERE))
import seed  # noqa: E402

RULE = "neptune-cmk-rule"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


# --------------------------------------------------------------------------- fixtures


def start_launcher(*extra: str) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--port", "0", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(30)
    if not line or not line[0].startswith(b"READY "):
        proc.kill()
        raise RuntimeError(f"launcher did not get ready: {line!r} {proc.stderr.read()!r}")  # type: ignore[union-attr]
    return proc, int(line[0].split()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    proc, port = start_launcher("--exit-on-stdin-eof")
    yield f"http://127.0.0.1:{port}"
    proc.stdin.close()  # type: ignore[union-attr]  # --exit-on-stdin-eof: closing stdin stops it
    assert proc.wait(10) == 0


@pytest.fixture(autouse=True)
def _reset(endpoint: str) -> None:
    control(endpoint, "POST", "reset")


def control(endpoint: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{endpoint}/_neptune_cmk/{path}", data=data, method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def client(endpoint: str, service: str, config: Optional[Config] = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def error_code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def evaluation(rid: str, ctype: str = "COMPLIANT", **extra: Any) -> dict[str, Any]:
    return {
        "ComplianceResourceType": "AWS::RDS::DBCluster",
        "ComplianceResourceId": rid,
        "ComplianceType": ctype,
        "OrderingTimestamp": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        **extra,
    }


# --------------------------------------------------------------------------- process


def test_ready_and_ping(endpoint: str) -> None:
    assert control(endpoint, "GET", "ping") == {"ok": True}
    with pytest.raises(urllib.error.HTTPError) as e:
        control(endpoint, "GET", "nope")
    assert e.value.code == 404


def test_sigterm_exits_cleanly() -> None:
    proc, port = start_launcher()
    assert client(f"http://127.0.0.1:{port}", "sts").get_caller_identity()["Account"] == "123456789012"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert proc.stdout.read() == b""  # type: ignore[union-attr]  # nothing after the READY line


# --------------------------------------------------------------------------- Config PutEvaluations


def test_put_evaluations_stores_and_logs(endpoint: str) -> None:
    cfg = client(endpoint, "config")
    control(endpoint, "POST", "result_tokens", {"resultToken": "tok-1", "configRuleName": RULE})
    out = cfg.put_evaluations(
        ResultToken="tok-1",
        Evaluations=[evaluation("cluster-A", Annotation="ok"), evaluation("cluster-B", "NON_COMPLIANT")],
        TestMode=False,
    )
    assert out["FailedEvaluations"] == []
    log = control(endpoint, "GET", "put_evaluations")
    assert len(log) == 1
    call = log[0]
    assert call["resultToken"] == "tok-1" and call["testMode"] is False and call["failed"] == []
    assert call["configRuleName"] == RULE
    assert [e["ComplianceResourceId"] for e in call["evaluations"]] == ["cluster-A", "cluster-B"]
    first = call["evaluations"][0]
    assert first["Annotation"] == "ok" and first["ComplianceType"] == "COMPLIANT"
    assert first["OrderingTimestamp"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc).timestamp()
    assert call["evaluations"][1]["Annotation"] is None

    res = cfg.get_compliance_details_by_config_rule(ConfigRuleName=RULE)["EvaluationResults"]
    assert {(r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"], r["ComplianceType"]) for r in res} == {
        ("cluster-A", "COMPLIANT"),
        ("cluster-B", "NON_COMPLIANT"),
    }
    # Upsert: a later evaluation of the same resource replaces the earlier one.
    cfg.put_evaluations(ResultToken="tok-1", Evaluations=[evaluation("cluster-A", "NOT_APPLICABLE")])
    res = cfg.get_compliance_details_by_config_rule(ConfigRuleName=RULE, ComplianceTypes=["COMPLIANT"])
    assert res["EvaluationResults"] == []


def test_put_evaluations_test_mode_and_unmapped_tokens_only_log(endpoint: str) -> None:
    cfg = client(endpoint, "config")
    control(endpoint, "POST", "result_tokens", {"resultToken": "tok-1", "configRuleName": RULE})
    cfg.put_evaluations(ResultToken="tok-1", Evaluations=[evaluation("cluster-A")], TestMode=True)
    cfg.put_evaluations(ResultToken="unmapped", Evaluations=[evaluation("cluster-B")])
    cfg.put_evaluations(ResultToken="TESTMODE", Evaluations=[], TestMode=True)  # 0 evaluations is valid
    log = control(endpoint, "GET", "put_evaluations")
    assert [(c["resultToken"], c["testMode"], c["configRuleName"]) for c in log] == [
        ("tok-1", True, RULE),
        ("unmapped", False, None),
        ("TESTMODE", True, None),
    ]
    assert cfg.get_compliance_details_by_config_rule(ConfigRuleName=RULE)["EvaluationResults"] == []
    control(endpoint, "DELETE", "put_evaluations")
    assert control(endpoint, "GET", "put_evaluations") == []


def test_put_evaluations_validation(endpoint: str) -> None:
    cfg = client(endpoint, "config")
    raw = client(endpoint, "config", Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    cfg.put_evaluations(ResultToken="t", Evaluations=[evaluation(f"c{i}") for i in range(100)])

    cases: list[tuple[Any, dict[str, Any], str, str]] = [
        (cfg, {"ResultToken": "t", "Evaluations": [evaluation(f"c{i}") for i in range(101)]},
         "ValidationException", "Member must have length less than or equal to 100"),
        (cfg, {"ResultToken": "t", "Evaluations": [evaluation("c", "INSUFFICIENT_DATA")]},
         "InvalidParameterValueException", "INSUFFICIENT_DATA"),
        (cfg, {"ResultToken": "t", "Evaluations": [evaluation("c", Annotation="x" * 257)]},
         "ValidationException", "less than or equal to 256"),
        (cfg, {"ResultToken": "", "Evaluations": [evaluation("c")]}, "InvalidResultTokenException", ""),
        (raw, {"Evaluations": [evaluation("c")]}, "ValidationException", "resultToken"),
        (raw, {"ResultToken": "t", "Evaluations": [evaluation("c", ComplianceResourceType="")]},
         "ValidationException", "greater than or equal to 1"),
        (raw, {"ResultToken": "t", "Evaluations": [evaluation("x" * 769)]}, "ValidationException", "768"),
        (raw, {"ResultToken": "t", "Evaluations": [evaluation("c", ComplianceType="MAYBE")]},
         "ValidationException", "enum value set"),
        (raw, {"ResultToken": "t", "Evaluations": [{k: v for k, v in evaluation("c").items() if k != "OrderingTimestamp"}]},
         "ValidationException", "orderingTimestamp"),
        (raw, {"ResultToken": "t", "Evaluations": [{k: v for k, v in evaluation("c").items() if k != "ComplianceResourceId"}]},
         "ValidationException", "complianceResourceId"),
    ]
    for cli, kwargs, code, fragment in cases:
        with pytest.raises(ClientError) as e:
            cli.put_evaluations(**kwargs)
        assert error_code(e.value) == code, kwargs
        assert fragment in e.value.response["Error"]["Message"]
    assert len(control(endpoint, "GET", "put_evaluations")) == 1  # rejected calls are not logged


def test_failed_evaluations_fault(endpoint: str) -> None:
    cfg = client(endpoint, "config")
    control(endpoint, "POST", "result_tokens", {"resultToken": "tok", "configRuleName": RULE})
    control(endpoint, "POST", "faults", {"operation": "PutEvaluations", "failed_evaluations": 2, "count": 1})
    out = cfg.put_evaluations(ResultToken="tok", Evaluations=[evaluation(f"c{i}", Annotation=f"a{i}") for i in range(5)])
    failed = out["FailedEvaluations"]
    assert [f["ComplianceResourceId"] for f in failed] == ["c0", "c1"]
    assert failed[0]["Annotation"] == "a0" and isinstance(failed[0]["OrderingTimestamp"], datetime)
    call = control(endpoint, "GET", "put_evaluations")[0]
    assert [e["ComplianceResourceId"] for e in call["failed"]] == ["c0", "c1"]
    assert [e["ComplianceResourceId"] for e in call["evaluations"]] == ["c2", "c3", "c4"]
    stored = cfg.get_compliance_details_by_config_rule(ConfigRuleName=RULE)["EvaluationResults"]
    assert len(stored) == 3
    # count=1: the next call is clean again.
    assert cfg.put_evaluations(ResultToken="tok", Evaluations=[evaluation("c9")])["FailedEvaluations"] == []


# --------------------------------------------------------------------------- GetComplianceDetailsByConfigRule


def test_get_compliance_details_paging_filters_and_errors(endpoint: str) -> None:
    cfg = client(endpoint, "config")
    results = [
        {"resourceType": "AWS::RDS::DBCluster", "resourceId": f"cluster-{i:02d}",
         "complianceType": ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"][i % 3], "annotation": f"n{i}"}
        for i in range(25)
    ]
    control(endpoint, "POST", "compliance", {"configRuleName": RULE, "results": results})

    page1 = cfg.get_compliance_details_by_config_rule(ConfigRuleName=RULE)
    assert len(page1["EvaluationResults"]) == 10 and page1["NextToken"]  # default Limit 10
    r0 = page1["EvaluationResults"][0]
    assert r0["EvaluationResultIdentifier"]["EvaluationResultQualifier"] == {
        "ConfigRuleName": RULE, "ResourceType": "AWS::RDS::DBCluster", "ResourceId": "cluster-00",
        "EvaluationMode": "DETECTIVE",
    }
    assert r0["ComplianceType"] == "COMPLIANT" and r0["Annotation"] == "n0"
    assert isinstance(r0["ResultRecordedTime"], datetime) and isinstance(r0["ConfigRuleInvokedTime"], datetime)

    ids: list[str] = []
    token: Optional[str] = None
    pages = 0
    while True:
        kw: dict[str, Any] = {"ConfigRuleName": RULE, "ComplianceTypes": ["COMPLIANT", "NON_COMPLIANT"], "Limit": 4}
        if token:
            kw["NextToken"] = token
        page = cfg.get_compliance_details_by_config_rule(**kw)
        pages += 1
        ids += [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in page["EvaluationResults"]]
        token = page.get("NextToken")
        if not token:
            break
    expected = [f"cluster-{i:02d}" for i in range(25) if i % 3 != 2]
    assert ids == expected and pages == 5  # 17 results by 4

    na = cfg.get_compliance_details_by_config_rule(ConfigRuleName=RULE, ComplianceTypes=["NOT_APPLICABLE"], Limit=100)
    assert len(na["EvaluationResults"]) == 8 and "NextToken" not in na

    errors = [
        ({"ConfigRuleName": RULE, "ComplianceTypes": ["INSUFFICIENT_DATA"]}, "InvalidParameterValueException"),
        ({"ConfigRuleName": RULE, "Limit": 101}, "ValidationException"),
        ({"ConfigRuleName": RULE, "NextToken": "garbage"}, "InvalidNextTokenException"),
        ({"ConfigRuleName": "no-such-rule"}, "NoSuchConfigRuleException"),
    ]
    for kwargs, code in errors:
        with pytest.raises(ClientError) as e:
            cfg.get_compliance_details_by_config_rule(**kwargs)
        assert error_code(e.value) == code, kwargs


def test_paginator_over_compliance_details(endpoint: str) -> None:
    control(endpoint, "POST", "result_tokens", {"resultToken": "t", "configRuleName": RULE})
    results = [{"resourceType": "AWS::RDS::DBCluster", "resourceId": f"c{i}", "complianceType": "NON_COMPLIANT"}
               for i in range(230)]
    control(endpoint, "POST", "compliance", {"configRuleName": RULE, "results": results})
    pages = client(endpoint, "config").get_paginator("get_compliance_details_by_config_rule").paginate(
        ConfigRuleName=RULE, ComplianceTypes=["COMPLIANT", "NON_COMPLIANT"], PaginationConfig={"PageSize": 100}
    )
    sizes = [len(p["EvaluationResults"]) for p in pages]
    assert sizes == [100, 100, 30]


# --------------------------------------------------------------------------- GetResourceConfigHistory


def test_resource_config_history(endpoint: str) -> None:
    cfg = client(endpoint, "config")
    rtype, rid = "AWS::RDS::DBCluster", "cluster-ABC"
    base = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(3):
        item = {
            "arn": "arn:aws:rds:us-east-1:123456789012:cluster:neptune-a",
            "resourceName": "neptune-a",
            "configurationItemCaptureTime": (base + timedelta(hours=i)).isoformat() if i != 1 else (base + timedelta(hours=i)).timestamp(),
            "configurationStateId": str(1000 + i),
            "configuration": {"engine": "neptune", "storageEncrypted": True, "dbClusterResourceId": rid, "v": i},
            "supplementaryConfiguration": {"Tags": [{"key": "k", "value": "v"}]},
        }
        control(endpoint, "POST", "config_history", {"resourceType": rtype, "resourceId": rid, "item": item})

    items = cfg.get_resource_config_history(resourceType=rtype, resourceId=rid)["configurationItems"]
    assert [json.loads(i["configuration"])["v"] for i in items] == [2, 1, 0]  # Reverse (newest first)
    top = items[0]
    assert top["accountId"] == "123456789012" and top["awsRegion"] == "us-east-1" and top["version"] == "1.3"
    assert top["resourceType"] == rtype and top["resourceId"] == rid and top["configurationItemStatus"] == "OK"
    assert top["configurationItemCaptureTime"] == base + timedelta(hours=2)
    assert isinstance(top["configuration"], str) and isinstance(top["supplementaryConfiguration"]["Tags"], str)

    # RDK's oversized-CI lookup: laterTime = capture time, limit = 1.
    hit = cfg.get_resource_config_history(resourceType=rtype, resourceId=rid, laterTime=base + timedelta(hours=1), limit=1)
    assert [json.loads(i["configuration"])["v"] for i in hit["configurationItems"]] == [1] and hit["nextToken"]
    nxt = cfg.get_resource_config_history(
        resourceType=rtype, resourceId=rid, laterTime=base + timedelta(hours=1), limit=1, nextToken=hit["nextToken"]
    )
    assert [json.loads(i["configuration"])["v"] for i in nxt["configurationItems"]] == [0] and "nextToken" not in nxt

    fwd = cfg.get_resource_config_history(
        resourceType=rtype, resourceId=rid, earlierTime=base + timedelta(minutes=30), chronologicalOrder="Forward"
    )
    assert [json.loads(i["configuration"])["v"] for i in fwd["configurationItems"]] == [1, 2]

    errors = [
        ({"resourceId": "cluster-unknown"}, "ResourceNotDiscoveredException"),
        ({"resourceId": rid, "limit": 101}, "ValidationException"),
        ({"resourceId": rid, "laterTime": base, "earlierTime": base + timedelta(hours=1)}, "InvalidTimeRangeException"),
        ({"resourceId": rid, "nextToken": "bogus"}, "InvalidNextTokenException"),
    ]
    for kwargs, code in errors:
        with pytest.raises(ClientError) as e:
            cfg.get_resource_config_history(resourceType=rtype, **kwargs)
        assert error_code(e.value) == code, kwargs


# --------------------------------------------------------------------------- KMS


def test_kms_key_manager_aws_for_reserved_aliases(endpoint: str) -> None:
    kms = client(endpoint, "kms")
    by_alias = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    assert by_alias["KeyManager"] == "AWS"
    for key_id in (by_alias["KeyId"], by_alias["Arn"], "arn:aws:kms:us-east-1:123456789012:alias/aws/rds"):
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyManager"] == "AWS"
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/aws/rds"] == by_alias["KeyId"]
    cmk = kms.create_key()["KeyMetadata"]
    assert cmk["KeyManager"] == "CUSTOMER"
    kms.create_alias(AliasName="alias/mine", TargetKeyId=cmk["KeyId"])
    assert kms.describe_key(KeyId="alias/mine")["KeyMetadata"]["KeyManager"] == "CUSTOMER"


# --------------------------------------------------------------------------- RDS / Neptune


def test_unique_dbi_resource_ids(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    neptune.create_db_cluster(DBClusterIdentifier="c1", Engine="neptune")
    for i in range(5):
        neptune.create_db_instance(DBInstanceIdentifier=f"i{i}", DBInstanceClass="db.r5.large", Engine="neptune",
                                   DBClusterIdentifier="c1")
    ids = [i["DbiResourceId"] for i in neptune.describe_db_instances()["DBInstances"]]
    assert len(set(ids)) == 5
    assert all(re.fullmatch(r"db-[A-Z0-9]{26}", i) for i in ids)


def test_kms_key_id_like_aws(endpoint: str) -> None:
    neptune, kms = client(endpoint, "neptune"), client(endpoint, "kms")
    cmk = kms.create_key()["KeyMetadata"]
    neptune.create_db_cluster(DBClusterIdentifier="plain", Engine="neptune")
    neptune.create_db_cluster(DBClusterIdentifier="default-key", Engine="neptune", StorageEncrypted=True)
    neptune.create_db_cluster(DBClusterIdentifier="by-id", Engine="neptune", StorageEncrypted=True, KmsKeyId=cmk["KeyId"])
    neptune.create_db_instance(DBInstanceIdentifier="default-key-1", DBInstanceClass="db.r5.large", Engine="neptune",
                               DBClusterIdentifier="default-key")
    clusters = {c["DBClusterIdentifier"]: c for c in neptune.describe_db_clusters()["DBClusters"]}
    assert clusters["plain"]["StorageEncrypted"] is False and "KmsKeyId" not in clusters["plain"]
    aws_rds = clusters["default-key"]["KmsKeyId"]
    assert re.fullmatch(r"arn:aws:kms:us-east-1:123456789012:key/[0-9a-f-]{36}", aws_rds)
    meta = kms.describe_key(KeyId=aws_rds)["KeyMetadata"]
    assert meta["KeyManager"] == "AWS" and meta["Arn"] == kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["Arn"]
    assert clusters["by-id"]["KmsKeyId"] == cmk["Arn"]
    inst = neptune.describe_db_instances(DBInstanceIdentifier="default-key-1")["DBInstances"][0]
    assert inst["KmsKeyId"] == aws_rds
    standalone = client(endpoint, "rds").create_db_instance(
        DBInstanceIdentifier="mysql-1", DBInstanceClass="db.t3.micro", Engine="mysql", MasterUsername="admin",
        MasterUserPassword="password-123", AllocatedStorage=20, StorageEncrypted=True,
    )["DBInstance"]
    assert standalone["KmsKeyId"] == aws_rds
    # moto's automated cluster snapshot (kept, documented) carries the real key too.
    snaps = neptune.describe_db_cluster_snapshots(DBClusterIdentifier="default-key")["DBClusterSnapshots"]
    assert [s["SnapshotType"] for s in snaps] == ["automated"] and snaps[0]["KmsKeyId"] == aws_rds


def _collect(method: Any, key: str, id_key: str, **kwargs: Any) -> tuple[list[str], list[int]]:
    names: list[str] = []
    sizes: list[int] = []
    marker = None
    while True:
        page = method(**kwargs, **({"Marker": marker} if marker else {}))
        sizes.append(len(page[key]))
        names += [c[id_key] for c in page[key]]
        marker = page.get("Marker")
        if not marker:
            return names, sizes


def test_rds_paging(endpoint: str) -> None:
    neptune, rds = client(endpoint, "neptune"), client(endpoint, "rds")
    created = control(endpoint, "POST", "bulk_clusters", {"count": 45, "prefix": "np-"})["clusters"]
    assert len(created) == 45 and created[0]["DBClusterIdentifier"] == "np-00000" and created[0]["KmsKeyId"] is None
    rds.create_db_cluster(DBClusterIdentifier="pg", Engine="aurora-postgresql", MasterUsername="u",
                          MasterUserPassword="password-123")
    neptune_only = [{"Name": "engine", "Values": ["neptune"]}]

    names, sizes = _collect(neptune.describe_db_clusters, "DBClusters", "DBClusterIdentifier", MaxRecords=20, Filters=neptune_only)
    assert sizes == [20, 20, 5] and len(set(names)) == 45 and "pg" not in names
    names, sizes = _collect(neptune.describe_db_clusters, "DBClusters", "DBClusterIdentifier")
    assert sizes == [46]  # default MaxRecords 100

    names, sizes = _collect(neptune.describe_db_cluster_snapshots, "DBClusterSnapshots", "DBClusterSnapshotIdentifier", MaxRecords=20,
                            Filters=neptune_only)
    assert sizes == [20, 20, 5] and all(n.startswith("rds:np-") for n in names)  # moto's automated snapshots

    for i in range(25):
        neptune.create_db_instance(DBInstanceIdentifier=f"np-i{i}", DBInstanceClass="db.r5.large", Engine="neptune",
                                   DBClusterIdentifier="np-00001")
    names, sizes = _collect(neptune.describe_db_instances, "DBInstances", "DBInstanceIdentifier", MaxRecords=20)
    assert sizes == [20, 5] and len(set(names)) == 25

    pages = neptune.get_paginator("describe_db_clusters").paginate(PaginationConfig={"PageSize": 20})
    assert sum(len(p["DBClusters"]) for p in pages) == 46

    for bad in ({"MaxRecords": 19}, {"MaxRecords": 101}, {"Marker": "not-a-marker"}):
        with pytest.raises(ClientError) as e:
            neptune.describe_db_clusters(**bad)
        assert error_code(e.value) == "InvalidParameterValue"


def test_bulk_clusters_over_keys(endpoint: str) -> None:
    kms = client(endpoint, "kms")
    arns = [kms.create_key()["KeyMetadata"]["Arn"] for _ in range(3)]
    out = control(endpoint, "POST", "bulk_clusters", {"count": 7, "kmsKeyIds": arns})["clusters"]
    assert [c["KmsKeyId"] for c in out] == [arns[i % 3] for i in range(7)] and all(c["StorageEncrypted"] for c in out)
    with pytest.raises(urllib.error.HTTPError) as e:  # same identifiers again
        control(endpoint, "POST", "bulk_clusters", {"count": 1, "kmsKeyIds": arns})
    assert e.value.code == 400


# --------------------------------------------------------------------------- counting and faults


def test_call_counting(endpoint: str) -> None:
    kms, neptune, sts, cfg = (client(endpoint, s) for s in ("kms", "neptune", "sts", "config"))
    for _ in range(3):
        kms.describe_key(KeyId="alias/aws/rds")
    neptune.describe_db_clusters()
    sts.get_caller_identity()
    cfg.put_evaluations(ResultToken="t", Evaluations=[evaluation("c")], TestMode=True)
    control(endpoint, "GET", "put_evaluations")  # control calls are not counted
    assert control(endpoint, "GET", "calls") == {
        "kms:DescribeKey": 3,
        "rds:DescribeDBClusters": 1,
        "sts:GetCallerIdentity": 1,
        "config:PutEvaluations": 1,
    }
    control(endpoint, "POST", "calls/reset")
    assert control(endpoint, "GET", "calls") == {}


def test_fault_json_protocol(endpoint: str) -> None:
    kms = client(endpoint, "kms", NO_RETRY)
    control(endpoint, "POST", "faults", {"operation": "DescribeKey", "service": "kms", "error_code": "ThrottlingException",
                                         "status": 400, "message": "Rate exceeded", "count": 2})
    assert control(endpoint, "GET", "faults")[0]["count"] == 2
    for _ in range(2):
        with pytest.raises(ClientError) as e:
            kms.describe_key(KeyId="alias/aws/rds")
        err = e.value.response
        assert err["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert err["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "ThrottlingException"
    assert kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyManager"] == "AWS"
    assert control(endpoint, "GET", "calls")["kms:DescribeKey"] == 3
    assert control(endpoint, "GET", "faults") == []


def test_fault_query_protocol(endpoint: str) -> None:
    neptune, sts = client(endpoint, "neptune", NO_RETRY), client(endpoint, "sts", NO_RETRY)
    control(endpoint, "POST", "faults", [
        {"operation": "DescribeDBClusters", "service": "rds", "error_code": "Throttling", "message": "Rate exceeded"},
        {"operation": "GetCallerIdentity", "error_code": "InternalFailure", "status": 500, "message": "boom"},
    ])
    with pytest.raises(ClientError) as e:
        neptune.describe_db_clusters()
    assert e.value.response["Error"]["Code"] == "Throttling" and e.value.response["Error"]["Type"] == "Sender"
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InternalFailure"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    # Raw body shape, as the Rust query-protocol parser sees it.
    control(endpoint, "POST", "faults", {"operation": "DescribeDBInstances", "error_code": "Throttling", "message": "slow down"})
    req = urllib.request.Request(
        endpoint + "/", data=b"Action=DescribeDBInstances&Version=2014-10-31", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/rds/aws4_request, "
                                  "SignedHeaders=host, Signature=00"},
    )
    with pytest.raises(urllib.error.HTTPError) as h:
        urllib.request.urlopen(req, timeout=10)
    body = h.value.read().decode()
    assert re.fullmatch(
        r'<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type>'
        r"<Code>Throttling</Code><Message>slow down</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>",
        body,
    ), body
    calls = control(endpoint, "GET", "calls")
    assert calls["rds:DescribeDBClusters"] == 1 and calls["sts:GetCallerIdentity"] == 1
    assert calls["rds:DescribeDBInstances"] == 1
    # Neither fault matches now: both calls go through.
    assert neptune.describe_db_clusters()["DBClusters"] == []


def test_fault_delay(endpoint: str) -> None:
    sts = client(endpoint, "sts", Config(read_timeout=0.3, connect_timeout=2, retries={"total_max_attempts": 1}))
    control(endpoint, "POST", "faults", {"operation": "GetCallerIdentity", "delay_seconds": 1.0})
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        sts.get_caller_identity()
    assert time.monotonic() - started < 1.0
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_fault_and_control_validation(endpoint: str) -> None:
    for bad in ({"error_code": "X"}, {"operation": "DescribeKey"}, {"operation": "PutEvaluations", "count": 0,
                                                                      "failed_evaluations": 1}):
        with pytest.raises(urllib.error.HTTPError) as e:
            control(endpoint, "POST", "faults", bad)
        assert e.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as e:
        control(endpoint, "POST", "result_tokens", {"resultToken": "t"})
    assert e.value.code == 400
    control(endpoint, "POST", "faults", {"operation": "DescribeKey", "error_code": "X", "count": 5})
    control(endpoint, "DELETE", "faults")
    assert control(endpoint, "GET", "faults") == []


def test_reset_clears_everything(endpoint: str) -> None:
    neptune, cfg = client(endpoint, "neptune"), client(endpoint, "config")
    neptune.create_db_cluster(DBClusterIdentifier="c1", Engine="neptune")
    control(endpoint, "POST", "result_tokens", {"resultToken": "t", "configRuleName": RULE})
    cfg.put_evaluations(ResultToken="t", Evaluations=[evaluation("c")])
    control(endpoint, "POST", "faults", {"operation": "DescribeKey", "error_code": "X"})
    control(endpoint, "POST", "reset")
    assert neptune.describe_db_clusters()["DBClusters"] == []
    assert control(endpoint, "GET", "put_evaluations") == []
    assert control(endpoint, "GET", "faults") == []
    assert control(endpoint, "GET", "calls") == {"rds:DescribeDBClusters": 1}
    with pytest.raises(ClientError) as e:
        cfg.get_compliance_details_by_config_rule(ConfigRuleName=RULE)
    assert error_code(e.value) == "NoSuchConfigRuleException"


# --------------------------------------------------------------------------- seed.py


def test_seed_demo(endpoint: str) -> None:
    summary = seed.seed_demo(endpoint)
    by_scenario = {c["scenario"]: c for c in summary["clusters"]}
    keys = summary["keys"]
    assert by_scenario["cmk-enabled"]["KmsKeyId"] == keys["cmk"]["Arn"]
    assert by_scenario["aws-managed-key"]["KmsKeyId"] == keys["aws_rds"]["Arn"] and keys["aws_rds"]["KeyManager"] == "AWS"
    assert by_scenario["unencrypted"]["KmsKeyId"] is None
    assert by_scenario["non-neptune"]["Engine"] == "aurora-postgresql"
    kms = client(endpoint, "kms")
    assert kms.describe_key(KeyId=keys["pending_deletion"]["Arn"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert len({i["DbiResourceId"] for i in summary["instances"]}) == 4
    assert summary["snapshots"][0]["KmsKeyId"] == keys["cmk"]["Arn"]


def test_seed_sweep_cli(endpoint: str) -> None:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    for method, prefix_count in (("api", 30), ("bulk", 30)):
        control(endpoint, "POST", "reset")
        out = subprocess.run(
            [sys.executable, str(HERE / "seed.py"), "--fleet", "sweep", "--clusters", str(prefix_count), "--keys", "4",
             "--method", method],
            env=env, capture_output=True, check=True, timeout=60,
        )
        summary = json.loads(out.stdout)
        assert summary["method"] == method and len(summary["keys"]) == 4 and len(summary["clusters"]) == 30
        assert {c["KmsKeyId"] for c in summary["clusters"]} == {k["Arn"] for k in summary["keys"]}
