"""The v4 structures (:mod:`~elicense.crypto.ses.gbt38540_2020`) for cryptography's DER decoder.

A fast path of :mod:`elicense.crypto.ses.parse`: most seals and signatures
met are v4 and strict DER, and ``cryptography.hazmat.asn1`` (Rust; documented,
not yet covered by cryptography's stability policy) reads them ten times
faster than asn1crypto. It is strict where the parser must be: no element
after a SEQUENCE's last field, no DEFAULT value written out, minimal
lengths. So it answers ``None`` for anything it does not read exactly —
another version, a timestamp, a quirk such as an explicit ``critical
FALSE``, a BIT STRING with unused bits, damage of any kind — and the
asn1crypto parser then reads the bytes as it always did, tolerant or
refusing with its own message. Times not in DER's own form are read by
asn1crypto from their contents, as the parser reads them. The parser tries
these readers first, before its own structure walk; the signed parts
(``SES_SealInfo``, ``TBS_Sign``) and the embedded seal are the elements' bytes
as received (DER re-encodes a TLV to exactly its input, and where they sit in
the input is checked).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from asn1crypto import core
from cryptography import x509 as cx
from cryptography.hazmat import asn1

from elicense.crypto.ses.model import (
    CertDigest,
    Extension,
    Picture,
    Seal,
    SealInfo,
    Signature,
    utc,
)

__all__ = ["fast_seal", "fast_signature", "utc"]

_GENERALIZED_TIME = b"\x18"


@asn1.sequence
class _Header:
    id: asn1.IA5String
    version: int
    vid: asn1.IA5String


@asn1.sequence
class _CertDigestObj:
    type: asn1.PrintableString
    value: bytes


@asn1.sequence
class _ExtData:
    extn_id: cx.ObjectIdentifier
    critical: Annotated[bool, asn1.Default(False)]
    extn_value: bytes


@asn1.sequence
class _Picture:
    type: asn1.IA5String
    data: bytes
    width: int
    height: int


# certList is an untagged CHOICE told by certListType: one declaration per alternative.
@asn1.sequence
class _Property1:
    type: int
    name: str
    cert_list_type: int
    cert_list: list[bytes]
    create_date: asn1.TLV
    valid_start: asn1.TLV
    valid_end: asn1.TLV


@asn1.sequence
class _Property2:
    type: int
    name: str
    cert_list_type: int
    cert_list: list[_CertDigestObj]
    create_date: asn1.TLV
    valid_start: asn1.TLV
    valid_end: asn1.TLV


@asn1.sequence
class _SealInfo1:
    header: _Header
    es_id: asn1.IA5String
    property: _Property1
    picture: _Picture
    ext_datas: list[_ExtData] | None
    ext_datas_tagged: Annotated[list[_ExtData] | None, asn1.Explicit(0)]


@asn1.sequence
class _SealInfo2:
    header: _Header
    es_id: asn1.IA5String
    property: _Property2
    picture: _Picture
    ext_datas: list[_ExtData] | None
    ext_datas_tagged: Annotated[list[_ExtData] | None, asn1.Explicit(0)]


@asn1.sequence
class _TbsSign:
    version: int
    eseal: asn1.TLV  # read by fast_seal / the parser from the same bytes
    time_info: asn1.TLV
    data_hash: asn1.BitString
    property_info: asn1.IA5String
    ext_datas: Annotated[list[_ExtData] | None, asn1.Explicit(0)]
    ext_datas_untagged: list[_ExtData] | None


@asn1.sequence
class _Signature:
    to_sign: asn1.TLV  # parsed as _TbsSign: its bytes are the signed bytes
    cert: bytes
    signature_alg_id: cx.ObjectIdentifier
    signature: asn1.BitString


@asn1.sequence
class _Seal:
    e_seal_info: asn1.TLV  # parsed as _SealInfo1 or _SealInfo2: its bytes are the signed bytes
    cert: bytes
    sign_alg_id: cx.ObjectIdentifier
    signed_value: asn1.BitString


def _signed_part(data: bytes, tlv: Any) -> bytes:
    """The bytes of ``tlv``, the first element of the SEQUENCE ``data``, as received.

    The decoder read ``data`` as DER (minimal lengths), so re-encoding the element gives
    its bytes back; that they are where the element was read is checked all the same.
    """
    part = bytes(asn1.encode_der(tlv))
    if not any(data.startswith(part, h) for h in range(2, 7)):
        raise ValueError("the signed part is not where it was read")
    return part


def _time(tlv: Any) -> datetime:
    if tlv.tag_bytes != _GENERALIZED_TIME:
        raise ValueError("not a GeneralizedTime")
    try:  # DER's own form (YYYYMMDDhhmmss[.f]Z), as nearly every producer writes it
        return utc(tlv.parse(asn1.GeneralizedTime).as_datetime())
    except ValueError:  # another form: asn1crypto reads it as the parser does
        return utc(core.GeneralizedTime(contents=bytes(tlv.data)).native)


def _octets(bits: Any) -> bytes:
    if bits.padding_bits():
        raise ValueError("unused bits")
    return bytes(bits.as_bytes())


def _extensions(items: list[_ExtData]) -> tuple[Extension, ...]:
    return tuple(
        Extension(oid=e.extn_id.dotted_string, critical=e.critical, value=e.extn_value)
        for e in items
    )


def fast_seal(data: bytes) -> Seal | None:
    """The v4 ``SESeal`` ``data``, or ``None``.

    Four elements and an ``SES_Header`` of version 5 make a v5 seal
    (:func:`elicense.crypto.ses.parse.detect`): ``None`` too.
    """
    try:
        obj = asn1.decode_der(_Seal, data)
        info: _SealInfo1 | _SealInfo2
        try:
            info = obj.e_seal_info.parse(_SealInfo1)
        except ValueError:
            info = obj.e_seal_info.parse(_SealInfo2)
        if info.header.version == 5:
            return None
        prop, pic = info.property, info.picture
        if prop.cert_list_type != (1 if isinstance(prop, _Property1) else 2):
            return None
        certs: tuple[bytes, ...] = ()
        digests: tuple[CertDigest, ...] = ()
        if isinstance(prop, _Property1):
            certs = tuple(prop.cert_list)
        else:
            digests = tuple(CertDigest(type=d.type.as_str(), value=d.value) for d in prop.cert_list)
        ext = info.ext_datas if info.ext_datas is not None else info.ext_datas_tagged
        return Seal(
            version=4,
            info=SealInfo(
                header_id=info.header.id.as_str(),
                header_version=info.header.version,
                vendor_id=info.header.vid.as_str(),
                es_id=info.es_id.as_str(),
                seal_type=prop.type,
                name=prop.name,
                cert_list_type=prop.cert_list_type,
                certs=certs,
                cert_digests=digests,
                created=_time(prop.create_date),
                valid_start=_time(prop.valid_start),
                valid_end=_time(prop.valid_end),
                picture=Picture(
                    type=pic.type.as_str(), data=pic.data, width_mm=pic.width, height_mm=pic.height
                ),
                extensions=_extensions(ext or []),
            ),
            maker_cert=obj.cert,
            alg_oid=obj.sign_alg_id.dotted_string,
            signed_value=_octets(obj.signed_value),
            signed_bytes=_signed_part(data, obj.e_seal_info),
            der=data,
        )
    except Exception:  # anything not read exactly here: the asn1crypto parser decides
        return None


def fast_signature(data: bytes, seal_of: Callable[[bytes], Seal]) -> Signature | None:
    """The v4 ``SES_Signature`` ``data`` without a timestamp, or ``None``.

    Its embedded seal is read by ``seal_of`` (the parser's, cached), whose
    refusal is the signature's, as the parser would find it; a seal of
    another version gives ``None``.
    """
    try:
        obj = asn1.decode_der(_Signature, data)
        tbs = obj.to_sign.parse(_TbsSign)
        signed_bytes = _signed_part(data, obj.to_sign)
        eseal = bytes(asn1.encode_der(tbs.eseal))
    except Exception:
        return None
    seal = seal_of(eseal)
    if seal.version != 4:
        return None
    try:
        ext = tbs.ext_datas if tbs.ext_datas is not None else tbs.ext_datas_untagged
        return Signature(
            version=4,
            tbs_version=tbs.version,
            seal=seal,
            time_info=_time(tbs.time_info),
            time_info_raw=bytes(tbs.time_info.data),
            data_hash=_octets(tbs.data_hash),
            property_info=tbs.property_info.as_str(),
            extensions=_extensions(ext or []),
            signer_cert=obj.cert,
            alg_oid=obj.signature_alg_id.dotted_string,
            signature=_octets(obj.signature),
            signed_bytes=signed_bytes,
            der=data,
        )
    except Exception:
        return None
