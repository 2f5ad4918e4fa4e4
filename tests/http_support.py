"""Helpers for the HTTP service's tests: a world on a real store, a real uvicorn server
on a free port, and the store's contents to compare before and after an attack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec

from elicense.acts import Signed
from elicense.ledger.application import Ledger

ROOT = Path(__file__).resolve().parents[1]
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "adapters")]),
}


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def body(*statements: Signed, partial: bool = False) -> bytes:
    """A submission's JSON body."""
    return msgspec.json.encode({"statements": list(statements), "partial": partial})


def stored(dsn: str) -> list[tuple[int, Any, int, bytes]]:
    """Every stored event (position, aggregate, version, record bytes), in order."""
    ledger = Ledger(dsn, verify_threads=1)
    try:
        return [
            (n.id, n.originator_id, n.originator_version, bytes(n.state))
            for n in ledger.notifications()
        ]
    finally:
        ledger.close()


def write_key(world: Any, folder: Path) -> Path:
    """The world's platform key in a PEM file."""
    path = folder / "platform.pem"
    path.write_bytes(world.platform_key.to_pem())
    return path


class Server:
    """``elicense serve`` in a subprocess (uvicorn), on a free port."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def client(self, **kwargs: Any) -> httpx.Client:
        """An HTTP client for this server."""
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)

    def stderr(self) -> str:
        """What the server wrote to stderr so far (access log, writer election)."""
        return self.log.read_text(errors="replace")


@contextmanager
def serve(dsn: str, key: Path, folder: Path, *, workers: int = 1, **flags: Any) -> Iterator[Server]:
    """Run ``elicense serve`` until the block ends; wait until it is ready."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "elicense",
        "serve",
        "--ledger",
        dsn,
        "--platform-key",
        str(key),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--checkpoint-every",
        str(flags.pop("checkpoint_every", 0.2)),
    ]
    for name, value in flags.items():
        args.append("--" + name.replace("_", "-"))
        if value is not True:
            args.append(str(value))
    log = folder / f"server-{port}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(args, env=ENV, stdout=err, stderr=err, cwd=folder)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited {proc.returncode}: {server.stderr()}")
            try:
                if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready: {server.stderr()}")
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
