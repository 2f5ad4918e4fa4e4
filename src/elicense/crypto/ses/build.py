"""Make GB/T 38540-2020 (v4) seals and signatures with immutable fluent builders.

In the style of pyca/cryptography's ``CertificateBuilder``: every setter
returns a new builder, setting a field twice raises ``ValueError``, and
``sign()`` checks that everything needed is there. What is signed is the DER
the builder wrote; the result is parsed back through the same path a
verifier uses, so it carries ``der`` and ``signed_bytes`` like any artifact.

The platform key makes (signs) a seal; the seal's own key signs content::

    seal = (
        SealBuilder()
        .es_id("1101000000001").name("某某局公章").seal_type(1)
        .certificates([seal_cert])                 # who may sign with this seal
        .validity(start, end).created(now)
        .picture(png, type="PNG", width_mm=40, height_mm=40)
        .sign(platform_key, platform_cert)
    )
    signature = (
        SignatureBuilder()
        .seal(seal).content(data, property_info="license/123.pdf").signing_time(now)
        .sign(seal_key, seal_cert)
    )
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Self

from asn1crypto import core

from elicense.crypto.gm import sm3
from elicense.crypto.keys import Signer
from elicense.crypto.ses import gbt38540_2020 as v4
from elicense.crypto.ses.model import Seal, Signature
from elicense.crypto.ses.parse import parse_seal, parse_signature
from elicense.crypto.ses.timestamp import digest
from elicense.crypto.suites import SM2_SM3
from elicense.crypto.x509 import certificate_info, certificate_public_key, signature_oid

__all__ = ["SealBuilder", "SignatureBuilder"]

_PICTURE_TYPES = ("GIF", "BMP", "JPG", "PNG", "SVG")


class _Builder:
    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any] | None = None) -> None:
        self._fields: Mapping[str, Any] = MappingProxyType(dict(fields or {}))

    def _set(self, name: str, value: Any) -> Self:
        if name in self._fields:
            raise ValueError(f"{name} may only be set once")
        return type(self)({**self._fields, name: value})

    def _require(self, *names: str) -> None:
        missing = [n for n in names if n not in self._fields]
        if missing:
            raise ValueError(f"cannot sign yet: set {', '.join(missing)} first")

    def extension(self, oid: str, value: bytes, *, critical: bool = False) -> Self:
        """Add an ``ExtData`` (each OID once)."""
        core.ObjectIdentifier(oid)  # raises ValueError for a malformed OID
        exts = dict(self._fields.get("extensions", {}))
        if oid in exts:
            raise ValueError(f"extension {oid} may only be set once")
        exts[oid] = (critical, bytes(value))
        return type(self)({**self._fields, "extensions": exts})


def _time(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)


def _ia5(value: str, name: str) -> str:
    if not value or not value.isascii():
        raise ValueError(f"{name} must be non-empty ASCII (IA5String), found {value!r}")
    return value


def _ext_datas(fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"extn_id": oid, "critical": critical, "extn_value": value}
        for oid, (critical, value) in fields.get("extensions", {}).items()
    ]


def _check_key(signer: Signer, cert: bytes, role: str) -> None:
    info = certificate_info(cert)
    if certificate_public_key(cert, signer.alg).spki != signer.public_key.spki:
        raise ValueError(f"the {role} certificate {info.subject!r} is not for the {role} key")


def _cert_list(certs: Any) -> dict[str, Any]:
    if certs[0] == "digests":  # certListType 2: SM3 digests of the certificates
        digests = [{"type": "SM3", "value": sm3(der)} for der in certs[1]]
        return {"cert_list_type": 2, "cert_list": core.Any.load(v4.CertDigestList(digests).dump())}
    return {"cert_list_type": 1, "cert_list": core.Any.load(v4.CertList(list(certs)).dump())}


class SealBuilder(_Builder):
    """Builds a v4 ``SESeal`` signed by the maker (the platform key)."""

    __slots__ = ()

    def vendor_id(self, vid: str) -> SealBuilder:
        """``SES_Header.Vid``, the producer's identifier (default ``elicense``)."""
        return self._set("vid", _ia5(vid, "vendor_id"))

    def es_id(self, es_id: str) -> SealBuilder:
        """The seal code (印章编码), ASCII."""
        return self._set("es_id", _ia5(es_id, "es_id"))

    def name(self, name: str) -> SealBuilder:
        """The seal's name (UTF-8)."""
        if not name:
            raise ValueError("name must not be empty")
        return self._set("name", name)

    def seal_type(self, value: int) -> SealBuilder:
        """The seal's ``type`` integer (default 1); its meaning is the platform's."""
        return self._set("type", int(value))

    def certificates(self, certs: Iterable[bytes]) -> SealBuilder:
        """The certificates (DER) that may sign with this seal: certListType 1."""
        ders = tuple(bytes(c) for c in certs)
        if not ders:
            raise ValueError("certificates must list at least one certificate")
        for der in ders:
            certificate_info(der)
        return self._set("certs", ders)

    def certificate_digests(self, certs: Iterable[bytes]) -> SealBuilder:
        """Like :meth:`certificates`, listing SM3 digests instead: certListType 2."""
        ders = tuple(bytes(c) for c in certs)
        if not ders:
            raise ValueError("certificate_digests must list at least one certificate")
        for der in ders:
            certificate_info(der)
        return self._set("certs", ("digests", ders))

    def validity(self, start: datetime, end: datetime) -> SealBuilder:
        """The seal's validity window ``validStart..validEnd``."""
        start, end = _time(start, "validity start"), _time(end, "validity end")
        if not start < end:
            raise ValueError(f"validity must start before it ends: {start} .. {end}")
        return self._set("validity", (start, end))

    def created(self, at: datetime) -> SealBuilder:
        """``createDate``."""
        return self._set("created", _time(at, "created"))

    def picture(self, data: bytes, *, type: str, width_mm: int, height_mm: int) -> SealBuilder:
        """The seal's image and its display size in millimetres."""
        kind = type.upper()
        if kind not in _PICTURE_TYPES:
            raise ValueError(f"picture type must be one of {_PICTURE_TYPES}, found {type!r}")
        if width_mm <= 0 or height_mm <= 0 or not data:
            raise ValueError("picture needs data and a positive size")
        return self._set("picture", (kind, bytes(data), int(width_mm), int(height_mm)))

    def sign(self, maker: Signer, maker_cert: bytes) -> Seal:
        """Sign ``SES_SealInfo`` with the maker's key; returns the parsed seal.

        Raises:
            ValueError: a required field is missing, or ``maker_cert`` is not the maker key's.
        """
        self._require("es_id", "name", "certs", "validity", "created", "picture")
        _check_key(maker, maker_cert, "maker")
        f = self._fields
        start, end = f["validity"]
        kind, data, width, height = f["picture"]
        info: dict[str, Any] = {
            "header": {"id": "ES", "version": 4, "vid": f.get("vid", "elicense")},
            "es_id": f["es_id"],
            "property": {
                "type": f.get("type", 1),
                "name": f["name"],
                **_cert_list(f["certs"]),
                "create_date": f["created"],
                "valid_start": start,
                "valid_end": end,
            },
            "picture": {"type": kind, "data": data, "width": width, "height": height},
        }
        if f.get("extensions"):
            info["ext_datas"] = _ext_datas(f)
        info_der = v4.SesSealInfo(info).dump()
        seal = v4.SESeal(
            {
                "e_seal_info": v4.SesSealInfo.load(info_der),
                "cert": maker_cert,
                "sign_alg_id": signature_oid(maker.alg),
                "signed_value": maker.sign(info_der),
            }
        )
        return parse_seal(seal.dump())


