"""``elicense demo``: a city's e-license platform, end to end, on SQLite.

1. A platform key founds the ledger; ten departments make seals, the platform
   files them, the departments define their license and approval types.
2. Licenses are issued in batches of 100 — signed by the departments'
   seals, checked and recorded by the ledger (default 20,000; ``--scale city``:
   153,218 licenses and 2,889 approvals, the size of one real city).
3. Some are amended, renewed, suspended and revoked.
4. The platform exports a signed trust bundle; every license is exported as a
   document and verified offline against it on all cores.

Nothing is held in memory at city scale: statements are generated and signed
batch by batch, documents are exported and verified chunk by chunk.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from elicense import acts
from elicense.acts import Signed
from elicense.crypto.keys import write_key_file
from elicense.crypto.suites import ECDSA_P256, SM2_SM3, get_suite
from elicense.errors import UnsupportedAlgorithmError
from elicense.ledger.application import Ledger
from elicense.ledger.export import SealCache, export_license, sign_bundle, trust_bundle
from elicense.lifecycle import LicenseStatus, RevocationReason
from elicense.verify.verifier import Verifier
from elicense_demo.scenario import APPROVAL_TYPES, LICENSE_TYPES, City, TypeSpec

__all__ = ["CITY_APPROVALS", "CITY_LICENSES", "DemoReport", "default_alg", "run_demo"]

CITY_LICENSES = 153_218
CITY_APPROVALS = 2_889
BATCH = 100
VERIFY_CHUNK = 1_000

Progress = Callable[[str, int], Any]


def default_alg() -> str:
    """SM2 with SM3 when its backend is installed (as Chinese government systems
    are expected to use), else ECDSA P-256."""
    try:
        get_suite(SM2_SM3)
    except UnsupportedAlgorithmError:
        return ECDSA_P256
    return SM2_SM3


@dataclass
class DemoReport:
    """What a demo run did and measured."""

    directory: str
    ledger: str
    alg: str
    departments: int = 0
    types: int = 0
    issued: int = 0
    approvals: int = 0
    issue_seconds: float = 0.0
    lifecycle: dict[str, int] = field(default_factory=dict)
    bundle_bytes: int = 0
    verified: int = 0
    verify_seconds: float = 0.0
    export_seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    sample: str = ""
    files: dict[str, str] = field(default_factory=dict)
    reuse: dict[str, Any] = field(default_factory=dict)  # the reuse phase's report, if run
    log: dict[str, Any] = field(default_factory=dict)  # the transparency-log phase's, if run

    @property
    def issue_rate(self) -> float:
        """Licenses recorded per second, signing and checks included."""
        return (self.issued + self.approvals) / self.issue_seconds if self.issue_seconds else 0.0

    @property
    def verify_rate(self) -> float:
        """Exported documents verified per second (all cores)."""
        return self.verified / self.verify_seconds if self.verify_seconds else 0.0


def _department_process(
    keys: dict[str, bytes], alg: str, seed: int, licenses: int, approvals: int, q: Any
) -> None:
    """A department system: the same city's keys, signing the plan batch by batch."""
    from elicense.codec import canonical

    city = City(alg=alg, seed=seed, keys=keys)
    plan = _plan(licenses, approvals)
    for start in range(0, len(plan), BATCH):
        q.put([canonical(city.issuance(spec, n)) for spec, n in plan[start : start + BATCH]])
    q.put(None)


def _signed_batches(city: City, licenses: int, approvals: int) -> Iterator[list[bytes]]:
    """Signed issuances, batch by batch, from a department process.

    Departments sign on their own systems; running the signer in another
    process (not a thread) lets signing and the ledger's checks use two cores
    even with a signature backend that holds the GIL (the SM2 one does).
    """
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue(maxsize=8)
    args = (city.export_keys(), city.alg, city.seed, licenses, approvals, q)
    proc = ctx.Process(target=_department_process, args=args, daemon=True)
    proc.start()
    try:
        while (batch := q.get()) is not None:
            yield batch
    finally:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()


