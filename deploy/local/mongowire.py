"""An embedded server that speaks the MongoDB wire protocol, for development and tests only.

It is not part of the production package (the image installs ``shared`` and ``services``).

MongoDB itself is used in production and in Docker Compose. Where it cannot be installed, this
starts mongoeco's wire proxy (Python >= 3.13, the ``embedded`` extra) in memory or on SQLite:

    python deploy/local/mongowire.py --port 27017 --engine sqlite --path .data/mongo.sqlite3

It prints ``READY <port>`` once clients can connect and stops cleanly on SIGTERM or SIGINT.
Clients connect with ``mongodb://127.0.0.1:<port>/?directConnection=true``.

It first applies ``mongoeco_patch`` (next to this file): narrow, version-pinned corrections
that keep mongoeco's cost per write from growing with the stored data or the write rate
(the unique-``_id`` scan, the planner's per-write collection scans, the per-write change
hand-over, every collection's indexes updated by each write, every document compared with
a new key of a compound unique index) or that repeat work on every write (an update's images
copied three times, each value of a stored document checked once per enclosing document).
``--unpatched`` runs mongoeco as released, e.g. to check whether upstream fixed it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


SQLITE_WORKERS = 1
"""Threads the SQLite engine runs its calls on. mongoeco's default (CPU count + 4: six here)
only adds hand-offs: its writes take one engine lock in turn, and its Python work one
interpreter lock. Measured on 2 cores with the sales-order load (60 orders, 10 in flight):
the server's CPU per order 220 ms with six, 199 with two, 182-197 with one (2026-12-06, first
measure); again, alternating runs of the same code: 185-187 ms with two, 169-174 with one,
and the mixed 8/s load's p50 / p95 1.9-2.35 / 7.3-11.0 s with two, 1.6-2.0 / 6.4-8.0 s with
one. A second thread lets a read run beside a write, but costs more than it gains. With one,
``mongoeco_patch.inline_engine`` runs the short calls on the server's own thread (no
hand-off); those on a whole collection or database still run on the worker."""


async def serve(
    host: str,
    port: int,
    engine_name: str,
    path: str | None,
    patch: bool,
    *,
    workers: int = SQLITE_WORKERS,
) -> None:
    try:
        from mongoeco.engines.memory import MemoryEngine
        from mongoeco.engines.sqlite import SQLiteEngine
        from mongoeco.wire.proxy import AsyncMongoEcoProxyServer
    except ImportError:  # pragma: no cover - depends on the environment
        sys.exit("mongoeco is not installed: pip install 'oms[embedded]' (needs Python >= 3.13)")
    if patch:
        sys.path.insert(0, str(ROOT))
        from deploy.local import mongoeco_patch

        mongoeco_patch.apply()

    engine: MemoryEngine | SQLiteEngine
    if engine_name == "sqlite":
        if not path:
            sys.exit("--engine sqlite needs --path")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = SQLiteEngine(path, executor_workers=workers)
    else:
        engine = MemoryEngine()
    server = AsyncMongoEcoProxyServer(engine=engine, host=host, port=port)
    address = await server.start()
    print(f"READY {address.port}", flush=True)  # noqa: T201 - the launcher's protocol
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=27017, help="0 picks a free port")
    parser.add_argument("--engine", choices=("memory", "sqlite"), default="memory")
    parser.add_argument("--path", help="database file for --engine sqlite")
    parser.add_argument(
        "--unpatched", action="store_true", help="run mongoeco without mongoeco_patch"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=SQLITE_WORKERS,
        help=f"threads of the SQLite engine (default {SQLITE_WORKERS})",
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    asyncio.run(
        serve(
            args.host,
            args.port,
            args.engine,
            args.path,
            not args.unpatched,
            workers=args.workers,
        )
    )


if __name__ == "__main__":
    main()
