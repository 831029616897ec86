"""The WSGI app in front of moto: control API, call counting, latency and fault injection."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import socket
import struct
import threading
import uuid
from typing import Any, Callable, Iterable, Iterator, Optional
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from .state import STATE, request_local

CONTROL_PREFIX = "/_neptune_cmk/"
_SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_LOOSE_SCOPE_RE = re.compile(r"[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
# moto.core.responses.BaseResponse.access_key_regex: how moto finds the caller's access key.
_ACCESS_KEY_RE = re.compile(r"AWS.*(?P<access_key>(?<![A-Z0-9])[A-Z0-9]{20}(?![A-Z0-9]))[:/]")
_ACCOUNT_RE = re.compile(r"\d{12}")
QUERY_XMLNS = {
    "rds": "http://rds.amazonaws.com/doc/2014-10-31/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
UNLIMITED = "unlimited"
# REST operations the launcher serves, named as the API names them for counting and faults
# (other REST requests go by "METHOD /path").
REST_OPERATIONS = {("account", "POST", "/listRegions"): "ListRegions"}
# Services moto does not route at all, served by a launcher module instead (SigV4 signing
# name -> WSGI app; called after counting, latency and faults, where moto would be), and
# their REST routers: (method, path) -> (operation name, URI labels) or None. Registered
# by the module's patch (ncmk_moto/neptune_graph.py).
SERVICE_APPS: dict[str, Callable[[dict[str, Any], Any], Iterable[bytes]]] = {}
REST_ROUTERS: dict[str, Callable[[str, str], Optional[tuple[str, dict[str, str]]]]] = {}


def buffer_body(environ: dict[str, Any]) -> bytes:
    """Read the request body once and put it back so moto can read it again."""
    if "ncmk.body" in environ:
        return environ["ncmk.body"]
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["ncmk.body"] = body
    return body


def _credential_scope(environ: dict[str, Any]) -> tuple[Optional[str], Optional[str]]:
    """(region, service) of the SigV4 credential scope, from the header or a presigned query."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    auth = environ.get("HTTP_AUTHORIZATION", "") or query.get("X-Amz-Credential", [""])[0]
    m = _SCOPE_RE.search(auth) or _LOOSE_SCOPE_RE.search(auth)
    return (m.group(1), m.group(2).lower()) if m else (None, None)


def _is_form(environ: dict[str, Any]) -> bool:
    return environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")


def classify(environ: dict[str, Any]) -> tuple[str, str, str]:
    """(service, operation, protocol) of an AWS request; protocol is "json", "query" or "rest"."""
    service = _credential_scope(environ)[1] or "unsigned"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1], "json"
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action", [None])[0]
    if action is None and _is_form(environ):
        action = parse_qs(buffer_body(environ).decode("utf-8", "replace")).get("Action", [None])[0]
    if action:
        return service, action, "query"
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    named = REST_OPERATIONS.get((service, method, path))
    routed = REST_ROUTERS[service](method, path) if not named and service in REST_ROUTERS else None
    if routed:
        environ["ncmk.uri_params"] = routed[1]  # URI labels, matchable as match.params
        return service, routed[0], "rest"
    return service, named or f"{method} {path}", "rest"


def _as_text(value: Any) -> str:
    """A request parameter as the string a fault's ``match.params`` compares with."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, sort_keys=True)


class RequestFacts:
    """What a fault's ``match`` can test, computed only when a fault asks."""

    def __init__(self, environ: dict[str, Any], protocol: str) -> None:
        self.environ = environ
        self.protocol = protocol

    @functools.cached_property
    def region(self) -> Optional[str]:
        return _credential_scope(self.environ)[0]

    @functools.cached_property
    def account(self) -> str:
        """The account moto resolves for this request (moto.core.responses.get_current_account)."""
        from moto.iam.models import get_account_id_from

        if "MOTO_ACCOUNT_ID" in os.environ:
            return os.environ["MOTO_ACCOUNT_ID"]
        if self.environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
            return str(self.environ["HTTP_X_MOTO_ACCOUNT_ID"])
        m = _ACCESS_KEY_RE.search(self.environ.get("HTTP_AUTHORIZATION", ""))
        query = parse_qs(self.environ.get("QUERY_STRING", ""))
        access_key = m.group(1) if m else query.get("AWSAccessKeyId", ["AKIAEXAMPLE"])[0]
        return get_account_id_from(access_key)

    @functools.cached_property
    def params(self) -> dict[str, str]:
        """Top-level request parameters: form fields and query string (query protocols) or
        the top-level keys of the JSON body (JSON protocols)."""
        found: dict[str, str] = {k: v[0] for k, v in parse_qs(self.environ.get("QUERY_STRING", "")).items()}
        found.update(self.environ.get("ncmk.uri_params") or {})  # REST URI labels (e.g. graphIdentifier)
        body = buffer_body(self.environ)
        if self.protocol in ("json", "rest"):  # REST-JSON bodies are JSON objects too
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = {}
            if isinstance(data, dict):
                found.update({k: _as_text(v) for k, v in data.items()})
        elif _is_form(self.environ):
            found.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
        return found


