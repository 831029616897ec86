#!/usr/bin/env python3
"""The JSON work behind tools/demo.sh (no jq needed).

    demo_events.py summary SEED_JSON
        one line per seeded resource, from seed.py's JSON summary
    demo_events.py events SEED_JSON OUT_DIR --endpoint URL
        writes OUT_DIR/change.json (a ConfigurationItemChangeNotification for the seeded
        compliant cluster) and OUT_DIR/scheduled.json (a ScheduledNotification at now),
        maps their result tokens to the rule in the launcher and clears its PutEvaluations
        log, so that only what the Lambda writes next is shown
    demo_events.py evaluations --endpoint URL [--seed SEED_JSON]
        the PutEvaluations calls the launcher received, as a table
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "tests" / "fixtures" / "events"
RULE_NAME = "neptune-cmk-encrypted"
ACCOUNT_ID = "123456789012"
CHANGE_TOKEN = "demo-change"
SWEEP_TOKEN = "demo-sweep"
ANNOTATION_WIDTH = 70
KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+")


def now_iso() -> str:
    """UTC, ISO-8601, milliseconds, Z: the format Config uses in events."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def control(endpoint: str, method: str, path: str, body: Any = None) -> Any:
    req = urllib.request.Request(
        f"{endpoint.rstrip('/')}/_neptune_cmk/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def key_labels(seed: dict[str, Any]) -> dict[str, str]:
    """Key ARN -> alias, for every key seed.py made."""
    return {k["Arn"]: k.get("Alias") or k["KeyId"] for k in seed.get("keys", {}).values()}


# --------------------------------------------------------------------------- summary


def summary(seed: dict[str, Any]) -> list[str]:
    keys = {k["Arn"]: k for k in seed["keys"].values()}
    rows = []
    for c in seed["clusters"]:
        if not c.get("StorageEncrypted"):
            enc = "unencrypted"
        else:
            key = keys.get(c.get("KmsKeyId") or "")
            if key is None:
                enc = f"key {c.get('KmsKeyId')}"
            else:
                manager = "AWS managed" if key.get("KeyManager") == "AWS" else "customer managed"
                enc = f"key {key['Alias']} ({manager}, {key['KeyState']})"
        rows.append(("cluster", c["DBClusterIdentifier"], c["Engine"], enc))
    for i in seed["instances"]:
        rows.append(("instance", i["DBInstanceIdentifier"], "neptune", f"in cluster {i['DBClusterIdentifier']}"))
    for s in seed["snapshots"]:
        rows.append(("snapshot", s["DBClusterSnapshotIdentifier"], "neptune",
                     f"{s.get('SnapshotType', 'manual')} snapshot of {s['DBClusterIdentifier']}"))
    for g in seed.get("graphs", []):  # Neptune Analytics
        key_id = g.get("kmsKeyIdentifier")
        if not key_id or key_id == "AWS_OWNED_KEY":
            enc = "AWS owned key"
        else:
            key = keys.get(key_id)
            enc = f"key {key_id}" if key is None else f"key {key['Alias']} (customer managed, {key['KeyState']})"
        rows.append(("graph", g["name"], "neptune-graph", f"{g['id']}, {enc}"))
    return _table(rows, header=None) + ["  (moto also keeps one automated snapshot per cluster)"]


# --------------------------------------------------------------------------- events


def change_event(seed: dict[str, Any], when: str) -> dict[str, Any]:
    """change-cluster-cmk.json, re-pointed at the seeded compliant cluster."""
    cluster = next(c for c in seed["clusters"] if c["scenario"] == "cmk-enabled")
    instance = next((i for i in seed["instances"] if i["DBClusterIdentifier"] == cluster["DBClusterIdentifier"]), None)
    event = json.loads((EVENTS / "change-cluster-cmk.json").read_text())
    invoking = json.loads(event["invokingEvent"])
    item = invoking["configurationItem"]
    name, arn, resource_id = cluster["DBClusterIdentifier"], cluster["DBClusterArn"], cluster["DbClusterResourceId"]
    old_name = item["resourceName"]

    item.update(resourceId=resource_id, resourceName=name, ARN=arn, configurationItemCaptureTime=when,
                configurationStateId=int(datetime.now(timezone.utc).timestamp() * 1000))
    conf = item["configuration"]
    conf.update(dbClusterResourceId=resource_id, dbclusterIdentifier=name, dbclusterArn=arn,
                kmsKeyId=cluster["KmsKeyId"], storageEncrypted=True, engine="neptune")
    for field in ("endpoint", "readerEndpoint"):
        if isinstance(conf.get(field), str):
            conf[field] = conf[field].replace(old_name, name, 1)
    if instance is not None:
        old_instance = None
        for member in conf.get("dbclusterMembers", []):
            old_instance = member.get("dbinstanceIdentifier")
            member["dbinstanceIdentifier"] = instance["DBInstanceIdentifier"]
        for rel in item.get("relationships", []):
            if rel.get("resourceType") == "AWS::RDS::DBInstance" and rel.get("resourceName") == old_instance:
                rel["resourceName"] = instance["DBInstanceIdentifier"]
    invoking["notificationCreationTime"] = when
    event["invokingEvent"] = json.dumps(invoking, separators=(",", ":"))
    event.update(resultToken=CHANGE_TOKEN, configRuleName=RULE_NAME, accountId=seed.get("accountId", ACCOUNT_ID))
    return event


def scheduled_event(seed: dict[str, Any], when: str) -> dict[str, Any]:
    """scheduled.json at ``when``."""
    account = seed.get("accountId", ACCOUNT_ID)
    event = json.loads((EVENTS / "scheduled.json").read_text())
    invoking = json.loads(event["invokingEvent"])
    invoking.update(notificationCreationTime=when, awsAccountId=account)
    event["invokingEvent"] = json.dumps(invoking, separators=(",", ":"))
    event.update(resultToken=SWEEP_TOKEN, configRuleName=RULE_NAME, accountId=account)
    return event


def write_events(seed: dict[str, Any], out: Path, endpoint: str) -> list[str]:
    when = now_iso()
    change, scheduled = change_event(seed, when), scheduled_event(seed, when)
    (out / "change.json").write_text(json.dumps(change, indent=2) + "\n")
    (out / "scheduled.json").write_text(json.dumps(scheduled, indent=2) + "\n")
    for token in (CHANGE_TOKEN, SWEEP_TOKEN):
        control(endpoint, "POST", "result_tokens", {"resultToken": token, "configRuleName": RULE_NAME})
    # The rule as a deployment creates it: the sweep reads its scope.
    scope = {"ComplianceResourceTypes": [
        "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::DBClusterSnapshot", "AWS::KMS::Key",
    ]}
    control(endpoint, "POST", "config_rules", {"configRuleName": RULE_NAME, "scope": scope})
    control(endpoint, "DELETE", "put_evaluations")  # show only what the Lambda writes
    item = json.loads(change["invokingEvent"])["configurationItem"]
    return [
        f"  change.json     ConfigurationItemChangeNotification for {item['resourceType']} {item['resourceName']},"
        f" resultToken {CHANGE_TOKEN}",
        f"  scheduled.json  ScheduledNotification at {when} (the periodic sweep), resultToken {SWEEP_TOKEN}",
    ]


# --------------------------------------------------------------------------- hooks

HOOKS = EVENTS.parent / "hooks"


def hook_request(seed: dict[str, Any], name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """hooks/create-cluster.json for the seed's account, deploying ``properties``."""
    request = json.loads((HOOKS / "create-cluster.json").read_text())
    account = seed.get("accountId", ACCOUNT_ID)
    request["awsAccountId"] = account
    request["stackId"] = f"arn:aws:cloudformation:us-east-1:{account}:stack/{name}/00000000-0000-0000-0000-000000000000"
    request["requestData"]["targetLogicalId"] = name
    request["requestData"]["targetModel"]["resourceProperties"] = properties
    return request


def write_hook_requests(seed: dict[str, Any], out: Path) -> list[str]:
    cmk = next(c for c in seed["clusters"] if c["scenario"] == "cmk-enabled")["KmsKeyId"]
    requests = {
        "hook-aws-rds.json": hook_request(seed, "ClusterOnAwsRds", {"StorageEncrypted": "true"}),
        "hook-cmk.json": hook_request(seed, "ClusterOnCmk", {"StorageEncrypted": "true", "KmsKeyId": cmk}),
    }
    for file, request in requests.items():
        (out / file).write_text(json.dumps(request, indent=2) + "\n")
    labels = key_labels(seed)
    return [
        "  hook-aws-rds.json  CREATE AWS::Neptune::DBCluster with StorageEncrypted: true and no KmsKeyId",
        f"  hook-cmk.json      CREATE AWS::Neptune::DBCluster with KmsKeyId {labels.get(cmk, cmk)}",
    ]


def hook_answers(results: list[dict[str, Any]]) -> tuple[list[str], bool]:
    """The hook's answers (runtime_api.py --json lines); whether they are as expected:
    the aws/rds cluster refused, the customer managed one allowed."""
    expected = {"hook-aws-rds.json": ("FAILED", "NonCompliant"), "hook-cmk.json": ("SUCCESS", None)}
    lines, as_expected = [], True
    for result in results:
        event = Path(result["event"]).name
        answer = result.get("response") or {}
        got = (answer.get("hookStatus"), answer.get("errorCode"))
        as_expected &= expected.get(event) == got
        status = " ".join(part for part in got if part)
        lines.append(f"  {event}: {status or result.get('status')}")
        lines.append(f"    {_cut(answer.get('message', result.get('errorMessage', '')), 200)}")
    return lines, as_expected and len(results) == len(expected)


# --------------------------------------------------------------------------- evaluations


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def evaluations(calls: list[dict[str, Any]], labels: Optional[dict[str, str]] = None) -> list[str]:
    labels = labels or {}

    def shorten(annotation: str) -> str:
        return KEY_ARN.sub(lambda m: labels.get(m.group(0), m.group(0)), annotation)

    header = ("call", "type", "resource id", "compliance", "annotation")
    rows = []
    for n, call in enumerate(calls, 1):
        for e in call["evaluations"] + call.get("failed", []):
            rows.append((str(n), e["ComplianceResourceType"].split("::")[-1], e["ComplianceResourceId"],
                         e["ComplianceType"], shorten(e.get("Annotation") or "")))
    # Annotations get what a wide terminal leaves, but at least ANNOTATION_WIDTH characters.
    used = 2 + sum(max(len(r[i]) for r in [header, *rows]) + 2 for i in range(4))
    width = max(ANNOTATION_WIDTH, shutil.get_terminal_size((80, 24)).columns - used - 1)
    lines = _table([(*r[:4], _cut(r[4], width)) for r in rows], header=header)
    legend = ", ".join(
        f"call {n} = {c['resultToken']} ({len(c['evaluations'])} written"
        + (f", {len(c['failed'])} failed" if c.get("failed") else "") + ")"
        for n, c in enumerate(calls, 1)
    )
    note = "; key ARNs shown as their alias" if labels else ""
    lines.append(f"  {legend or 'no PutEvaluations calls'}{note}")
    return lines


def _table(rows: list[tuple[str, ...]], header: Optional[tuple[str, ...]]) -> list[str]:
    all_rows = ([header] if header else []) + rows
    if not all_rows:
        return []
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    return ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in all_rows]


# --------------------------------------------------------------------------- CLI


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description="JSON helpers for tools/demo.sh")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("summary")
    s.add_argument("seed")
    e = sub.add_parser("events")
    e.add_argument("seed")
    e.add_argument("out_dir")
    e.add_argument("--endpoint", required=True)
    h = sub.add_parser("hooks")
    h.add_argument("seed")
    h.add_argument("out_dir")
    a = sub.add_parser("hook-answers")
    a.add_argument("answers", help="runtime_api.py --json output")
    v = sub.add_parser("evaluations")
    v.add_argument("--endpoint", required=True)
    v.add_argument("--seed")
    args = p.parse_args(argv)

    if args.cmd == "summary":
        lines = summary(json.loads(Path(args.seed).read_text()))
    elif args.cmd == "hooks":
        lines = write_hook_requests(json.loads(Path(args.seed).read_text()), Path(args.out_dir))
    elif args.cmd == "hook-answers":
        results = [json.loads(line) for line in Path(args.answers).read_text().splitlines() if line.strip()]
        lines, as_expected = hook_answers(results)
        print("\n".join(lines))
        return 0 if as_expected else 1
    elif args.cmd == "events":
        lines = write_events(json.loads(Path(args.seed).read_text()), Path(args.out_dir), args.endpoint)
    else:
        labels = key_labels(json.loads(Path(args.seed).read_text())) if args.seed else None
        lines = evaluations(control(args.endpoint, "GET", "put_evaluations"), labels)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
