#!/usr/bin/env python3
"""make bench (organization part): `neptune-cmk audit --organization` against an
organization in the patched moto launcher, with a fixed delay added to every AWS
call to stand in for real round trips. Rewrites the block between
`<!-- bench-org:start -->` and `<!-- bench-org:end -->` in docs/PERFORMANCE.md
and writes target/bench/org.json.

    .venv/bin/python tools/bench_org.py --cli target/release/neptune-cmk
        [--members 4] [--regions us-east-1,eu-west-1] [--clusters 25]
        [--latencies 0,50] [--concurrency 1,16] [--runs 3]

Each (latency, concurrency) is run --runs times; the median wall time is
reported, with the AWS calls counted at the server for one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests/moto"))
import seed  # noqa: E402

START, END = "<!-- bench-org:start -->", "<!-- bench-org:end -->"


class Moto:
    """The launcher on a free loopback port; it stops when its stdin closes."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests/moto/launcher.py"), "--port", "0", "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("READY "):
            raise SystemExit(f"bench_org: moto did not start ({line!r}); run make venv")
        self.endpoint = f"http://127.0.0.1:{int(line.split()[1])}"

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.endpoint}/_neptune_cmk/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def audit(cli: str, moto: Moto, regions: list[str], concurrency: int) -> tuple[float, list[dict[str, Any]]]:
    """One organization audit; its wall time and rows."""
    env = {**os.environ, "AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": regions[0],
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_PROFILE", None)
    args = [cli, "audit", "--organization", "--format", "json", "--concurrency", str(concurrency)]
    for region in regions:
        args += ["--region", region]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench_org: the audit failed ({done.returncode}): {done.stderr}")
    return wall, json.loads(done.stdout)


def measure(args: argparse.Namespace, moto: Moto, regions: list[str]) -> list[dict[str, Any]]:
    results = []
    for latency in args.latencies:
        moto.control("POST", "latency", {"ms": latency})
        for concurrency in args.concurrency:
            walls = []
            for run in range(args.runs):
                moto.control("POST", "calls/reset")
                wall, rows = audit(args.cli, moto, regions, concurrency)
                walls.append(wall)
                if run == 0:
                    calls = moto.control("GET", "calls")
            results.append({
                "latency_ms": latency, "concurrency": concurrency, "wall_s": statistics.median(walls),
                "walls_s": walls, "rows": len(rows), "calls": calls,
                "errors": sum(1 for row in rows if row["compliance"] == "ERROR"),
            })
            print(f"latency {latency} ms, concurrency {concurrency}: {statistics.median(walls):.2f} s, "
                  f"{len(rows)} rows, {sum(calls.values())} calls", file=sys.stderr)
    moto.control("POST", "latency", {"ms": 0})
    return results


def render(args: argparse.Namespace, regions: list[str], accounts: int, results: list[dict[str, Any]]) -> str:
    targets = accounts * len(regions)
    lines = [
        f"Measured {date.today().isoformat()} on {os.cpu_count()} cores, {platform.machine()}, "
        f"Linux {platform.release()} (`make bench`, `tools/bench_org.py`).",
        "",
        f"`neptune-cmk audit --organization --region {' --region '.join(regions)}` (release build) over "
        f"{accounts} accounts (the management account and {args.members} members) × {len(regions)} regions = "
        f"{targets} targets; each member region holds {args.clusters} Neptune clusters with one instance each "
        "and their automated snapshots. The launcher adds the latency to every AWS call; wall time is the "
        f"median of {args.runs} runs.",
        "",
        "| added latency per call | --concurrency | wall | resources | AWS calls | sts:AssumeRole | rds:Describe* | kms:DescribeKey |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        calls = result["calls"]
        describes = sum(count for name, count in calls.items() if name.startswith("rds:Describe"))
        lines.append(
            f"| {result['latency_ms']} ms | {result['concurrency']} | {result['wall_s']:.2f} s | {result['rows']} "
            f"| {sum(calls.values())} | {calls.get('sts:AssumeRole', 0)} | {describes} "
            f"| {calls.get('kms:DescribeKey', 0)} |")
    by_key = {(r["latency_ms"], r["concurrency"]): r["wall_s"] for r in results}
    slow = max(args.latencies)
    if slow > 0 and len(args.concurrency) > 1:
        low, high = min(args.concurrency), max(args.concurrency)
        lines += ["", f"At {slow} ms per call, --concurrency {high} audits the organization "
                      f"{by_key[(slow, low)] / by_key[(slow, high)]:.1f}× faster than {low} target at a time."]
    return "\n".join(lines)


def write_block(doc: Path, block: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"bench_org: {doc} lacks the {START} … {END} markers; add them where the "
                         "organization results belong")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n{block}\n{END}{tail}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default=str(ROOT / "target/release/neptune-cmk"))
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--regions", default="us-east-1,eu-west-1")
    parser.add_argument("--clusters", type=int, default=25)
    parser.add_argument("--latencies", type=lambda text: [int(x) for x in text.split(",")], default=[0, 50])
    parser.add_argument("--concurrency", type=lambda text: [int(x) for x in text.split(",")], default=[1, 16])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--doc", default=str(ROOT / "docs/PERFORMANCE.md"))
    args = parser.parse_args()
    if not Path(args.cli).is_file():
        raise SystemExit(f"bench_org: no CLI at {args.cli}; build it with cargo build --release -p neptune-cmk")
    regions = args.regions.split(",")
    moto = Moto()
    try:
        summary = seed.seed_org(moto.endpoint, members=args.members, regions=tuple(regions),
                                clusters=args.clusters, instances=1)
        results = measure(args, moto, regions)
    finally:
        moto.stop()
    accounts = len(summary["members"]) + 1
    out = ROOT / "target/bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "org.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    write_block(Path(args.doc), render(args, regions, accounts, results))
    print(f"bench_org: wrote {args.doc} and {out / 'org.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
