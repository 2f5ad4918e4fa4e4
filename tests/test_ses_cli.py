"""elicense ses inspect / verify: output, pictures, exit codes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import pem

from elicense.cli import main
from elicense.crypto import ses
from ses_support import CONTENT, PNG, make_pki, make_seal, make_signature
from sm2_support import T0, flip, require_sm2

require_sm2()

PKI = make_pki()
SEAL = make_seal(PKI)
SIG = make_signature(PKI, SEAL)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with the seal, the signature, the content and a trust file of two PEM certs."""
    (tmp_path / "seal.esl").write_bytes(SEAL.der)
    (tmp_path / "sig.dat").write_bytes(SIG.der)
    (tmp_path / "content.bin").write_bytes(CONTENT)
    other = make_pki().platform_cert
    pems = pem.armor("CERTIFICATE", other) + pem.armor("CERTIFICATE", PKI.platform_cert)
    (tmp_path / "trust.pem").write_bytes(pems)
    return tmp_path


def _args(files: Path, name: str) -> list[str]:
    return [str(files / name), "--trust", str(files / "trust.pem"), "--json"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_inspect_seal_json(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """inspect --json shows version, certificates, picture type and size."""
    code, out = _run(capsys, "ses", "inspect", str(files / "seal.esl"), "--json")
    assert code == 0
    assert out["kind"] == "seal"
    assert out["version"] == 4
    seal = out["seal"]
    assert isinstance(seal, dict)
    assert seal["picture"] == {"type": "PNG", "width_mm": 40, "height_mm": 40, "bytes": len(PNG)}
    assert seal["certificates"][0]["key_alg"] == "sm2"
    assert seal["maker_certificate"]["subject"] == "C=CN, O=数据局, CN=Platform"


def test_inspect_signature_writes_picture(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """inspect --picture writes the embedded seal's image."""
    out_file = files / "pic.png"
    code, out = _run(
        capsys, "ses", "inspect", str(files / "sig.dat"), "--picture", str(out_file), "--json"
    )
    assert code == 0
    assert out["kind"] == "signature"
    assert out_file.read_bytes() == PNG
    sig = out["signature"]
    assert isinstance(sig, dict)
    assert sig["property_info"] == "licenses/123.ofd"


def test_inspect_text(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """Without --json inspect prints readable lines."""
    assert main(["ses", "inspect", str(files / "sig.dat")]) == 0
    text = capsys.readouterr().out
    assert "signature v4" in text
    assert "40×40 mm" in text


def test_inspect_garbage_is_an_input_error(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """inspect of bytes that are no seal exits 2 with one JSON error object."""
    (files / "junk").write_bytes(b"junk")
    code, out = _run(capsys, "ses", "inspect", str(files / "junk"), "--json")
    assert code == 2
    assert out["ok"] is False


def test_verify_valid(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """verify with content and a trust file holding two certificates exits 0."""
    code, out = _run(
        capsys,
        "ses",
        "verify",
        str(files / "sig.dat"),
        "--content",
        str(files / "content.bin"),
        "--trust",
        str(files / "trust.pem"),
        "--json",
    )
    assert (code, out["ok"], out["outcome"]) == (0, True, "valid")
    assert "ses.data_hash" in out["checked"]  # type: ignore[operator]


def test_verify_tampered(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """verify of a flipped signature byte exits 1 with ses.signature.invalid."""
    (files / "bad.dat").write_bytes(flip(SIG.der, len(SIG.der) - 3))
    code, out = _run(
        capsys,
        "ses",
        "verify",
        str(files / "bad.dat"),
        "--trust",
        str(files / "trust.pem"),
        "--json",
    )
    assert code == 1
    assert "ses.signature.invalid" in [f["code"] for f in out["findings"]]  # type: ignore[union-attr,index]


def test_verify_garbage_is_a_verdict(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """Garbage bytes give an invalid verdict (exit 1), not an input error."""
    (files / "junk").write_bytes(b"\x30\x02\x05\x00")
    code, out = _run(capsys, "ses", "verify", str(files / "junk"), "--json")
    assert code == 1
    assert out["outcome"] == "invalid"
    assert [f["code"] for f in out["findings"]] == ["ses.format.malformed"]  # type: ignore[union-attr,index]


def test_verify_at_without_zone_is_utc(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """--at without a zone is read as UTC."""
    at = (T0 + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    code, out = _run(
        capsys,
        "ses",
        "verify",
        str(files / "seal.esl"),
        "--trust",
        str(files / "trust.pem"),
        "--at",
        at,
        "--json",
    )
    assert code == 0
    evidence = out["evidence"]
    assert isinstance(evidence, dict)
    assert evidence["at"] == at + "Z"
    assert evidence["time_source"] == "caller"


@pytest.mark.parametrize(
    "extra",
    [["--at", "yesterday"], ["--trust", "missing.pem"], ["--content", "missing.bin"]],
)
def test_verify_input_errors_exit_2(
    capsys: pytest.CaptureFixture[str], files: Path, extra: list[str]
) -> None:
    """A bad --at, an unreadable trust or content file exit 2."""
    code, out = _run(capsys, "ses", "verify", str(files / "sig.dat"), *extra, "--json")
    assert code == 2
    assert out["ok"] is False


def test_verify_trust_file_without_certificates(
    capsys: pytest.CaptureFixture[str], files: Path
) -> None:
    """A --trust file that holds no certificate is an input error."""
    (files / "empty.pem").write_bytes(b"not a pem")
    code, _out = _run(
        capsys, "ses", "verify", str(files / "sig.dat"), "--trust", str(files / "empty.pem")
    )
    assert code == 2


def test_cli_matches_api(capsys: pytest.CaptureFixture[str], files: Path) -> None:
    """The CLI prints exactly Verdict.to_dict() of the API call."""
    code, out = _run(
        capsys,
        "ses",
        "verify",
        str(files / "sig.dat"),
        "--trust",
        str(files / "trust.pem"),
        "--content",
        str(files / "content.bin"),
        "--json",
    )
    api = ses.verify(
        SIG.der, trust=ses.TrustAnchors.from_files(files / "trust.pem"), content=CONTENT
    )
    assert code == 0
    assert out == json.loads(api.to_json())


def test_verify_signature_without_content_is_indeterminate_exit_1(
    capsys: pytest.CaptureFixture[str], files: Path
) -> None:
    """Field report M8: without --content the answer is indeterminate, exit 1, and says why;
    the same signature with its content is valid, exit 0."""
    code, out = _run(capsys, "ses", "verify", *_args(files, "sig.dat"))
    assert (code, out["ok"], out["outcome"]) == (1, False, "indeterminate")
    findings = out["findings"]
    assert isinstance(findings, list)
    assert [f["code"] for f in findings if f["severity"] != "info"] == ["ses.data_hash.not_checked"]
    with_content = [*_args(files, "sig.dat"), "--content", str(files / "content.bin")]
    code, out = _run(capsys, "ses", "verify", *with_content)
    assert (code, out["outcome"]) == (0, "valid")
