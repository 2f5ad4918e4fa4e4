"""``elicense serve``: the HTTP service (``pip install 'elicense[http]'``).

The adapter (``elicense_http``, Litestar on uvicorn) is imported here, lazily:
the CLI is the composition root, and ``import elicense`` loads no web framework.
"""

from __future__ import annotations

import argparse
from typing import Any

from elicense.cli._common import EXIT_OK, add_ledger_flag, fail, ledger_dsn
from elicense.cli._open import open_ledger

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add ``serve``."""
    p = sub.add_parser("serve", help="serve the ledger over HTTP (docs/http.md)")
    add_ledger_flag(p)
    p.add_argument("--platform-key", metavar="FILE", required=True, help="platform key")
    p.add_argument("--password-env", metavar="VAR", help="variable holding the key's password")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes")
    p.add_argument(
        "--checkpoint-every",
        type=float,
        default=0.5,
        metavar="S",
        help="checkpoint interval",
    )
    p.add_argument(
        "--max-body",
        type=int,
        default=4 * 1024 * 1024,
        metavar="BYTES",
        help="largest request body accepted (default 4 MiB)",
    )
    p.add_argument("--no-log-writer", action="store_true", help="never stand as the log writer")
    p.add_argument("--no-access-log", action="store_true", help="do not log each request")
    p.add_argument("--echo", action="store_true", help="add POST /echo (benchmark baseline)")
    p.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    try:
        from elicense_http.serve import run
    except ImportError as e:
        fail(f"the HTTP service needs its extra: pip install 'elicense[http]' ({e.name} missing)")
    if args.workers < 1:
        fail("--workers must be at least 1")
    dsn = ledger_dsn(args)
    ledger = open_ledger(args)  # refuses a missing file; the origin refuses an empty store
    try:
        _ = ledger.origin
    finally:
        ledger.close()
    if args.workers > 1 and "://" not in dsn:
        fail("SQLite serves one process: use --workers 1, or PostgreSQL for more")
    run(
        ledger=dsn,
        platform_key=args.platform_key,
        host=args.host,
        port=args.port,
        workers=args.workers,
        password_env=args.password_env,
        checkpoint_every=args.checkpoint_every,
        max_body=args.max_body,
        log_writer=not args.no_log_writer,
        access_log=not args.no_access_log,
        echo=args.echo,
    )
    return EXIT_OK