def _matches(match: Optional[dict[str, Any]], facts: RequestFacts) -> bool:
    if not match:
        return True
    if "account" in match and facts.account != match["account"]:
        return False
    if "region" in match and facts.region != match["region"]:
        return False
    params = facts.params if match.get("params") else {}
    return all(params.get(name) == value for name, value in (match.get("params") or {}).items())


def error_response(start_response: Any, service: str, protocol: str, code: str, status: int, message: str) -> list[bytes]:
    request_id = str(uuid.uuid4())
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
              500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
    if protocol == "query":
        xmlns = QUERY_XMLNS.get(service)
        ns = f' xmlns="{xmlns}"' if xmlns else ""
        kind = "Sender" if status < 500 else "Receiver"
        esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
        body = (
            f"<ErrorResponse{ns}><Error><Type>{kind}</Type><Code>{esc(code)}</Code>"
            f"<Message>{esc(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ]
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {reason}", headers)
    return [body]


def take_fault(service: str, operation: str, facts: RequestFacts) -> Optional[dict[str, Any]]:
    """Use up one count of the first queued fault matching this request."""
    with STATE.lock:
        for fault in STATE.faults:
            if fault["operation"] != operation or fault.get("service") not in (None, service):
                continue
            if not _matches(fault.get("match"), facts):
                continue
            if fault["count"] != UNLIMITED:
                fault["count"] -= 1
                if fault["count"] <= 0:
                    STATE.faults.remove(fault)
            return dict(fault)
    return None


def _normalise_match(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError("match must be an object with account, region and/or params")
    unknown = set(raw) - {"account", "region", "params"}
    if unknown:
        raise ValueError(f"unknown match field(s): {', '.join(sorted(unknown))} (use account, region, params)")
    match: dict[str, Any] = {}
    if raw.get("account") is not None:
        if not isinstance(raw["account"], str) or not _ACCOUNT_RE.fullmatch(raw["account"]):
            raise ValueError("match.account must be a 12-digit account id string")
        match["account"] = raw["account"]
    if raw.get("region") is not None:
        if not isinstance(raw["region"], str) or not raw["region"]:
            raise ValueError("match.region must be a region name such as us-east-1")
        match["region"] = raw["region"]
    if raw.get("params") is not None:
        params = raw["params"]
        if not isinstance(params, dict) or any(isinstance(v, (dict, list)) or v is None for v in params.values()):
            raise ValueError("match.params must map parameter names to strings (top-level parameters only)")
        match["params"] = {str(k): _as_text(v) for k, v in params.items()}
    return match


def normalise_fault(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw.get("operation"):
        raise ValueError("a fault needs an 'operation'")
    count = raw.get("count", 1)
    if count != UNLIMITED:
        count = int(count)
        if count < 1:
            raise ValueError('count must be >= 1 or "unlimited"')
    fault: dict[str, Any] = {"operation": str(raw["operation"]), "service": raw.get("service"), "count": count}
    if raw.get("match") is not None:
        fault["match"] = _normalise_match(raw["match"])
    if raw.get("error_code"):
        fault["error_code"] = str(raw["error_code"])
        fault["status"] = int(raw.get("status", 400))
        fault["message"] = str(raw.get("message") or raw["error_code"])
    if raw.get("failed_evaluations") is not None:
        if fault.get("error_code"):
            raise ValueError("error_code and failed_evaluations are exclusive")
        fault["failed_evaluations"] = int(raw["failed_evaluations"])
    if raw.get("delay_seconds") is not None:
        fault["delay_seconds"] = float(raw["delay_seconds"])
    if not any(k in fault for k in ("error_code", "failed_evaluations", "delay_seconds")):
        raise ValueError("a fault needs error_code, failed_evaluations or delay_seconds")
    return fault


def unavailable(service: str, region: Optional[str]) -> bool:
    """Whether tests declared ``service`` absent from ``region`` (POST unavailable_services)."""
    with STATE.lock:
        return region is not None and region in STATE.unavailable_services.get(service, ())


def drop_connection(environ: dict[str, Any]) -> None:
    """Fail the request as an endpoint that does not exist does: no HTTP answer at all.

    The client sees the TCP connection reset (RST) before any response byte, which SDKs
    report as a connection (I/O) error, like the DNS failure of a real
    ``<service>.<region>.amazonaws.com`` that does not exist. werkzeug still owns the
    socket object, so its descriptor is swapped for one end of a closed socketpair: the
    TCP socket's last descriptor goes (with SO_LINGER 0, an abortive close: RST) and
    werkzeug then reads EOF and closes quietly.
    """
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            ours, peer = socket.socketpair()
            try:
                os.dup2(ours.fileno(), sock.fileno())
            finally:
                ours.close()
                peer.close()
        except OSError:
            pass
    raise ConnectionResetError("service not available in this region (POST /_neptune_cmk/unavailable_services)")


def set_latency(ms: Any) -> float:
    """Validate and set the fixed delay added to every AWS call; returns it as reported."""
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not 0 <= ms <= 60_000:
        raise ValueError("latency ms must be a number from 0 to 60000")
    with STATE.lock:
        STATE.latency_ms = float(ms)
    return latency_ms()


def latency_ms() -> float:
    """The configured latency, as an integer when it is one (so JSON shows 50, not 50.0)."""
    with STATE.lock:
        ms = STATE.latency_ms
    return int(ms) if ms.is_integer() else ms


def sleep_latency(latency: float) -> None:
    """Sleep ``latency`` ms (the latency, or a fault's delay), counted as sleeping, unless
    ``release_sleepers`` wakes it first."""
    with STATE.lock:
        STATE.sleeping += 1
        release = STATE.latency_release
    try:
        release.wait(latency / 1000.0)
    finally:
        with STATE.lock:
            STATE.sleeping -= 1


def release_sleepers() -> int:
    """Wake every AWS call asleep in its latency or a fault's delay now (later calls sleep as
    usual); returns how many."""
    with STATE.lock:
        woken, release = STATE.sleeping, STATE.latency_release
        STATE.latency_release = threading.Event()
    release.set()
    return woken


def concurrency(reset_peak: bool = False) -> dict[str, int]:
    """AWS calls being handled now, how many of them sleep (latency or fault delay), and the most at once
    since the last reset (``reset_peak`` starts a new peak from the calls in flight now)."""
    with STATE.lock:
        if reset_peak:
            STATE.peak_in_flight = STATE.in_flight
        return {"inFlight": STATE.in_flight, "sleeping": STATE.sleeping, "peak": STATE.peak_in_flight}


@contextlib.contextmanager
def in_flight() -> Iterator[None]:
    """Counts an AWS call in flight (GET /_neptune_cmk/concurrency) while it is handled."""
    with STATE.lock:
        STATE.in_flight += 1
        STATE.peak_in_flight = max(STATE.peak_in_flight, STATE.in_flight)
    try:
        yield
    finally:
        with STATE.lock:
            STATE.in_flight -= 1


class NeptuneCmkApp:
    """WSGI app: control API + call counting + latency + faults in front of moto's dispatcher."""

    def __init__(self) -> None:
        from .control import ControlApi

        self.moto = DomainDispatcherApplication(create_backend_app)
        self.control = ControlApi()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self.control(environ, start_response)
        if path.startswith("/moto-api"):
            return self.moto(environ, start_response)  # moto's own dashboard/reset: not AWS, not counted
        with in_flight():
            return self.aws_call(environ, start_response)

    def aws_call(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """One AWS request: counted, delayed, maybe faulted, then answered."""
        service, operation, protocol = classify(environ)
        with STATE.lock:
            STATE.calls[f"{service}:{operation}"] += 1
            latency = STATE.latency_ms
        if unavailable(service, _credential_scope(environ)[0]):
            buffer_body(environ)  # read the whole request first, as a server that vanishes after it would
            drop_connection(environ)
        if latency:
            sleep_latency(latency)  # each request has its own thread: concurrent calls sleep together
        fault = take_fault(service, operation, RequestFacts(environ, protocol))
        if fault:
            if fault.get("delay_seconds"):
                sleep_latency(fault["delay_seconds"] * 1000.0)  # also woken by POST latency/release
            if fault.get("error_code"):
                return error_response(
                    start_response, service, protocol, fault["error_code"], fault["status"], fault["message"]
                )
        request_local.failed_evaluations = (fault or {}).get("failed_evaluations", 0)
        request_local.after_response = []
        try:
            return SERVICE_APPS.get(service, self.moto)(environ, start_response)
        finally:
            callbacks, request_local.after_response = request_local.after_response, None
            request_local.failed_evaluations = 0
            for callback in callbacks:
                callback()
