"""Running the service on uvicorn: ``elicense serve`` calls :func:`run`.

Each uvicorn worker process builds its own application from the environment
(:func:`app_from_env`, a factory), so ``--workers N`` needs nothing shared
but the database: the log writer is elected there, idempotent replays are
answered from the ledger.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["app_from_env", "run"]

_ENV = "ELICENSE_HTTP_"


def app_from_env() -> Any:
    """The application configured by ``ELICENSE_HTTP_*`` variables (set by :func:`run`)."""
    from elicense.crypto.keys import read_key_file
    from elicense_http.app import create_app

    env = os.environ
    password_var = env.get(_ENV + "PASSWORD_ENV")
    password = env[password_var].encode() if password_var else None
    key = read_key_file(env[_ENV + "PLATFORM_KEY"], password)
    return create_app(
        env[_ENV + "LEDGER"],
        key,
        log_writer=env.get(_ENV + "LOG_WRITER", "1") == "1",
        checkpoint_every=float(env.get(_ENV + "CHECKPOINT_EVERY", "0.5")),
        max_body=int(env.get(_ENV + "MAX_BODY", str(4 * 1024 * 1024))),
        echo=env.get(_ENV + "ECHO", "0") == "1",
    )


def _log_config(access_log: bool) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "elicense_http": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "elicense_http.access": {
                "handlers": ["stderr"],
                "level": "INFO" if access_log else "WARNING",
                "propagate": False,
            },
            "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def run(
    *,
    ledger: str,
    platform_key: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    password_env: str | None = None,
    checkpoint_every: float = 0.5,
    max_body: int = 4 * 1024 * 1024,
    log_writer: bool = True,
    access_log: bool = True,
    echo: bool = False,
    timeout_keep_alive: int = 5,
) -> None:
    """Serve the ledger at ``ledger`` on ``host:port`` with ``workers`` processes."""
    import uvicorn

    from elicense_sql.log_store import SqlLogStore

    if ledger != "memory:":
        SqlLogStore.open(ledger).close()  # the log's tables, before the workers race for them
    os.environ.update(
        {
            _ENV + "LEDGER": ledger,
            _ENV + "PLATFORM_KEY": os.path.abspath(platform_key),
            _ENV + "CHECKPOINT_EVERY": str(checkpoint_every),
            _ENV + "MAX_BODY": str(max_body),
            _ENV + "LOG_WRITER": "1" if log_writer else "0",
            _ENV + "ECHO": "1" if echo else "0",
        }
    )
    if password_env:
        os.environ[_ENV + "PASSWORD_ENV"] = password_env
    uvicorn.run(
        "elicense_http.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=_log_config(access_log),
        access_log=False,
        timeout_keep_alive=timeout_keep_alive,
        timeout_graceful_shutdown=10,
    )
