"""``elicense seal export``: the filed GB/T 38540 seal, its picture and PEM certificates."""

from __future__ import annotations

from pathlib import Path

import pytest

from elicense import acts
from elicense.codec import canonical
from elicense.crypto.keys import read_key_file
from elicense.crypto.suites import key_id
from elicense.signatory import Signatory
from support import flip
from test_cli import DEPT, Cli
from test_cli import cli as cli  # the README's set-up, made by the CLI


def _recorded_annex(code: str) -> bytes:
    from elicense.ledger.application import Ledger

    ledger = Ledger("elicense.db", env={"CREATE_TABLE": "no"})
    try:
        return bytes(ledger.get_seal(code).ses_seal)
    finally:
        ledger.close()


def _make(cli: Cli, code: str) -> None:
    for argv in (("keygen", "--out", f"{code}.pem"),
                 ("seal", "make", "--key", f"{code}.pem", "--code", code, "--department", DEPT,
                  "--department-name", "市场监督管理局", "--name", "合同专用章")):  # fmt: skip
        assert cli.json(*argv)[0] == 0, argv


def test_exported_seal_verifies_with_the_exported_pem(cli: Cli, tmp_path: Path) -> None:
    """The .esl is the filing annex byte for byte; ses verify --trust the exported PEM: valid."""
    code, out = cli.json("seal", "export", "SJ0001", "--out", "exp")
    assert code == 0, out
    assert out["certificates"] >= 2  # the maker's and the seal key's
    esl = tmp_path / "exp" / "SJ0001.esl"
    assert esl.read_bytes() == _recorded_annex("SJ0001")
    assert (tmp_path / "exp" / "SJ0001.svg").read_bytes().startswith(b"<svg")
    code, verdict = cli.json("ses", "verify", str(esl), "--trust", "exp/SJ0001.pem")
    assert (code, verdict["outcome"]) == (0, "valid"), verdict


def test_a_flipped_byte_in_the_exported_seal_is_not_valid(cli: Cli, tmp_path: Path) -> None:
    """Tamper twin: the same PEM does not make a changed .esl valid, nor does no trust."""
    assert cli.json("seal", "export", "SJ0001", "--out", "exp")[0] == 0
    esl = tmp_path / "exp" / "SJ0001.esl"
    data = esl.read_bytes()
    code, verdict = cli.json("ses", "verify", str(esl))
    assert (code, verdict["ok"]) == (1, False)  # untrusted without --trust
    esl.write_bytes(flip(data, len(data) // 2))
    code, verdict = cli.json("ses", "verify", str(esl), "--trust", "exp/SJ0001.pem")
    assert (code, verdict["ok"]) == (1, False), verdict


def test_an_unknown_seal_is_2(cli: Cli, tmp_path: Path) -> None:
    """A code the ledger does not hold: one line, exit 2, nothing written."""
    code, out, err = cli.text("seal", "export", "SJ9999", "--out", "exp")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "SJ9999" in err
    assert not (tmp_path / "exp").exists()


def test_a_seal_filed_without_annex_is_refused_and_stays_unexported(
    cli: Cli, tmp_path: Path
) -> None:
    """A filing without its GB/T 38540 seal — signed by hand, since no command makes one —
    is refused by the ledger (1, the code printed); the seal stays unfiled, so exporting it
    is 2 with one clear line."""
    _make(cli, "SJ0002")
    code, _, err = cli.text("seal", "export", "SJ0002", "--out", "exp")
    assert code == 2
    assert "is not filed yet" in err
    (tmp_path / "bare.jsonl").write_bytes(canonical(_bare_filing("SJ0002")) + b"\n")
    code, out, _ = cli.text("submit", "bare.jsonl")
    assert code == 1
    assert "seal.annex.missing" in out
    code, out, err = cli.text("seal", "export", "SJ0002", "--out", "exp")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "is not filed yet" in err
    assert not (tmp_path / "exp").exists()


def _bare_filing(code: str) -> object:
    from elicense.ledger.application import Ledger

    ledger = Ledger("elicense.db", env={"CREATE_TABLE": "no"})
    try:
        seal, origin = ledger.get_seal(code), ledger.origin
    finally:
        ledger.close()
    platform = Signatory.platform(origin=origin, signer=read_key_file("platform.pem"))
    return platform.sign(
        acts.FileSeal, subject=code, expected_version=seal.version, key_id=key_id(seal.public_key)
    )


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _make_with_picture(cli: Cli, code: str, picture: str, *extra: str) -> tuple[int, str]:
    assert cli.json("keygen", "--out", f"{code}.pem")[0] == 0
    rc, out, err = cli.text("seal", "make", "--key", f"{code}.pem", "--code", code,
                            "--department", DEPT, "--department-name", "市场监督管理局",
                            "--name", "合同专用章", "--picture", picture, *extra)  # fmt: skip
    return rc, out + err


def test_a_picture_of_its_claimed_type_is_exported_as_made(cli: Cli, tmp_path: Path) -> None:
    """A PNG named .png is recorded; the filed seal's picture is those bytes, typed PNG."""
    (tmp_path / "seal.png").write_bytes(PNG)
    rc, said = _make_with_picture(cli, "SJ0003", "seal.png")
    assert rc == 0, said
    assert cli.json("seal", "file", "--platform-key", "platform.pem", "--code", "SJ0003")[0] == 0
    assert cli.json("seal", "export", "SJ0003", "--out", "exp")[0] == 0
    assert (tmp_path / "exp" / "SJ0003.png").read_bytes() == PNG


@pytest.mark.parametrize(
    ("name", "data", "extra", "says"),
    [
        ("garbage.bin", PNG, (), "found no picture extension"),
        ("seal.png", bytes(range(256)) * 10, (), "expected PNG data, found no GIF/BMP"),
        ("seal.png", b"\xff\xd8\xff\xe0" + bytes(60), (), "expected PNG data, found JPG data"),
        ("seal.svg", PNG, (), "expected SVG data, found PNG data"),
        ("seal.png", PNG, ("--picture-type", "gif"), "expected GIF data, found PNG data"),
        ("seal.gif", b"<p>not svg</p>", (), "expected GIF data, found no"),
    ],
    ids=["no-extension", "random", "jpeg-as-png", "png-as-svg", "declared-gif", "html-as-gif"],
)
def test_a_picture_not_of_its_claimed_type_is_2(
    cli: Cli, tmp_path: Path, name: str, data: bytes, extra: tuple[str, ...], says: str
) -> None:
    """Tamper twin: bytes that are not the image they claim are refused, one line, unrecorded."""
    (tmp_path / name).write_bytes(data)
    before = (tmp_path / "elicense.db").read_bytes()
    rc, said = _make_with_picture(cli, "SJ0004", name, *extra)
    assert rc == 2, said
    assert said.count("\n") == 1, said
    assert says in said, said
    assert (tmp_path / "elicense.db").read_bytes() == before
