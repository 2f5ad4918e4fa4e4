"""An OFD license elicense issued verifies with the platform's own trust: its filed seal
anchors the signature (online and from a trust bundle), and online its file.record binds it
to the license, whose status the verdict carries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient

from elicense import acts
from elicense.cli import main
from elicense.crypto.suites import SM2_SM3
from elicense.files.ofd import license_sheet
from elicense.filing import make_filing_seal
from elicense.ledger.export import export_trust_bundle
from elicense.ledger.payloads import license_payload
from elicense.lifecycle import LicenseStatus, RevocationReason
from elicense.ofd.font import find_font
from elicense.ofd.sign import Stamp, seal_ofd
from elicense.ofd.writer import PAGE_ID, STAMP_BOX, write_license
from elicense.verdict import Outcome
from elicense.verify.verifier import Verifier
from elicense_http import create_app
from ofd_support import HOST, errors, issue_ofd, tamper_twins
from reuse_support import ReuseWorld
from sm2_support import require_sm2

require_sm2()

UNTRUSTED = {"ses.seal.cert.untrusted", "ses.signature.cert.untrusted"}


def _sealed_with(w: ReuseWorld, lid: str, ses_seal: bytes, at: datetime) -> bytes:
    """License ``lid``'s page sealed with ``ses_seal`` (any seal bytes) and the issuer's key."""
    qr = license_payload(w.ledger, lid, w.platform_key, host=HOST, at=at)
    sheet = license_sheet(w.ledger, lid, qr=qr, seal=w.ledger.get_seal(w.issuer.seal))
    files = write_license(sheet, find_font().read_bytes(), doc_id="0" * 32)
    stamp = Stamp(page=PAGE_ID, box=STAMP_BOX)
    return seal_ofd(files, seal=ses_seal, key=w.issuer.key, at=at, stamp=stamp)


def _bundle_verifier(w: ReuseWorld) -> Verifier:
    bundle = export_trust_bundle(w.ledger, w.platform_key, host=HOST, clock=w.clock)
    return Verifier.from_bundle(bundle, platform_keys=[w.platform_key.public_key])


class Issued:
    """A SQLite SM2 ledger with license 1 issued and its OFD recorded."""

    def __init__(self, root: Path) -> None:
        self.db = root / "ledger.db"
        self.w = ReuseWorld.new(self.db, alg=SM2_SM3)
        self.lid = self.w.issue(1)
        self.ofd = issue_ofd(self.w, self.lid)
        self.online = Verifier.from_ledger(self.w.ledger)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    """The module's ledger and its issued OFD (nothing changes its state)."""
    i = Issued(tmp_path_factory.mktemp("ofd-online"))
    yield i
    i.w.ledger.close()


def test_issued_ofd_is_valid_online(issued: Issued) -> None:
    """The platform's own OFD license: trusted through its filed seal, bound to its license."""
    v = issued.online.verify(issued.ofd.data)
    assert v.ok, v.findings
    assert v.status == "valid"
    assert v.subject == issued.lid
    assert {"file.recorded", "seal.in_force", "ses.seal.cert", "ses.signature.cert"} <= set(
        v.checked
    )
    assert [s.kind for s in v.signatures] == ["ofd.seal", "statement"]
    assert not UNTRUSTED & set(v.codes)
    assert "ofd.license.unbound" not in v.codes


def test_a_changed_byte_is_not_the_recorded_file(issued: Issued) -> None:
    """Twin: one changed byte on the page: no file.record has its digest, the References break."""
    v = issued.online.verify(tamper_twins(issued.ofd.data)["changed_byte"])
    assert v.outcome is Outcome.INVALID
    assert "ofd.reference.mismatch" in errors(v)
    assert "ofd.license.unbound" in v.codes
    assert "file.recorded" not in v.checked
    assert v.status is None


