"""The ofdrw artifacts in ../shared/testdata/ses give exactly the results their README states."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from elicense.cli import main
from elicense.crypto import ses
from elicense.crypto.gm import sm3
from sm2_support import flip, require_sm2

require_sm2()

NOW = datetime(2026, 6, 1, tzinfo=UTC)  # any time after the 2022 expiry


@pytest.fixture(scope="module")
def files(testdata: Path) -> Path:
    """The ses folder of the shared test data."""
    return testdata / "ses"


@pytest.fixture(scope="module")
def signature(files: Path) -> bytes:
    """SignedValueV4.dat."""
    return (files / "SignedValueV4.dat").read_bytes()


@pytest.fixture(scope="module")
def trust(signature: bytes) -> ses.TrustAnchors:
    """Both embedded certificates, trusted directly (as the README says)."""
    parsed = ses.parse_signature(signature)
    return ses.TrustAnchors([parsed.signer_cert, parsed.seal.maker_cert])


def test_v1_seal_parses_as_v1(files: Path) -> None:
    """UserV1.esl parses as a GM/T 0031-2014 (v1) seal."""
    data = (files / "UserV1.esl").read_bytes()
    assert ses.detect(data) == ("seal", 1)
    seal = ses.parse_seal(data)
    assert seal.version == 1
    assert seal.info.name == "OFDRW测试用印章"
    assert len(seal.info.certs) == 1


def test_v1_seal_signature_covers_sealinfo_cert_and_alg(files: Path) -> None:
    """The v1 maker signature verifies over SEQUENCE(SES_SealInfo, cert, algorithm)."""
    seal = ses.parse_seal((files / "UserV1.esl").read_bytes())
    verdict = ses.verify_seal(seal, trust=[seal.maker_cert], at=datetime(2021, 1, 1, tzinfo=UTC))
    assert verdict.ok, verdict.findings
    assert "ses.seal.signature" in verdict.checked


def test_v4_seal_fields(files: Path) -> None:
    """UserV4.esl parses as v4 with the header, name, picture and window the README states."""
    data = (files / "UserV4.esl").read_bytes()
    seal = ses.parse_seal(data)
    info = seal.info
    assert (seal.version, info.header_id, info.header_version, info.vendor_id) == (
        4,
        "ES",
        4,
        "OFDR&WTest",
    )
    assert info.name == "OFD R&W 测试用印章"
    assert (info.picture.type, info.picture.width_mm, info.picture.height_mm) == ("PNG", 40, 40)
    assert info.valid_start.date().isoformat() == "2020-04-22"
    assert info.valid_end.date().isoformat() == "2022-04-22"
    assert seal.der == data


def test_v4_seal_signed_bytes_are_the_received_sealinfo(files: Path) -> None:
    """The bytes the seal signature is checked over are SES_SealInfo sliced from the file."""
    data = (files / "UserV4.esl").read_bytes()
    seal = ses.parse_seal(data)
    assert data[4 : 4 + len(seal.signed_bytes)] == seal.signed_bytes
    assert len(seal.signed_bytes) == 4 + 16389  # header + length from the file's DER


def test_v4_seal_signature_verifies(files: Path, trust: ses.TrustAnchors) -> None:
    """The v4 seal's signature verifies with the key in cert (judged inside its window)."""
    data = (files / "UserV4.esl").read_bytes()
    verdict = ses.verify_seal(data, trust=trust, at=datetime(2021, 1, 1, tzinfo=UTC))
    assert verdict.ok, verdict.findings
    assert {"ses.seal.signature", "ses.seal.cert", "ses.seal.validity"} <= set(verdict.checked)


@pytest.mark.parametrize("stride", [1])
def test_any_flipped_byte_in_sealinfo_fails(
    files: Path, trust: ses.TrustAnchors, stride: int
) -> None:
    """Flipping any byte of SES_SealInfo (sampled across all of it) fails the seal signature."""
    data = (files / "UserV4.esl").read_bytes()
    end = 4 + len(ses.parse_seal(data).signed_bytes)
    at = datetime(2021, 1, 1, tzinfo=UTC)
    positions = sorted({*range(4, 120, stride), *range(4, end, 97), end - 1})
    for pos in positions:
        verdict = ses.verify_seal(flip(data, pos), trust=trust, at=at)
        assert not verdict.ok, pos
        assert "ses.seal.signature" not in verdict.checked, pos
        codes = set(verdict.codes)
        assert codes & {"ses.seal.signature.invalid", "ses.format.malformed"}, (pos, codes)


