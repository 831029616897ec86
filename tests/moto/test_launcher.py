"""Exercises every patch and control endpoint of tests/moto/launcher.py (and its ncmk_moto
package) through boto3, against a launcher started on a loopback port.

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
from concurrent.futures import ThreadPoolExecutor
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


def start_launcher(*extra: str, env: Optional[dict[str, str]] = None) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--port", "0", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
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


def client(
    endpoint: str, service: str, config: Optional[Config] = None, region: str = "us-east-1",
    creds: Optional[dict[str, str]] = None,
) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        config=config,
        **(creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}),
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


def test_cluster_members_follow_instance_creation_and_deletion(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")

    def members(cluster: str) -> list[tuple[str, bool]]:
        [found] = neptune.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"]
        return sorted((m["DBInstanceIdentifier"], m["IsClusterWriter"]) for m in found["DBClusterMembers"])

    for cluster in ("m1", "m2"):
        neptune.create_db_cluster(DBClusterIdentifier=cluster, Engine="neptune")
    assert members("m1") == []
    for name, cluster in (("w", "m1"), ("r", "m1"), ("other", "m2")):
        neptune.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.r5.large", Engine="neptune",
                                   DBClusterIdentifier=cluster)
    assert members("m1") == [("r", False), ("w", True)]
    assert members("m2") == [("other", True)]
    neptune.delete_db_instance(DBInstanceIdentifier="r", SkipFinalSnapshot=True)
    assert members("m1") == [("w", True)]
    neptune.create_db_instance(DBInstanceIdentifier="r2", DBInstanceClass="db.r5.large", Engine="neptune",
                               DBClusterIdentifier="m1")
    assert members("m1") == [("r2", False), ("w", True)]


def test_reserved_tag_keys_are_rejected_and_system_tags_seeded(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    for key in ("aws:cloudformation:stack-name", "AWS:CloudFormation:logical-id"):
        with pytest.raises(ClientError) as raised:
            neptune.create_db_cluster(DBClusterIdentifier="t1", Engine="neptune",
                                      Tags=[{"Key": "team", "Value": "g"}, {"Key": key, "Value": "v"}])
        assert error_code(raised.value) == "InvalidParameterValue"
        assert 'reserved prefix "aws:"' in str(raised.value)
    assert neptune.describe_db_clusters(Filters=[{"Name": "engine", "Values": ["neptune"]}])["DBClusters"] == []
    arn = neptune.create_db_cluster(DBClusterIdentifier="t1", Engine="neptune",
                                    Tags=[{"Key": "team", "Value": "g"}])["DBCluster"]["DBClusterArn"]
    with pytest.raises(ClientError) as raised:
        neptune.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "aws:x", "Value": "v"}])
    assert error_code(raised.value) == "InvalidParameterValue"
    with pytest.raises(ClientError):
        neptune.create_db_instance(DBInstanceIdentifier="t1-1", DBInstanceClass="db.r5.large", Engine="neptune",
                                   DBClusterIdentifier="t1", Tags=[{"Key": "aws:x", "Value": "v"}])
    neptune.create_db_cluster_snapshot(DBClusterIdentifier="t1", DBClusterSnapshotIdentifier="t1-s")
    with pytest.raises(ClientError):
        neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="t2", SnapshotIdentifier="t1-s",
                                                 Engine="neptune", Tags=[{"Key": "aws:x", "Value": "v"}])
    # What CloudFormation puts on a stack's resources, seeded as AWS itself tags.
    control(endpoint, "POST", "system_tags", {"arn": arn, "tags": {"aws:cloudformation:stack-name": "graph"}})
    tags = neptune.list_tags_for_resource(ResourceName=arn)["TagList"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("aws:cloudformation:stack-name", "graph"), ("team", "g")]


def test_roles_global_clusters_and_event_subscriptions(endpoint: str) -> None:
    """The calls the remediation reads and makes, through the Neptune client (the primary flag is patched)."""
    neptune = client(endpoint, "neptune")
    arn = neptune.create_db_cluster(DBClusterIdentifier="g1", Engine="neptune")["DBCluster"]["DBClusterArn"]
    neptune.describe_db_clusters(DBClusterIdentifier="g1")  # creating -> available
    role = "arn:aws:iam::123456789012:role/NeptuneML"
    neptune.add_role_to_db_cluster(DBClusterIdentifier="g1", RoleArn=role, FeatureName="SageMaker")
    [found] = neptune.describe_db_clusters(DBClusterIdentifier="g1")["DBClusters"]
    assert [(r["RoleArn"], r.get("FeatureName")) for r in found["AssociatedRoles"]] == [(role, "SageMaker")]
    with pytest.raises(ClientError) as raised:
        neptune.add_role_to_db_cluster(DBClusterIdentifier="g1", RoleArn=role, FeatureName="SageMaker")
    assert error_code(raised.value) == "DBClusterRoleAlreadyExists"
    neptune.create_global_cluster(GlobalClusterIdentifier="graph-global", SourceDBClusterIdentifier=arn)
    [global_cluster] = neptune.describe_global_clusters()["GlobalClusters"]
    assert global_cluster["GlobalClusterIdentifier"] == "graph-global"
    assert [(m["DBClusterArn"], m["IsWriter"]) for m in global_cluster["GlobalClusterMembers"]] == [(arn, True)]
    neptune.create_event_subscription(SubscriptionName="alarms", SnsTopicArn="arn:aws:sns:us-east-1:123456789012:t",
                                      SourceType="db-cluster", SourceIds=["g1"])
    [subscription] = neptune.describe_event_subscriptions()["EventSubscriptionsList"]
    assert (subscription["CustSubscriptionId"], subscription["SourceIdsList"]) == ("alarms", ["g1"])


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
    # The delay is applied: the answer takes at least that long (a lower bound, which load
    # cannot break).
    sts = client(endpoint, "sts", NO_RETRY)
    control(endpoint, "POST", "faults", {"operation": "GetCallerIdentity", "delay_seconds": 0.5})
    assert _timed(sts.get_caller_identity) >= 0.5
    # What the delay is for: a client's read timeout fires while the answer is held back
    # (the answer is a minute away; the client gives up after 0.3 s).
    impatient = client(endpoint, "sts", Config(read_timeout=0.3, retries={"total_max_attempts": 1}))
    control(endpoint, "POST", "faults", {"operation": "GetCallerIdentity", "delay_seconds": 60})
    with pytest.raises(ReadTimeoutError):
        impatient.get_caller_identity()
    # The server still holds that answer back after the client gave up; wake it.
    _wait_until("the delayed call is asleep", lambda: _sleeping(endpoint, 1))
    assert control(endpoint, "POST", "latency/release") == {"released": 1}
    _wait_until("the delayed call is done", lambda: control(endpoint, "GET", "concurrency")["inFlight"] == 0)
    assert control(endpoint, "GET", "faults") == []  # used once: the next call is answered at once
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


# --------------------------------------------------------------------------- latency


def _timed(fn: Any) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


# The latency no test ever waits out: calls made under it are answered only once
# POST latency/release wakes them, so what happens while they sleep is ordered by events.
ASLEEP_MS = 60_000


def _wait_until(what: str, check: Any, timeout: float = 45.0) -> Any:
    """Polls ``check`` until it returns something true; fails with ``what`` if it never does.
    (A guard against hanging, far beyond anything these waits need; not a time budget.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


def _sleeping(endpoint: str, n: int) -> bool:
    """Whether exactly ``n`` AWS calls are asleep in their latency now."""
    return control(endpoint, "GET", "concurrency")["sleeping"] == n


def _raw_sts_call(endpoint: str, timeout: float = 600) -> int:
    """GetCallerIdentity on its own connection (no SDK pool limits, no retries): the HTTP status."""
    req = urllib.request.Request(
        endpoint + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, "
                                  "SignedHeaders=host, Signature=00"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status


def test_latency_flag_env_and_control() -> None:
    proc, port = start_launcher("--latency-ms", "150", env={"NEPTUNE_CMK_LATENCY_MS": "999"})  # flag wins
    try:
        ep = f"http://127.0.0.1:{port}"
        raw = urllib.request.urlopen(f"{ep}/_neptune_cmk/latency", timeout=10).read()
        assert json.loads(raw) == {"ms": 150} and b"150.0" not in raw  # an integer stays an integer
        sts = client(ep, "sts")
        assert _timed(sts.get_caller_identity) >= 0.15  # applied: a lower bound only
        control(ep, "POST", "reset")
        assert control(ep, "GET", "latency") == {"ms": 150}  # reset keeps the latency
        assert control(ep, "POST", "latency", {"ms": 12.5}) == {"ms": 12.5}

        # The control API and /moto-api are never delayed: they answer while an AWS call,
        # which came first, is still asleep.
        assert control(ep, "POST", "latency", {"ms": ASLEEP_MS}) == {"ms": ASLEEP_MS}
        with ThreadPoolExecutor(1) as pool:
            asleep = pool.submit(_raw_sts_call, ep)
            try:
                _wait_until("the AWS call is asleep", lambda: _sleeping(ep, 1))
                assert control(ep, "GET", "ping") == {"ok": True}
                with urllib.request.urlopen(f"{ep}/moto-api/config", timeout=30) as resp:
                    assert 200 <= resp.status < 300
                # A new latency applies to calls that start after it: at 0 a call is answered
                # (well within its 30 s timeout) while the first one still sleeps its minute.
                assert control(ep, "POST", "latency", {"ms": 0}) == {"ms": 0}
                assert client(ep, "sts", Config(read_timeout=30, retries={"total_max_attempts": 1})
                              ).get_caller_identity()["Account"] == "123456789012"
                assert _sleeping(ep, 1) and not asleep.done()
                assert control(ep, "POST", "latency/release") == {"released": 1}
                assert asleep.result(timeout=60) == 200
            finally:
                control(ep, "POST", "latency/release")
        assert control(ep, "GET", "concurrency") == {"inFlight": 0, "sleeping": 0, "peak": 2}
        for bad in ({"ms": -1}, {"ms": "fast"}, {}):
            with pytest.raises(urllib.error.HTTPError) as e:
                control(ep, "POST", "latency", bad)
            assert e.value.code == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    proc, port = start_launcher(env={"NEPTUNE_CMK_LATENCY_MS": "40"})
    try:
        assert control(f"http://127.0.0.1:{port}", "GET", "latency") == {"ms": 40}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_latency_is_concurrent(endpoint: str) -> None:
    """Concurrent calls sleep their latency concurrently: every one of them is asleep at the
    same moment, none answered, until they are released. (How long N calls take at a given
    latency is measured by `make bench`, tools/bench.py.)"""
    control(endpoint, "POST", "latency", {"ms": ASLEEP_MS})
    try:
        # (An earlier test's call whose client gave up may still be finishing.)
        _wait_until("no call in flight", lambda: control(endpoint, "GET", "concurrency")["inFlight"] == 0)
        assert control(endpoint, "POST", "concurrency/reset") == {"inFlight": 0, "sleeping": 0, "peak": 0}
        # 10 SDK clients at once...
        sdk = [client(endpoint, "sts", Config(read_timeout=600, retries={"total_max_attempts": 1}))
               for _ in range(10)]
        with ThreadPoolExecutor(10) as pool:
            calls = [pool.submit(c.get_caller_identity) for c in sdk]
            try:
                _wait_until("10 SDK calls asleep at once", lambda: _sleeping(endpoint, 10))
                assert not any(call.done() for call in calls)
                assert control(endpoint, "POST", "latency/release") == {"released": 10}
                assert [call.result(timeout=60)["Account"] for call in calls] == ["123456789012"] * 10
            finally:
                control(endpoint, "POST", "latency/release")
        # ...and 64 raw connections at once (no SDK pool limits).
        with ThreadPoolExecutor(64) as pool:
            calls = [pool.submit(_raw_sts_call, endpoint) for _ in range(64)]
            try:
                _wait_until("64 connections asleep at once", lambda: _sleeping(endpoint, 64))
                assert not any(call.done() for call in calls)
                assert control(endpoint, "GET", "concurrency") == {"inFlight": 64, "sleeping": 64, "peak": 64}
                assert control(endpoint, "POST", "latency/release") == {"released": 64}
                assert [call.result(timeout=60) for call in calls] == [200] * 64
            finally:
                control(endpoint, "POST", "latency/release")
        assert control(endpoint, "GET", "concurrency") == {"inFlight": 0, "sleeping": 0, "peak": 64}
        assert control(endpoint, "GET", "calls")["sts:GetCallerIdentity"] == 74
        # Calls that start after a release sleep as usual.
        with ThreadPoolExecutor(1) as pool:
            later = pool.submit(_raw_sts_call, endpoint)
            try:
                _wait_until("a later call asleep", lambda: _sleeping(endpoint, 1))
                assert not later.done()
                assert control(endpoint, "POST", "latency/release") == {"released": 1}
                assert later.result(timeout=60) == 200
            finally:
                control(endpoint, "POST", "latency/release")
    finally:
        control(endpoint, "POST", "latency", {"ms": 0})


# --------------------------------------------------------------------------- organizations


def organization(endpoint: str, names: tuple[str, ...] = ("member-a", "member-b")) -> list[str]:
    """An organization managed by the default account, with one member account per name."""
    org = client(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    return [
        org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
        for name in names
    ]


def assume(endpoint: str, account: str, role: str = "NeptuneCmkMember") -> dict[str, str]:
    """Credentials of the member role, assumed from the management account."""
    creds = client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="neptune-cmk"
    )["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def test_organization_members_and_assumed_roles(endpoint: str) -> None:
    members = organization(endpoint)
    accounts = client(endpoint, "organizations").list_accounts()["Accounts"]
    assert {(a["Id"], a["Name"], a["Status"]) for a in accounts} == {
        ("123456789012", "master", "ACTIVE"), (members[0], "member-a", "ACTIVE"), (members[1], "member-b", "ACTIVE"),
    }
    for member in members:
        creds = assume(endpoint, member)  # the role need not exist: iam_checks are off by default
        identity = client(endpoint, "sts", creds=creds).get_caller_identity()
        assert identity["Account"] == member
        assert identity["Arn"] == f"arn:aws:sts::{member}:assumed-role/NeptuneCmkMember/neptune-cmk"
        for region in ("us-east-1", "eu-west-1"):
            key = client(endpoint, "kms", region=region, creds=creds).create_key()["KeyMetadata"]["Arn"]
            neptune = client(endpoint, "neptune", region=region, creds=creds)
            neptune.create_db_cluster(DBClusterIdentifier=f"graph-{region}", Engine="neptune", StorageEncrypted=True,
                                      KmsKeyId=key)
            [cluster] = neptune.describe_db_clusters()["DBClusters"]
            assert cluster["DBClusterArn"] == f"arn:aws:rds:{region}:{member}:cluster:graph-{region}"
            assert cluster["KmsKeyId"] == key and f":{region}:{member}:key/" in key
    assert client(endpoint, "neptune").describe_db_clusters()["DBClusters"] == []  # management account

    # bulk_clusters lands in the member account too, seen through the assumed role.
    out = control(endpoint, "POST", "bulk_clusters", {"count": 3, "prefix": "bulk-", "accountId": members[1],
                                                       "region": "eu-west-1"})
    assert all(f":eu-west-1:{members[1]}:cluster:bulk-" in c["DBClusterArn"] for c in out["clusters"])
    seen = client(endpoint, "neptune", region="eu-west-1", creds=assume(endpoint, members[1])).describe_db_clusters()
    assert len(seen["DBClusters"]) == 4


# --------------------------------------------------------------------------- AssumeRole requires the role

TRUST_MANAGEMENT = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})


def _assume_denied(endpoint: str, role_arn: str, creds: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """The error answer to AssumeRole of ``role_arn``, which must fail."""
    with pytest.raises(ClientError) as e:
        client(endpoint, "sts", NO_RETRY, creds=creds).assume_role(RoleArn=role_arn, RoleSessionName="neptune-cmk")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return e.value.response["Error"]


def _not_authorized(caller: str, role_arn: str) -> dict[str, str]:
    return {"Type": "Sender", "Code": "AccessDenied",
            "Message": f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"}


def test_assume_role_requires_the_role_when_checked(endpoint: str) -> None:
    [member] = organization(endpoint, ("member-a",))
    member_role = f"arn:aws:iam::{member}:role/NeptuneCmkMember"
    # Off by default: moto's own behaviour, any role ARN is assumed.
    assert control(endpoint, "GET", "iam_checks") == {"assumeRole": False}
    assert client(endpoint, "sts", creds=assume(endpoint, member)).get_caller_identity()["Account"] == member

    assert control(endpoint, "POST", "iam_checks", {"assumeRole": True}) == {"assumeRole": True}
    assert _assume_denied(endpoint, member_role) == _not_authorized("arn:aws:sts::123456789012:user/moto", member_role)
    # CreateAccount put OrganizationAccountAccessRole in the member, as AWS does; through it
    # the member role is created, and can then be assumed.
    admin = assume(endpoint, member, "OrganizationAccountAccessRole")
    assert _assume_denied(endpoint, f"arn:aws:iam::{member}:role/Other", creds=admin) == _not_authorized(
        f"arn:aws:sts::{member}:assumed-role/OrganizationAccountAccessRole/neptune-cmk",
        f"arn:aws:iam::{member}:role/Other")
    client(endpoint, "iam", creds=admin).create_role(RoleName="NeptuneCmkMember",
                                                     AssumeRolePolicyDocument=TRUST_MANAGEMENT)
    identity = client(endpoint, "sts", creds=assume(endpoint, member)).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{member}:assumed-role/NeptuneCmkMember/neptune-cmk"
    # The role must be in the account the ARN names, and the ARN must carry the role's path.
    assert _assume_denied(endpoint, "arn:aws:iam::123456789012:role/NeptuneCmkMember")["Code"] == "AccessDenied"
    client(endpoint, "iam").create_role(RoleName="Auditor", Path="/audit/", AssumeRolePolicyDocument=TRUST_MANAGEMENT)
    assert _assume_denied(endpoint, "arn:aws:iam::123456789012:role/Auditor")["Code"] == "AccessDenied"
    assert _assume_denied(endpoint, "arn:aws:iam::123456789012:role/audit/auditor")["Code"] == "AccessDenied"
    assume(endpoint, "123456789012", "audit/Auditor")  # names are case sensitive, paths part of the ARN
    assert control(endpoint, "GET", "calls")["sts:AssumeRole"] == 9  # refusals are counted too

    for bad in ({"assumeRole": "yes"}, {"createRole": True}, ["assumeRole"]):
        with pytest.raises(urllib.error.HTTPError) as e:
            control(endpoint, "POST", "iam_checks", bad)
        assert e.value.code == 400
    control(endpoint, "POST", "reset")  # back to the launcher's setting: off
    assert control(endpoint, "GET", "iam_checks") == {"assumeRole": False}
    assert client(endpoint, "sts", creds=assume(endpoint, member)).get_caller_identity()["Account"] == member


def test_assume_role_check_flag_and_env() -> None:
    for extra, env in ((("--check-assume-role",), {}), ((), {"NEPTUNE_CMK_CHECK_ASSUME_ROLE": "1"})):
        proc, port = start_launcher(*extra, env=env)
        try:
            ep = f"http://127.0.0.1:{port}"
            missing = "arn:aws:iam::111122223333:role/NeptuneCmkMember"
            assert control(ep, "GET", "iam_checks") == {"assumeRole": True}
            assert _assume_denied(ep, missing)["Code"] == "AccessDenied"
            assert control(ep, "POST", "iam_checks", {"assumeRole": False}) == {"assumeRole": False}
            assume(ep, "111122223333")
            control(ep, "POST", "reset")  # back to the launcher's setting: on
            assert control(ep, "GET", "iam_checks") == {"assumeRole": True}
            assert _assume_denied(ep, missing)["Code"] == "AccessDenied"
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
    bad = subprocess.run([sys.executable, str(LAUNCHER), "--port", "0"], capture_output=True, timeout=120,
                         env={**os.environ, "NEPTUNE_CMK_CHECK_ASSUME_ROLE": "maybe"})
    assert bad.returncode == 2 and b"NEPTUNE_CMK_CHECK_ASSUME_ROLE" in bad.stderr and bad.stdout == b""


def test_seed_org_creates_the_roles_it_assumes(endpoint: str) -> None:
    control(endpoint, "POST", "iam_checks", {"assumeRole": True})
    summary = seed.seed_org(endpoint, members=1, regions=("us-east-1",), clusters=1, instances=0,
                            roles=("NeptuneCmkAuditRole",))
    account = summary["members"][0]["AccountId"]
    for role in ("NeptuneCmkMember", "NeptuneCmkAuditRole"):
        assert client(endpoint, "sts", creds=assume(endpoint, account, role)).get_caller_identity()["Account"] == account
    assume(endpoint, "123456789012", "NeptuneCmkAuditRole")  # the extra roles are in the management account too
    assert _assume_denied(endpoint, "arn:aws:iam::123456789012:role/NeptuneCmkMember")["Code"] == "AccessDenied"
    assert _assume_denied(endpoint, f"arn:aws:iam::{account}:role/Other")["Code"] == "AccessDenied"
    again = seed.seed_org(endpoint, members=1, regions=("eu-west-1",), clusters=1)  # the roles exist: kept
    assert again["members"][0]["AccountId"] == account


# --------------------------------------------------------------------------- Account ListRegions

# The commercial regions AWS enables in every account (launched before March 2019).
ENABLED_BY_DEFAULT = {
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
    "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}


def _all_regions(account_client: Any, **kwargs: Any) -> tuple[list[dict[str, str]], list[int]]:
    """Every region over every page (by hand, so the page sizes can be checked)."""
    regions, sizes, token = [], [], None
    while True:
        page = account_client.list_regions(**kwargs, **({"NextToken": token} if token else {}))
        regions += page["Regions"]
        sizes.append(len(page["Regions"]))
        token = page.get("NextToken")
        if not token:
            return regions, sizes


def test_list_regions_defaults_filter_paging_and_validation(endpoint: str) -> None:
    account = client(endpoint, "account", NO_RETRY)
    botocore_regions = boto3.session.Session().get_available_regions("ec2")  # the aws partition
    regions, sizes = _all_regions(account)
    assert [r["RegionName"] for r in regions] == sorted(set(botocore_regions) | ENABLED_BY_DEFAULT)
    assert {r["RegionName"] for r in regions if r["RegionOptStatus"] == "ENABLED_BY_DEFAULT"} == ENABLED_BY_DEFAULT
    assert {r["RegionOptStatus"] for r in regions} == {"ENABLED_BY_DEFAULT", "DISABLED"}
    assert sizes[0] == 20 and len(sizes) == 2  # default page size 20
    paged, sizes = _all_regions(account, MaxResults=7)
    assert paged == regions and sizes[:-1] == [7] * (len(sizes) - 1)
    enabled, sizes = _all_regions(account, MaxResults=50, RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])
    assert {r["RegionName"] for r in enabled} == ENABLED_BY_DEFAULT and sizes == [17]
    assert account.list_regions(RegionOptStatusContains=["ENABLING"])["Regions"] == []
    # The paginator that the SDKs generate from the model agrees.
    pages = account.get_paginator("list_regions").paginate(PaginationConfig={"PageSize": 5})
    assert [r for page in pages for r in page["Regions"]] == regions

    control(endpoint, "POST", "calls/reset")
    for bad, field in (({"MaxResults": 51}, "maxResults"), ({"RegionOptStatusContains": ["ON"]}, "regionOptStatusContains"),
                       ({"NextToken": "made-up"}, "NextToken"), ({"AccountId": "12345"}, "accountId")):
        with pytest.raises(ClientError) as e:
            account.list_regions(**bad)
        assert error_code(e.value) == "ValidationException" and field in e.value.response["Error"]["Message"], bad
    assert control(endpoint, "GET", "calls") == {"account:ListRegions": 4}  # refused calls are counted too


def test_list_regions_per_account_through_control_api(endpoint: str) -> None:
    member, other = organization(endpoint)
    chosen = [{"RegionName": "us-east-1", "RegionOptStatus": "ENABLED_BY_DEFAULT"},
              {"RegionName": "eu-south-1", "RegionOptStatus": "ENABLED"},
              {"RegionName": "ap-east-1", "RegionOptStatus": "DISABLED"},
              {"RegionName": "me-south-1", "RegionOptStatus": "ENABLING"}]
    answer = control(endpoint, "POST", "regions", {"accountId": member, "regions": chosen})
    in_order = sorted(chosen, key=lambda r: r["RegionName"])
    assert answer == {"accountId": member, "source": "set", "regions": in_order}
    assert control(endpoint, "GET", f"regions?accountId={member}") == answer
    default = control(endpoint, "GET", "regions")
    assert default["accountId"] == "123456789012" and default["source"] == "default"

    # The calling account is the assumed role's; the management account and the other member keep the defaults.
    as_member = client(endpoint, "account", region="eu-west-1", creds=assume(endpoint, member))
    assert _all_regions(as_member)[0] == in_order
    enabled = as_member.list_regions(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])["Regions"]
    assert [r["RegionName"] for r in enabled] == ["eu-south-1", "us-east-1"]
    for creds in (None, assume(endpoint, other)):
        assert len(_all_regions(client(endpoint, "account", creds=creds))[0]) == len(default["regions"])
    # AccountId names another account (organization checks are not modelled).
    assert client(endpoint, "account").list_regions(AccountId=member)["Regions"] == in_order

    # Counted and faultable as account:ListRegions, matched by account and by body parameter.
    control(endpoint, "POST", "calls/reset")
    control(endpoint, "POST", "faults", [
        {"operation": "ListRegions", "service": "account", "match": {"account": member},
         "error_code": "AccessDeniedException", "status": 403, "message": "not authorized", "count": "unlimited"},
        {"operation": "ListRegions", "match": {"params": {"MaxResults": 3}}, "error_code": "TooManyRequestsException",
         "status": 429},
    ])
    member_no_retry = client(endpoint, "account", NO_RETRY, creds=assume(endpoint, member))
    with pytest.raises(ClientError) as e:
        member_no_retry.list_regions()
    assert error_code(e.value) == "AccessDeniedException" and e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    own = client(endpoint, "account", NO_RETRY)
    with pytest.raises(ClientError) as e:
        own.list_regions(MaxResults=3)
    assert error_code(e.value) == "TooManyRequestsException"
    assert len(own.list_regions(MaxResults=3)["Regions"]) == 3  # count 1: used up
    assert control(endpoint, "GET", "calls") == {"sts:AssumeRole": 1, "account:ListRegions": 3}

    # Bad control bodies name the field; reset brings the defaults back.
    for bad in ({"regions": [{"RegionName": "mars-1", "RegionOptStatus": "ENABLED"}]},
                {"regions": [{"RegionName": "eu-west-1", "RegionOptStatus": "ON"}]},
                {"regions": [{"RegionName": "eu-west-1"}]},
                {"regions": [chosen[0], chosen[0]]},
                {"regions": "eu-west-1"},
                {"accountId": "123", "regions": []},
                {"accountId": member}):
        with pytest.raises(urllib.error.HTTPError) as h:
            control(endpoint, "POST", "regions", bad)
        assert h.value.code == 400, bad
    with pytest.raises(urllib.error.HTTPError) as h:
        control(endpoint, "GET", "regions?accountId=abc")
    assert h.value.code == 400
    control(endpoint, "POST", "reset")
    assert control(endpoint, "GET", f"regions?accountId={member}")["source"] == "default"


# --------------------------------------------------------------------------- fault matching


def test_fault_match_account_and_unlimited_count(endpoint: str) -> None:
    member, other = organization(endpoint)
    denied = client(endpoint, "neptune", NO_RETRY, creds=assume(endpoint, member))
    allowed = client(endpoint, "neptune", NO_RETRY, creds=assume(endpoint, other))
    control(endpoint, "POST", "faults", {"operation": "DescribeDBClusters", "service": "rds", "match": {"account": member},
                                         "error_code": "AccessDenied", "status": 403, "count": "unlimited"})
    for _ in range(3):
        with pytest.raises(ClientError) as e:
            denied.describe_db_clusters()
        assert error_code(e.value) == "AccessDenied"
        assert allowed.describe_db_clusters()["DBClusters"] == []
        assert client(endpoint, "neptune").describe_db_clusters()["DBClusters"] == []
    [fault] = control(endpoint, "GET", "faults")
    assert fault["count"] == "unlimited" and fault["match"] == {"account": member}
    assert control(endpoint, "GET", "calls")["rds:DescribeDBClusters"] == 9  # faulted calls are counted


def test_fault_match_region(endpoint: str) -> None:
    control(endpoint, "POST", "faults", {"operation": "DescribeKey", "match": {"region": "eu-west-1"},
                                         "error_code": "KMSInternalException", "status": 500, "count": "unlimited"})
    for region, ok in (("eu-west-1", False), ("us-east-1", True), ("eu-west-1", False)):
        kms = client(endpoint, "kms", NO_RETRY, region=region)
        if ok:
            assert kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyManager"] == "AWS"
        else:
            with pytest.raises(ClientError) as e:
                kms.describe_key(KeyId="alias/aws/rds")
            assert error_code(e.value) == "KMSInternalException"


def test_fault_match_params_query_protocol(endpoint: str) -> None:
    member, other = organization(endpoint)
    sts = client(endpoint, "sts", NO_RETRY)
    blocked = f"arn:aws:iam::{member}:role/NeptuneCmkMember"
    control(endpoint, "POST", "faults", [
        {"operation": "AssumeRole", "match": {"params": {"RoleArn": blocked}}, "error_code": "AccessDenied",
         "status": 403, "message": "not authorized to perform: sts:AssumeRole", "count": "unlimited"},
        {"operation": "DescribeDBClusters", "match": {"params": {"DBClusterIdentifier": "graph-b"}},
         "error_code": "DBClusterNotFoundFault", "status": 404},
    ])
    for _ in range(2):
        with pytest.raises(ClientError) as e:
            sts.assume_role(RoleArn=blocked, RoleSessionName="neptune-cmk")
        assert error_code(e.value) == "AccessDenied" and "sts:AssumeRole" in e.value.response["Error"]["Message"]
    assert sts.assume_role(RoleArn=f"arn:aws:iam::{other}:role/NeptuneCmkMember", RoleSessionName="neptune-cmk")
    neptune = client(endpoint, "neptune", NO_RETRY)
    for cid in ("graph-a", "graph-b"):
        neptune.create_db_cluster(DBClusterIdentifier=cid, Engine="neptune")
    assert len(neptune.describe_db_clusters(DBClusterIdentifier="graph-a")["DBClusters"]) == 1
    with pytest.raises(ClientError) as e:
        neptune.describe_db_clusters(DBClusterIdentifier="graph-b")
    assert error_code(e.value) == "DBClusterNotFoundFault"
    assert len(neptune.describe_db_clusters(DBClusterIdentifier="graph-b")["DBClusters"]) == 1  # count 1: used up


def test_fault_match_params_json_protocol(endpoint: str) -> None:
    kms, cfg = client(endpoint, "kms", NO_RETRY), client(endpoint, "config", NO_RETRY)
    bad, good = (kms.create_key()["KeyMetadata"]["Arn"] for _ in range(2))
    control(endpoint, "POST", "faults", [
        {"operation": "DescribeKey", "service": "kms", "match": {"params": {"KeyId": bad}, "account": "123456789012",
                                                                  "region": "us-east-1"},
         "error_code": "AccessDeniedException", "count": "unlimited"},
        {"operation": "GetComplianceDetailsByConfigRule", "match": {"params": {"ConfigRuleName": "rule-x", "Limit": 7}},
         "error_code": "ThrottlingException", "count": "unlimited"},
    ])
    for _ in range(2):
        with pytest.raises(ClientError) as e:
            kms.describe_key(KeyId=bad)
        assert error_code(e.value) == "AccessDeniedException"
        assert kms.describe_key(KeyId=good)["KeyMetadata"]["Arn"] == good
    control(endpoint, "POST", "compliance", {"configRuleName": "rule-x", "results": []})
    assert cfg.get_compliance_details_by_config_rule(ConfigRuleName="rule-x")["EvaluationResults"] == []
    with pytest.raises(ClientError) as e:  # numbers in the body compare as their JSON text
        cfg.get_compliance_details_by_config_rule(ConfigRuleName="rule-x", Limit=7)
    assert error_code(e.value) == "ThrottlingException"


def test_fault_match_validation(endpoint: str) -> None:
    for bad in (
        {"operation": "DescribeKey", "error_code": "X", "match": {"account": "123"}},
        {"operation": "DescribeKey", "error_code": "X", "match": {"acount": "123456789012"}},
        {"operation": "DescribeKey", "error_code": "X", "match": {"params": {"Filters": ["a"]}}},
        {"operation": "DescribeKey", "error_code": "X", "match": "everything"},
        {"operation": "DescribeKey", "error_code": "X", "count": "forever"},
    ):
        with pytest.raises(urllib.error.HTTPError) as e:
            control(endpoint, "POST", "faults", bad)
        assert e.value.code == 400, bad
    assert control(endpoint, "GET", "faults") == []


# --------------------------------------------------------------------------- Config aggregator


ORG_RULE = "OrgConfigRule-neptune-cmk-a1b2c3d4"  # how an organization rule is named in member accounts


def _org_with_results(endpoint: str) -> list[str]:
    """Two members; PutEvaluations of the organization rule from each member in two regions."""
    members = organization(endpoint)
    control(endpoint, "POST", "result_tokens", {"resultToken": "org-token", "configRuleName": ORG_RULE})
    for n, member in enumerate(members):
        creds = assume(endpoint, member)
        for region in ("us-east-1", "eu-west-1"):
            cfg = client(endpoint, "config", region=region, creds=creds)
            cfg.put_evaluations(ResultToken="org-token", Evaluations=[
                evaluation(f"cluster-{member}-{region}-ok", "COMPLIANT", Annotation="customer managed key"),
                evaluation(f"cluster-{member}-{region}-bad", "NON_COMPLIANT" if n == 0 else "COMPLIANT"),
                evaluation(f"cluster-{member}-{region}-gone", "NOT_APPLICABLE"),
            ])
    return members


def test_aggregate_compliance_details(endpoint: str) -> None:
    m1, m2 = _org_with_results(endpoint)
    cfg = client(endpoint, "config")
    cfg.put_configuration_aggregator(ConfigurationAggregatorName="neptune-cmk",
                                     AccountAggregationSources=[{"AccountIds": [m1, m2], "AllAwsRegions": True}])
    cfg.put_configuration_aggregator(ConfigurationAggregatorName="us-only",
                                     AccountAggregationSources=[{"AccountIds": [m1], "AwsRegions": ["us-east-1"]}])
    log = control(endpoint, "GET", "put_evaluations")
    assert {(c["accountId"], c["region"], c["configRuleName"]) for c in log} == {
        (m, r, ORG_RULE) for m in (m1, m2) for r in ("us-east-1", "eu-west-1")}

    out = cfg.get_aggregate_compliance_details_by_config_rule(
        ConfigurationAggregatorName="neptune-cmk", ConfigRuleName=ORG_RULE, AccountId=m1, AwsRegion="eu-west-1")
    results = out["AggregateEvaluationResults"]
    assert "NextToken" not in out
    assert [(r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"], r["ComplianceType"])
            for r in results] == [(f"cluster-{m1}-eu-west-1-ok", "COMPLIANT"), (f"cluster-{m1}-eu-west-1-bad", "NON_COMPLIANT")]
    first = results[0]
    assert first["AccountId"] == m1 and first["AwsRegion"] == "eu-west-1" and first["Annotation"] == "customer managed key"
    assert first["EvaluationResultIdentifier"]["EvaluationResultQualifier"] == {
        "ConfigRuleName": ORG_RULE, "ResourceType": "AWS::RDS::DBCluster",
        "ResourceId": f"cluster-{m1}-eu-west-1-ok", "EvaluationMode": "DETECTIVE"}
    assert isinstance(first["EvaluationResultIdentifier"]["OrderingTimestamp"], datetime)
    assert isinstance(first["ResultRecordedTime"], datetime) and isinstance(first["ConfigRuleInvokedTime"], datetime)

    only_bad = cfg.get_aggregate_compliance_details_by_config_rule(
        ConfigurationAggregatorName="neptune-cmk", ConfigRuleName=ORG_RULE, AccountId=m1, AwsRegion="us-east-1",
        ComplianceType="NON_COMPLIANT")["AggregateEvaluationResults"]
    assert [r["ComplianceType"] for r in only_bad] == ["NON_COMPLIANT"]

    page = cfg.get_aggregate_compliance_details_by_config_rule(
        ConfigurationAggregatorName="neptune-cmk", ConfigRuleName=ORG_RULE, AccountId=m2, AwsRegion="us-east-1", Limit=1)
    assert len(page["AggregateEvaluationResults"]) == 1 and page["NextToken"]
    rest = cfg.get_aggregate_compliance_details_by_config_rule(
        ConfigurationAggregatorName="neptune-cmk", ConfigRuleName=ORG_RULE, AccountId=m2, AwsRegion="us-east-1",
        Limit=1, NextToken=page["NextToken"])
    assert len(rest["AggregateEvaluationResults"]) == 1 and "NextToken" not in rest

    def details(aggregator: str, account: str, region: str, rule: str = ORG_RULE) -> list[Any]:
        return cfg.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName=aggregator, ConfigRuleName=rule, AccountId=account,
            AwsRegion=region)["AggregateEvaluationResults"]

    assert len(details("us-only", m1, "us-east-1")) == 2
    assert details("us-only", m1, "eu-west-1") == [] and details("us-only", m2, "us-east-1") == []  # not covered
    assert details("neptune-cmk", m1, "us-east-1", "no-such-rule") == []

    errors = [
        ({"ConfigurationAggregatorName": "nope"}, "NoSuchConfigurationAggregatorException"),
        ({"Limit": 101}, "InvalidLimitException"),
        ({"NextToken": "garbage"}, "InvalidNextTokenException"),
        ({"ComplianceType": "NOT_APPLICABLE"}, "ValidationException"),
        ({"AccountId": "12345"}, "ValidationException"),
    ]
    for extra, code in errors:
        kwargs = {"ConfigurationAggregatorName": "neptune-cmk", "ConfigRuleName": ORG_RULE, "AccountId": m1,
                  "AwsRegion": "us-east-1", **extra}
        with pytest.raises(ClientError) as e:
            cfg.get_aggregate_compliance_details_by_config_rule(**kwargs)
        assert error_code(e.value) == code, extra
    with pytest.raises(ClientError) as e:  # the aggregator lives in us-east-1 of the management account
        client(endpoint, "config", region="eu-west-1").get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName="neptune-cmk", ConfigRuleName=ORG_RULE, AccountId=m1, AwsRegion="us-east-1")
    assert error_code(e.value) == "NoSuchConfigurationAggregatorException"


def test_describe_aggregate_compliance_by_config_rules(endpoint: str) -> None:
    m1, m2 = _org_with_results(endpoint)
    control(endpoint, "POST", "compliance", {"configRuleName": "all-not-applicable", "accountId": m2, "region": "us-east-1",
                                             "results": [{"resourceType": "AWS::RDS::DBCluster", "resourceId": "c",
                                                          "complianceType": "NOT_APPLICABLE"}]})
    control(endpoint, "POST", "compliance", {"configRuleName": "no-results", "accountId": m2, "region": "us-east-1",
                                             "results": []})
    control(endpoint, "POST", "compliance", {"configRuleName": "many-bad", "accountId": m1, "region": "us-east-1",
                                             "results": [{"resourceType": "AWS::RDS::DBCluster", "resourceId": f"c{i}",
                                                          "complianceType": "NON_COMPLIANT"} for i in range(101)]})
    cfg = client(endpoint, "config")
    cfg.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        OrganizationAggregationSource={"RoleArn": "arn:aws:iam::123456789012:role/aggregator", "AllAwsRegions": True})

    def rows(**kwargs: Any) -> list[tuple[str, str, str, str]]:
        out = cfg.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="org", **kwargs)
        return [(r["ConfigRuleName"], r["AccountId"], r["AwsRegion"], r["Compliance"]["ComplianceType"])
                for r in out["AggregateComplianceByConfigRules"]]

    assert rows() == sorted([  # ordered by rule, account, region
        (ORG_RULE, m1, "eu-west-1", "NON_COMPLIANT"), (ORG_RULE, m1, "us-east-1", "NON_COMPLIANT"),
        (ORG_RULE, m2, "eu-west-1", "COMPLIANT"), (ORG_RULE, m2, "us-east-1", "COMPLIANT"),
        ("all-not-applicable", m2, "us-east-1", "INSUFFICIENT_DATA"),
        ("many-bad", m1, "us-east-1", "NON_COMPLIANT"),
    ])  # "no-results" has no compliance results and is not listed
    assert rows(Filters={"ComplianceType": "NON_COMPLIANT", "AccountId": m1, "AwsRegion": "us-east-1"}) == [
        (ORG_RULE, m1, "us-east-1", "NON_COMPLIANT"), ("many-bad", m1, "us-east-1", "NON_COMPLIANT")]
    assert rows(Filters={"ConfigRuleName": ORG_RULE, "AccountId": m2}) == [
        (ORG_RULE, m2, "eu-west-1", "COMPLIANT"), (ORG_RULE, m2, "us-east-1", "COMPLIANT")]

    full = cfg.describe_aggregate_compliance_by_config_rules(
        ConfigurationAggregatorName="org", Filters={"ConfigRuleName": "many-bad"})["AggregateComplianceByConfigRules"]
    assert full[0]["Compliance"]["ComplianceContributorCount"] == {"CappedCount": 100, "CapExceeded": True}
    compliant = cfg.describe_aggregate_compliance_by_config_rules(
        ConfigurationAggregatorName="org", Filters={"ComplianceType": "COMPLIANT"})["AggregateComplianceByConfigRules"]
    assert all("ComplianceContributorCount" not in r["Compliance"] for r in compliant)

    first = cfg.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="org", Limit=4)
    second = cfg.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="org", Limit=4,
                                                               NextToken=first["NextToken"])
    assert len(first["AggregateComplianceByConfigRules"]) == 4 and len(second["AggregateComplianceByConfigRules"]) == 2
    assert "NextToken" not in second

    cfg.put_configuration_aggregator(ConfigurationAggregatorName="m2-us",
                                     AccountAggregationSources=[{"AccountIds": [m2], "AwsRegions": ["us-east-1"]}])
    out = cfg.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="m2-us")
    assert [(r["ConfigRuleName"], r["AccountId"], r["AwsRegion"]) for r in out["AggregateComplianceByConfigRules"]] == [
        (ORG_RULE, m2, "us-east-1"), ("all-not-applicable", m2, "us-east-1")]

    for kwargs, code in (
        ({"ConfigurationAggregatorName": "nope"}, "NoSuchConfigurationAggregatorException"),
        ({"ConfigurationAggregatorName": "org", "Limit": 1001}, "InvalidLimitException"),
        ({"ConfigurationAggregatorName": "org", "NextToken": "garbage"}, "InvalidNextTokenException"),
        ({"ConfigurationAggregatorName": "org", "Filters": {"ComplianceType": "INSUFFICIENT_DATA"}}, "ValidationException"),
    ):
        with pytest.raises(ClientError) as e:
            cfg.describe_aggregate_compliance_by_config_rules(**kwargs)
        assert error_code(e.value) == code, kwargs


