"""repair_key.py (the remediation runbook's script) against the project's patched moto.

The handler runs exactly as the aws:executeScript step runs it: called with the
InputPayload, creating its own boto3 clients from the environment, which here
points at a local launcher (tests/moto/launcher.py).

Run: .venv/bin/python -m pytest cdk/runbooks
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE.parent.parent / "tests" / "moto" / "launcher.py"
sys.path.insert(0, str(HERE))
import repair_key  # noqa: E402

ACCOUNT = "123456789012"
OTHER_ACCOUNT_KEY = "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--port", "0", "--exit-on-stdin-eof"],
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
        raise RuntimeError(f"launcher did not get ready: {line!r}")
    yield f"http://127.0.0.1:{int(line[0].split()[1])}"
    proc.stdin.close()  # type: ignore[union-attr]  # --exit-on-stdin-eof: closing stdin stops it
    assert proc.wait(10) == 0


@pytest.fixture(autouse=True)
def aws(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh moto state; boto3 (in the test and in the handler) talks to it."""
    control(endpoint, "POST", "reset")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def control(endpoint: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{endpoint}/_neptune_cmk/{path}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


# --------------------------------------------------------------------------- fixtures in moto


def new_key() -> dict[str, Any]:
    return boto3.client("kms").create_key(Description="neptune-cmk runbook test")["KeyMetadata"]


def key_state(key: dict[str, Any]) -> str:
    return boto3.client("kms").describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]


def schedule_deletion(key: dict[str, Any]) -> None:
    # moto's ScheduleKeyDeletion and DisableKey need the key id, not the ARN.
    boto3.client("kms").schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)


def disable(key: dict[str, Any]) -> None:
    boto3.client("kms").disable_key(KeyId=key["KeyId"])


def cluster(name: str, key_arn: str | None = None, encrypted: bool = True, engine: str = "neptune") -> dict[str, Any]:
    params: dict[str, Any] = {"DBClusterIdentifier": name, "Engine": engine, "StorageEncrypted": encrypted}
    if engine != "neptune":
        params.update(MasterUsername="admin", MasterUserPassword="not-a-real-password-1")
    if key_arn is not None:
        params["KmsKeyId"] = key_arn
    return boto3.client("rds").create_db_cluster(**params)["DBCluster"]


def instance(name: str, cluster_id: str) -> dict[str, Any]:
    return boto3.client("rds").create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.r5.large", Engine="neptune", DBClusterIdentifier=cluster_id
    )["DBInstance"]


def snapshot(name: str, cluster_id: str) -> dict[str, Any]:
    return boto3.client("rds").create_db_cluster_snapshot(
        DBClusterSnapshotIdentifier=name, DBClusterIdentifier=cluster_id
    )["DBClusterSnapshot"]


def mutating_kms_calls(endpoint: str) -> dict[str, int]:
    calls = control(endpoint, "GET", "calls")
    return {op: n for op, n in calls.items() if op in ("kms:CancelKeyDeletion", "kms:EnableKey")}


# --------------------------------------------------------------------------- repairs


def test_pending_deletion_key_of_a_cluster_is_enabled_again() -> None:
    key = new_key()
    target = cluster("neptune-pending", key["Arn"])
    schedule_deletion(key)
    out = repair_key.handler({"ResourceId": target["DbClusterResourceId"]}, None)
    assert key_state(key) == "Enabled"
    assert out["PreviousKeyState"] == "PendingDeletion"
    assert out["KeyState"] == "Enabled"
    assert out["Changes"] == ["CancelKeyDeletion", "EnableKey"]
    assert out["KeyArn"] == key["Arn"]
    assert out["ResourceId"] == target["DbClusterResourceId"]
    assert "Neptune DB cluster neptune-pending" in out["Message"]


def test_disabled_key_of_an_instance_is_enabled_through_its_cluster() -> None:
    key = new_key()
    cluster("neptune-disabled", key["Arn"])
    db = instance("neptune-disabled-1", "neptune-disabled")
    disable(key)
    out = repair_key.handler({"ResourceId": db["DbiResourceId"]}, None)
    assert key_state(key) == "Enabled"
    assert (out["PreviousKeyState"], out["Changes"]) == ("Disabled", ["EnableKey"])
    assert "Neptune DB instance neptune-disabled-1 (cluster neptune-disabled)" in out["Message"]


def test_key_of_a_cluster_snapshot_found_by_its_identifier() -> None:
    key = new_key()
    cluster("neptune-snap-source", key["Arn"])
    snapshot("neptune-manual-1", "neptune-snap-source")
    schedule_deletion(key)
    out = repair_key.handler({"ResourceId": "neptune-manual-1"}, None)
    assert key_state(key) == "Enabled"
    assert out["Changes"] == ["CancelKeyDeletion", "EnableKey"]
    assert "Neptune DB cluster snapshot neptune-manual-1" in out["Message"]


def test_disabled_key_by_snapshot_id() -> None:
    key = new_key()
    cluster("neptune-snap-disabled", key["Arn"])
    snapshot("neptune-manual-2", "neptune-snap-disabled")
    disable(key)
    out = repair_key.handler({"ResourceId": " neptune-manual-2 "}, None)
    assert (key_state(key), out["Changes"]) == ("Enabled", ["EnableKey"])


