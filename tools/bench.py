#!/usr/bin/env python3
"""make bench: cold start, warm invoke, periodic sweeps and binary size of the
release bootstrap, measured against the patched moto launcher through the local
Lambda Runtime API (tools/runtime_api.py), and the launcher's own speed (concurrent
calls under added latency, bulk fleets). Writes target/bench/results.json and
the results block of docs/PERFORMANCE.md (between the bench markers).

    .venv/bin/python tools/bench.py [--bootstrap target/lambda/neptune-cmk-rule/bootstrap]
        [--sizes 100,1000,10000] [--cold 10] [--warm 50] [--criterion target/criterion]

Timings are wall-clock on this machine and include moto's own (Python) time for
every AWS call; the bootstrap's CPU time (utime+stime from /proc) is reported
beside them because it is the rule's own cost. API call counts are read at the
server and compared with the minimum the design promises.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from runtime_api import RuntimeApiServer, lambda_env  # noqa: E402

PYTHON = str(ROOT / ".venv/bin/python")
RULE = "neptune-cmk-encrypted"
ACCOUNT = "123456789012"
REGION = "us-east-1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Moto:
    """The launcher on a free loopback port; stopped by closing its stdin."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, str(ROOT / "tests/moto/launcher.py"), "--port", "0", "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("READY "):
            raise SystemExit(f"bench: moto did not start ({line!r})")
        self.port = int(line.split()[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.endpoint}/_neptune_cmk/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            text = response.read()
        return json.loads(text) if text else None

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def boto3_client(moto: Moto, service: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=moto.endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def envelope(invoking_event: dict[str, Any], token: str) -> bytes:
    return json.dumps({
        "invokingEvent": json.dumps(invoking_event), "ruleParameters": "{}", "resultToken": token,
        "eventLeftScope": False, "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/config-role",
        "configRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-0123456",
        "configRuleName": RULE, "configRuleId": "config-rule-0123456", "accountId": ACCOUNT, "version": "1.0",
    }).encode()


def change_event(cluster: dict[str, Any], token: str) -> bytes:
    template = json.loads((ROOT / "tests/fixtures/events/change-cluster-cmk.json").read_text())
    invoking = json.loads(template["invokingEvent"])
    item = invoking["configurationItem"]
    item["resourceId"] = item["configuration"]["dbClusterResourceId"] = cluster["DbClusterResourceId"]
    item["resourceName"] = item["configuration"]["dbclusterIdentifier"] = cluster["DBClusterIdentifier"]
    item["ARN"] = item["configuration"]["dbclusterArn"] = cluster["DBClusterArn"]
    item["configuration"]["kmsKeyId"] = cluster["KmsKeyId"]
    return envelope(invoking, token)


def scheduled_event(token: str) -> bytes:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return envelope({"awsAccountId": ACCOUNT, "notificationCreationTime": now,
                     "messageType": "ScheduledNotification", "recordVersion": "1.0"}, token)


def proc_stats(pid: int) -> tuple[int, float]:
    """Peak RSS (VmHWM, KiB) and CPU time (ms) of a live process."""
    peak = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu_ms = (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS
    return peak, cpu_ms


def spawn(bootstrap: str, server: RuntimeApiServer, moto: Moto) -> subprocess.Popen[bytes]:
    env = lambda_env(server.address, {
        "AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_LAMBDA_LOG_LEVEL": "WARN", "RUST_LOG": "warn",
    })
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        env.pop(name, None)
    return subprocess.Popen([bootstrap], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def answer(server: RuntimeApiServer, inv: Any, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    outcome = server.wait(inv, proc)
    if outcome != "answered" or inv.kind != "response":
        raise SystemExit(f"bench: {inv.name}: {outcome} {inv.kind} {inv.body[:300]!r}")
    return json.loads(inv.body)


def moto_bulk(moto: Moto, count: int, prefix: str, keys: list[str]) -> list[dict[str, Any]]:
    return moto.control("POST", "bulk_clusters", {"count": count, "prefix": prefix, "kmsKeyIds": keys})["clusters"]


def cold_and_warm(bootstrap: str, moto: Moto, cold_runs: int, warm_runs: int) -> dict[str, Any]:
    key = boto3_client(moto, "kms").create_key()["KeyMetadata"]["Arn"]
    cluster = moto_bulk(moto, 1, "bench-change-", [key])[0]
    moto.control("POST", "result_tokens", {"resultToken": "bench-change", "configRuleName": RULE})
    payload = change_event(cluster, "bench-change")
    cold: list[float] = []
    init: list[float] = []
    first: list[float] = []
    peaks: list[int] = []
    for run in range(cold_runs):
        with RuntimeApiServer() as server:
            inv = server.submit(f"cold-{run}", payload, timeout_ms=60_000)
            started = time.monotonic()
            proc = spawn(bootstrap, server, moto)
            response = answer(server, inv, proc)
            # Init: process start until the runtime asks for its first event.
            init.append((inv.served_at - started) * 1000)
            first.append((inv.answered_at - inv.served_at) * 1000)
            cold.append((inv.answered_at - started) * 1000)
            peaks.append(proc_stats(proc.pid)[0])
            stop(proc)
            assert response["written"] == 1, response
    warm: list[float] = []
    with RuntimeApiServer() as server:
        proc = spawn(bootstrap, server, moto)
        for run in range(warm_runs + 1):
            inv = server.submit(f"warm-{run}", payload, timeout_ms=60_000)
            answer(server, inv, proc)
            if run:  # the first one is the cold start
                warm.append((inv.answered_at - inv.served_at) * 1000)
            else:
                cpu_after_cold = proc_stats(proc.pid)[1]
        warm_cpu_ms = (proc_stats(proc.pid)[1] - cpu_after_cold) / warm_runs
        stop(proc)
    # The same two calls the warm invoke makes, timed from Python: moto's share.
    kms = boto3_client(moto, "kms")
    config = boto3_client(moto, "config")
    round_trips = []
    for _ in range(20):
        started = time.monotonic()
        kms.describe_key(KeyId=key)
        config.put_evaluations(ResultToken="bench-change", TestMode=True, Evaluations=[{
            "ComplianceResourceType": "AWS::RDS::DBCluster", "ComplianceResourceId": cluster["DbClusterResourceId"],
            "ComplianceType": "COMPLIANT", "OrderingTimestamp": time.time()}])
        round_trips.append((time.monotonic() - started) * 1000)
    return {
        "init_ms_median": statistics.median(init), "init_ms_min": min(init),
        "first_event_ms_median": statistics.median(first),
        "init_files_opened": files_opened_before_first_event(bootstrap, moto, payload),
        "cold_start_ms_median": statistics.median(cold), "cold_start_ms_min": min(cold), "cold_start_ms_max": max(cold),
        "cold_runs": cold_runs, "cold_peak_rss_kib_median": statistics.median(peaks),
        "warm_invoke_ms_median": statistics.median(warm), "warm_invoke_ms_p90": sorted(warm)[int(len(warm) * 0.9) - 1],
        "warm_runs": warm_runs, "warm_cpu_ms_per_invoke": warm_cpu_ms,
        "moto_two_calls_ms_median": statistics.median(round_trips),
    }


def files_opened_before_first_event(bootstrap: str, moto: Moto, payload: bytes) -> Any:
    """Files the bootstrap opens before it asks for its first event (strace), or None."""
    import shutil

    if not shutil.which("strace"):
        return None
    trace = ROOT / "target/bench/init.strace"
    trace.parent.mkdir(parents=True, exist_ok=True)
    with RuntimeApiServer() as server:
        inv = server.submit("strace", payload, timeout_ms=60_000)
        env = lambda_env(server.address, {"AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": REGION,
                                          "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
        proc = subprocess.Popen(["strace", "-f", "-e", "trace=openat,connect", "-o", str(trace), bootstrap],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server.wait(inv, proc)
        stop(proc)
    opened = 0
    for line in trace.read_text().splitlines():
        if "connect(" in line:
            break  # the first connection is the runtime's /next
        if "openat(" in line and "ENOENT" not in line:
            opened += 1
    return opened


def sweep(bootstrap: str, moto: Moto, clusters: int, keys: int, latency_ms: int = 0) -> dict[str, Any]:
    moto.control("POST", "reset")
    kms = boto3_client(moto, "kms")
    key_arns = [kms.create_key()["KeyMetadata"]["Arn"] for _ in range(keys)]
    started_seed = time.monotonic()
    created: list[dict[str, Any]] = []
    for start in range(0, clusters, 2000):
        created.append(moto.control("POST", "bulk_clusters", {
            "count": min(2000, clusters - start), "start": start, "prefix": "sweep-", "kmsKeyIds": key_arns,
            "instancesPerCluster": 1}))
    # The steady state of a daily sweep: yesterday's result for every resource,
    # so the stale lookup pages through as many results as the sweep judges.
    previous = previous_results(moto, created)
    seed_s = time.monotonic() - started_seed
    moto.control("POST", "result_tokens", {"resultToken": "bench-sweep", "configRuleName": RULE})
    moto.control("POST", "config_rules", {"configRuleName": RULE, "scope": {"ComplianceResourceTypes": [
        "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::DBClusterSnapshot", "AWS::KMS::Key"]}})
    moto.control("POST", "latency", {"ms": latency_ms})
    moto.control("POST", "calls/reset")
    with RuntimeApiServer() as server:
        proc = spawn(bootstrap, server, moto)
        inv = server.submit("sweep", scheduled_event("bench-sweep"), timeout_ms=900_000)
        response = answer(server, inv, proc)
        peak_kib, cpu_ms = proc_stats(proc.pid)
        stop(proc)
    moto.control("POST", "latency", {"ms": 0})
    calls = moto.control("GET", "calls")
    written = response["written"]
    pages = max(1, math.ceil(clusters / 100))
    expected = {
        "kms:DescribeKey": keys,
        "config:PutEvaluations": math.ceil(written / 100),
        "rds:DescribeDBClusters": pages,
        "rds:DescribeDBInstances": pages,  # one instance per cluster
        "rds:DescribeDBClusterSnapshots": pages,  # moto adds one automated snapshot per cluster
        "config:GetComplianceDetailsByConfigRule": max(1, math.ceil(previous / 100)),
        "config:DescribeConfigRules": 1,
    }
    # The longest chain of dependent calls: the longest paged listing (or
    # the paged stale lookup), then the first DescribeKey and the final flush.
    chain = max(pages, expected["config:GetComplianceDetailsByConfigRule"]) + 2
    return {
        "clusters": clusters, "keys": keys, "evaluations": written, "seed_s": seed_s, "latency_ms": latency_ms,
        "wall_s": inv.answered_at - inv.served_at, "cpu_ms": cpu_ms, "peak_rss_kib": peak_kib,
        "calls": {name: calls.get(name, 0) for name in expected}, "expected_calls": expected,
        "calls_at_minimum": all(calls.get(name, 0) == count for name, count in expected.items()),
        "total_calls": sum(calls.values()), "critical_path_calls": chain,
    }


def previous_results(moto: Moto, created: list[dict[str, Any]]) -> int:
    """Registers a COMPLIANT result from yesterday for every cluster, instance and snapshot."""
    yesterday = time.time() - 86_400
    results = [{"resourceType": "AWS::RDS::DBCluster", "resourceId": c["DbClusterResourceId"],
                "complianceType": "COMPLIANT", "resultRecordedTime": yesterday}
               for batch in created for c in batch["clusters"]]
    results += [{"resourceType": "AWS::RDS::DBInstance", "resourceId": i["DbiResourceId"],
                 "complianceType": "COMPLIANT", "resultRecordedTime": yesterday}
                for batch in created for i in batch["instances"]]
    # moto names each cluster's automated snapshot rds:<cluster>-<minute>: read them back.
    rds = boto3_client(moto, "rds")
    for page in rds.get_paginator("describe_db_cluster_snapshots").paginate(PaginationConfig={"PageSize": 100}):
        results += [{"resourceType": "AWS::RDS::DBClusterSnapshot", "resourceId": s["DBClusterSnapshotIdentifier"],
                     "complianceType": "COMPLIANT", "resultRecordedTime": yesterday}
                    for s in page["DBClusterSnapshots"]]
    moto.control("POST", "compliance", {"configRuleName": RULE, "results": results})
    return len(results)


LAUNCHER_LATENCY_MS = 200
LAUNCHER_CONCURRENCY = (10, 64, 128)


def raw_sts_call(endpoint: str) -> int:
    """GetCallerIdentity on its own connection (no SDK connection pool): the HTTP status."""
    request = urllib.request.Request(
        endpoint + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, "
                                  "SignedHeaders=host, Signature=00"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status


def launcher(moto: Moto) -> dict[str, Any]:
    """The launcher's own speed, not the rule's. tests/moto proves that concurrent calls sleep
    their latency concurrently (all of them asleep at once); this measures what that buys:
    the wall time of N calls started together at 200 ms, and of bulk_clusters fleets."""
    moto.control("POST", "reset")
    raw_sts_call(moto.endpoint)  # warm: the first call builds moto's STS backend
    concurrent: dict[str, float] = {}
    moto.control("POST", "latency", {"ms": LAUNCHER_LATENCY_MS})
    try:
        for n in LAUNCHER_CONCURRENCY:
            with ThreadPoolExecutor(n) as pool:
                started = time.monotonic()
                statuses = list(pool.map(lambda _: raw_sts_call(moto.endpoint), range(n)))
                concurrent[str(n)] = time.monotonic() - started
            if statuses != [200] * n:
                raise SystemExit(f"bench: launcher: {n} concurrent calls answered {sorted(set(statuses))}")
    finally:
        moto.control("POST", "latency", {"ms": 0})
    kms = boto3_client(moto, "kms")
    keys = [kms.create_key()["KeyMetadata"]["Arn"] for _ in range(3)]
    started = time.monotonic()
    moto.control("POST", "bulk_clusters", {"count": 1000, "prefix": "pair-", "kmsKeyIds": keys,
                                           "instancesPerCluster": 1})
    with_instances = time.monotonic() - started
    started = time.monotonic()
    moto.control("POST", "bulk_clusters", {"count": 10_000, "prefix": "bulk-", "kmsKeyIds": keys})
    clusters_only = time.monotonic() - started
    moto.control("POST", "reset")
    return {"latency_ms": LAUNCHER_LATENCY_MS, "concurrent_wall_s": concurrent,
            "bulk_1000_clusters_with_instances_s": with_instances, "bulk_10000_clusters_s": clusters_only}


def criterion_results(directory: Path) -> dict[str, float]:
    results = {}
    for estimates in sorted(directory.glob("evaluate/*/new/estimates.json")):
        mean_ns = json.loads(estimates.read_text())["mean"]["point_estimate"]
        results[estimates.parent.parent.name] = mean_ns
    return results


def render(results: dict[str, Any]) -> str:
    lines = [f"Measured {results['date']} on {results['machine']} (`make bench`).", ""]
    lines += ["| measurement | result | target | met |", "|---|---|---|---|"]
    for name, mean_ns in results["criterion"].items():
        per_s = 1e9 / mean_ns
        lines.append(f"| evaluator, `{name}` (parse + decide one item) | {mean_ns / 1000:.1f} µs/item = {per_s:,.0f} items/s/core | ≥ 100,000 items/s/core | {'yes' if per_s >= 100_000 else 'no'} |")
    lifecycle = results["lifecycle"]
    lines.append(f"| init: process start → the runtime asks for its first event (median of {lifecycle['cold_runs']}) | {lifecycle['init_ms_median']:.1f} ms (min {lifecycle['init_ms_min']:.1f}) | ≤ 5 ms | {'yes' if lifecycle['init_ms_median'] <= 5 else 'no'} |")
    lines.append(f"| first event after init (clients, root certificates, DescribeKey, PutEvaluations) | {lifecycle['first_event_ms_median']:.1f} ms | | |")
    lines.append(f"| cold start → first evaluation written (init + first event) | {lifecycle['cold_start_ms_median']:.1f} ms (min {lifecycle['cold_start_ms_min']:.1f}, max {lifecycle['cold_start_ms_max']:.1f}) | ≤ 30 ms | {'yes' if lifecycle['cold_start_ms_median'] <= 30 else 'no'} |")
    if lifecycle.get("init_files_opened") is not None:
        lines.append(f"| files opened before the first event (strace) | {lifecycle['init_files_opened']} | | |")
    lines.append(f"| warm invoke, change event (median of {lifecycle['warm_runs']}) | {lifecycle['warm_invoke_ms_median']:.2f} ms (p90 {lifecycle['warm_invoke_ms_p90']:.2f}) | ≤ 5 ms | {'yes' if lifecycle['warm_invoke_ms_median'] <= 5 else 'no'} |")
    lines.append(f"| warm invoke: bootstrap CPU per invoke / the same two AWS calls from boto3 against moto | {lifecycle['warm_cpu_ms_per_invoke']:.2f} ms / {lifecycle['moto_two_calls_ms_median']:.2f} ms | | |")
    lines.append(f"| peak RSS, one change event | {lifecycle['cold_peak_rss_kib_median'] / 1024:.1f} MiB | | |")
    for run in results["sweeps"]:
        if run["latency_ms"]:
            continue
        met = "yes" if run["peak_rss_kib"] <= 32 * 1024 else "no"
        target = "≤ 32 MiB" if run["clusters"] >= 1000 else ""
        lines.append(f"| sweep N = {run['clusters']:,} clusters + instances + snapshots ({run['evaluations']:,} evaluations, {run['keys']} keys): wall / bootstrap CPU / peak RSS | {run['wall_s']:.2f} s / {run['cpu_ms']:.0f} ms / {run['peak_rss_kib'] / 1024:.1f} MiB | {target} | {met if target else ''} |")
    if results.get("launcher"):
        moto = results["launcher"]
        counts = " / ".join(moto["concurrent_wall_s"])
        walls = " / ".join(f"{wall:.2f} s" for wall in moto["concurrent_wall_s"].values())
        lines.append(f"| launcher: {counts} calls started together at {moto['latency_ms']} ms added latency, wall (serial: {moto['latency_ms'] / 1000:.1f} s per call) | {walls} | | |")
        lines.append(f"| launcher: `bulk_clusters`, 1,000 clusters with one instance each / 10,000 clusters | {moto['bulk_1000_clusters_with_instances_s']:.2f} s / {moto['bulk_10000_clusters_s']:.2f} s | | |")
    size = results["size"]
    lines.append(f"| release bootstrap, stripped | {size['bootstrap_bytes'] / 1e6:.2f} MB | ≤ 10 MB | {'yes' if size['bootstrap_bytes'] <= 10e6 else 'no'} |")
    lines.append(f"| zipped asset | {size['zip_bytes'] / 1e6:.2f} MB | | |")
    lines += ["", "Latency-bound sweeps: the same fleet with a fixed delay added to every AWS call by the launcher.",
              "*Added* is the wall time with the delay minus the wall time without it (moto's own CPU time cancels out);",
              "*sequential* is what one call after another would add (every call the sweep made × the delay);",
              "the *critical path* is the longest chain of dependent calls (the longest paged listing or the paged",
              "stale lookup, then the first DescribeKey and the final flush) × the delay.", ""]
    lines.append("| N | delay | wall | added | sequential | critical path | added / critical path | goal ≤ 1.5 |")
    lines.append("|---|---|---|---|---|---|---|---|")
    by_size = {}
    for run in results["sweeps"]:
        by_size.setdefault(run["clusters"], {})[run["latency_ms"]] = run
    for size, runs in sorted(by_size.items()):
        base = runs.get(0)
        for latency, run in sorted(runs.items()):
            if not latency or base is None:
                continue
            added = run["wall_s"] - base["wall_s"]
            sequential = run["total_calls"] * latency / 1000
            critical = run["critical_path_calls"] * latency / 1000
            ratio = added / critical
            lines.append(f"| {size:,} | {latency} ms | {run['wall_s']:.2f} s | {added:.2f} s | {sequential:.2f} s ({run['total_calls']} calls) | {critical:.2f} s ({run['critical_path_calls']} calls) | {ratio:.2f} | {'yes' if ratio <= 1.5 else 'no'} |")
    lines += ["", "API calls per sweep, counted at the server (actual / minimum):", ""]
    names = list(results["sweeps"][0]["expected_calls"]) if results["sweeps"] else []
    lines.append("| N | " + " | ".join(f"`{name}`" for name in names) + " | at minimum |")
    lines.append("|---|" + "---|" * (len(names) + 1))
    for run in results["sweeps"]:
        if run["latency_ms"]:
            continue
        cells = [f"{run['calls'][name]} / {run['expected_calls'][name]}" for name in names]
        lines.append(f"| {run['clusters']:,} | " + " | ".join(cells) + f" | {'yes' if run['calls_at_minimum'] else 'NO'} |")
    plain = [run for run in results["sweeps"] if not run["latency_ms"]]
    if len(plain) > 1:
        first, last = plain[0], plain[-1]
        scale = last["clusters"] / first["clusters"]
        lines += ["", f"Scaling {first['clusters']:,} → {last['clusters']:,} clusters (×{scale:.0f}): wall ×{last['wall_s'] / first['wall_s']:.1f}, bootstrap CPU ×{last['cpu_ms'] / max(first['cpu_ms'], 1):.1f}."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default=str(ROOT / "target/lambda/neptune-cmk-rule/bootstrap"))
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--latencies", default="0,50", help="added ms per AWS call, for sizes of 1,000 and more")
    parser.add_argument("--keys", type=int, default=3)
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--criterion", default=str(ROOT / "target/criterion"))
    parser.add_argument("--doc", default=str(ROOT / "docs/PERFORMANCE.md"))
    args = parser.parse_args()
    bootstrap = Path(args.bootstrap)
    if not bootstrap.exists():
        raise SystemExit(f"bench: {bootstrap} is missing; run `make package` first")
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}",
        "criterion": criterion_results(Path(args.criterion)),
    }
    moto = Moto()
    try:
        print("bench: the launcher's concurrency and bulk fleets", file=sys.stderr)
        results["launcher"] = launcher(moto)
        print("bench: cold start and warm invokes", file=sys.stderr)
        results["lifecycle"] = cold_and_warm(str(bootstrap), moto, args.cold, args.warm)
        results["sweeps"] = []
        latencies = [int(n) for n in args.latencies.split(",") if n]
        for size in [int(n) for n in args.sizes.split(",") if n]:
            for latency in latencies if size >= 1000 else [0]:
                print(f"bench: sweep of {size} clusters, {latency} ms added per call", file=sys.stderr)
                results["sweeps"].append(sweep(str(bootstrap), moto, size, args.keys, latency))
    finally:
        moto.stop()
    zip_path = bootstrap.with_name("bootstrap.zip")
    results["size"] = {"bootstrap_bytes": bootstrap.stat().st_size,
                       "zip_bytes": zip_path.stat().st_size if zip_path.exists() else 0}
    out = ROOT / "target/bench/results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    block = render(results)
    doc = Path(args.doc)
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = doc.read_text() if doc.exists() else f"# Performance\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    doc.write_text(f"{head}{start}\n{block}{end}{tail}")
    print(block)
    return 0 if all(run["calls_at_minimum"] for run in results["sweeps"] if not run["latency_ms"]) else 1


if __name__ == "__main__":
    sys.exit(main())