# --------------------------------------------------------------------------- Neptune create / restore / copy

SETTINGS: dict[str, Any] = {
    "EngineVersion": "1.3.1.0",
    "Port": 8200,
    "DBSubnetGroupName": "graph-subnets",
    "VpcSecurityGroupIds": ["sg-0123456789abcdef0", "sg-0fedcba9876543210"],
    "DBClusterParameterGroupName": "graph-params",
    "EnableIAMDatabaseAuthentication": True,
    "DeletionProtection": True,
    "EnableCloudwatchLogsExports": ["audit", "slowquery"],
    "Tags": [{"Key": "team", "Value": "graph"}],
    "ServerlessV2ScalingConfiguration": {"MinCapacity": 1.0, "MaxCapacity": 8.0},
    "StorageType": "iopt1",
    "CopyTagsToSnapshot": True,
}


def reported_settings(neptune: Any, cluster_id: str) -> dict[str, Any]:
    """The SETTINGS as DescribeDBClusters (and ListTagsForResource) report them."""
    c = neptune.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    return {
        "EngineVersion": c["EngineVersion"],
        "Port": c["Port"],
        "DBSubnetGroupName": c["DBSubnetGroup"],
        "VpcSecurityGroupIds": [g["VpcSecurityGroupId"] for g in c["VpcSecurityGroups"]],
        "DBClusterParameterGroupName": c["DBClusterParameterGroup"],
        "EnableIAMDatabaseAuthentication": c["IAMDatabaseAuthenticationEnabled"],
        "DeletionProtection": c["DeletionProtection"],
        "EnableCloudwatchLogsExports": c["EnabledCloudwatchLogsExports"],
        "Tags": neptune.list_tags_for_resource(ResourceName=c["DBClusterArn"])["TagList"],
        "ServerlessV2ScalingConfiguration": c.get("ServerlessV2ScalingConfiguration"),
        "StorageType": c.get("StorageType", "standard"),  # Neptune omits the default
        "CopyTagsToSnapshot": c["CopyTagsToSnapshot"],
    }