def _plan(licenses: int, approvals: int) -> list[tuple[TypeSpec, int]]:
    plan = [(LICENSE_TYPES[i % len(LICENSE_TYPES)], i) for i in range(licenses)]
    plan += [(APPROVAL_TYPES[i % len(APPROVAL_TYPES)], licenses + i) for i in range(approvals)]
    return plan


def _lifecycle(
    city: City, ledger: Ledger, plan: list[tuple[TypeSpec, int]], seed: int
) -> dict[str, int]:
    """Amend 3%, renew 2% (of expiring types), suspend 1%, revoke 0.5% — in batches."""
    rng = random.Random(seed)
    picks = rng.sample(plan, k=min(len(plan), max(1, len(plan) * 65 // 1000)))
    counts: Counter[str] = Counter()
    batch: list[Signed] = []
    for n, (spec, serial) in enumerate(picks):
        d = city.departments[spec.department]
        subject = str(city.license_id(spec, serial))
        share = n / len(picks)
        if share < 3 / 6.5 and spec.fields:
            f = spec.fields[0]
            value = str(rng.randrange(10, 9000)) if f.type is acts.FieldType.NUMBER else "变更后"
            batch.append(
                d.desk.amend(
                    subject,
                    changes={f.name: value},
                    reason="信息变更",
                    template=city.binding(spec),
                    expected_version=1,
                )
            )
            counts["amended"] += 1
        elif share < 5 / 6.5 and spec.years:
            batch.append(
                d.desk.renew(
                    subject,
                    valid_until=date(2026 + spec.years * 2, 12, 31),
                    reason="到期延续",
                    expected_version=1,
                )
            )
            counts["renewed"] += 1
        elif share < 6 / 6.5:
            batch.append(d.desk.suspend(subject, reason="整改期间暂扣", expected_version=1))
            counts["suspended"] += 1
        else:
            reason = rng.choice([RevocationReason.CANCELLED, RevocationReason.REVOKED])
            batch.append(
                d.desk.revoke(
                    subject, reason_code=reason, reason="依法注销或吊销", expected_version=1
                )
            )
            counts[f"revoked ({reason.value})"] += 1
        if len(batch) >= BATCH:
            ledger.submit_many(batch)
            batch = []
    if batch:
        ledger.submit_many(batch)
    return dict(counts)


def fresh_directory(given: str | None) -> Path:
    """``given`` if empty or absent; else the first free ``./elicense-demo[-N]``."""
    if given:
        path = Path(given)
        if path.exists() and any(path.iterdir()):
            raise FileExistsError(f"{path} is not empty; give a fresh directory")
        return path
    n = 1
    while True:
        path = Path("elicense-demo" if n == 1 else f"elicense-demo-{n}")
        if not path.exists() or not any(path.iterdir()):
            return path
        n += 1


def run_demo(
    directory: Path,
    *,
    licenses: int = 20_000,
    approvals: int | None = None,
    alg: str | None = None,
    seed: int = 2026,
    progress: Progress | None = None,
    reuse: Callable[[Ledger, City, Any, Path], dict[str, Any]] | None = None,
    log: Callable[[Ledger, City, list[str], Path], dict[str, Any]] | None = None,
) -> DemoReport:
    """Run the demo into ``directory`` (created); return what it did and measured.

    ``reuse(ledger, city, trust bundle, directory)``, when given, runs last (the
    reuse phase, :func:`elicense_demo.reuse_run.run_reuse_phase`, wired by
    :mod:`elicense_demo.reuse_phase`) and its report is kept in ``DemoReport.reuse``.
    ``log(ledger, city, license identifiers, directory)``, when given, runs after it
    (the transparency-log phase, :mod:`elicense_demo.log_phase`, wired to the SQL log
    store); its report is ``DemoReport.log``.
    """
    alg = alg or default_alg()
    approvals = licenses * CITY_APPROVALS // CITY_LICENSES if approvals is None else approvals
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "keys").mkdir(exist_ok=True)
    db = directory / "ledger.db"
    report = DemoReport(directory=str(directory), ledger=str(db), alg=alg)
    tick = progress or (lambda stage, n: None)

    city = City(alg=alg, seed=seed)
    ledger = Ledger(db)
    with contextlib.ExitStack() as stack:
        stack.callback(ledger.close)
        ledger.establish(origin=city.origin, name="示范市电子证照平台", signer=city.platform_key)
        report.files["platform key"] = str(
            write_key_file(city.platform_key, directory / "keys" / "platform.pem")
        )
        # Named as `elicense keygen` names a public key (FILE.pub beside FILE), so the
        # README's verify command fits the demo's files.
        public = directory / "keys" / "platform.pem.pub"
        public.write_bytes(city.platform_key.public_key.pem())
        report.files["platform public key"] = str(public)
        for d in city.departments:
            path = write_key_file(d.key, directory / "keys" / f"{d.seal_code}.pem")
            Path(str(path) + ".seal").write_text(d.seal_code + "\n", encoding="utf-8")
        founding = city.founding()
        ledger.submit_many(founding)
        report.departments = len(city.departments)
        report.types = len(LICENSE_TYPES) + len(APPROVAL_TYPES)

        plan = _plan(licenses, approvals)
        started = time.perf_counter()
        for batch in _signed_batches(city, licenses, approvals):
            ledger.submit_many(batch)
            tick("issue", len(batch))
        report.issue_seconds = time.perf_counter() - started
        report.issued, report.approvals = licenses, approvals
        report.lifecycle = _lifecycle(city, ledger, plan, seed)

        trust = trust_bundle(ledger)
        bundle = sign_bundle(trust, city.platform_key)
        (directory / "trust-bundle.json").write_bytes(bundle)
        report.files["trust bundle"] = str(directory / "trust-bundle.json")
        report.bundle_bytes = len(bundle)
        verifier = Verifier.from_bundle(bundle, platform_keys=[city.platform_key.public_key])
        stack.callback(verifier.close)

        outcomes: Counter[str] = Counter()
        seals = SealCache(ledger)
        for start in range(0, len(plan), VERIFY_CHUNK):
            chunk = plan[start : start + VERIFY_CHUNK]
            t0 = time.perf_counter()
            docs = [export_license(ledger, str(city.license_id(s, n)), seals) for s, n in chunk]
            t1 = time.perf_counter()
            for v in verifier.verify_many(docs):
                outcomes[f"{v.outcome}" + (f" ({v.status})" if v.status else "")] += 1
            report.export_seconds += t1 - t0
            report.verify_seconds += time.perf_counter() - t1
            report.verified += len(docs)
            tick("verify", len(docs))
        sample = city.license_id(plan[0][0], plan[0][1])
        report.sample = str(sample)
        (directory / "sample-license.json").write_bytes(export_license(ledger, report.sample))
        report.files["sample document"] = str(directory / "sample-license.json")
        report.outcomes = dict(outcomes)

        names = {city.type_code(s): s.name for s in (*LICENSE_TYPES, *APPROVAL_TYPES)}
        by_type: dict[str, Counter[str]] = {}
        for key, entry in trust.licenses.items():
            name = names.get(key.split(".")[5], "?")
            by_type.setdefault(name, Counter())[LicenseStatus.from_code(entry.status).label] += 1
        report.by_type = {k: dict(v) for k, v in by_type.items()}
        if reuse is not None:
            report.reuse = reuse(ledger, city, trust, directory)
        if log is not None:
            ids = [str(city.license_id(spec, n)) for spec, n in plan]
            report.log = log(ledger, city, ids, directory)
    return report
