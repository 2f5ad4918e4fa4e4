"""Conventions shared by every ``elicense`` command.

- ``--json`` prints exactly one JSON object on stdout;
- exit 0 for yes/valid, 1 for no/invalid, 2 for a usage or input error;
- without ``--json`` output is readable and a failure says why in one line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import msgspec

from elicense.verdict import Verdict

__all__ = [
    "EXIT_INPUT",
    "EXIT_NO",
    "EXIT_OK",
    "PlainProgress",
    "UsageError",
    "add_json_flag",
    "add_key_flags",
    "add_ledger_flag",
    "emit",
    "fail",
    "ledger_dsn",
    "parse_date",
    "parse_pairs",
    "parse_time",
    "progress",
    "read_key",
    "render_verdict",
    "seal_code",
    "write_output",
]

EXIT_OK = 0
EXIT_NO = 1
EXIT_INPUT = 2


class UsageError(Exception):
    """A usage or input error: the command exits 2 with this message."""


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add the common ``--json`` flag."""
    parser.add_argument(
        "--json", action="store_true", help="print exactly one JSON object on stdout"
    )


def emit(args: argparse.Namespace, obj: dict[str, Any], text: str | None = None) -> None:
    """Print ``obj`` as one JSON object with ``--json``, else ``text`` (or a readable dump)."""
    if getattr(args, "json", False):
        sys.stdout.write(msgspec.json.encode(obj).decode() + "\n")
    elif text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")
    else:
        for k, v in obj.items():
            sys.stdout.write(f"{k}: {v}\n")
    sys.stdout.flush()


def write_output(args: argparse.Namespace, data: bytes) -> None:
    """Write ``data`` to ``--out`` (and say so), or to stdout."""
    if getattr(args, "out", None):
        Path(args.out).write_bytes(data)
        emit(
            args,
            {"ok": True, "file": args.out, "bytes": len(data)},
            f"wrote {args.out} ({len(data)} bytes)",
        )
    else:
        sys.stdout.buffer.write(data + b"\n")


def fail(message: str) -> NoReturn:
    """Abort the command with a usage/input error (exit 2)."""
    raise UsageError(message)


# -- options shared by ledger commands ----------------------------------------------------------


def add_ledger_flag(parser: argparse.ArgumentParser) -> None:
    """``--ledger``: a SQLite path or ``postgresql://`` DSN (default ``ELICENSE_LEDGER``)."""
    parser.add_argument(
        "--ledger",
        metavar="DSN",
        default=None,
        help="SQLite path or postgresql:// DSN (default: $ELICENSE_LEDGER, else ./elicense.db)",
    )


def ledger_dsn(args: argparse.Namespace) -> str:
    """The ledger DSN the command works on."""
    return str(args.ledger or os.environ.get("ELICENSE_LEDGER") or "./elicense.db")


def add_key_flags(parser: argparse.ArgumentParser, *, platform: bool = False) -> None:
    """``--key``/``--platform-key`` and ``--password-env``."""
    if platform:
        parser.add_argument("--platform-key", metavar="FILE", required=True, help="platform key")
    else:
        parser.add_argument("--key", metavar="FILE", required=True, help="the seal's key file")
        parser.add_argument(
            "--seal",
            metavar="CODE",
            help="seal code (default: FILE.seal beside the key, else $ELICENSE_SEAL)",
        )
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="environment variable holding the key file's password",
    )


def read_key(path: str, args: argparse.Namespace) -> Any:
    """Load a private key file, with the password from ``--password-env`` if given."""
    from elicense.crypto.keys import read_key_file

    password = None
    var = getattr(args, "password_env", None)
    if var:
        value = os.environ.get(var)
        if value is None:
            fail(f"--password-env {var}: the variable is not set")
        password = value.encode()
    return read_key_file(path, password)


def seal_code(args: argparse.Namespace) -> str:
    """The seal code: ``--seal``, else the ``.seal`` file beside the key, else ``ELICENSE_SEAL``."""
    if args.seal:
        return str(args.seal)
    sidecar = Path(str(args.key) + ".seal")
    if sidecar.is_file():
        return sidecar.read_text(encoding="utf-8").strip()
    code = os.environ.get("ELICENSE_SEAL")
    if code:
        return code
    fail(f"which seal? pass --seal CODE (no {sidecar.name} beside the key, no $ELICENSE_SEAL)")


def parse_time(text: str, what: str) -> datetime:
    """An ISO 8601 time; UTC when it has no zone."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{what}: expected an ISO 8601 time like 2026-11-22T08:00:00Z, found {text!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(text: str, what: str) -> date:
    """An ISO date ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{what}: expected a date YYYY-MM-DD, found {text!r}")


def parse_pairs(items: list[str] | None, what: str) -> dict[str, str]:
    """``name=value`` options as a dict."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"{what}: expected NAME=VALUE, found {item!r}")
        out[name] = value
    return out


def progress(total: int | None, desc: str, args: argparse.Namespace, unit: str = " st") -> Any:
    """A progress bar on stderr (hidden with --json or when stderr is not a terminal).

    ``tqdm`` draws it when installed (the ``demo`` extra installs it); without it,
    plain lines (:class:`PlainProgress`)."""
    hidden = bool(getattr(args, "json", False)) or not sys.stderr.isatty()
    try:
        from tqdm import tqdm
    except ImportError:
        return PlainProgress(total, desc, unit, hidden=hidden)
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=True if getattr(args, "json", False) else None,
        leave=False,
    )


def render_verdict(v: Verdict, name: str) -> str:
    """A verdict in a few readable lines."""
    status = f", status {v.status}" if v.status else ""
    lines = [f"{name}: {v.outcome.upper()}{status}"]
    for f in v.findings:
        where = f" [{f.subject} v{f.version}]" if f.version else ""
        lines.append(f"  {f.severity}: {f.code}: {f.message}{where}")
    if v.checked:
        lines.append(f"  passed: {', '.join(v.checked)}")
    return "\n".join(lines)


class PlainProgress:
    """Progress without ``tqdm``: a line on stderr at most every two seconds."""

    EVERY = 2.0

    def __init__(
        self, total: int | None, desc: str, unit: str, *, hidden: bool, every: float = EVERY
    ) -> None:
        self.total, self.desc, self.unit, self.hidden = total, desc, unit, hidden
        self.every = every
        self.n = 0
        self._last = time.monotonic()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more; print a line when the last is old enough."""
        self.n += n
        now = time.monotonic()
        if not self.hidden and now - self._last >= self.every:
            self._last = now
            of = f"/{self.total:,}" if self.total is not None else ""
            print(f"{self.desc}: {self.n:,}{of}{self.unit}", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to clear: the lines stay."""

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
