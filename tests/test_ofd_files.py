"""The signed OFD files in ../shared/testdata/ofd give what their README states (API and CLI)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from elicense.cli import main
from elicense.ofd import OfdVerifier, verify_ofd
from elicense.verdict import Outcome
from elicense.verify.verifier import Verifier
from reuse_support import ReuseWorld
from sm2_support import require_sm2

require_sm2()

SIGNATURE_OWN = {"Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/SignedValue.dat"}


@pytest.fixture(scope="module")
def ofd(testdata: Path) -> Path:
    """The ofd folder of the shared test data."""
    return testdata / "ofd"


@pytest.fixture(scope="module")
def world() -> Iterator[ReuseWorld]:
    """A ledger none of these files' seals is filed on."""
    w = ReuseWorld.new()
    yield w
    w.ledger.close()


@pytest.fixture(scope="module")
def online(world: ReuseWorld) -> Verifier:
    """An online verifier on that ledger, with no OFD anchors."""
    return Verifier.from_ledger(world.ledger)


def test_allprotected_is_whole_and_sound_but_untrusted(ofd: Path) -> None:
    """allprotected.ofd: 6/6 References, dataHash, SES and seal verify, Seal.esl matches,
    nothing unprotected; indeterminate only for untrusted certificates."""
    v = verify_ofd(ofd / "allprotected.ofd")
    assert v.outcome is Outcome.INDETERMINATE
    [sig] = v.signatures
    assert (sig.kind, sig.part) == ("ofd.seal", "Doc_0/Signs/Sign_0/Signature.xml")
    needed = {"ofd.references", "ses.data_hash", "ses.signature", "ses.seal.signature"}
    assert needed | {"ofd.seal_file", "ofd.coverage"} <= set(v.checked)
    assert v.evidence["unprotected"] == []
    failing = {f.code for f in v.findings if f.severity in ("error", "indeterminate")}
    assert failing == {"ses.seal.cert.untrusted", "ses.signature.cert.untrusted"}


def test_allprotected_valid_with_its_certificates_trusted(ofd: Path) -> None:
    """The tamper twin of untrusted: trusting both embedded certificates makes it valid."""
    from elicense.crypto.ses import parse_signature
    from ofd_support import entry

    data = (ofd / "allprotected.ofd").read_bytes()
    sig = parse_signature(entry(data, "Doc_0/Signs/Sign_0/SignedValue.dat"))
    v = OfdVerifier([sig.signer_cert, sig.seal.maker_cert]).verify(data)
    assert v.ok, v.findings


def test_v4signed_oid_method_and_open_signature_list(ofd: Path) -> None:
    """v4signed.ofd: 13/13 References by OID, SES verifies, Signatures.xml reported unprotected."""
    v = verify_ofd(ofd / "v4signed.ofd")
    assert v.outcome is Outcome.INDETERMINATE
    assert {"ofd.references", "ses.signature", "ses.data_hash"} <= set(v.checked)
    assert v.evidence["unprotected"] == ["Doc_0/Signs/Signatures.xml"]
    assert "ofd.coverage.open" in v.codes
    assert "ofd.seal_file" not in v.checked  # no Seal.esl in this maker's files
    assert not [f for f in v.findings if f.severity == "error"]


def test_zsbk_pages_changed_after_signing(ofd: Path) -> None:
    """zsbk.ofd is invalid: both signatures lost exactly the two page contents; the maker
    certificate expired before the signing time; the non-DER signer certificate only warns."""
    v = verify_ofd(ofd / "zsbk.ofd")
    assert v.outcome is Outcome.INVALID
    assert len(v.signatures) == 2
    pages = {"Doc_0/Pages/Page_0/Content.xml", "Doc_0/Pages/Page_1/Content.xml"}
    for sig in v.signatures:
        assert sig.outcome is Outcome.INVALID
        assert {f.subject for f in sig.findings if f.code == "ofd.reference.mismatch"} == pages
        codes = {f.code for f in sig.findings}
        assert {"ses.seal.cert.expired", "ses.signature.cert.nonconformant"} <= codes
        assert "ses.signature.cert.malformed" not in codes
        assert "ses.signature" in sig.checked  # the SES signatures themselves verify
    assert len({f.subject for f in v.findings if f.code == "ofd.reference.mismatch"}) == 2


def test_digital_sign_needs_a_key(ofd: Path) -> None:
    """DigitalSign.ofd: 4/4 References; without the signer's key, indeterminate with a code."""
    v = verify_ofd(ofd / "DigitalSign.ofd")
    assert v.outcome is Outcome.INDETERMINATE
    assert v.signatures[0].kind == "ofd.sign"
    assert "ofd.sign.key_unknown" in v.codes
    assert "ofd.references" in v.checked


