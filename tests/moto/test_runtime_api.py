"""tools/runtime_api.py: the local Lambda Runtime API, driven by a fake bootstrap.

The fake is a Python script that behaves like a custom runtime: it polls /next over one
keep-alive connection and answers the first event with /response and the second with
/error (an event may instead say {"action": "hang" | "exit" | "respond" | "error"}).

Run: .venv/bin/python -m pytest tests/moto/test_runtime_api.py
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_API = ROOT / "tools" / "runtime_api.py"
sys.path.insert(0, str(RUNTIME_API.parent))
import runtime_api  # noqa: E402

FAKE_BOOTSTRAP = r'''
import http.client, json, os, sys, time

API = "/2018-06-01/runtime"
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port), timeout=30)
with open(os.environ["FAKE_PID_FILE"], "w") as f:
    f.write(str(os.getpid()))
print("fake: starting", flush=True)
print("fake: a line on stderr", file=sys.stderr, flush=True)

if os.environ.get("FAKE_INIT_ERROR"):
    conn.request("POST", API + "/init/error",
                 json.dumps({"errorType": "Runtime.BadConfig", "errorMessage": "no region"}),
                 {"Lambda-Runtime-Function-Error-Type": "Runtime.BadConfig"})
    conn.getresponse().read()
    sys.exit(1)

n = 0
while True:
    conn.request("GET", API + "/invocation/next")
    r = conn.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    n += 1
    print(f"fake: event {n} request {rid}", flush=True)
    action = event.get("action") or ("respond" if n == 1 else "error")
    if action == "hang":
        time.sleep(3600)
    if action == "exit":
        sys.exit(event.get("code", 3))
    if action == "respond":
        body = {
            "n": n,
            "event": event,
            "headers": {h: r.getheader(h) for h in (
                "Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Deadline-Ms",
                "Lambda-Runtime-Invoked-Function-Arn", "Lambda-Runtime-Trace-Id", "Content-Length")},
            "env": {k: v for k, v in os.environ.items() if k.startswith("AWS_LAMBDA_") or k == "CUSTOM"},
        }
        conn.request("POST", f"{API}/invocation/{rid}/response", json.dumps(body))
    else:
        conn.request("POST", f"{API}/invocation/{rid}/error",
                     json.dumps({"errorType": "InvalidEvent", "errorMessage": f"event {n} is refused",
                                 "stackTrace": []}),
                     {"Lambda-Runtime-Function-Error-Type": "InvalidEvent"})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 202, answer.status
'''


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    path = tmp_path / "bootstrap"
    path.write_text(f"#!{sys.executable}\n{FAKE_BOOTSTRAP}")
    path.chmod(0o755)
    return path


@pytest.fixture(autouse=True)
def pid_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "fake.pid"
    monkeypatch.setenv("FAKE_PID_FILE", str(path))
    return path


def events(tmp_path: Path, **docs: Any) -> list[str]:
    paths = []
    for name, doc in docs.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    return paths


# Guards against a hang, never a time budget: each is far beyond what the step needs on a
# loaded machine (the runtime's own timeouts are what the tests exercise).
HANG_S = 120
ANSWER_MS = 60_000


def cli(*args: str, timeout: float = HANG_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUNTIME_API), *args], capture_output=True, text=True,
                          timeout=timeout)


def event_args(paths: list[str]) -> list[str]:
    return [a for p in paths for a in ("--event", p)]


def assert_stopped(pid_file: Path) -> None:
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


# --------------------------------------------------------------------------- CLI


def test_reports_one_line_per_event_and_keeps_logs_apart(tmp_path: Path, fake: Path, pid_file: Path) -> None:
    paths = events(tmp_path, first={"n": 1}, second={"n": 2})
    logs = tmp_path / "lambda.log"
    before_ms = math.floor(time.time() * 1000)  # the runtime sends whole epoch milliseconds
    out = cli("--bootstrap", str(fake), *event_args(paths), "--env", "CUSTOM=x",
              "--env", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "--timeout-ms", "30000", "--logs", str(logs))
    after_ms = time.time() * 1000

    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("first.json: OK {")
    assert lines[1] == "second.json: ERROR InvalidEvent: event 2 is refused"

    answer = json.loads(lines[0].removeprefix("first.json: OK "))
    assert answer["event"] == {"n": 1}
    headers = answer["headers"]
    assert len(headers["Lambda-Runtime-Aws-Request-Id"]) == 36
    # Read from the same clock as the runtime: when /next handed the event out, plus the timeout.
    assert before_ms + 30_000 <= int(headers["Lambda-Runtime-Deadline-Ms"]) <= after_ms + 30_000
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == "arn:aws:lambda:us-east-1:123456789012:function:neptune-cmk"
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    assert int(headers["Content-Length"]) == len(json.dumps({"n": 1}))
    env = answer["env"]
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "neptune-cmk"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"  # --env wins over the default 128
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert env["CUSTOM"] == "x"

    log = logs.read_text()
    assert "fake: starting" in log and "fake: a line on stderr" in log and "fake: event 2" in log
    assert "fake:" not in out.stdout
    assert_stopped(pid_file)


def test_json_report(tmp_path: Path, fake: Path) -> None:
    out = cli("--bootstrap", str(fake), *event_args(events(tmp_path, a={}, b={})), "--json")
    assert out.returncode == 0, out.stderr
    a, b = (json.loads(line) for line in out.stdout.splitlines())
    assert a["event"] == "a.json" and a["status"] == "ok" and a["response"]["n"] == 1
    assert b["event"] == "b.json" and b["status"] == "error"
    assert (b["errorType"], b["errorMessage"]) == ("InvalidEvent", "event 2 is refused")
    assert a["requestId"] != b["requestId"]


def test_timeout_stops_the_bootstrap_and_fails(tmp_path: Path, fake: Path, pid_file: Path) -> None:
    paths = events(tmp_path, slow={"action": "hang"}, later={})
    started = time.monotonic()
    out = cli("--bootstrap", str(fake), *event_args(paths), "--timeout-ms", "300")
    # The hang (an hour) is cut by the timeout, not waited out (that would raise
    # TimeoutExpired); the timeout is not cut short either (a lower bound only).
    assert time.monotonic() - started >= 0.3
    assert out.returncode == 1
    slow, later = out.stdout.splitlines()
    # The first event's 300 ms also cover the bootstrap's start: on a machine too busy to
    # start it that fast, the event is never taken. A timeout either way (the "taken, then
    # not answered" case alone: test_an_event_taken_and_not_answered_times_out).
    assert re.fullmatch(r"slow\.json: TIMEOUT not (answered|taken from /next) within 300 ms", slow), slow
    assert later == "later.json: NOT RUN an earlier event got no answer"
    assert "runtime_api: not every event was answered" in out.stderr
    assert_stopped(pid_file)


def test_an_event_taken_and_not_answered_times_out(fake: Path, pid_file: Path) -> None:
    with runtime_api.RuntimeApiServer() as api:
        proc = subprocess.Popen([str(fake)], env=runtime_api.lambda_env(api.address),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            warm = api.submit("warm", b'{"action": "respond"}', timeout_ms=ANSWER_MS)
            assert api.wait(warm, proc) == "answered"
            slow = api.submit("slow", b'{"action": "hang"}', timeout_ms=300)
            deadline = time.monotonic() + HANG_S
            while slow.served_at is None:  # taken by the bootstrap's next /next
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.01)
            # Its 300 ms run from when it was taken; the bootstrap hangs for an hour.
            assert api.wait(slow, proc) == "timeout"
            assert time.monotonic() - slow.served_at >= 0.3
            assert runtime_api._result(slow, "timeout", proc, None).line() == (
                "slow: TIMEOUT not answered within 300 ms")
        finally:
            proc.kill()
            proc.wait()


def test_bootstrap_that_exits_early_fails(tmp_path: Path, fake: Path) -> None:
    paths = events(tmp_path, ok={"action": "respond"}, bye={"action": "exit", "code": 3}, later={})
    out = cli("--bootstrap", str(fake), *event_args(paths))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0].startswith("ok.json: OK {")
    assert lines[1:] == [
        "bye.json: DIED the bootstrap exited with code 3 before answering",
        "later.json: NOT RUN an earlier event got no answer",
    ]
    # Logs were discarded, but a failure shows their tail on stderr.
    assert "fake: starting" in out.stderr and "fake: event 2" in out.stderr


def test_bad_arguments_exit_2(tmp_path: Path, fake: Path) -> None:
    good = events(tmp_path, e={})
    missing = cli("--bootstrap", str(tmp_path / "nope"), *event_args(good))
    assert missing.returncode == 2 and "not an executable file" in missing.stderr
    (tmp_path / "bad.json").write_text("{not json")
    bad = cli("--bootstrap", str(fake), "--event", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and "not JSON" in bad.stderr
    env = cli("--bootstrap", str(fake), *event_args(good), "--env", "NOEQUALS")
    assert env.returncode == 2 and "KEY=VALUE" in env.stderr


# --------------------------------------------------------------------------- in-process


def test_one_keep_alive_connection_for_every_request(tmp_path: Path, fake: Path) -> None:
    result = runtime_api.run(str(fake), [("a", b"{}"), ("b", b"{}"), ("c", b'{"action":"respond"}')],
                             timeout_ms=ANSWER_MS)
    assert [r.status for r in result.results] == ["ok", "error", "ok"]
    assert result.exit_code == 0
    assert result.bootstrap_returncode is None  # it was still polling /next and was stopped
    assert result.connections == 1
    assert result.requests >= 6  # 3 x (next + answer), maybe one more next


def test_init_error_fails(tmp_path: Path, fake: Path) -> None:
    result = runtime_api.run(str(fake), [("a", b"{}")], env={"FAKE_INIT_ERROR": "1"}, timeout_ms=ANSWER_MS)
    assert result.exit_code == 1
    assert result.results[0].line() == (
        "a: INIT ERROR the bootstrap reported an init error: Runtime.BadConfig: no region")


def test_http_contract() -> None:
    with runtime_api.RuntimeApiServer() as api:
        conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=HANG_S)

        def call(method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, http.client.HTTPResponse]:
            conn.request(method, path, body, **kw)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"null"), r

        status, doc, _ = call("POST", "/2018-06-01/runtime/invocation/nope/response", "{}")
        assert (status, doc["errorType"]) == (400, "InvalidRequestID")
        status, _, _ = call("GET", "/2018-06-01/runtime/invocation/other")
        assert status == 404

        inv = api.submit("e.json", b'{"x": 1}', timeout_ms=ANSWER_MS)
        status, doc, r = call("GET", "/2018-06-01/runtime/invocation/next")
        assert (status, doc) == (200, {"x": 1})
        assert r.getheader("Lambda-Runtime-Aws-Request-Id") == inv.request_id
        assert r.getheader("Content-Type") == "application/json"

        # A chunked body is read as well as a Content-Length one.
        status, doc, _ = call("POST", f"/2018-06-01/runtime/invocation/{inv.request_id}/response",
                              iter([b'{"ok"', b": true}"]), encode_chunked=True)
        assert (status, doc) == (202, {"status": "OK"})
        assert api.wait(inv) == "answered" and inv.body == b'{"ok": true}'

        status, doc, _ = call("POST", f"/2018-06-01/runtime/invocation/{inv.request_id}/error", "{}")
        assert (status, doc["errorType"]) == (400, "InvalidStateTransition")
        assert api.connections == 1 and api.requests == 5

        late = api.submit("late.json", b"{}", timeout_ms=100)
        assert api.wait(late) == "timeout"  # nobody took it from /next