def cluster_facts(neptune: Any, cluster_id: str) -> dict[str, Any]:
    c = neptune.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    return {k: v for k, v in c.items() if k not in ("LatestRestorableTime", "Status")}


def snapshot_facts(neptune: Any, snapshot_id: str) -> dict[str, Any]:
    return neptune.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id)["DBClusterSnapshots"][0]


def test_create_cluster_keeps_settings(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    neptune.create_db_cluster(DBClusterIdentifier="graph-full", Engine="neptune", **SETTINGS)
    assert reported_settings(neptune, "graph-full") == SETTINGS
    neptune.create_db_cluster(DBClusterIdentifier="graph-plain", Engine="neptune", StorageType="standard")
    plain = neptune.describe_db_clusters(DBClusterIdentifier="graph-plain")["DBClusters"][0]
    assert "StorageType" not in plain and plain["IAMDatabaseAuthenticationEnabled"] is False
    with pytest.raises(ClientError) as e:
        neptune.create_db_cluster(DBClusterIdentifier="graph-gp2", Engine="neptune", StorageType="gp2")
    assert error_code(e.value) == "InvalidParameterValue"


def test_serverless_instance_needs_scaling_configuration(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    neptune.create_db_cluster(DBClusterIdentifier="provisioned", Engine="neptune")
    neptune.create_db_cluster(DBClusterIdentifier="serverless", Engine="neptune",
                              ServerlessV2ScalingConfiguration={"MinCapacity": 1.0, "MaxCapacity": 4.0})
    with pytest.raises(ClientError) as e:
        neptune.create_db_instance(DBInstanceIdentifier="provisioned-1", DBInstanceClass="db.serverless",
                                   Engine="neptune", DBClusterIdentifier="provisioned")
    assert error_code(e.value) == "InvalidDBClusterStateFault"
    assert "Serverless v2 scaling configuration" in e.value.response["Error"]["Message"]
    neptune.create_db_instance(DBInstanceIdentifier="provisioned-1", DBInstanceClass="db.r6g.large", Engine="neptune",
                               DBClusterIdentifier="provisioned")
    inst = neptune.create_db_instance(DBInstanceIdentifier="serverless-1", DBInstanceClass="db.serverless",
                                      Engine="neptune", DBClusterIdentifier="serverless")["DBInstance"]
    assert inst["DBInstanceClass"] == "db.serverless"


def test_restore_from_snapshot_encryption(endpoint: str) -> None:
    neptune, kms = client(endpoint, "neptune"), client(endpoint, "kms")
    old, new = (kms.create_key()["KeyMetadata"] for _ in range(2))
    kms.create_alias(AliasName="alias/graph-new", TargetKeyId=new["KeyId"])
    neptune.create_db_cluster(DBClusterIdentifier="plain", Engine="neptune")
    neptune.create_db_cluster(DBClusterIdentifier="keyed", Engine="neptune", StorageEncrypted=True, KmsKeyId=old["Arn"])
    for cid in ("plain", "keyed"):
        neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=f"{cid}-snap", DBClusterIdentifier=cid)
    before = {cid: cluster_facts(neptune, cid) for cid in ("plain", "keyed")}
    snaps_before = {s: snapshot_facts(neptune, s) for s in ("plain-snap", "keyed-snap")}

    cases = [  # (new cluster, snapshot, KmsKeyId given, expected encryption, expected key)
        ("plain-to-cmk", "plain-snap", "alias/graph-new", True, new["Arn"]),
        ("plain-again", "plain-snap", None, False, None),
        ("keyed-same", "keyed-snap", None, True, old["Arn"]),
        ("keyed-rekeyed", "keyed-snap", new["KeyId"], True, new["Arn"]),
    ]
    for cid, snap, key, encrypted, expected_key in cases:
        kwargs = {"KmsKeyId": key} if key else {}
        out = neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier=cid, SnapshotIdentifier=snap,
                                                       Engine="neptune", **kwargs)["DBCluster"]
        described = neptune.describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]
        for c in (out, described):
            assert c["StorageEncrypted"] is encrypted and c.get("KmsKeyId") == expected_key, (cid, c)
    arn = snaps_before["plain-snap"]["DBClusterSnapshotArn"]
    by_arn = neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="by-arn", SnapshotIdentifier=arn,
                                                      Engine="neptune")["DBCluster"]
    assert by_arn["StorageEncrypted"] is False

    with pytest.raises(ClientError) as e:
        neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="keyed", SnapshotIdentifier="plain-snap",
                                                 Engine="neptune")
    assert error_code(e.value) == "DBClusterAlreadyExistsFault"
    with pytest.raises(ClientError) as e:
        neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="x", SnapshotIdentifier="nope", Engine="neptune")
    assert error_code(e.value) == "DBClusterSnapshotNotFoundFault"
    assert {cid: cluster_facts(neptune, cid) for cid in ("plain", "keyed")} == before  # sources untouched
    assert {s: snapshot_facts(neptune, s) for s in ("plain-snap", "keyed-snap")} == snaps_before


