"""Names are data: renaming a module of domain/ changes no byte of a record, document or
bundle (a deterministic suite, Ed25519, and a fixed clock; the rename done in a copy)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import hashlib, itertools, sys
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

import elicense.ledger.export as export
from elicense.api import Department
from elicense.ledger.application import Ledger
from elicense_demo.scenario import LICENSE_TYPES, City

ticks = itertools.count()
def clock():  # every clock is injected: the ledger's, the city's, the bundle's
    return datetime(2026, 12, 1, 8, 0, tzinfo=UTC) + timedelta(seconds=next(ticks))
import cryptography.x509
serials = itertools.count(1 << 120, 1 << 96)
cryptography.x509.random_serial_number = lambda: next(serials)  # certificates in filings

def pem(seed):
    key = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())

probe = City(alg="ed25519", keys={"platform": pem(b"platform")})
city = City(alg="ed25519", clock=clock, keys={"platform": pem(b"platform"),
            **{d.seal_code: pem(d.seal_code.encode()) for d in probe.departments}})
ledger = Ledger(sys.argv[1], clock=clock)
ledger.establish(origin=city.origin, name="probe", signer=city.platform_key)
ledger.submit_many(city.founding(now=clock()))
spec = LICENSE_TYPES[0]
issued = [s for _, _, s in city.issuances(3, (spec,), 0)]
ledger.submit_many(issued)
lid = str(city.license_id(spec, 0))
d = city.departments[spec.department]
dept = Department.online(ledger, d.key, seal=d.seal_code, clock=clock)
dept.amend(lid, changes={}, reason="变更", template=city.binding(spec))
dept.suspend(str(city.license_id(spec, 1)), reason="整改")
out = [bytes(n.state).hex() + " " + n.topic for n in ledger.notifications()]
out.append(export.export_license(ledger, ledger.get_license(lid).identifier).hex())
out.append(export.export_trust_bundle(ledger, city.platform_key, clock=clock).hex())
print("\n".join(out))
"""


def _run(tree: Path, tmp: Path, name: str) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree / "src"), str(tree / "adapters")]))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp / f"{name}.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_renaming_a_domain_module_changes_no_byte(tmp_path: Path) -> None:
    """domain/license.py moved to domain/licence_aggregate.py: identical records and exports."""
    copy = tmp_path / "copy"
    for part in ("src", "adapters"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    domain = copy / "src" / "elicense" / "domain"
    (domain / "license.py").rename(domain / "licence_aggregate.py")
    renamed = re.compile(r"elicense\.domain\.license(?![_\w])")
    for path in copy.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if renamed.search(text):
            path.write_text(renamed.sub("elicense.domain.licence_aggregate", text), "utf-8")
    before = _run(ROOT, tmp_path, "before")
    after = _run(copy, tmp_path, "after")
    assert before.count("\n") > 20
    assert "license.amended" in before
    assert after == before
    # tamper twin: a changed wire name (not a module path) does change the bytes
    wire = copy / "src" / "elicense" / "wire.py"
    wire.write_text(
        wire.read_text("utf-8").replace('"license.amended"', '"license.changed"'), "utf-8"
    )
    changed = _run(copy, tmp_path, "changed")
    assert changed != before
    assert "license.changed" in changed