def test_flipped_picture_byte_is_a_signature_failure(files: Path, trust: ses.TrustAnchors) -> None:
    """A flipped byte inside the picture parses fine and is reported as a bad seal signature."""
    data = (files / "UserV4.esl").read_bytes()
    verdict = ses.verify_seal(flip(data, 5000), trust=trust, at=datetime(2021, 1, 1, tzinfo=UTC))
    assert verdict.codes == ["ses.seal.signature.invalid"]


def test_signature_valid_at_signing_time(signature: bytes, trust: ses.TrustAnchors) -> None:
    """Judged at its timeInfo (the default) every check passes; without the content the
    verdict is indeterminate (EU DSS: SIGNED_DATA_NOT_FOUND), its one non-info finding that."""
    verdict = ses.verify(signature, trust=trust)
    assert verdict.outcome.value == "indeterminate", verdict.findings
    assert [f.code for f in verdict.findings if f.severity != "info"] == [
        "ses.data_hash.not_checked"
    ]
    assert set(verdict.checked) >= {
        "ses.signature",
        "ses.seal.signature",
        "ses.signature.cert_in_seal",
        "ses.seal.cert",
        "ses.signature.cert",
        "ses.seal.validity",
    }
    assert "ses.data_hash.not_checked" in verdict.codes
    assert verdict.evidence["time_source"] == "claimed"
    assert verdict.evidence["time_proven"] is False
    assert verdict.evidence["at"] == "2020-10-12T11:14:03Z"


def test_signature_signed_bytes_are_the_received_tbs(signature: bytes) -> None:
    """TBS_Sign is sliced from the file, and the embedded seal is byte-identical to UserV4.esl."""
    parsed = ses.parse_signature(signature)
    assert signature[4 : 4 + len(parsed.signed_bytes)] == parsed.signed_bytes
    assert parsed.property_info == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert parsed.time_info == datetime(2020, 10, 12, 11, 14, 3, tzinfo=UTC)


def test_embedded_seal_is_the_v4_file(signature: bytes, files: Path) -> None:
    """The seal inside the signature is UserV4.esl exactly."""
    assert ses.parse_signature(signature).seal.der == (files / "UserV4.esl").read_bytes()


def test_placeholder_data_hash_is_a_data_hash_finding(
    signature: bytes, trust: ses.TrustAnchors, files: Path
) -> None:
    """Against Signature.xml the zero dataHash is a data-hash mismatch, not a signature failure."""
    content = (files / "Signature.xml").read_bytes()
    assert sm3(content).hex().startswith("8dfb7a66")
    verdict = ses.verify(signature, trust=trust, content=content)
    assert not verdict.ok
    assert [f.code for f in verdict.findings if f.severity == "error"] == ["ses.data_hash.mismatch"]
    assert "ses.signature" in verdict.checked
    assert "ses.seal.signature" in verdict.checked


def test_expired_now_but_signatures_still_verified(
    signature: bytes, trust: ses.TrustAnchors
) -> None:
    """Judged now the seal and certificates are expired; the findings still say both
    signatures verified."""
    verdict = ses.verify(signature, trust=trust, at=NOW)
    assert not verdict.ok
    assert {"ses.seal.expired", "ses.seal.cert.expired", "ses.signature.cert.expired"} <= set(
        verdict.codes
    )
    assert {"ses.signature", "ses.seal.signature", "ses.signature.cert_in_seal"} <= set(
        verdict.checked
    )
    assert verdict.evidence["time_source"] == "caller"


def test_without_trust_the_certificates_are_untrusted(signature: bytes) -> None:
    """With no anchors both certificates are untrusted (indeterminate), signatures still pass."""
    verdict = ses.verify(signature)
    assert verdict.outcome == "indeterminate"
    assert {"ses.seal.cert.untrusted", "ses.signature.cert.untrusted"} <= set(verdict.codes)
    assert "ses.signature" in verdict.checked


