#!/usr/bin/env python3
"""Local AWS for neptune-cmk tests: moto's server app, patched to keep the real AWS contract.

Usage::

    python tests/moto/launcher.py [--host 127.0.0.1] [--port 0] [--exit-on-stdin-eof]
                                  [--latency-ms N] [--check-assume-role] [--verbose]

Once listening it prints exactly one line ``READY <port>`` to stdout (port 0 picks a
free port; the bound port is printed). It stops cleanly on SIGTERM/SIGINT and, with
``--exit-on-stdin-eof``, when its standard input is closed (so a harness that dies
does not leak it). Everything else goes to stderr.

The patches live in the ``ncmk_moto`` package next to this file; each fixes a quirk
checked to exist in the pinned moto (see README.md). A control API lives under
``/_neptune_cmk/`` on the same port (README.md, ``ncmk_moto/control.py``).

Default account 123456789012, default region us-east-1 (moto's defaults; requests are
routed by the region in their SigV4 credential scope).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ncmk_moto import apply_patches  # noqa: E402
from ncmk_moto.middleware import NeptuneCmkApp, set_latency  # noqa: E402
from ncmk_moto.sts import set_assume_role_check_default  # noqa: E402
from werkzeug.serving import ThreadedWSGIServer, make_server  # noqa: E402

LATENCY_ENV = "NEPTUNE_CMK_LATENCY_MS"
CHECK_ASSUME_ROLE_ENV = "NEPTUNE_CMK_CHECK_ASSUME_ROLE"
# werkzeug's threaded server starts one thread per connection with no cap; its listen
# backlog defaults to 128. Benchmarks open ~64 connections at once: keep headroom.
LISTEN_BACKLOG = 1024


def _latency(value: str) -> float:
    try:
        ms = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {value!r}")
    if not 0 <= ms <= 60_000:
        raise argparse.ArgumentTypeError("latency must be from 0 to 60000 ms")
    return ms


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port (printed in READY)")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="stop when stdin is closed")
    parser.add_argument(
        "--latency-ms",
        type=_latency,
        default=None,
        help=f"fixed delay before every AWS call (default ${LATENCY_ENV} or 0)",
    )
    parser.add_argument(
        "--check-assume-role",
        action="store_true",
        default=None,
        help=f"STS AssumeRole requires the role to exist in IAM, also after POST reset "
        f"(default ${CHECK_ASSUME_ROLE_ENV}=1|true, else off)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.latency_ms is None and os.environ.get(LATENCY_ENV):
        try:
            args.latency_ms = _latency(os.environ[LATENCY_ENV])
        except argparse.ArgumentTypeError as e:
            parser.error(f"{LATENCY_ENV}: {e}")

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)

    if args.check_assume_role is None:
        value = os.environ.get(CHECK_ASSUME_ROLE_ENV, "").strip().lower()
        if value not in ("", "0", "false", "1", "true"):
            parser.error(f"{CHECK_ASSUME_ROLE_ENV}: expected 1, true, 0 or false, not {value!r}")
        args.check_assume_role = value in ("1", "true")

    apply_patches()
    set_latency(args.latency_ms or 0)
    set_assume_role_check_default(args.check_assume_role)
    ThreadedWSGIServer.request_queue_size = LISTEN_BACKLOG
    server = make_server(args.host, args.port, NeptuneCmkApp(), threaded=True)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.exit_on_stdin_eof:

        def watch_stdin() -> None:
            try:
                # os.read, not sys.stdin: a daemon thread blocked inside the
                # buffered reader makes interpreter shutdown abort.
                while os.read(0, 4096):
                    pass
            except (OSError, ValueError):
                pass
            stop.set()

        threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()

    serving = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    serving.start()
    sys.stdout.write(f"READY {server.server_port}\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    sys.stdout.flush()
    # Skip interpreter teardown: the stdin watcher may still be blocked in read().
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
