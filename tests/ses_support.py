"""Factories for the SES tests: a small PKI, seals, signatures and timestamp tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import cms, core, parser, tsp
from asn1crypto import x509 as ax

from elicense.crypto import ses
from elicense.crypto.gm import SM3_OID
from elicense.crypto.keys import generate_key
from elicense.crypto.ses.timestamp import digest
from elicense.crypto.suites import SM2_SM3, PrivateKey
from elicense.crypto.x509 import signature_oid
from elicense.crypto.x509issue import issue_certificate
from sm2_support import T0, T1

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
CONTENT = "许可证 license 123".encode()


@dataclass(frozen=True)
class Pki:
    """A platform (root) key and certificate, and one seal key with its certificate."""

    platform_key: PrivateKey
    platform_cert: bytes
    seal_key: PrivateKey
    seal_cert: bytes


def make_pki(alg: str = SM2_SM3, seal_alg: str | None = None) -> Pki:
    """A platform CA and a seal certificate it issued, valid T0..T1."""
    pk = generate_key(alg)
    sk = generate_key(seal_alg or alg)
    pcert = issue_certificate(
        subject={"CN": "Platform", "O": "数据局", "C": "CN"},
        public_key=pk.public_key,
        issuer_key=pk,
        not_before=T0,
        not_after=T1,
        ca=True,
    )
    scert = issue_certificate(
        subject={"CN": "某某局公章", "C": "CN"},
        public_key=sk.public_key,
        issuer_key=pk,
        issuer_cert=pcert,
        not_before=T0,
        not_after=T1,
    )
    return Pki(platform_key=pk, platform_cert=pcert, seal_key=sk, seal_cert=scert)


def seal_builder(pki: Pki, es_id: str = "1101000000001") -> ses.SealBuilder:
    """A builder with every field set, valid T0..T1."""
    return (
        ses.SealBuilder()
        .es_id(es_id)
        .name("某某局公章")
        .certificates([pki.seal_cert])
        .validity(T0, T1)
        .created(T0)
        .picture(PNG, type="PNG", width_mm=40, height_mm=40)
    )


def make_seal(pki: Pki) -> ses.Seal:
    """A v4 seal made by the platform for the PKI's seal certificate."""
    return seal_builder(pki).sign(pki.platform_key, pki.platform_cert)


def make_signature(
    pki: Pki, seal: ses.Seal | None = None, at: datetime | None = None
) -> ses.Signature:
    """A v4 signature over CONTENT made with the seal key, a day after T0 by default."""
    return (
        ses.SignatureBuilder()
        .seal(seal or make_seal(pki))
        .content(CONTENT, property_info="licenses/123.ofd")
        .signing_time(at or T0 + timedelta(days=1))
        .sign(pki.seal_key, pki.seal_cert)
    )


def make_token(tsa_key: PrivateKey, tsa_cert: bytes, stamped: bytes, when: datetime) -> bytes:
    """An RFC 3161 / GB/T 20520 timestamp token over ``stamped`` signed by the TSA key."""
    hash_name = "sm3" if tsa_key.alg == SM2_SM3 else "sha256"
    hash_oid = SM3_OID if hash_name == "sm3" else "2.16.840.1.101.3.4.2.1"
    tst = tsp.TSTInfo(
        {
            "version": "v1",
            "policy": "1.2.3.4",
            "message_imprint": {
                "hash_algorithm": {"algorithm": hash_oid},
                "hashed_message": digest(hash_name, stamped),
            },
            "serial_number": 1,
            "gen_time": when,
        }
    )
    econtent = tst.dump()
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [digest(hash_name, econtent)]},
        ]
    )
    cert = ax.Certificate.load(tsa_cert)
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "digest_algorithm": {"algorithm": hash_oid},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": signature_oid(tsa_key.alg)},
            "signature": tsa_key.sign(attrs.dump()),
        }
    )
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": hash_oid}],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(econtent),
            },
            "certificates": [cert],
            "signer_infos": [signer],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


def with_timestamp(der: bytes, token: bytes, *, explicit: bool = True) -> bytes:
    """``der`` (an SESeal or SES_Signature) with ``timeStamp [0]`` appended."""
    bit_string = core.OctetBitString(token).dump()
    if explicit:
        element = parser.emit(2, 1, 0, bit_string)
    else:
        element = parser.emit(2, 0, 0, _contents(bit_string))
    return _append(der, element)


def _contents(tlv: bytes) -> bytes:
    return bytes(parser.parse(tlv)[4])


def _append(der: bytes, element: bytes) -> bytes:
    contents = parser.parse(der)[4]
    return bytes(parser.emit(0, 1, 16, contents + element))


def replace_child(der: bytes, index: int, element: bytes) -> bytes:
    """``der`` (a SEQUENCE) with its ``index``-th element replaced by ``element``."""
    contents = parser.parse(der)[4]
    kids, pos = [], 0
    while pos < len(contents):
        _c, _m, _t, header, body, trailer = parser.parse(contents[pos:])
        n = len(header) + len(body) + len(trailer)
        kids.append(contents[pos : pos + n])
        pos += n
    kids[index] = element
    return bytes(parser.emit(0, 1, 16, b"".join(kids)))


def der_children(tlv: bytes) -> list[bytes]:
    """The encoded elements inside a constructed DER value, verbatim."""
    contents = parser.parse(tlv)[4]
    out, pos = [], 0
    while pos < len(contents):
        _c, _m, _t, header, body, trailer = parser.parse(contents[pos:])
        n = len(header) + len(body) + len(trailer)
        out.append(contents[pos : pos + n])
        pos += n
    return out


def der_seq(*parts: bytes) -> bytes:
    """A DER SEQUENCE of already-encoded ``parts``."""
    return bytes(parser.emit(0, 1, 16, b"".join(parts)))