def test_enabled_key_is_left_alone(endpoint: str) -> None:
    key = new_key()
    target = cluster("neptune-fine", key["Arn"])
    control(endpoint, "POST", "calls/reset")
    out = repair_key.handler({"ResourceId": target["DbClusterResourceId"]}, None)
    assert (out["PreviousKeyState"], out["KeyState"], out["Changes"]) == ("Enabled", "Enabled", [])
    assert "nothing to do" in out["Message"]
    assert mutating_kms_calls(endpoint) == {}


def test_cluster_found_beyond_the_first_page(endpoint: str) -> None:
    """DescribeDBClusters pages by 100 (patched moto); the runbook follows Marker."""
    key = new_key()
    made = control(endpoint, "POST", "bulk_clusters", {"count": 130, "prefix": "page-", "kmsKeyIds": [key["Arn"]]})
    last = made["clusters"][-1]
    disable(key)
    control(endpoint, "POST", "calls/reset")
    out = repair_key.handler({"ResourceId": last["DbClusterResourceId"]}, None)
    assert out["Changes"] == ["EnableKey"]
    assert control(endpoint, "GET", "calls")["rds:DescribeDBClusters"] == 2


# --------------------------------------------------------------------------- refusals


def refusal(resource_id: str) -> str:
    with pytest.raises(repair_key.Refusal) as refused:
        repair_key.handler({"ResourceId": resource_id}, None)
    return str(refused.value)


def test_refuses_an_unencrypted_cluster(endpoint: str) -> None:
    target = cluster("neptune-plain", encrypted=False)
    message = refusal(target["DbClusterResourceId"])
    assert "Neptune DB cluster neptune-plain has storage encryption off" in message
    assert "this needs a migration: run `neptune-cmk remediate apply`" in message
    assert mutating_kms_calls(endpoint) == {}


def test_refuses_the_aws_managed_key(endpoint: str) -> None:
    # Encrypted without a key: Neptune (and the patched moto) use aws/rds.
    target = cluster("neptune-aws-managed", encrypted=True)
    managed = boto3.client("kms").describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    assert target["KmsKeyId"] == managed["Arn"]
    message = refusal(target["DbClusterResourceId"])
    assert f"AWS managed key {managed['Arn']}" in message
    assert "this needs a migration: run `neptune-cmk remediate apply`" in message
    assert mutating_kms_calls(endpoint) == {}


def test_refuses_an_instance_of_an_aws_managed_cluster(endpoint: str) -> None:
    cluster("neptune-aws-managed-2", encrypted=True)
    db = instance("neptune-aws-managed-2-1", "neptune-aws-managed-2")
    assert "AWS managed key" in refusal(db["DbiResourceId"])
    assert mutating_kms_calls(endpoint) == {}


def test_refuses_a_key_of_another_account(endpoint: str) -> None:
    target = cluster("neptune-foreign-key", OTHER_ACCOUNT_KEY)
    assert target["KmsKeyId"] == OTHER_ACCOUNT_KEY
    control(endpoint, "POST", "calls/reset")
    message = refusal(target["DbClusterResourceId"])
    assert f"key {OTHER_ACCOUNT_KEY} of account 444455556666, not of this account ({ACCOUNT})" in message
    assert "kms:DescribeKey" not in control(endpoint, "GET", "calls")


@pytest.mark.parametrize(
    "resource_id",
    ["cluster-NOSUCHCLUSTER0000000000000000", "db-NOSUCHINSTANCE00000000000000", "no-such-snapshot", "rds:nope"],
)
def test_refuses_an_unknown_id(endpoint: str, resource_id: str) -> None:
    cluster("neptune-other", new_key()["Arn"])  # something to page through
    message = refusal(resource_id)
    assert f"found no Neptune DB cluster, DB instance or DB cluster snapshot with id {resource_id}" in message
    assert "this needs a migration: run `neptune-cmk remediate apply`" in message
    assert mutating_kms_calls(endpoint) == {}


def test_refuses_a_non_neptune_cluster(endpoint: str) -> None:
    key = new_key()
    aurora = cluster("aurora-pg", key["Arn"], engine="aurora-postgresql")
    disable(key)
    assert "found no Neptune DB cluster" in refusal(aurora["DbClusterResourceId"])
    assert key_state(key) == "Disabled"


def test_refuses_an_empty_id() -> None:
    assert "ResourceId is empty" in refusal("  ")


def test_makes_only_the_calls_its_role_grants(endpoint: str) -> None:
    key = new_key()
    cluster("neptune-calls", key["Arn"])
    db = instance("neptune-calls-1", "neptune-calls")
    snapshot("neptune-calls-snap", "neptune-calls")
    schedule_deletion(key)
    control(endpoint, "POST", "calls/reset")
    repair_key.handler({"ResourceId": db["DbiResourceId"]}, None)
    repair_key.handler({"ResourceId": "neptune-calls-snap"}, None)
    made = set(control(endpoint, "GET", "calls"))
    assert made <= set(repair_key.ALLOWED_CALLS), made - set(repair_key.ALLOWED_CALLS)
