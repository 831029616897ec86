#!/usr/bin/env python3
"""A local AWS Lambda Runtime API (2018-06-01) that runs a custom-runtime bootstrap.

    python tools/runtime_api.py --bootstrap target/debug/neptune-cmk-rule \\
        --event change.json --event scheduled.json [--env KEY=VALUE ...] \\
        [--timeout-ms 60000] [--logs lambda.log] [--json]

It listens on 127.0.0.1 (a free port), starts the bootstrap with the current environment
plus the variables Lambda sets (AWS_LAMBDA_RUNTIME_API pointing here,
AWS_LAMBDA_FUNCTION_NAME=neptune-cmk, AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128,
AWS_LAMBDA_FUNCTION_VERSION=$LATEST, AWS_LAMBDA_LOG_FORMAT=JSON, ...; ``--env`` overrides
them), hands it the events one at a time, as Lambda does, waits for each answer, stops
the bootstrap, and prints one line per event:

    change.json: OK {"written":1,...}
    bad.json: ERROR InvalidEvent: invokingEvent is not JSON ...
    slow.json: TIMEOUT no answer within 60000 ms

(``--json``: one JSON object per line instead). The bootstrap's stdout and stderr are its
logs: they go to ``--logs FILE`` (default: discarded) and never into the report.

Exit status: 0 when every event got an answer (an /error answer is an answer), 1 when
the bootstrap died, reported an init error or timed out, 2 for bad arguments.

Endpoints, as Lambda serves them:

    GET  /2018-06-01/runtime/invocation/next            blocks until there is an event
    POST /2018-06-01/runtime/invocation/{id}/response   202 {"status":"OK"}
    POST /2018-06-01/runtime/invocation/{id}/error      202 {"status":"OK"}
    POST /2018-06-01/runtime/init/error                 202 {"status":"OK"}

HTTP/1.1 with keep-alive: every answer carries Content-Length, so a client can keep
using one connection. (lambda_runtime 1.x drops the 202's {"status":"OK"} body unread,
so hyper opens a new connection per invocation; against Lambda too.) ``RuntimeApiServer`` and ``run`` can be
imported (tests/moto/test_runtime_api.py does).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

API_VERSION = "2018-06-01"
FUNCTION_NAME = "neptune-cmk"
DEFAULT_FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}"
DEFAULT_TIMEOUT_MS = 60_000
# Lambda's synchronous response payload limit.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
# How long the bootstrap gets to exit after SIGTERM before SIGKILL.
TERMINATE_GRACE_S = 2.0
LOG_TAIL_LINES = 20
# How long an answer may still arrive after the bootstrap exited.
EXIT_GRACE_S = 0.2

_INVOCATION_PATH = re.compile(rf"^/{API_VERSION}/runtime/invocation/([^/]+)/(response|error)$")


# --------------------------------------------------------------------------- server


@dataclass
class Invocation:
    """One event handed to the runtime, and what became of it."""

    name: str
    payload: bytes
    timeout_ms: int
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    queued_at: float = field(default_factory=time.monotonic)
    served_at: Optional[float] = None  # monotonic time /next handed it out
    deadline_ms: Optional[int] = None  # epoch ms sent in Lambda-Runtime-Deadline-Ms
    answered_at: Optional[float] = None
    kind: Optional[str] = None  # "response" or "error", once posted
    body: bytes = b""
    error_type_header: Optional[str] = None  # Lambda-Runtime-Function-Error-Type
    answered: bool = False  # posted, and the runtime was sent its 202 (or is gone)


@dataclass
class InitError:
    error_type: str
    error_message: str


class RuntimeApiServer:
    """The Runtime API on a loopback port, fed one invocation at a time.

    ``submit`` queues an event; the runtime's ``/next`` (which blocks, as on Lambda)
    takes it; ``wait`` returns once the runtime posted its response or error. The
    counters ``connections`` and ``requests`` show whether the client kept its
    connection alive.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, function_arn: str = DEFAULT_FUNCTION_ARN):
        self.function_arn = function_arn
        self.cond = threading.Condition()
        self.queue: deque[Invocation] = deque()
        self.invocations: dict[str, Invocation] = {}
        self.init_error: Optional[InitError] = None
        self.closed = False
        self.connections = 0
        self.requests = 0
        self.httpd = _Server((host, port), _make_handler(self))
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def address(self) -> str:
        """host:port, the value of AWS_LAMBDA_RUNTIME_API."""
        return f"{self.httpd.server_address[0]}:{self.port}"

    def start(self) -> "RuntimeApiServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="runtime-api",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; a runtime blocked in /next gets its connection closed."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
        self.httpd.server_close()

    def __enter__(self) -> "RuntimeApiServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- driving side

    def submit(self, name: str, payload: bytes, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Invocation:
        inv = Invocation(name=name, payload=payload, timeout_ms=timeout_ms)
        with self.cond:
            self.invocations[inv.request_id] = inv
            self.queue.append(inv)
            self.cond.notify_all()
        return inv

    def wait(self, inv: Invocation, proc: Optional[subprocess.Popen[Any]] = None, poll_s: float = 0.05) -> str:
        """Wait until ``inv`` is answered. Returns "answered", "init_error", "died" (``proc``
        exited) or "timeout": not taken by /next within the timeout, or not answered by its
        deadline."""
        died_at: Optional[float] = None
        with self.cond:
            while True:
                if inv.answered:
                    return "answered"
                if self.init_error is not None:
                    return "init_error"
                if proc is not None and proc.poll() is not None:
                    # An answer it sent just before exiting may still be in flight.
                    died_at = died_at or time.monotonic()
                    if time.monotonic() - died_at >= EXIT_GRACE_S:
                        return "died"
                start = inv.served_at if inv.served_at is not None else inv.queued_at
                left = start + inv.timeout_ms / 1000 - time.monotonic()
                if left <= 0:
                    return "timeout"
                self.cond.wait(min(poll_s, left))

    # -- serving side (called from handler threads)

    def _next(self) -> Optional[Invocation]:
        with self.cond:
            while not self.queue and not self.closed:
                self.cond.wait()
            if self.closed:
                return None
            inv = self.queue.popleft()
            inv.served_at = time.monotonic()
            inv.deadline_ms = int(time.time() * 1000) + inv.timeout_ms
            return inv

    def _answer(self, request_id: str, kind: str, body: bytes, error_type: Optional[str]) -> tuple[int, dict[str, str]]:
        with self.cond:
            inv = self.invocations.get(request_id)
            if inv is None or inv.served_at is None:
                return 400, {"errorType": "InvalidRequestID", "errorMessage": f"unknown request id {request_id}"}
            if inv.kind is not None:
                return 400, {
                    "errorType": "InvalidStateTransition",
                    "errorMessage": f"invocation {request_id} was already answered with /{inv.kind}",
                }
            if kind == "response" and len(body) > MAX_RESPONSE_BYTES:
                inv.kind, inv.body = "error", json.dumps(
                    {"errorType": "Function.ResponseSizeTooLarge",
                     "errorMessage": f"response of {len(body)} bytes exceeds {MAX_RESPONSE_BYTES}"}
                ).encode()
                return 413, {"errorType": "RequestEntityTooLarge", "errorMessage": "response payload too large"}
            inv.kind, inv.body, inv.error_type_header = kind, body, error_type
            inv.answered_at = time.monotonic()
            return 202, {"status": "OK"}

    def _answered(self, request_id: str) -> None:
        """The runtime has been told its answer was taken: only now may the driver stop it,
        or it could be killed before reading its 202."""
        with self.cond:
            inv = self.invocations.get(request_id)
            if inv is not None and inv.kind is not None:
                inv.answered = True
                self.cond.notify_all()

    def _init_error(self, body: bytes, error_type: Optional[str]) -> None:
        info = _error_info(body, error_type)
        with self.cond:
            self.init_error = InitError(info["errorType"], info["errorMessage"])
            self.cond.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A runtime that goes away mid-request (it was stopped, or it died) is not news:
        # what it means for the invocation is in the report.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def _error_info(body: bytes, error_type_header: Optional[str]) -> dict[str, str]:
    """errorType and errorMessage from an /error body, falling back to the header."""
    try:
        doc = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        doc = {"errorMessage": body.decode("utf-8", "replace")}
    if not isinstance(doc, dict):
        doc = {"errorMessage": json.dumps(doc)}
    return {
        "errorType": str(doc.get("errorType") or error_type_header or "Unknown"),
        "errorMessage": str(doc.get("errorMessage") or ""),
    }


def _make_handler(api: RuntimeApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive; every answer has Content-Length
        server_version = "neptune-cmk-runtime-api"
        sys_version = ""

        def setup(self) -> None:
            super().setup()
            with api.cond:
                api.connections += 1

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the report is the output; requests are not logged

        def _count(self) -> None:
            with api.cond:
                api.requests += 1

        def _body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline().strip():  # trailers
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: bytes, headers: Optional[dict[str, str]] = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def _send_json(self, status: int, doc: Any) -> None:
            self._send(status, json.dumps(doc).encode())

        def do_GET(self) -> None:
            self._count()
            if self.path != f"/{API_VERSION}/runtime/invocation/next":
                self._send_json(404, {"errorType": "NotFound", "errorMessage": f"no route GET {self.path}"})
                return
            inv = api._next()
            if inv is None:  # shutting down: no event will ever come
                self.close_connection = True
                return
            self._send(
                200,
                inv.payload,
                {
                    "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                    "Lambda-Runtime-Trace-Id": _trace_id(),
                },
            )

        def do_POST(self) -> None:
            self._count()
            body = self._body()
            error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
            if self.path == f"/{API_VERSION}/runtime/init/error":
                api._init_error(body, error_type)
                self._send_json(202, {"status": "OK"})
                return
            m = _INVOCATION_PATH.match(self.path)
            if m is None:
                self._send_json(404, {"errorType": "NotFound", "errorMessage": f"no route POST {self.path}"})
                return
            status, doc = api._answer(m.group(1), m.group(2), body, error_type)
            try:
                self._send_json(status, doc)
            finally:
                api._answered(m.group(1))

    return Handler


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


# --------------------------------------------------------------------------- running a bootstrap


@dataclass
class Result:
    """What became of one event: status is ok, error, timeout, died, init_error or not_run."""

    event: str
    status: str
    request_id: Optional[str] = None
    response: Any = None
    error_type: Optional[str] = None
    error_message: Optional[str] = None
    duration_ms: Optional[int] = None
    detail: Optional[str] = None  # why there is no answer

    @property
    def answered(self) -> bool:
        return self.status in ("ok", "error")

    def line(self) -> str:
        if self.status == "ok":
            return f"{self.event}: OK {json.dumps(self.response, separators=(',', ':'))}"
        if self.status == "error":
            return f"{self.event}: ERROR {self.error_type}: {self.error_message}"
        return f"{self.event}: {self.status.upper().replace('_', ' ')} {self.detail}"

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"event": self.event, "status": self.status, "requestId": self.request_id}
        if self.status == "ok":
            doc["response"] = self.response
        elif self.status == "error":
            doc["errorType"], doc["errorMessage"] = self.error_type, self.error_message
        else:
            doc["detail"] = self.detail
        doc["durationMs"] = self.duration_ms
        return doc


@dataclass
class Run:
    results: list[Result]
    exit_code: int
    bootstrap_returncode: Optional[int]  # None: it was still running and was stopped
    connections: int
    requests: int


def lambda_env(runtime_api: str, overrides: Optional[dict[str, str]] = None,
               base: Optional[dict[str, str]] = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]runtime-api",
        }
    )
    env.update(overrides or {})
    env["AWS_LAMBDA_RUNTIME_API"] = runtime_api  # must point here, whatever --env says
    return env