def test_restore_keeps_given_settings_and_defaults_the_rest(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    neptune.create_db_cluster(DBClusterIdentifier="source", Engine="neptune", **SETTINGS)
    neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="source-snap", DBClusterIdentifier="source")

    neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="restored-full", SnapshotIdentifier="source-snap",
                                             Engine="neptune", **SETTINGS)
    assert reported_settings(neptune, "restored-full") == SETTINGS

    neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="restored-bare", SnapshotIdentifier="source-snap",
                                             Engine="neptune")
    bare = reported_settings(neptune, "restored-bare")
    assert bare == {
        "EngineVersion": "1.3.1.0", "Port": 8200,  # from the snapshot
        "DBSubnetGroupName": "default", "VpcSecurityGroupIds": [], "DBClusterParameterGroupName": "default.neptune1.3",
        "EnableIAMDatabaseAuthentication": False, "DeletionProtection": False, "EnableCloudwatchLogsExports": [],
        "Tags": [], "ServerlessV2ScalingConfiguration": None, "StorageType": "standard", "CopyTagsToSnapshot": False,
    }
    # A restore that drops the scaling configuration cannot take serverless instances.
    with pytest.raises(ClientError) as e:
        neptune.create_db_instance(DBInstanceIdentifier="restored-bare-1", DBInstanceClass="db.serverless",
                                   Engine="neptune", DBClusterIdentifier="restored-bare")
    assert error_code(e.value) == "InvalidDBClusterStateFault"
    neptune.create_db_instance(DBInstanceIdentifier="restored-full-1", DBInstanceClass="db.serverless",
                               Engine="neptune", DBClusterIdentifier="restored-full")