def test_http_verify_of_the_issued_ofd_is_ok(issued: Issued) -> None:
    """POST /v1/verify with the OFD's bytes answers 200, ok true, the license's status;
    the changed-byte twin answers 200, ok false."""
    app = create_app(issued.w.ledger, issued.w.platform_key, log_writer=False)
    headers = {"content-type": "application/ofd"}
    with TestClient(app) as client:
        r = client.post("/v1/verify", content=issued.ofd.data, headers=headers)
        bad = tamper_twins(issued.ofd.data)["changed_byte"]
        r_bad = client.post("/v1/verify", content=bad, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True
    assert r.json()["status"] == "valid"
    assert r_bad.status_code == 200, r_bad.text
    assert r_bad.json()["ok"] is False


def test_a_seal_remade_but_not_filed_stays_untrusted(issued: Issued) -> None:
    """The same seal code and key, made again by the same platform key but not the filed bytes:
    untrusted, as any unknown seal; the filed bytes themselves are trusted (twin)."""
    w = issued.w
    at = issued.w.clock() + timedelta(seconds=1)
    filed = w.ledger.get_seal(w.issuer.seal)
    remade = make_filing_seal(filed.made, w.platform_key, at=at + timedelta(minutes=1))
    assert remade != filed.ses_seal
    v = issued.online.verify(_sealed_with(w, issued.lid, remade, at))
    assert v.outcome is Outcome.INDETERMINATE, v.findings
    assert set(v.codes) >= UNTRUSTED
    assert "seal.in_force" not in v.checked
    twin = issued.online.verify(_sealed_with(w, issued.lid, filed.ses_seal, at))
    assert twin.ok, twin.findings
    assert "ofd.license.unbound" in twin.codes  # not recorded: judged by its signature alone
    assert twin.status is None


def test_another_ledgers_filed_seal_is_untrusted_here(issued: Issued) -> None:
    """An OFD issued on another ledger (another platform key) is untrusted on this one."""
    other = ReuseWorld.new(alg=SM2_SM3)
    try:
        data = issue_ofd(other, other.issue(1)).data
        assert Verifier.from_ledger(other.ledger).verify(data).ok
        v = issued.online.verify(data)
    finally:
        other.ledger.close()
    assert v.outcome is Outcome.INDETERMINATE
    assert set(v.codes) >= UNTRUSTED


def test_offline_the_filed_seal_anchors_but_no_license_is_bound(issued: Issued) -> None:
    """From a trust bundle the issued OFD is valid through the bundle's filed seal, with
    ofd.license.unbound and no status (a bundle holds no file records)."""
    offline = _bundle_verifier(issued.w)
    v = offline.verify(issued.ofd.data)
    assert v.ok, v.findings
    assert "seal.in_force" in v.checked
    assert "ofd.license.unbound" in v.codes
    assert v.status is None
    other = ReuseWorld.new(alg=SM2_SM3)
    try:
        foreign = issue_ofd(other, other.issue(1)).data
    finally:
        other.ledger.close()
    assert set(offline.verify(foreign).codes) >= UNTRUSTED  # twin: a seal the bundle lacks


def test_cli_verify_with_a_ledger(issued: Issued, capsys: pytest.CaptureFixture[str]) -> None:
    """`elicense verify x.ofd --ledger DB` says valid with no --trust; without the ledger
    (and no --trust) the same file is not valid."""
    path = issued.db.parent / "license.ofd"
    path.write_bytes(issued.ofd.data)
    assert main(["verify", str(path), "--ledger", str(issued.db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True
    assert out["status"] == "valid"
    assert main(["verify", str(path), "--json"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize(
    ("act", "fields", "status"),
    [
        (acts.RevokeLicense, {"reason_code": RevocationReason.REVOKED}, LicenseStatus.REVOKED),
        (acts.RevokeLicense, {"reason_code": RevocationReason.CANCELLED}, LicenseStatus.CANCELLED),
        (acts.SuspendLicense, {}, LicenseStatus.SUSPENDED),
    ],
)
def test_an_ended_licenses_ofd_says_its_status(
    tmp_path: Path, act: type[acts.Statement], fields: dict[str, object], status: LicenseStatus
) -> None:
    """The OFD of a license revoked, cancelled or suspended after issuing is invalid with the
    status's code, online and over HTTP; the same file was valid before (twin)."""
    w = ReuseWorld.new(tmp_path / "ledger.db", alg=SM2_SM3)
    try:
        lid = w.issue(1)
        data = issue_ofd(w, lid).data
        online = Verifier.from_ledger(w.ledger)
        assert online.verify(data).ok
        w.lifecycle(act, lid, **fields)
        v = online.verify(data)
        with TestClient(create_app(w.ledger, w.platform_key, log_writer=False)) as client:
            r = client.post("/v1/verify", content=data)
    finally:
        w.ledger.close()
    assert v.outcome is Outcome.INVALID
    assert v.status == status.value
    assert status.finding in errors(v)
    assert v.signatures[0].outcome is Outcome.VALID  # the seal signature itself is sound
    assert r.status_code == 200
    assert r.json()["ok"] is False
    assert r.json()["status"] == status.value


def test_seal_judged_by_its_filing_at_the_signing_time(tmp_path: Path) -> None:
    """A file signed while the seal was filed stays valid after the seal is suspended; one
    signed after the suspension says seal.suspended — online and from a bundle."""
    w = ReuseWorld.new(tmp_path / "ledger.db", alg=SM2_SM3)
    try:
        lid = w.issue(1)
        w.clock.freeze()
        before = issue_ofd(w, lid, at=w.clock.advance(timedelta(seconds=2))).data
        w.clock.advance(timedelta(minutes=1))
        seal = w.ledger.get_seal(w.issuer.seal)
        w.submit(
            w.platform.sign(
                acts.SuspendSeal, subject=seal.code, expected_version=seal.version, reason="测试"
            )
        )
        after = _sealed_with(w, lid, seal.ses_seal, w.clock.advance(timedelta(minutes=1)))
        at = w.clock.advance(timedelta(seconds=1))
        verifiers = {"online": Verifier.from_ledger(w.ledger), "offline": _bundle_verifier(w)}
        for name, verifier in verifiers.items():
            ok = verifier.verify(before, at=at)
            assert ok.ok, (name, ok.findings)
            assert "seal.in_force" in ok.checked
            refused = verifier.verify(after, at=at)
            assert refused.outcome is Outcome.INVALID, name
            assert "seal.suspended" in errors(refused), (name, refused.findings)
    finally:
        w.ledger.close()


def test_a_filed_seal_history_that_does_not_verify_is_the_verdict(tmp_path: Path) -> None:
    """A stored seal.filed record whose signature was changed in the store: the verdict
    names the broken history (not an OFD internal error), and the file is not valid."""
    import sqlite3

    from elicense.ledger.application import Ledger

    w = ReuseWorld.new(tmp_path / "ledger.db", alg=SM2_SM3)
    data = issue_ofd(w, w.issue(1)).data
    w.ledger.close()
    raw = sqlite3.connect(tmp_path / "ledger.db")
    try:
        rowid, state = raw.execute(
            "SELECT rowid, state FROM stored_events WHERE topic = 'seal.filed'"
        ).fetchone()
        state = bytes(state)
        i = state.index(b'"signature":"') + len(b'"signature":"')
        changed = state[:i] + (b"B" if state[i : i + 1] == b"A" else b"A") + state[i + 1 :]
        raw.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (changed, rowid))
        raw.commit()
    finally:
        raw.close()
    ledger = Ledger(str(tmp_path / "ledger.db"), verify_threads=1)
    try:
        v = Verifier.from_ledger(ledger).verify(data)
    finally:
        ledger.close()
    assert not v.ok
    assert "ofd.internal_error" not in v.codes
    assert v.codes[0] == "statement.signature.invalid", v.findings


def test_a_seal_compromised_before_the_signing_time_refuses_it(tmp_path: Path) -> None:
    """A seal revoked later as compromised since before the signing time: the OFD signature
    says seal.compromised (a key thief may claim any time); signed before that time, the
    same seal's signature stays in force (twin)."""
    w = ReuseWorld.new(tmp_path / "ledger.db", alg=SM2_SM3)
    try:
        lid = w.issue(1)
        w.clock.freeze()
        filed = w.ledger.get_seal(w.issuer.seal)
        early = _sealed_with(w, lid, filed.ses_seal, w.clock.advance(timedelta(seconds=2)))
        since = w.clock.advance(timedelta(minutes=1))
        late = _sealed_with(w, lid, filed.ses_seal, w.clock.advance(timedelta(minutes=1)))
        w.clock.advance(timedelta(minutes=1))
        w.submit(
            w.platform.sign(
                acts.RevokeSeal,
                subject=filed.code,
                expected_version=filed.version,
                reason="密钥泄露",
                compromised_since=since,
            )
        )
        online = Verifier.from_ledger(w.ledger)
        at = w.clock.advance(timedelta(seconds=1))
        refused, kept = online.verify(late, at=at), online.verify(early, at=at)
    finally:
        w.ledger.close()
    assert refused.outcome is Outcome.INVALID
    assert "seal.compromised" in {f.code for f in refused.signatures[0].findings}
    assert kept.ok, kept.findings
    assert "seal.in_force" in kept.checked