def _result(inv: Invocation, outcome: str, proc: subprocess.Popen[Any], init_error: Optional[InitError]) -> Result:
    started = inv.served_at if inv.served_at is not None else inv.queued_at
    end = inv.answered_at if inv.answered_at is not None else time.monotonic()
    res = Result(event=inv.name, status=outcome, request_id=inv.request_id,
                 duration_ms=int((end - started) * 1000))
    if outcome == "answered" and inv.kind == "response":
        try:
            res.response = json.loads(inv.body.decode("utf-8")) if inv.body else None
            res.status = "ok"
        except (UnicodeDecodeError, json.JSONDecodeError):
            res.status, res.error_type = "error", "Runtime.InvalidResponse"
            res.error_message = f"the response is not JSON: {inv.body[:200]!r}"
    elif outcome == "answered":
        info = _error_info(inv.body, inv.error_type_header)
        res.status, res.error_type, res.error_message = "error", info["errorType"], info["errorMessage"]
    elif outcome == "timeout":
        what = "taken from /next" if inv.served_at is None else "answered"
        res.detail = f"not {what} within {inv.timeout_ms} ms"
    elif outcome == "died":
        res.detail = f"the bootstrap exited with code {proc.returncode} before answering"
    elif outcome == "init_error":
        assert init_error is not None
        res.detail = f"the bootstrap reported an init error: {init_error.error_type}: {init_error.error_message}"
    return res