def test_copy_cluster_snapshot_encryption(endpoint: str) -> None:
    neptune, kms = client(endpoint, "neptune"), client(endpoint, "kms")
    old, new = (kms.create_key()["KeyMetadata"] for _ in range(2))
    neptune.create_db_cluster(DBClusterIdentifier="plain", Engine="neptune")
    neptune.create_db_cluster(DBClusterIdentifier="keyed", Engine="neptune", StorageEncrypted=True, KmsKeyId=old["Arn"])
    for cid in ("plain", "keyed"):
        neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=f"{cid}-snap", DBClusterIdentifier=cid)
    before = snapshot_facts(neptune, "keyed-snap")

    with pytest.raises(ClientError) as e:
        neptune.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="plain-snap",
                                         TargetDBClusterSnapshotIdentifier="plain-copy", KmsKeyId=new["Arn"])
    assert error_code(e.value) == "InvalidParameterCombination"
    plain_copy = neptune.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="plain-snap",
                                                  TargetDBClusterSnapshotIdentifier="plain-copy")["DBClusterSnapshot"]
    assert plain_copy["StorageEncrypted"] is False and "KmsKeyId" not in plain_copy

    rekeyed = neptune.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="keyed-snap",
                                               TargetDBClusterSnapshotIdentifier="keyed-copy",
                                               KmsKeyId=new["KeyId"])["DBClusterSnapshot"]
    assert rekeyed["StorageEncrypted"] is True and rekeyed["KmsKeyId"] == new["Arn"]
    same = neptune.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="keyed-snap",
                                            TargetDBClusterSnapshotIdentifier="keyed-copy-2")["DBClusterSnapshot"]
    assert same["KmsKeyId"] == old["Arn"]
    assert snapshot_facts(neptune, "keyed-snap") == before
    restored = neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="from-copy", SnapshotIdentifier="keyed-copy",
                                                        Engine="neptune")["DBCluster"]
    assert restored["KmsKeyId"] == new["Arn"]


