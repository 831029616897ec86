"""repair_key.py (the remediation runbook's script) against the project's patched moto.

The handler runs exactly as the aws:executeScript step runs it: called with the
InputPayload, creating its own boto3 clients from the environment, which here
points at a local launcher (tests/moto/launcher.py). The launcher's control API
sets what moto cannot reach by itself: key states (`kms_key_state`), the cluster
Status Neptune reports (`rds_override`) and AWS errors (`faults`).

No test waits on a wall clock. Where the runbook waits for a cluster to start,
the test calls `repair_key.run` with a FakeClock: each sleep returns at once and
is the event on which the test changes the reported Status; the real clock's
sleep fails any test that reaches it.

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
from botocore.exceptions import ClientError

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
    """Fresh moto state; boto3 (in the test and in the handler) talks to it.

    The handler's real clock must never sleep here: a test that expects a wait calls
    `repair_key.run` with a FakeClock instead.
    """
    control(endpoint, "POST", "reset")
    monkeypatch.setattr(repair_key.Clock, "sleep", lambda self, seconds: pytest.fail(f"real sleep({seconds})"))
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


def mutating_calls(endpoint: str) -> dict[str, int]:
    """Every call that changes a key or a cluster."""
    calls = control(endpoint, "GET", "calls")
    return {op: n for op, n in calls.items() if op in ("kms:CancelKeyDeletion", "kms:EnableKey", "rds:StartDBCluster")}


def set_key_state(endpoint: str, key: dict[str, Any], state: str) -> None:
    """A key state moto never reaches by itself (the launcher's kms_key_state)."""
    control(endpoint, "POST", "kms_key_state", {"keyId": key["KeyId"], "keyState": state})


def report_status(endpoint: str, cluster_id: str, status: str) -> None:
    """The cluster Status DescribeDBClusters reports from now on (the launcher's rds_override)."""
    control(endpoint, "POST", "rds_override", {"kind": "cluster", "id": cluster_id, "fields": {"Status": status}})


def inaccessible_cluster(endpoint: str, name: str, key: dict[str, Any], status: str) -> dict[str, Any]:
    """A cluster reporting `status`. moto's StartDBCluster accepts only a cluster it has
    stopped itself, so the cluster is stopped in moto first; the override then reports
    Neptune's status for the key."""
    made = cluster(name, key["Arn"])
    boto3.client("rds").stop_db_cluster(DBClusterIdentifier=name)
    report_status(endpoint, name, status)
    return made


def fault(endpoint: str, operation: str, error_code: str, **extra: Any) -> None:
    control(endpoint, "POST", "faults", {"operation": operation, "error_code": error_code, **extra})


class FakeClock(repair_key.Clock):
    """The runbook's clock in tests: sleeping advances time at once and is the event the
    test reacts to (`on_sleep(n)` runs before the n-th sleep returns, n from 1)."""

    def __init__(self, on_sleep: Any = None) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


RECOVERABLE = "inaccessible-encryption-credentials-recoverable"
TERMINAL = "inaccessible-encryption-credentials"


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
    # two pages to find it, then one read of its status after the repair
    assert control(endpoint, "GET", "calls")["rds:DescribeDBClusters"] == 3


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


def test_makes_exactly_the_calls_its_role_grants(endpoint: str) -> None:
    """Every path together (instance, snapshot, a start, the terminal state) makes every
    call of ALLOWED_CALLS, the list the CDK grants, and nothing else."""
    key = new_key()
    cluster("neptune-calls", key["Arn"])
    db = instance("neptune-calls-1", "neptune-calls")
    snapshot("neptune-calls-snap", "neptune-calls")
    started = inaccessible_cluster(endpoint, "neptune-calls-start", key, RECOVERABLE)
    lost = inaccessible_cluster(endpoint, "neptune-calls-lost", key, TERMINAL)
    schedule_deletion(key)
    control(endpoint, "POST", "calls/reset")
    repair_key.handler({"ResourceId": db["DbiResourceId"]}, None)
    repair_key.handler({"ResourceId": "neptune-calls-snap"}, None)
    clock = FakeClock(lambda n: report_status(endpoint, "neptune-calls-start", "available"))
    repair_key.run({"ResourceId": started["DbClusterResourceId"]}, clock)
    with pytest.raises(repair_key.RepairFailed):
        repair_key.handler({"ResourceId": lost["DbClusterResourceId"]}, None)
    assert set(control(endpoint, "GET", "calls")) == set(repair_key.ALLOWED_CALLS)


# --------------------------------------------------------------------------- key states


def test_pending_replica_deletion_is_cancelled_then_enabled(endpoint: str) -> None:
    """A multi-Region primary key scheduled for deletion while it has replicas is
    PendingReplicaDeletion; KMS documents that its deletion can be cancelled (it returns
    Disabled) and the key re-enabled, as `neptune-cmk remediate plan` does."""
    key = new_key()
    target = cluster("neptune-replica-pending", key["Arn"])
    set_key_state(endpoint, key, "PendingReplicaDeletion")
    control(endpoint, "POST", "calls/reset")
    out = repair_key.handler({"ResourceId": target["DbClusterResourceId"]}, None)
    assert key_state(key) == "Enabled"
    assert (out["PreviousKeyState"], out["KeyState"], out["Changes"]) == (
        "PendingReplicaDeletion",
        "Enabled",
        ["CancelKeyDeletion", "EnableKey"],
    )
    assert mutating_calls(endpoint) == {"kms:CancelKeyDeletion": 1, "kms:EnableKey": 1}


@pytest.mark.parametrize(
    ("state", "hint"),
    [
        ("Unavailable", "reconnect the key store"),
        ("PendingImport", "import its key material"),
        ("Creating", "run this runbook again later"),
        ("Updating", "run this runbook again later"),
    ],
)
def test_a_key_state_it_does_not_handle_is_refused_untouched(endpoint: str, state: str, hint: str) -> None:
    key = new_key()
    target = cluster(f"neptune-{state.lower()}", key["Arn"])
    set_key_state(endpoint, key, state)
    control(endpoint, "POST", "calls/reset")
    message = refusal(target["DbClusterResourceId"])
    assert f"customer managed key {key['Arn']}, which is {state}" in message
    assert "repairs only PendingDeletion, PendingReplicaDeletion and Disabled keys; nothing changed" in message
    assert hint in message
    assert key_state(key) == state
    assert mutating_calls(endpoint) == {}


# --------------------------------------------------------------------------- failure paths


def test_enable_denied_after_the_cancel_says_the_key_is_disabled_now(endpoint: str) -> None:
    key = new_key()
    target = cluster("neptune-half-repaired", key["Arn"])
    schedule_deletion(key)
    fault(endpoint, "EnableKey", "AccessDeniedException", service="kms",
          message="User is not authorized to perform: kms:EnableKey")
    control(endpoint, "POST", "calls/reset")
    with pytest.raises(repair_key.RepairFailed) as failed:
        repair_key.handler({"ResourceId": target["DbClusterResourceId"]}, None)
    message = str(failed.value)
    assert "Neptune DB cluster neptune-half-repaired: CancelKeyDeletion succeeded" in message
    assert f"key {key['Arn']} is now Disabled, no longer PendingDeletion (it will not be deleted)" in message
    assert "EnableKey failed (AccessDeniedException: User is not authorized to perform: kms:EnableKey)" in message
    assert f"`aws kms enable-key --region us-east-1 --key-id {key['Arn']}`), then run this runbook again" in message
    assert isinstance(failed.value.__cause__, ClientError)
    assert failed.value.__cause__.response["Error"]["Code"] == "AccessDeniedException"
    assert key_state(key) == "Disabled"
    assert mutating_calls(endpoint) == {"kms:CancelKeyDeletion": 1, "kms:EnableKey": 1}


def test_enable_denied_on_a_disabled_key_is_raised_as_it_came(endpoint: str) -> None:
    """Nothing was changed, so the AWS error itself is the answer."""
    key = new_key()
    target = cluster("neptune-enable-denied", key["Arn"])
    disable(key)
    fault(endpoint, "EnableKey", "AccessDeniedException", service="kms")
    with pytest.raises(ClientError) as raised:
        repair_key.handler({"ResourceId": target["DbClusterResourceId"]}, None)
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert key_state(key) == "Disabled"


def test_cancel_denied_is_raised_and_nothing_else_is_tried(endpoint: str) -> None:
    key = new_key()
    target = cluster("neptune-cancel-denied", key["Arn"])
    schedule_deletion(key)
    fault(endpoint, "CancelKeyDeletion", "AccessDeniedException", service="kms")
    control(endpoint, "POST", "calls/reset")
    with pytest.raises(ClientError) as raised:
        repair_key.handler({"ResourceId": target["DbClusterResourceId"]}, None)
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert key_state(key) == "PendingDeletion"
    assert mutating_calls(endpoint) == {"kms:CancelKeyDeletion": 1}


@pytest.mark.parametrize(
    "reported",
    ["1234abcd-12ab-34cd-56ef-1234567890ab", "alias/neptune", "arn:aws:rds:us-east-1:123456789012:cluster:x", "not a key"],
)
def test_a_kms_key_id_that_is_not_an_arn_is_refused_before_kms(endpoint: str, reported: str) -> None:
    target = cluster("neptune-odd-key", new_key()["Arn"])
    control(endpoint, "POST", "rds_override", {"kind": "cluster", "id": "neptune-odd-key", "fields": {"KmsKeyId": reported}})
    control(endpoint, "POST", "calls/reset")
    message = refusal(target["DbClusterResourceId"])
    assert f"Neptune DB cluster neptune-odd-key names KMS key {reported!r}, which is not a key ARN; nothing changed" in message
    assert not [op for op in control(endpoint, "GET", "calls") if op.startswith("kms:")]


@pytest.mark.parametrize(("reported", "named"), [("neptune-gone", "neptune-gone"), (None, "none")])
def test_an_instance_whose_cluster_is_gone_is_refused(endpoint: str, reported: str | None, named: str) -> None:
    key = new_key()
    cluster("neptune-parent", key["Arn"])
    db = instance("neptune-orphan-1", "neptune-parent")
    disable(key)
    control(endpoint, "POST", "rds_override",
            {"kind": "instance", "id": "neptune-orphan-1", "fields": {"DBClusterIdentifier": reported}})
    control(endpoint, "POST", "calls/reset")
    message = refusal(db["DbiResourceId"])
    assert (
        f"Neptune DB instance neptune-orphan-1 ({db['DbiResourceId']}) names no existing cluster ({named}), "
        "whose key it would use; nothing changed"
    ) in message
    assert not [op for op in control(endpoint, "GET", "calls") if op.startswith("kms:")]
    assert key_state(key) == "Disabled"


@pytest.mark.parametrize(
    ("operation", "code", "status", "resource"),
    [
        ("DescribeDBClusters", "AccessDenied", 403, "cluster"),
        ("DescribeDBInstances", "AccessDenied", 403, "instance"),
        ("DescribeDBClusterSnapshots", "AccessDenied", 403, "snapshot"),
        ("DescribeKey", "AccessDeniedException", 400, "cluster"),
    ],
)
def test_unexpected_errors_are_raised_not_swallowed(
    endpoint: str, operation: str, code: str, status: int, resource: str
) -> None:
    key = new_key()
    made = cluster("neptune-denied", key["Arn"])
    db = instance("neptune-denied-1", "neptune-denied")
    snapshot("neptune-denied-snap", "neptune-denied")
    disable(key)
    resource_id = {"cluster": made["DbClusterResourceId"], "instance": db["DbiResourceId"], "snapshot": "neptune-denied-snap"}
    fault(endpoint, operation, code, status=status, count="unlimited")
    with pytest.raises(ClientError) as raised:
        repair_key.handler({"ResourceId": resource_id[resource]}, None)
    assert (raised.value.operation_name, raised.value.response["Error"]["Code"]) == (operation, code)
    assert mutating_calls(endpoint) == {}
    control(endpoint, "DELETE", "faults")
    assert key_state(key) == "Disabled"


@pytest.mark.parametrize("code", ["InvalidParameterValue", "InvalidParameterCombination"])
def test_invalid_parameter_errors_do_not_read_as_not_found(endpoint: str, code: str) -> None:
    """No AWS source says DescribeDBClusters or DescribeDBClusterSnapshots answers these for
    an unknown id (the documented "not found" answers are DBClusterNotFoundFault and
    DBClusterSnapshotNotFoundFault): they are raised, not turned into a refusal."""
    key = new_key()
    cluster("neptune-bad-param", key["Arn"])
    db = instance("neptune-bad-param-1", "neptune-bad-param")
    snapshot("neptune-bad-param-snap", "neptune-bad-param")
    disable(key)
    fault(endpoint, "DescribeDBClusterSnapshots", code, match={"params": {"DBClusterSnapshotIdentifier": "neptune-bad-param-snap"}})
    with pytest.raises(ClientError) as raised:
        repair_key.handler({"ResourceId": "neptune-bad-param-snap"}, None)
    assert raised.value.response["Error"]["Code"] == code
    fault(endpoint, "DescribeDBClusters", code, match={"params": {"DBClusterIdentifier": "neptune-bad-param"}})
    with pytest.raises(ClientError) as raised:
        repair_key.handler({"ResourceId": db["DbiResourceId"]}, None)
    assert raised.value.response["Error"]["Code"] == code
    assert key_state(key) == "Disabled"


# --------------------------------------------------------------------------- the cluster after the key


def test_an_available_cluster_has_nothing_to_start(endpoint: str) -> None:
    key = new_key()
    target = cluster("neptune-up", key["Arn"])
    schedule_deletion(key)
    control(endpoint, "POST", "calls/reset")
    out = repair_key.handler({"ResourceId": target["DbClusterResourceId"]}, None)
    assert (out["Cluster"], out["PreviousClusterStatus"], out["ClusterStatus"], out["ClusterChanges"]) == (
        "neptune-up",
        "available",
        "available",
        [],
    )
    assert out["Message"].endswith("; cluster neptune-up was available, is available (nothing to start)")
    assert "rds:StartDBCluster" not in control(endpoint, "GET", "calls")


@pytest.mark.parametrize("via", ["cluster", "instance"])
def test_a_recoverable_cluster_is_started_and_waited_for(endpoint: str, via: str) -> None:
    key = new_key()
    made = inaccessible_cluster(endpoint, "neptune-locked", key, RECOVERABLE)
    db = instance("neptune-locked-1", "neptune-locked")
    disable(key)
    control(endpoint, "POST", "calls/reset")
    statuses = {1: "starting", 2: "available"}  # what Neptune reports after each poll interval
    clock = FakeClock(lambda n: report_status(endpoint, "neptune-locked", statuses[n]))
    resource_id = made["DbClusterResourceId"] if via == "cluster" else db["DbiResourceId"]
    out = repair_key.run({"ResourceId": resource_id}, clock)
    assert (out["KeyState"], out["Changes"]) == ("Enabled", ["EnableKey"])
    assert (out["Cluster"], out["PreviousClusterStatus"], out["ClusterStatus"], out["ClusterChanges"]) == (
        "neptune-locked",
        RECOVERABLE,
        "available",
        ["StartDBCluster"],
    )
    assert clock.sleeps == [repair_key.POLL_SECONDS, repair_key.POLL_SECONDS]
    assert out["Message"].endswith(
        f"cluster neptune-locked was {RECOVERABLE}, is available (started; available after 40 s)"
    )
    assert mutating_calls(endpoint) == {"kms:EnableKey": 1, "rds:StartDBCluster": 1}
    # one read to find the cluster (a page, or the instance's cluster by id), one of its
    # status after the repair, then one per poll (3 polls)
    assert control(endpoint, "GET", "calls")["rds:DescribeDBClusters"] == 1 + 1 + 3


def test_a_starting_cluster_is_waited_for_without_a_second_start(endpoint: str) -> None:
    key = new_key()
    made = cluster("neptune-booting", key["Arn"])
    report_status(endpoint, "neptune-booting", "starting")
    disable(key)
    control(endpoint, "POST", "calls/reset")
    clock = FakeClock(lambda n: report_status(endpoint, "neptune-booting", "available") if n == 3 else None)
    out = repair_key.run({"ResourceId": made["DbClusterResourceId"]}, clock)
    assert (out["PreviousClusterStatus"], out["ClusterStatus"], out["ClusterChanges"]) == ("starting", "available", [])
    assert len(clock.sleeps) == 3
    assert "already starting; available after 60 s" in out["Message"]
    assert "rds:StartDBCluster" not in control(endpoint, "GET", "calls")


def test_a_cluster_that_stays_locked_fails_after_the_bounded_wait(endpoint: str) -> None:
    key = new_key()
    made = inaccessible_cluster(endpoint, "neptune-stuck", key, RECOVERABLE)
    disable(key)
    clock = FakeClock()  # nothing changes: Neptune keeps reporting the recoverable state
    with pytest.raises(repair_key.RepairFailed) as failed:
        repair_key.run({"ResourceId": made["DbClusterResourceId"]}, clock)
    assert sum(clock.sleeps) == repair_key.START_WAIT_SECONDS
    assert len(clock.sleeps) == repair_key.START_WAIT_SECONDS // repair_key.POLL_SECONDS
    message = str(failed.value)
    assert f"key {key['Arn']} was Disabled, is Enabled (EnableKey)" in message
    assert f"StartDBCluster was accepted, but the cluster is still {RECOVERABLE} after 480 s" in message
    assert "aws neptune describe-db-clusters --region us-east-1 --db-cluster-identifier neptune-stuck" in message
    assert key_state(key) == "Enabled"


def test_a_terminal_cluster_fails_with_the_restore_path(endpoint: str) -> None:
    key = new_key()
    made = cluster("neptune-lost", key["Arn"])
    snapshot("neptune-lost-manual", "neptune-lost")  # newer than the automated one
    report_status(endpoint, "neptune-lost", TERMINAL)
    schedule_deletion(key)
    control(endpoint, "POST", "calls/reset")
    with pytest.raises(repair_key.RepairFailed) as failed:
        repair_key.handler({"ResourceId": made["DbClusterResourceId"]}, None)
    message = str(failed.value)
    assert message.startswith(
        f"Neptune DB cluster neptune-lost: key {key['Arn']} was PendingDeletion, is Enabled "
        f"(CancelKeyDeletion, EnableKey); but cluster neptune-lost is {TERMINAL}, a terminal state"
    )
    assert (
        "`aws neptune restore-db-cluster-to-point-in-time --region us-east-1 --source-db-cluster-identifier "
        "neptune-lost --db-cluster-identifier neptune-lost-restored --use-latest-restorable-time`"
    ) in message
    assert (
        "`aws neptune restore-db-cluster-from-snapshot --region us-east-1 --db-cluster-identifier "
        "neptune-lost-restored --snapshot-identifier neptune-lost-manual --engine neptune`"
    ) in message
    assert "its latest available snapshot is neptune-lost-manual" in message
    assert key_state(key) == "Enabled"  # a restore needs the key enabled
    assert mutating_calls(endpoint) == {"kms:CancelKeyDeletion": 1, "kms:EnableKey": 1}


def test_a_cluster_that_turns_terminal_while_starting_fails_with_the_restore_path(endpoint: str) -> None:
    key = new_key()
    made = inaccessible_cluster(endpoint, "neptune-too-late", key, RECOVERABLE)
    disable(key)
    clock = FakeClock(lambda n: report_status(endpoint, "neptune-too-late", TERMINAL))
    with pytest.raises(repair_key.RepairFailed) as failed:
        repair_key.run({"ResourceId": made["DbClusterResourceId"]}, clock)
    assert f"but cluster neptune-too-late is {TERMINAL}, a terminal state" in str(failed.value)
    assert "restore-db-cluster-to-point-in-time" in str(failed.value)
    assert len(clock.sleeps) == 1


def test_a_refused_start_says_what_was_done_to_the_key(endpoint: str) -> None:
    """Reported recoverable while moto still runs it: StartDBCluster answers
    InvalidDBClusterStateFault, which the run raises with the key's repair in the message."""
    key = new_key()
    made = cluster("neptune-no-start", key["Arn"])
    report_status(endpoint, "neptune-no-start", RECOVERABLE)
    disable(key)
    with pytest.raises(repair_key.RepairFailed) as failed:
        repair_key.handler({"ResourceId": made["DbClusterResourceId"]}, None)
    message = str(failed.value)
    assert f"key {key['Arn']} was Disabled, is Enabled (EnableKey)" in message
    assert f"cluster neptune-no-start is {RECOVERABLE}, but StartDBCluster failed (InvalidDBClusterStateFault" in message
    assert "`aws neptune start-db-cluster --region us-east-1 --db-cluster-identifier neptune-no-start`" in message
    assert failed.value.__cause__.response["Error"]["Code"] == "InvalidDBClusterStateFault"


def test_a_stopped_cluster_is_left_stopped(endpoint: str) -> None:
    """Nothing documents a stop caused by the key; a stop on purpose is not undone."""
    key = new_key()
    made = cluster("neptune-parked", key["Arn"])
    boto3.client("rds").stop_db_cluster(DBClusterIdentifier="neptune-parked")
    disable(key)
    control(endpoint, "POST", "calls/reset")
    out = repair_key.handler({"ResourceId": made["DbClusterResourceId"]}, None)
    assert (out["KeyState"], out["ClusterStatus"], out["ClusterChanges"]) == ("Enabled", "stopped", [])
    assert "not started: stopped is not a status Neptune reports for an inaccessible key" in out["Message"]
    assert "`aws neptune start-db-cluster --region us-east-1 --db-cluster-identifier neptune-parked`" in out["Message"]
    assert "rds:StartDBCluster" not in control(endpoint, "GET", "calls")


def test_a_snapshot_has_no_cluster_to_check(endpoint: str) -> None:
    key = new_key()
    cluster("neptune-snap-only", key["Arn"])
    snapshot("neptune-snap-only-1", "neptune-snap-only")
    report_status(endpoint, "neptune-snap-only", RECOVERABLE)  # the source cluster is not the resource
    disable(key)
    control(endpoint, "POST", "calls/reset")
    out = repair_key.handler({"ResourceId": "neptune-snap-only-1"}, None)
    assert (out["Cluster"], out["ClusterStatus"], out["ClusterChanges"]) == ("", "", [])
    assert out["Message"].endswith("(EnableKey); a DB cluster snapshot has no cluster to start")
    assert "rds:DescribeDBClusters" not in control(endpoint, "GET", "calls")
