"""The reliability program's world: a real ledger and every kind of document it exports.

One SQLite file (or a PostgreSQL schema) holding a demo city's seals, types and
licenses with every lifecycle act (``tests/logkit.build_ledger``), the
transparency log followed and checkpointed, and from it the originals the
fuzzer mutates: license documents on the signature path and on the log path,
verify-me payload texts, the signed trust bundle, the filed GB/T 38540 seal
(``.esl``), a sealed OFD file and a signed license PDF.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in ("src", "adapters", "tests"):
    if str(ROOT / _p) not in sys.path:
        sys.path.insert(0, str(ROOT / _p))

from elicense.codec import canonical  # noqa: E402
from elicense.crypto.keys import generate_key  # noqa: E402
from elicense.crypto.suites import ECDSA_P256, SM2_SM3  # noqa: E402
from elicense.ledger.export import export_license, license_document  # noqa: E402
from elicense.ledger.payloads import license_payload  # noqa: E402
from elicense.verify.verifier import Verifier  # noqa: E402
from elicense_demo.scenario import LICENSE_TYPES, City  # noqa: E402
from elicense_sql.follower import LogFollower  # noqa: E402
from elicense_sql.log_proofs import SqlLog  # noqa: E402
from elicense_sql.log_store import SqlLogStore  # noqa: E402
from logkit import build_ledger  # noqa: E402

__all__ = ["HOST", "ROOT", "World", "build_world"]

HOST = "zwfw.example.gov.cn"


@dataclass
class World:
    """The ledger, its log, the verifier and the originals, by target."""

    city: City
    ledger: Any
    log: SqlLog
    store: SqlLogStore
    bundle: bytes
    verifier: Verifier
    originals: dict[str, dict[str, bytes]] = field(default_factory=dict)
    platform_pem: bytes = b""
    seal_cert: bytes = b""

    def close(self) -> None:
        self.verifier.close()
        self.store.close()
        self.ledger.close()


def build_world(dsn: str, *, seed: int = 17, files: bool = True) -> World:
    """Build the ledger at ``dsn`` and export every original (``files``: OFD and PDF too,
    which need the SM2 backend and the ``pdf`` extra)."""
    from elicense.crypto.ses import parse_seal

    city = City(alg=SM2_SM3, seed=seed, origin="elicense:reliability.example")
    ledger, ids = build_ledger(city, dsn, extra=2)
    dept = city.departments[LICENSE_TYPES[1].department]
    extra: dict[str, dict[str, bytes]] = {}
    if files:
        from elicense.files.ofd import issue_license_ofd
        from elicense.files.pdf import make_license_pdf

        ofd = issue_license_ofd(
            ledger,
            ids["plain"],
            key=dept.key,
            seal=dept.seal_code,
            platform_signer=city.platform_key,
            host=HOST,
        )
        pdf = make_license_pdf(
            ledger,
            ids["renewed"],
            seal=dept.signatory,
            platform_signer=city.platform_key,
            host=HOST,
            pdf_key=generate_key(ECDSA_P256),
        )
        extra = {"ofd": {"plain": ofd.data}, "pdf": {"renewed": pdf}}
    store = SqlLogStore.open(dsn)
    LogFollower(store).catch_up()
    log = SqlLog(store, ledger.origin)
    log.checkpoint(city.platform_key)
    bundle = _bundle(ledger, log, city)
    platform_pem = city.platform_key.public_key.pem()
    verifier = Verifier.from_bundle(bundle, platform_keys=[platform_pem])
    seal = parse_seal(bytes(ledger.get_seal(dept.seal_code).ses_seal))
    originals: dict[str, dict[str, bytes]] = {
        "license_json_signature": {k: export_license(ledger, i) for k, i in ids.items()},
        "license_json_log": {
            k: canonical(license_document(ledger, i, log=log)) for k, i in ids.items()
        },
        "payload_text": {
            k: license_payload(ledger, i, city.platform_key, host=HOST).encode()
            for k, i in ids.items()
            if k in ("plain", "suspended", "revoked", "amended")
        },
        "trust_bundle": {"bundle": bundle},
        "ses_seal": {dept.seal_code: seal.der},
        **extra,
    }
    return World(
        city=city,
        ledger=ledger,
        log=log,
        store=store,
        bundle=bundle,
        verifier=verifier,
        originals=originals,
        platform_pem=platform_pem,
        seal_cert=seal.maker_cert,
    )


def _bundle(ledger: Any, log: SqlLog, city: City) -> bytes:
    from elicense.ledger.export import sign_bundle, trust_bundle

    return sign_bundle(trust_bundle(ledger, log, host=HOST), city.platform_key)