def test_point_in_time_restore(endpoint: str) -> None:
    neptune, kms = client(endpoint, "neptune"), client(endpoint, "kms")
    old, new = (kms.create_key()["KeyMetadata"] for _ in range(2))
    neptune.create_db_cluster(DBClusterIdentifier="plain", Engine="neptune")
    neptune.create_db_cluster(DBClusterIdentifier="keyed", Engine="neptune", StorageEncrypted=True, KmsKeyId=old["Arn"],
                              **SETTINGS)
    before = {cid: cluster_facts(neptune, cid) for cid in ("plain", "keyed")}

    with pytest.raises(ClientError) as e:
        neptune.restore_db_cluster_to_point_in_time(DBClusterIdentifier="plain-clone", SourceDBClusterIdentifier="plain",
                                                    UseLatestRestorableTime=True, KmsKeyId=new["Arn"])
    assert error_code(e.value) == "InvalidParameterCombination"
    clone = neptune.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier="keyed-clone", SourceDBClusterIdentifier="keyed", RestoreType="copy-on-write",
        UseLatestRestorableTime=True, KmsKeyId=new["Arn"],
        **{k: v for k, v in SETTINGS.items() if k not in ("EngineVersion", "CopyTagsToSnapshot")})["DBCluster"]
    assert clone["StorageEncrypted"] is True and clone["KmsKeyId"] == new["Arn"]
    assert reported_settings(neptune, "keyed-clone") == {**SETTINGS, "CopyTagsToSnapshot": False}
    plain_clone = neptune.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier="plain-clone", SourceDBClusterIdentifier="plain", UseLatestRestorableTime=True)["DBCluster"]
    assert plain_clone["StorageEncrypted"] is False and "KmsKeyId" not in plain_clone
    same_key = neptune.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier="keyed-clone-2", SourceDBClusterIdentifier="keyed", UseLatestRestorableTime=True)["DBCluster"]
    assert same_key["KmsKeyId"] == old["Arn"]
    with pytest.raises(ClientError) as e:
        neptune.restore_db_cluster_to_point_in_time(DBClusterIdentifier="keyed", SourceDBClusterIdentifier="plain",
                                                    UseLatestRestorableTime=True)
    assert error_code(e.value) == "DBClusterAlreadyExistsFault"
    assert {cid: cluster_facts(neptune, cid) for cid in ("plain", "keyed")} == before