def test_digital_sign_wrong_key_is_invalid(ofd: Path) -> None:
    """With a key that is not the signer's, the bare SM2 signature is checked and fails."""
    from ofd_support import signer

    _key, cert = signer()
    v = verify_ofd(ofd / "DigitalSign.ofd", trust=[cert])
    assert v.outcome is Outcome.INVALID
    assert "ofd.sign.signature.invalid" in v.codes


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("allprotected", Outcome.INDETERMINATE),
        ("v4signed", Outcome.INDETERMINATE),
        ("zsbk", Outcome.INVALID),
        ("DigitalSign", Outcome.INDETERMINATE),
    ],
)
def test_general_verifier_dispatches_ofd(
    ofd: Path, online: Verifier, name: str, outcome: Outcome
) -> None:
    """Verifier.verify on a ledger recognises OFD bytes and paths and answers the same
    outcome: their seals are filed on no ledger, and no file.record binds them."""
    path = ofd / f"{name}.ofd"
    for v in (online.verify(path.read_bytes()), online.verify(path)):
        assert v.outcome is outcome, v.findings
        assert "ofd.license.unbound" in v.codes
        assert v.status is None


def test_general_verifier_trusts_its_ofd_anchors(ofd: Path, world: ReuseWorld) -> None:
    """Twin: the same verifier given allprotected's certificates as ofd_anchors says valid."""
    from elicense.crypto.ses import parse_signature
    from ofd_support import entry

    data = (ofd / "allprotected.ofd").read_bytes()
    sig = parse_signature(entry(data, "Doc_0/Signs/Sign_0/SignedValue.dat"))
    anchors = [sig.signer_cert, sig.seal.maker_cert]
    v = Verifier.from_ledger(world.ledger, ofd_anchors=anchors).verify(data)
    assert v.ok, v.findings
    assert "seal.in_force" not in v.checked  # trusted by the anchors, not by a filing


@pytest.mark.parametrize(
    ("name", "code"),
    [("allprotected", 1), ("v4signed", 1), ("zsbk", 1), ("DigitalSign", 1)],
)
def test_cli_verify(ofd: Path, name: str, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    """``elicense verify FILE.ofd --json`` prints the verdict and exits 1 unless valid."""
    assert main(["verify", str(ofd / f"{name}.ofd"), "--json"]) == code
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False
    assert len(out["signatures"]) == (2 if name == "zsbk" else 1)


def test_cli_verify_valid_with_trust(ofd: Path, tmp_path: Path) -> None:
    """With both certificates given as --trust, allprotected.ofd is valid: exit 0."""
    from asn1crypto import pem

    from elicense.crypto.ses import parse_signature
    from ofd_support import entry

    data = (ofd / "allprotected.ofd").read_bytes()
    sig = parse_signature(entry(data, "Doc_0/Signs/Sign_0/SignedValue.dat"))
    trust = tmp_path / "trust.pem"
    trust.write_bytes(
        pem.armor("CERTIFICATE", sig.signer_cert) + pem.armor("CERTIFICATE", sig.seal.maker_cert)
    )
    assert main(["ofd", "verify", str(ofd / "allprotected.ofd"), "--trust", str(trust)]) == 0


def test_cli_unreadable_is_exit_2(tmp_path: Path) -> None:
    """A file that does not exist is an input error (2), not a verdict."""
    assert main(["ofd", "verify", str(tmp_path / "absent.ofd")]) == 2
    assert main(["ofd", "inspect", str(tmp_path / "absent.ofd")]) == 2


def test_cli_inspect_lists_signatures(ofd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``ofd inspect --json`` lists both zsbk signatures, their seal, pages and covered files."""
    assert main(["ofd", "inspect", str(ofd / "zsbk.ofd"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    [doc] = out["documents"]
    assert [p["id"] for p in doc["pages"]] == ["1", "677"]
    sigs = doc["signatures"]
    assert [s["id"] for s in sigs] == ["2", "4"]
    assert {s["seal"]["name"] for s in sigs} == {"云南省住房和城乡建设厅"}
    assert "Doc_0/Pages/Page_0/Content.xml" in sigs[0]["covers"]
    assert [s["stamps"][0]["page"] for s in sigs] == ["677", "1"]
    assert out["unprotected"] == ["Doc_0/Signs/Signatures.xml"]


def test_cli_inspect_refuses_garbage_with_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Inspecting bytes that are not an OFD container is an input error with the code."""
    bad = tmp_path / "bad.ofd"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert main(["ofd", "inspect", str(bad)]) == 2
    assert "ofd.container.malformed" in capsys.readouterr().err


def test_cli_verify_with_a_ledger_takes_trust_as_ofd_anchors(
    ofd: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`elicense verify allprotected.ofd --ledger DB --trust certs.pem` is valid (unbound to a
    license); the same command without --trust is not (twin)."""
    from asn1crypto import pem

    from elicense.crypto.ses import parse_signature
    from ofd_support import entry

    data = (ofd / "allprotected.ofd").read_bytes()
    sig = parse_signature(entry(data, "Doc_0/Signs/Sign_0/SignedValue.dat"))
    certs = tmp_path / "certs.pem"
    certs.write_bytes(
        b"".join(pem.armor("CERTIFICATE", c) for c in (sig.signer_cert, sig.seal.maker_cert))
    )
    w = ReuseWorld.new(tmp_path / "ledger.db")
    w.ledger.close()
    base = ["verify", str(ofd / "allprotected.ofd"), "--ledger", str(tmp_path / "ledger.db")]
    assert main([*base, "--trust", str(certs), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True
    assert "ofd.license.unbound" in [f["code"] for f in out["findings"]]
    assert main([*base, "--json"]) == 1
    assert "ses.seal.cert.untrusted" in capsys.readouterr().out