def test_flipped_tbs_byte_fails_the_signature(signature: bytes, trust: ses.TrustAnchors) -> None:
    """A flipped byte in TBS_Sign's propertyInfo fails the signature check, nothing else."""
    pos = signature.index(b"/Doc_0/Signs") + 3
    verdict = ses.verify(flip(signature, pos), trust=trust)
    assert [f.code for f in verdict.findings if f.severity == "error"] == ["ses.signature.invalid"]
    assert "ses.seal.signature" in verdict.checked


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["ses", "verify", *argv, "--json"])
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object
    return code, json.loads(out)


def test_cli_valid_at_signing_time(
    capsys: pytest.CaptureFixture[str], files: Path, tmp_path: Path, trust: ses.TrustAnchors
) -> None:
    """elicense ses verify --json with both certificates trusted and no content exits 1,
    indeterminate, with the API's verdict (the content is a placeholder hash, see README)."""
    pem = tmp_path / "trust.pem"
    pem.write_bytes(b"".join(_pem(c) for c in trust))
    code, out = _cli(capsys, str(files / "SignedValueV4.dat"), "--trust", str(pem))
    assert code == 1
    assert out["ok"] is False
    assert out["outcome"] == "indeterminate"
    verdict = ses.verify((files / "SignedValueV4.dat").read_bytes(), trust=trust)
    assert out == json.loads(verdict.to_json())


def test_cli_expired_now(
    capsys: pytest.CaptureFixture[str], files: Path, tmp_path: Path, trust: ses.TrustAnchors
) -> None:
    """--at now reports the seal expired and exits 1."""
    pem = tmp_path / "trust.pem"
    pem.write_bytes(b"".join(_pem(c) for c in trust))
    code, out = _cli(capsys, str(files / "SignedValueV4.dat"), "--trust", str(pem), "--at", "now")
    assert code == 1
    codes = [f["code"] for f in out["findings"]]  # type: ignore[union-attr]
    assert "ses.seal.expired" in codes
    assert "ses.seal.signature" in out["checked"]  # type: ignore[operator]


def test_cli_data_hash_mismatch(
    capsys: pytest.CaptureFixture[str], files: Path, tmp_path: Path, trust: ses.TrustAnchors
) -> None:
    """--content Signature.xml gives the data-hash mismatch and exit 1."""
    pem = tmp_path / "trust.pem"
    pem.write_bytes(b"".join(_pem(c) for c in trust))
    argv = [str(files / "SignedValueV4.dat"), "--trust", str(pem)]
    code, out = _cli(capsys, *argv, "--content", str(files / "Signature.xml"))
    assert code == 1
    errors = [f["code"] for f in out["findings"] if f["severity"] == "error"]  # type: ignore[union-attr,index]
    assert errors == ["ses.data_hash.mismatch"]


def test_cli_seal_v4_inside_window(
    capsys: pytest.CaptureFixture[str], files: Path, tmp_path: Path, trust: ses.TrustAnchors
) -> None:
    """A seal verified with --at inside its window and its maker trusted exits 0."""
    pem = tmp_path / "trust.pem"
    pem.write_bytes(_pem(ses.parse_seal((files / "UserV4.esl").read_bytes()).maker_cert))
    argv = [str(files / "UserV4.esl"), "--trust", str(pem), "--at", "2021-01-01T00:00:00"]
    code, out = _cli(capsys, *argv)
    assert (code, out["outcome"]) == (0, "valid")


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return bytes(pem.armor("CERTIFICATE", der))


@pytest.mark.parametrize(
    ("name", "kind", "version"),
    [
        ("UserV1.esl", "seal", 1),
        ("UserV4.esl", "seal", 4),
        ("SignedValueV4.dat", "signature", 4),
    ],
)
def test_cli_inspect_versions(
    capsys: pytest.CaptureFixture[str], files: Path, name: str, kind: str, version: int
) -> None:
    """elicense ses inspect --json reports each artifact's kind and version."""
    assert main(["ses", "inspect", str(files / name), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["kind"], out["version"]) == (kind, version)
    assert out["seal"]["picture"]["type"] == "PNG"
