"""kill -9 during ingest and during the log follower; what must hold afterwards.

**Ingest.** A child process (:mod:`_rel_child`) records batches of signed
issuances and acknowledges each record on a pipe after the ledger returned.
It is killed with SIGKILL at a random moment, again and again (each time a
new child, new serials). After every kill: every acknowledged record is in the
ledger (the license exists, its record at the acknowledged position), and
every batch the child started is whole or absent — never half-written.

**Log follower.** More events are recorded, then a follower child appending
them to the log in small pages is killed at a random moment. After every
kill the log's tracking row and its size agree: the leaves are exactly the
events up to the tracked position — none twice, none skipped.

At the end the log is caught up, a checkpoint is signed and the audit
recomputes every leaf, the checkpoints and the status heads: it must find
nothing.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _rel_world import ROOT

__all__ = ["kill_run"]

CHILD = str(Path(__file__).with_name("_rel_child.py"))


class _Child:
    """A child process whose stdout lines are collected by a thread."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, CHILD, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == "ready":
                self.ready.set()
            self.lines.append(line.rstrip("\n"))
        self.ready.set()

    def kill_after(self, delay: float) -> bool:
        """SIGKILL ``delay`` seconds after it is ready; whether it was still running."""
        if not self.ready.wait(120):
            raise RuntimeError("child never became ready")
        time.sleep(delay)
        alive = self.proc.poll() is None
        self.proc.kill()  # SIGKILL
        self.proc.wait()
        self.thread.join()
        return alive


def _city_file(city: Any, folder: Path) -> str:
    path = folder / "city.json"
    keys = {k: v.decode() for k, v in city.export_keys().items()}
    spec = {"alg": city.alg, "seed": city.seed, "origin": city.origin, "keys": keys}
    path.write_text(json.dumps(spec))
    return str(path)


def _ingest_kills(
    dsn: str, city: Any, folder: Path, kills: int, rng: random.Random
) -> dict[str, Any]:
    from elicense.ledger.application import Ledger

    city_file = _city_file(city, folder)
    acked: dict[str, int] = {}
    lost: list[str] = []
    half: list[str] = []
    batches = 0
    for k in range(kills):
        child = _Child(["ingest", dsn, city_file, str(k * 20_000)])
        child.kill_after(rng.uniform(0.05, 1.5))
        round_acks: dict[str, int] = {}
        tried: list[tuple[int, int]] = []
        for line in child.lines:
            word, *rest = line.split()
            if word == "ack":
                round_acks[rest[0]] = int(rest[1])
            elif word == "try":
                tried.append((int(rest[0]), int(rest[1])))
        batches += len(tried)
        ledger = Ledger(dsn)
        try:
            for subject, position in round_acks.items():
                if not _exists(ledger, subject):
                    lost.append(f"kill {k}: {subject} (position {position}) acknowledged, missing")
            specs = _specs()
            for first, count in tried:
                present = sum(
                    _exists(ledger, str(city.license_id(specs[i % len(specs)], i)))
                    for i in range(first, first + count)
                )
                if present not in (0, count):
                    half.append(f"kill {k}: batch from {first}: {present} of {count} recorded")
        finally:
            ledger.close()
        acked.update(round_acks)
    return {"acked": acked, "lost": lost, "half_written": half, "batches_started": batches}


def _specs() -> Any:
    from elicense_demo.scenario import LICENSE_TYPES

    return LICENSE_TYPES


def _exists(ledger: Any, identifier: str) -> bool:
    from elicense.errors import NotFoundError

    try:
        ledger.get_license(identifier)
    except NotFoundError:
        return False
    return True


def _log_consistent(dsn: str) -> tuple[int, int, int]:
    """``(tracked position, leaves, events up to that position)``."""
    from elicense_sql.events import EventTable
    from elicense_sql.log_store import SqlLogStore

    store = SqlLogStore.open(dsn)
    try:
        position, size = store.state()
        table = EventTable(store.sql)
        [(count,)] = store.sql.query(
            f"SELECT COUNT(*) FROM {table.table} WHERE {table.id} <= ?", (position,)
        )
    finally:
        store.close()
    return position, size, int(count)


def _follower_kills(
    dsn: str, city: Any, kills: int, rng: random.Random, start: int
) -> dict[str, Any]:
    from elicense.ledger.application import Ledger
    from elicense_demo.scenario import LICENSE_TYPES

    broken: list[str] = []
    mid_stream = finished_first = 0
    serial = start
    for k in range(kills):
        ledger = Ledger(dsn)
        try:
            batch = [s for _, _, s in city.issuances(3_000, LICENSE_TYPES, serial)]
            ledger.submit_many(batch)
            serial += len(batch)
        finally:
            ledger.close()
        child = _Child(["follow", dsn, "2"])
        alive = child.kill_after(rng.uniform(0.005, 0.25))
        pages = sum(1 for line in child.lines if line.startswith("page"))
        if alive and "done" not in child.lines:
            mid_stream += 1 if pages else 0
        else:
            finished_first += 1
        position, size, count = _log_consistent(dsn)
        if size != count:
            broken.append(f"kill {k}: {size} leaves for {count} events up to position {position}")
    return {"mid_stream": mid_stream, "finished_before_kill": finished_first, "broken": broken}


def _final_audit(dsn: str, city: Any) -> dict[str, Any]:
    from elicense_sql.follower import LogFollower
    from elicense_sql.log_proofs import SqlLog
    from elicense_sql.log_store import SqlLogStore

    store = SqlLogStore.open(dsn)
    try:
        LogFollower(store).catch_up()
        log = SqlLog(store, city.origin)
        log.checkpoint(city.platform_key)
        key = city.platform_key.public_key
        report = log.audit({key.key_id: key}.get)
        findings = [f"{f.code} at {f.position}" for f in report.findings]
    finally:
        store.close()
    _, size, count = _log_consistent(dsn)
    return {"ok": report.ok, "findings": findings[:5], "leaves": size, "events": count}


def kill_run(dsn: str, folder: Path, kills: int, seed: int) -> dict[str, Any]:
    """``kills`` kills during ingest and as many during the log follower, on ``dsn``."""
    from elicense.ledger.application import Ledger
    from elicense_demo.scenario import City

    rng = random.Random(f"{seed}/kills")
    city = City(alg="ecdsa-p256-sha256", seed=seed, origin="elicense:kills.example")
    ledger = Ledger(dsn)
    try:
        ledger.establish(origin=city.origin, name="reliability", signer=city.platform_key)
        ledger.submit_many(city.founding())
    finally:
        ledger.close()
    ingest = _ingest_kills(dsn, city, folder, kills, rng)
    follower = _follower_kills(dsn, city, kills, rng, start=kills * 20_000)
    audit = _final_audit(dsn, city)
    ledger = Ledger(dsn)
    try:  # every acknowledged record is still there after everything
        still_lost = [s for s in ingest["acked"] if not _exists(ledger, s)]
    finally:
        ledger.close()
    lost = ingest["lost"] + [f"{s} missing at the end" for s in still_lost]
    return {
        "ingest": {
            "kills": kills,
            "acknowledged": len(ingest["acked"]),
            "batches_started": ingest["batches_started"],
            "lost": len(lost),
            "half_written_batches": len(ingest["half_written"]),
            "examples": (lost + ingest["half_written"])[:5],
        },
        "follower": {
            "kills": kills,
            "killed_mid_stream": follower["mid_stream"],
            "finished_before_kill": follower["finished_before_kill"],
            "not_exactly_once": len(follower["broken"]),
            "examples": follower["broken"][:5],
        },
        "audit": audit,
    }
