"""D10: seals and signatures are not malleable (reliability findings).

asn1crypto reads a BIT STRING's octets whatever its unused-bits byte says and
keeps elements after a SEQUENCE's last field without a word: a GM/T 0031-2014
(v1) seal whose signature BIT STRING had an unused bit set, or the signature
appended a second time to ``SES_SignInfo``, verified ``valid`` under other
bytes. The parser refuses both, in every version: ``ses.format.malformed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import core, parser

from elicense.crypto import ses
from elicense.crypto.gm import sm3
from elicense.errors import EncodingError
from ses_support import der_children, der_seq
from sm2_support import require_sm2

require_sm2()

AT = datetime(2021, 1, 1, tzinfo=UTC)  # inside UserV1.esl's window


def _tlv(data: bytes) -> tuple[int, int, int, bytes, bytes]:
    class_, method, tag, header, body, _ = parser.parse(data)
    return class_, method, tag, header, body


def _with_unused_bits(bit_string: bytes, unused: int) -> bytes:
    c, m, t, _, body = _tlv(bit_string)
    return bytes(parser.emit(c, m, t, bytes([unused]) + body[1:]))


def _rebuilt(data: bytes, path: tuple[int, ...], new: bytes | None, extra: bytes = b"") -> bytes:
    """``data`` with the element at ``path`` (child indices) replaced by ``new`` and/or
    ``extra`` appended inside it, every enclosing length rewritten."""
    if not path:
        if new is not None:
            data = new
        if extra:
            c, m, t, _, body = _tlv(data)
            data = bytes(parser.emit(c, m, t, body + extra))
        return data
    c, m, t, _, _ = _tlv(data)
    kids = der_children(data)
    kids[path[0]] = _rebuilt(kids[path[0]], path[1:], new, extra)
    return bytes(parser.emit(c, m, t, b"".join(kids)))


def _sequences(data: bytes, path: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    """Paths of every universal SEQUENCE in ``data`` that holds fields (not OCTET STRING
    contents: certificates and pictures are opaque here)."""
    c, m, t, _, _ = _tlv(data)
    if m != 1:
        return
    if (c, t) == (0, 16):
        yield path
    for k, kid in enumerate(der_children(data)):
        yield from _sequences(kid, (*path, k))


@pytest.fixture(scope="module")
def v1_seal(testdata: Path) -> bytes:
    return (testdata / "ses" / "UserV1.esl").read_bytes()


@pytest.fixture(scope="module")
def v4_signature(testdata: Path) -> bytes:
    return (testdata / "ses" / "SignedValueV4.dat").read_bytes()


def _verify_seal(der: bytes, maker_cert: bytes) -> ses.Verdict:
    return ses.verify_seal(der, trust=[maker_cert], at=AT)


def test_d10_twin_v1_seal_as_received_verifies(v1_seal: bytes) -> None:
    """The unchanged v1 seal verifies (the twin of every refusal below)."""
    seal = ses.parse_seal(v1_seal)
    verdict = _verify_seal(v1_seal, seal.maker_cert)
    assert verdict.ok, verdict.findings


@pytest.mark.parametrize("unused", [1, 2, 7, 8, 0x80, 0xFF])
def test_d10_v1_seal_signature_with_unused_bits_is_refused(v1_seal: bytes, unused: int) -> None:
    """SES_SignInfo.signData with a non-zero unused-bits byte: ses.format.malformed (on
    95e344f: 0x01 verified valid)."""
    sign_info = der_children(v1_seal)[1]
    sig = der_children(sign_info)[2]
    mutated = _rebuilt(v1_seal, (1, 2), _with_unused_bits(sig, unused))
    verdict = _verify_seal(mutated, ses.parse_seal(v1_seal).maker_cert)
    assert verdict.codes == ["ses.format.malformed"], verdict.findings
    assert "unused-bits" in verdict.findings[0].message
    with pytest.raises(EncodingError, match="signData"):
        ses.parse_seal(mutated)


@pytest.mark.parametrize(
    "extra", ["the signature again", "NULL"], ids=["duplicated signature", "null"]
)
def test_d10_v1_seal_with_a_trailing_element_in_sign_info_is_refused(
    v1_seal: bytes, extra: str
) -> None:
    """SES_SignInfo with a fourth element (the signature BIT STRING duplicated, as found):
    ses.format.malformed (on 95e344f: valid)."""
    sig = der_children(der_children(v1_seal)[1])[2]
    element = sig if extra == "the signature again" else core.Null().dump()
    mutated = _rebuilt(v1_seal, (1,), None, extra=element)
    verdict = _verify_seal(mutated, ses.parse_seal(v1_seal).maker_cert)
    assert verdict.codes == ["ses.format.malformed"], verdict.findings
    assert "sign_info" in verdict.findings[0].message


def test_d10_no_sequence_of_the_v1_seal_takes_a_trailing_element(v1_seal: bytes) -> None:
    """An element appended to any SEQUENCE of the v1 seal is refused as malformed."""
    paths = list(_sequences(v1_seal))
    assert len(paths) >= 6
    for path in paths:
        with pytest.raises(EncodingError):
            ses.parse_seal(_rebuilt(v1_seal, path, None, extra=core.Null().dump()))


def test_d10_no_sequence_of_a_v4_signature_takes_a_trailing_element(v4_signature: bytes) -> None:
    """The same parser pattern in v4: every SEQUENCE of SignedValueV4.dat, its embedded
    seal included, refuses an element appended to it."""
    paths = list(_sequences(v4_signature))
    assert len(paths) >= 8
    for path in paths:
        with pytest.raises(EncodingError):
            ses.parse_signature(_rebuilt(v4_signature, path, None, extra=core.Null().dump()))


def test_d10_v4_signature_bit_strings_with_unused_bits_are_refused(v4_signature: bytes) -> None:
    """v4: the signature value, dataHash and the embedded seal's signedValue refuse a
    non-zero unused-bits byte; unchanged, the signature parses."""
    assert ses.parse_signature(v4_signature).version == 4
    kids = der_children(v4_signature)
    bit_strings = [
        (3,),  # SES_Signature.signature
        (0, 3),  # TBS_Sign.dataHash
        (0, 1, 3),  # the embedded SESeal.signedValue
    ]
    for path in bit_strings:
        target = kids[path[0]] if len(path) == 1 else _at(v4_signature, path)
        assert _tlv(target)[2] == 3, path  # a BIT STRING
        mutated = _rebuilt(v4_signature, path, _with_unused_bits(target, 1))
        with pytest.raises(EncodingError, match="unused-bits"):
            ses.parse_signature(mutated)


def _at(data: bytes, path: tuple[int, ...]) -> bytes:
    for k in path:
        data = der_children(data)[k]
    return data


def _v1_signature(seal: bytes, *, tbs_extra: bytes = b"", outer_extra: bytes = b"") -> bytes:
    """A GM/T 0031-2014 SES_Signature embedding ``seal`` (not verifiable: no signer key)."""
    signer = ses.parse_seal(seal).info.certs[0]
    tbs = der_seq(
        core.Integer(1).dump(),
        seal,
        core.OctetBitString(b"20210101000000Z").dump(),
        core.OctetBitString(sm3(b"content")).dump(),
        core.IA5String("/Doc_0/Signs/Sign_0/Signature.xml").dump(),
        core.OctetString(signer).dump(),
        core.ObjectIdentifier("1.2.156.10197.1.501").dump(),
        tbs_extra,
    )
    return der_seq(tbs, core.OctetBitString(bytes(64)).dump(), outer_extra)


def test_d10_v1_signature_refuses_unused_bits_and_trailing_elements(v1_seal: bytes) -> None:
    """A v1 SES_Signature parses; with an unused bit in timeInfo, dataHash or signature, or
    an element after TBS_Sign's last field or the signature, it is refused."""
    good = _v1_signature(v1_seal)
    parsed = ses.parse_signature(good)
    assert (parsed.version, parsed.data_hash) == (1, sm3(b"content"))
    for path in [(1,), (0, 2), (0, 3)]:
        mutated = _rebuilt(good, path, _with_unused_bits(_at(good, path), 1))
        with pytest.raises(EncodingError, match="unused-bits"):
            ses.parse_signature(mutated)
    null = core.Null().dump()
    for mutated in (
        _v1_signature(v1_seal, tbs_extra=null),
        _v1_signature(v1_seal, outer_extra=null),
    ):
        with pytest.raises(EncodingError, match="elements"):
            ses.parse_signature(mutated)