def test_unusable_kms_keys(endpoint: str) -> None:
    neptune, kms = client(endpoint, "neptune"), client(endpoint, "kms")
    good = kms.create_key()["KeyMetadata"]
    disabled = kms.create_key()["KeyMetadata"]
    doomed = kms.create_key()["KeyMetadata"]
    neptune.create_db_cluster(DBClusterIdentifier="keyed", Engine="neptune", StorageEncrypted=True, KmsKeyId=good["Arn"])
    neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="keyed-snap", DBClusterIdentifier="keyed")
    kms.disable_key(KeyId=disabled["KeyId"])
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)

    for key in (disabled["Arn"], doomed["Arn"], "alias/no-such-key"):
        calls = [
            lambda: neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="r", SnapshotIdentifier="keyed-snap",
                                                             Engine="neptune", KmsKeyId=key),
            lambda: neptune.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="keyed-snap",
                                                     TargetDBClusterSnapshotIdentifier="c", KmsKeyId=key),
            lambda: neptune.restore_db_cluster_to_point_in_time(DBClusterIdentifier="p", SourceDBClusterIdentifier="keyed",
                                                                UseLatestRestorableTime=True, KmsKeyId=key),
        ]
        for call in calls:
            with pytest.raises(ClientError) as e:
                call()
            assert error_code(e.value) == "KMSKeyNotAccessibleFault", key
            assert "does not exist, is not enabled" in e.value.response["Error"]["Message"]

    # CreateDBCluster accepts unusable keys unless asked (older tests rely on it).
    assert control(endpoint, "GET", "kms_checks") == {"createDBCluster": False}
    neptune.create_db_cluster(DBClusterIdentifier="on-disabled", Engine="neptune", StorageEncrypted=True,
                              KmsKeyId=disabled["Arn"])
    assert control(endpoint, "POST", "kms_checks", {"createDBCluster": True}) == {"createDBCluster": True}
    for key in (disabled["Arn"], doomed["Arn"]):
        with pytest.raises(ClientError) as e:
            neptune.create_db_cluster(DBClusterIdentifier="strict", Engine="neptune", StorageEncrypted=True, KmsKeyId=key)
        assert error_code(e.value) == "KMSKeyNotAccessibleFault"
    neptune.create_db_cluster(DBClusterIdentifier="strict", Engine="neptune", StorageEncrypted=True, KmsKeyId=good["Arn"])
    with pytest.raises(urllib.error.HTTPError) as h:
        control(endpoint, "POST", "kms_checks", {"createDBCluster": "yes"})
    assert h.value.code == 400
    control(endpoint, "POST", "reset")
    assert control(endpoint, "GET", "kms_checks") == {"createDBCluster": False}


def test_transitions(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    # Off (moto's own behaviour): the create answer says creating, every describe available.
    assert control(endpoint, "GET", "transitions") == {"describes_until_available": 0}
    assert neptune.create_db_cluster(DBClusterIdentifier="quick", Engine="neptune")["DBCluster"]["Status"] == "creating"
    assert neptune.describe_db_clusters(DBClusterIdentifier="quick")["DBClusters"][0]["Status"] == "available"

    assert control(endpoint, "POST", "transitions", {"describes_until_available": 2}) == {"describes_until_available": 2}
    assert neptune.create_db_cluster(DBClusterIdentifier="slow", Engine="neptune")["DBCluster"]["Status"] == "creating"
    inst = neptune.create_db_instance(DBInstanceIdentifier="slow-1", DBInstanceClass="db.r6g.large", Engine="neptune",
                                      DBClusterIdentifier="slow")["DBInstance"]
    assert inst["DBInstanceStatus"] == "creating"
    snap = neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="slow-snap",
                                              DBClusterIdentifier="slow")["DBClusterSnapshot"]
    assert snap["Status"] == "creating"

    def statuses() -> tuple[str, str, str]:
        return (neptune.describe_db_clusters(DBClusterIdentifier="slow")["DBClusters"][0]["Status"],
                neptune.describe_db_instances(DBInstanceIdentifier="slow-1")["DBInstances"][0]["DBInstanceStatus"],
                neptune.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="slow-snap")["DBClusterSnapshots"][0]["Status"])

    with pytest.raises(ClientError) as e:  # AWS restores only available snapshots
        neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="r", SnapshotIdentifier="slow-snap", Engine="neptune")
    assert error_code(e.value) == "InvalidDBClusterSnapshotStateFault"
    with pytest.raises(ClientError) as e:  # ... and clones only available clusters
        neptune.restore_db_cluster_to_point_in_time(DBClusterIdentifier="p", SourceDBClusterIdentifier="slow",
                                                    UseLatestRestorableTime=True)
    assert error_code(e.value) == "InvalidDBClusterStateFault"
    assert statuses() == ("creating", "creating", "creating")
    assert statuses() == ("creating", "creating", "creating")
    assert statuses() == ("available", "available", "available")
    assert statuses() == ("available", "available", "available")
    # Automated snapshots and the cluster that was there before are not affected.
    autos = neptune.describe_db_cluster_snapshots(DBClusterIdentifier="slow", SnapshotType="automated")["DBClusterSnapshots"]
    assert [s["Status"] for s in autos] == ["available"]
    neptune.restore_db_cluster_from_snapshot(DBClusterIdentifier="r", SnapshotIdentifier="slow-snap", Engine="neptune")
    assert neptune.describe_db_clusters(DBClusterIdentifier="r")["DBClusters"][0]["Status"] == "creating"
    for bad in ({"describes_until_available": -1}, {"describes_until_available": "2"}, {}):
        with pytest.raises(urllib.error.HTTPError) as h:
            control(endpoint, "POST", "transitions", bad)
        assert h.value.code == 400
    control(endpoint, "POST", "reset")
    assert control(endpoint, "GET", "transitions") == {"describes_until_available": 0}


# --------------------------------------------------------------------------- Config rules and tags (scope)


def _lambda_function(endpoint: str) -> str:
    """A real (never invoked) Lambda function in moto, so PutConfigRule accepts a CUSTOM_LAMBDA rule."""
    import io
    import zipfile

    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    role = client(endpoint, "iam").create_role(RoleName="neptune-cmk-rule", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return client(endpoint, "lambda").create_function(
        FunctionName="neptune-cmk-rule", Runtime="provided.al2023", Role=role, Handler="bootstrap",
        Code={"ZipFile": code.getvalue()})["FunctionArn"]


def test_config_rules_with_scope(endpoint: str) -> None:
    cfg = client(endpoint, "config")
    with pytest.raises(ClientError) as e:  # as AWS: no such function (or no permission)
        cfg.put_config_rule(ConfigRule={"ConfigRuleName": "r", "Source": {
            "Owner": "CUSTOM_LAMBDA", "SourceIdentifier": "arn:aws:lambda:us-east-1:123456789012:function:nope",
            "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ScheduledNotification"}]}})
    assert error_code(e.value) == "InsufficientPermissionsException"
    with pytest.raises(ClientError) as e:  # no rules at all yet: moto answered [] here
        cfg.describe_config_rules(ConfigRuleNames=["neptune-cmk"])
    assert error_code(e.value) == "NoSuchConfigRuleException"

    source = {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": _lambda_function(endpoint), "SourceDetails": [
        {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]}
    cfg.put_config_rule(ConfigRule={"ConfigRuleName": "by-tag", "Source": source,
                                    "Scope": {"TagKey": "neptune-cmk", "TagValue": "audit"}})
    cfg.put_config_rule(ConfigRule={"ConfigRuleName": "by-key-only", "Source": source, "Scope": {"TagKey": "audit"}})

    registered = control(endpoint, "POST", "config_rules", {
        "configRuleName": "by-types", "inputParameters": {"AllowedKeyArns": "arn:aws:kms:us-east-1:123456789012:key/x"},
        "scope": {"ComplianceResourceTypes": ["AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
                                              "AWS::RDS::DBClusterSnapshot"]}})
    assert registered["ConfigRuleName"] == "by-types" and registered["ConfigRuleArn"].startswith(
        "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-")
    control(endpoint, "POST", "config_rules", {"configRuleName": "one-cluster", "scope": {
        "ComplianceResourceTypes": ["AWS::RDS::DBCluster"], "ComplianceResourceId": "cluster-ABC"}})
    rules = {r["ConfigRuleName"]: r for r in cfg.describe_config_rules()["ConfigRules"]}
    assert rules["by-tag"]["Scope"] == {"TagKey": "neptune-cmk", "TagValue": "audit"}
    assert rules["by-key-only"]["Scope"] == {"TagKey": "audit"}
    assert rules["by-types"]["Scope"]["ComplianceResourceTypes"] == [
        "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::DBClusterSnapshot"]
    assert json.loads(rules["by-types"]["InputParameters"]) == {"AllowedKeyArns": "arn:aws:kms:us-east-1:123456789012:key/x"}
    assert rules["by-types"]["Source"]["SourceIdentifier"] == "arn:aws:lambda:us-east-1:123456789012:function:neptune-cmk-rule"
    assert {d["MessageType"] for d in rules["by-types"]["Source"]["SourceDetails"]} == {
        "ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification", "ScheduledNotification"}
    assert rules["one-cluster"]["Scope"] == {"ComplianceResourceTypes": ["AWS::RDS::DBCluster"],
                                             "ComplianceResourceId": "cluster-ABC"}
    assert cfg.get_compliance_details_by_config_rule(ConfigRuleName="one-cluster")["EvaluationResults"] == []
    with pytest.raises(ClientError) as e:
        cfg.describe_config_rules(ConfigRuleNames=["by-tag", "missing"])
    assert error_code(e.value) == "NoSuchConfigRuleException"

    # In a member account and region; scope validation is moto's (and AWS's documented one).
    member, = organization(endpoint, ("member-a",))
    control(endpoint, "POST", "config_rules", {"configRuleName": ORG_RULE, "accountId": member, "region": "eu-west-1",
                                               "scope": {"ComplianceResourceTypes": ["AWS::RDS::DBCluster"]}})
    member_cfg = client(endpoint, "config", region="eu-west-1", creds=assume(endpoint, member))
    assert [r["ConfigRuleName"] for r in member_cfg.describe_config_rules()["ConfigRules"]] == [ORG_RULE]
    with pytest.raises(urllib.error.HTTPError) as h:
        control(endpoint, "POST", "config_rules", {"configRuleName": "bad", "scope": {"TagValue": "no-key"}})
    assert h.value.code == 400