class SignatureBuilder(_Builder):
    """Builds a v4 ``SES_Signature`` over some content, signed with a seal's key."""

    __slots__ = ()

    def seal(self, seal: Seal | bytes) -> SignatureBuilder:
        """The v4 seal to sign with (embedded as received)."""
        parsed = seal if isinstance(seal, Seal) else parse_seal(seal)
        if parsed.version != 4:
            raise ValueError(
                f"signatures are written as v4 and need a v4 seal, found v{parsed.version}"
            )
        return self._set("seal", parsed)

    def content(self, data: bytes, *, property_info: str) -> SignatureBuilder:
        """The protected content; ``dataHash`` is its digest (SM3 for SM2-with-SM3)."""
        return self._set("content", (bytes(data), _ia5(property_info, "property_info")))

    def data_hash(self, value: bytes, *, property_info: str) -> SignatureBuilder:
        """A precomputed ``dataHash`` instead of :meth:`content`."""
        if "content" in self._fields:
            raise ValueError("content and data_hash are exclusive")
        return self._set("content", (None, bytes(value), _ia5(property_info, "property_info")))

    def signing_time(self, at: datetime) -> SignatureBuilder:
        """``timeInfo``: the signing time the signature claims."""
        return self._set("time", _time(at, "signing_time"))

    def sign(self, signer: Signer, signer_cert: bytes) -> Signature:
        """Sign ``TBS_Sign``; returns the parsed signature.

        Raises:
            ValueError: a field is missing; the certificate is not the signer's, is not
                in the seal's certList, or the seal is not valid at the signing time.
        """
        self._require("seal", "content", "time")
        f = self._fields
        seal: Seal = f["seal"]
        when: datetime = f["time"]
        _check_key(signer, signer_cert, "signer")
        listed = signer_cert in seal.info.certs or any(
            d.type.upper() == "SM3" and d.value == sm3(signer_cert) for d in seal.info.cert_digests
        )
        if not listed:
            raise ValueError("the signer certificate is not in the seal's certList")
        if not seal.info.valid_start <= when <= seal.info.valid_end:
            raise ValueError(f"the seal is not valid at the signing time {when.isoformat()}")
        content = f["content"]
        if content[0] is None:
            data_hash, prop = content[1], content[2]
        else:
            data, prop = content
            data_hash = sm3(data) if signer.alg == SM2_SM3 else digest("sha256", data)
        tbs: dict[str, Any] = {
            "version": 4,
            "eseal": v4.SESeal.load(seal.der),
            "time_info": when,
            "data_hash": data_hash,
            "property_info": prop,
        }
        if f.get("extensions"):
            tbs["ext_datas"] = _ext_datas(f)
        tbs_der = v4.TbsSign(tbs).dump()
        signature = v4.SesSignature(
            {
                "to_sign": v4.TbsSign.load(tbs_der),
                "cert": signer_cert,
                "signature_alg_id": signature_oid(signer.alg),
                "signature": signer.sign(tbs_der),
            }
        )
        return parse_signature(signature.dump())