def _stop(proc: subprocess.Popen[Any]) -> Optional[int]:
    """Stop the bootstrap; its exit code if it had already exited by itself."""
    code = proc.poll()
    if code is not None:
        return code
    proc.terminate()
    try:
        proc.wait(TERMINATE_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return None


def run(bootstrap: str, events: list[tuple[str, bytes]], env: Optional[dict[str, str]] = None,
        timeout_ms: int = DEFAULT_TIMEOUT_MS, logs: Any = subprocess.DEVNULL,
        function_arn: str = DEFAULT_FUNCTION_ARN) -> Run:
    """Run ``bootstrap`` against a fresh Runtime API, one (name, payload) event at a time.

    ``logs`` is where the bootstrap's stdout and stderr go (a file object or DEVNULL)."""
    api = RuntimeApiServer(function_arn=function_arn).start()
    proc: Optional[subprocess.Popen[Any]] = None
    results: list[Result] = []
    returncode: Optional[int] = None
    try:
        proc = subprocess.Popen([bootstrap], env=lambda_env(api.address, env), stdin=subprocess.DEVNULL,
                                stdout=logs, stderr=subprocess.STDOUT if logs is not subprocess.DEVNULL else logs)
        for i, (name, payload) in enumerate(events):
            inv = api.submit(name, payload, timeout_ms)
            outcome = api.wait(inv, proc)
            results.append(_result(inv, outcome, proc, api.init_error))
            if outcome != "answered":
                for later, _ in events[i + 1:]:
                    results.append(Result(event=later, status="not_run",
                                          detail="an earlier event got no answer"))
                break
    finally:
        if proc is not None:
            returncode = _stop(proc)
        api.close()
    ok = len(results) == len(events) and all(r.answered for r in results)
    return Run(results, 0 if ok else 1, returncode, api.connections, api.requests)


# --------------------------------------------------------------------------- CLI


def _parse_env(items: list[str], parser: argparse.ArgumentParser) -> dict[str, str]:
    env = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--env wants KEY=VALUE, got {item!r}")
        env[key] = value
    return env


def _tail(path: str, lines: int = LOG_TAIL_LINES) -> list[str]:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").splitlines()[-lines:]
    except OSError:
        return []


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(
        description="Run a Lambda custom-runtime bootstrap against a local Runtime API, one event at a time.")
    p.add_argument("--bootstrap", required=True, help="the executable (e.g. target/debug/neptune-cmk-rule)")
    p.add_argument("--event", action="append", required=True, metavar="FILE",
                   help="a JSON event file; repeat for more events, served in order")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="set or override a variable of the bootstrap's environment")
    p.add_argument("--timeout-ms", type=int, default=DEFAULT_TIMEOUT_MS,
                   help="per event: Lambda-Runtime-Deadline-Ms and how long to wait (default 60000)")
    p.add_argument("--logs", metavar="FILE", help="write the bootstrap's stdout and stderr here (default: discard)")
    p.add_argument("--function-arn", default=DEFAULT_FUNCTION_ARN, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="one JSON object per event instead of text lines")
    args = p.parse_args(argv)

    if args.timeout_ms <= 0:
        p.error("--timeout-ms must be positive")
    bootstrap = Path(args.bootstrap)
    if not bootstrap.is_file() or not os.access(bootstrap, os.X_OK):
        p.error(f"--bootstrap {args.bootstrap}: not an executable file")
    env = _parse_env(args.env, p)
    events = []
    for path in args.event:
        try:
            payload = Path(path).read_bytes()
            json.loads(payload)
        except OSError as e:
            p.error(f"--event {path}: {e.strerror}")
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            p.error(f"--event {path}: not JSON ({e}); Lambda only accepts JSON events")
        events.append((Path(path).name, payload))

    # Logs go to a file even when discarded, so a failure can show their last lines.
    tmp = None
    if args.logs:
        log_path = args.logs
    else:
        tmp = tempfile.NamedTemporaryFile(prefix="runtime-api-", suffix=".log", delete=False)
        tmp.close()
        log_path = tmp.name

    def on_sigterm(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # run()'s finally stops the bootstrap

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        with open(log_path, "wb") as logs:
            outcome = run(str(bootstrap.resolve()), events, env, args.timeout_ms, logs, args.function_arn)
        for r in outcome.results:
            print(json.dumps(r.json()) if args.json else r.line(), flush=True)
        if outcome.exit_code != 0:
            tail = _tail(log_path)
            where = f" (all of it: {args.logs})" if args.logs else ""
            print(f"runtime_api: not every event was answered; the bootstrap's last output{where}:",
                  file=sys.stderr)
            for line in tail or ["(nothing)"]:
                print(f"  | {line}", file=sys.stderr)
        return outcome.exit_code
    except KeyboardInterrupt:
        print("runtime_api: interrupted; the bootstrap was stopped", file=sys.stderr)
        return 130
    finally:
        if tmp is not None:
            os.unlink(tmp.name)


if __name__ == "__main__":
    sys.exit(main())