def test_rds_tags(endpoint: str) -> None:
    neptune = client(endpoint, "neptune")
    tags = [{"Key": "neptune-cmk", "Value": "audit"}]
    cluster = neptune.create_db_cluster(DBClusterIdentifier="tagged", Engine="neptune", Tags=tags)["DBCluster"]
    inst = neptune.create_db_instance(DBInstanceIdentifier="tagged-1", DBInstanceClass="db.r6g.large", Engine="neptune",
                                      DBClusterIdentifier="tagged", Tags=tags)["DBInstance"]
    snap = neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="tagged-snap", DBClusterIdentifier="tagged",
                                              Tags=tags)["DBClusterSnapshot"]
    for arn in (cluster["DBClusterArn"], inst["DBInstanceArn"], snap["DBClusterSnapshotArn"]):
        assert neptune.list_tags_for_resource(ResourceName=arn)["TagList"] == tags
        neptune.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "owner", "Value": "graph-team"}])
        assert neptune.list_tags_for_resource(ResourceName=arn)["TagList"] == [*tags, {"Key": "owner", "Value": "graph-team"}]


# --------------------------------------------------------------------------- rds_override


def test_rds_override(endpoint: str) -> None:
    neptune, kms = client(endpoint, "neptune"), client(endpoint, "kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    for cid in ("good", "broken", "no-key"):
        neptune.create_db_cluster(DBClusterIdentifier=cid, Engine="neptune", StorageEncrypted=True, KmsKeyId=key)
    neptune.create_db_instance(DBInstanceIdentifier="broken-1", DBInstanceClass="db.r6g.large", Engine="neptune",
                               DBClusterIdentifier="broken")
    neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="broken-snap", DBClusterIdentifier="broken")

    out = control(endpoint, "POST", "rds_override", {"kind": "cluster", "id": "broken", "fields": {"KmsKeyId": "not a key"}})
    assert out == {"ok": True, "fields": {"KmsKeyId": "not a key"}}
    control(endpoint, "POST", "rds_override", {"kind": "cluster", "id": "no-key", "fields": {"KmsKeyId": None,
                                                                                            "StorageEncrypted": True}})
    control(endpoint, "POST", "rds_override", {"kind": "instance", "id": "broken-1",
                                               "fields": {"KmsKeyId": "arn:aws:kms:us-east-1:123456789012:alias/x"}})
    control(endpoint, "POST", "rds_override", {"kind": "snapshot", "id": "broken-snap",
                                               "fields": {"KmsKeyId": "", "DBClusterSnapshotIdentifier": "renamed"}})
    for _ in range(2):  # survives later describes (and paging)
        clusters = {c["DBClusterIdentifier"]: c for c in neptune.describe_db_clusters(MaxRecords=20)["DBClusters"]}
        assert clusters["broken"]["KmsKeyId"] == "not a key" and clusters["good"]["KmsKeyId"] == key
        assert clusters["no-key"]["StorageEncrypted"] is True and "KmsKeyId" not in clusters["no-key"]
        [inst] = neptune.describe_db_instances(DBInstanceIdentifier="broken-1")["DBInstances"]
        assert inst["KmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:alias/x"
        snap = neptune.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="broken-snap")["DBClusterSnapshots"][0]
        assert snap["KmsKeyId"] == "" and snap["DBClusterSnapshotIdentifier"] == "renamed"
    second = control(endpoint, "POST", "rds_override", {"kind": "cluster", "id": "broken", "fields": {"Engine": "neptune"}})
    assert second["fields"] == {"KmsKeyId": "not a key", "Engine": "neptune"}  # overrides accumulate

    for bad, code in (
        ({"kind": "cluster", "id": "broken", "fields": {"KmsKeyID": "x"}}, 400),
        ({"kind": "volume", "id": "broken", "fields": {"KmsKeyId": "x"}}, 400),
        ({"kind": "cluster", "id": "broken", "fields": {}}, 400),
        ({"kind": "cluster", "id": "missing", "fields": {"KmsKeyId": "x"}}, 404),
        ({"kind": "cluster", "id": "broken", "fields": {"KmsKeyId": "x"}, "region": "eu-west-1"}, 404),
    ):
        with pytest.raises(urllib.error.HTTPError) as h:
            control(endpoint, "POST", "rds_override", bad)
        assert h.value.code == code, bad


# --------------------------------------------------------------------------- kms_key_state


def test_kms_key_state(endpoint: str) -> None:
    kms = client(endpoint, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/state-test", TargetKeyId=key["KeyId"])
    for key_ref, state in ((key["KeyId"], "Unavailable"), (key["Arn"], "PendingImport"),
                           ("alias/state-test", "PendingReplicaDeletion")):
        out = control(endpoint, "POST", "kms_key_state", {"keyId": key_ref, "keyState": state})
        assert out == {"KeyId": key["KeyId"], "KeyState": state}
        described = kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]
        assert (described["KeyState"], described["Enabled"]) == (state, False)
    kms.cancel_key_deletion(KeyId=key["KeyId"])  # moto's own behaviour afterwards
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    control(endpoint, "POST", "kms_key_state", {"keyId": key["KeyId"], "keyState": "Enabled"})
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Enabled"] is True

    for bad, code in (
        ({"keyId": key["KeyId"], "keyState": "Broken"}, 400),
        ({"keyId": key["KeyId"]}, 400),
        ({"keyId": "alias/no-such-alias", "keyState": "Disabled"}, 404),
        ({"keyId": "00000000-0000-0000-0000-000000000000", "keyState": "Disabled"}, 404),
        ({"keyId": key["KeyId"], "keyState": "Disabled", "region": "eu-west-1"}, 404),
    ):
        with pytest.raises(urllib.error.HTTPError) as h:
            control(endpoint, "POST", "kms_key_state", bad)
        assert h.value.code == code, bad


# --------------------------------------------------------------------------- bulk fleets with instances


def test_bulk_clusters_with_instances(endpoint: str) -> None:
    kms = client(endpoint, "kms")
    arns = [kms.create_key()["KeyMetadata"]["Arn"] for _ in range(3)]
    # (Its speed, about 1 s for these 1,000 clusters and instances, is measured by `make bench`.)
    out = control(endpoint, "POST", "bulk_clusters", {"count": 1000, "kmsKeyIds": arns, "instancesPerCluster": 1})
    assert len(out["clusters"]) == 1000 and len(out["instances"]) == 1000
    first = out["instances"][0]
    assert first["DBInstanceIdentifier"] == "sweep-00000-1" and first["DBClusterIdentifier"] == "sweep-00000"
    assert len({i["DbiResourceId"] for i in out["instances"]}) == 1000
    assert all(re.fullmatch(r"db-[A-Z0-9]{26}", i["DbiResourceId"]) for i in out["instances"])

    neptune = client(endpoint, "neptune")
    [inst] = neptune.describe_db_instances(DBInstanceIdentifier="sweep-00999-1")["DBInstances"]
    assert inst["DBClusterIdentifier"] == "sweep-00999" and inst["KmsKeyId"] == arns[999 % 3]
    assert inst["DBInstanceStatus"] == "available" and inst["Engine"] == "neptune"
    # Past moto's 1000-snapshot limit (it counts the automated snapshots): still allowed.
    neptune.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="manual-1", DBClusterIdentifier="sweep-00000")
    two = control(endpoint, "POST", "bulk_clusters", {"count": 2, "prefix": "pair-", "instancesPerCluster": 2,
                                                      "instanceClass": "db.r5.large"})
    assert [i["DBInstanceIdentifier"] for i in two["instances"]] == ["pair-00000-1", "pair-00000-2", "pair-00001-1",
                                                                   "pair-00001-2"]
    members = neptune.describe_db_clusters(DBClusterIdentifier="pair-00000")["DBClusters"][0]["DBClusterMembers"]
    assert sorted(m["DBInstanceIdentifier"] for m in members) == ["pair-00000-1", "pair-00000-2"]
    assert control(endpoint, "POST", "bulk_clusters", {"count": 1, "prefix": "none-"})["instances"] == []


def test_seed_org(endpoint: str) -> None:
    summary = seed.seed_org(endpoint, members=2, regions=("us-east-1", "eu-west-2"), clusters=3, instances=1)
    assert len(summary["members"]) == 2
    for member in summary["members"]:
        creds = assume(endpoint, member["AccountId"])
        for region, fleet in member["regions"].items():
            neptune = client(endpoint, "neptune", region=region, creds=creds)
            clusters = neptune.describe_db_clusters()["DBClusters"]
            assert sorted(c["DBClusterIdentifier"] for c in clusters) == ["graph-00000", "graph-00001", "graph-00002"]
            assert {c["KmsKeyId"] for c in clusters} == {fleet["key"]["Arn"]}
            assert len(neptune.describe_db_instances()["DBInstances"]) == 3
    again = seed.seed_org(endpoint, members=2, regions=("us-west-2",), clusters=1)  # same members, new region
    assert [m["AccountId"] for m in again["members"]] == [m["AccountId"] for m in summary["members"]]
