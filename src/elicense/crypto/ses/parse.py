"""Parse GB/T 38540 / GM/T 0031 seals and signatures from bytes.

The version is told by structure (``STANDARDS.md``): an ``SESeal`` of 5
elements is v5, of 4 elements v5 when its header says 5 and v4 otherwise, of
2 elements v1; an ``SES_Signature`` of 4–5 elements is v4/v5 (by its inner
seal), of 2 elements v1. A seal's first element is ``SES_SealInfo`` (which
opens with the ``SES_Header`` SEQUENCE); a signature's is ``TBS_Sign`` (which
opens with an INTEGER): that tells the two apart.

The signed parts are sliced out of the input with the DER lengths as read, so
their bytes are exactly those received, including non-DER quirks such as an
explicit ``critical FALSE``. asn1crypto decodes the values; every failure is
translated into :class:`~elicense.errors.EncodingError` here, at the edge.

Tolerant of producers' quirks, never of malleability: asn1crypto keeps
elements after a SEQUENCE's last field without a word, and reads a BIT
STRING's octets whatever its unused-bits byte says, so the parser refuses
both itself (every SEQUENCE of every version; every BIT STRING read as
octets: signature values, ``dataHash``, the v1 ``timeInfo``). A signature
value with an unused bit set, or a second signature appended to
``SES_SignInfo``, would otherwise verify as the same artifact under other
bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, TypeVar

from asn1crypto import core, parser

from elicense.crypto.ses import gbt38540_2020 as v4
from elicense.crypto.ses import gmt0031_2014 as v1
from elicense.crypto.ses import gmt0031_2025 as v5
from elicense.crypto.ses.model import CertDigest, Extension, Picture, Seal, SealInfo, Signature
from elicense.crypto.ses.model import utc as _utc
from elicense.errors import EncodingError

try:  # cryptography's declarative DER decoder: see elicense.crypto.x509's import of it
    from elicense.crypto.ses.gbt38540_der import fast_seal, fast_signature
except (ImportError, AttributeError, TypeError):  # pragma: no cover - the careful path serves

    def fast_seal(data: bytes) -> Seal | None:
        return None

    def fast_signature(data: bytes, seal_of: Callable[[bytes], Seal]) -> Signature | None:
        return None


__all__ = ["MAX_SIZE", "detect", "kind_of", "parse", "parse_seal", "parse_signature"]

MAX_SIZE = 64 * 1024 * 1024
"""Largest artifact accepted (pictures make seals large; 64 MiB is far beyond any real one)."""

Kind = Literal["seal", "signature"]
T = TypeVar("T")
_UNIVERSAL, _CONTEXT = 0, 2
_INTEGER, _BIT_STRING, _SEQUENCE = 2, 3, 16


def _tlv(buf: bytes) -> tuple[int, int, int, bytes]:
    """``(class, constructed, tag, contents)`` of the single TLV that is all of ``buf``."""
    class_, method, tag, _header, contents, _trailer = parser.parse(buf, strict=True)
    return class_, method, tag, contents


def _children(buf: bytes) -> list[bytes]:
    """The full TLV bytes of each element inside the constructed TLV ``buf``, as received."""
    _class, method, _tag, contents = _tlv(buf)
    if method != 1:
        raise EncodingError("expected a constructed value (SEQUENCE)")
    out: list[bytes] = []
    pos = 0
    while pos < len(contents):
        _c, _m, _t, header, body, trailer = parser.parse(contents[pos:])
        size = len(header) + len(body) + len(trailer)
        out.append(contents[pos : pos + size])
        pos += size
    return out


def _octets(value: Any, what: str) -> bytes:
    """The octets of a BIT STRING read as an octet string: no unused bits, or refused."""
    contents = value.contents or b""
    if contents[:1] != b"\x00":
        found = f"unused-bits byte {contents[0]:#04x}" if contents else "no unused-bits byte"
        raise EncodingError(f"{what}: expected a BIT STRING of whole octets, found {found}")
    return bytes(contents[1:])


def _exact(value: Any, where: str, checked: Any = None) -> Any:
    """``value``, refused if any SEQUENCE in it has elements after its last field;
    ``checked``, a part of it already found exact, is not walked again."""
    if value is checked:
        return value
    if isinstance(value, core.Sequence):
        fields = value._fields
        if len(value) > len(fields):
            raise EncodingError(
                f"{where}: {len(value)} elements, expected at most {len(fields)} "
                f"(after {fields[-1][0]})"
            )
        for name, *_ in fields:
            _exact(value[name], f"{where}.{name}", checked)
    elif isinstance(value, core.SequenceOf):
        for k, child in enumerate(value):
            _exact(child, f"{where}[{k}]", checked)
    elif isinstance(value, core.Any) and value._parsed is not None:
        _exact(value.parsed, where, checked)
    return value


def _is(buf: bytes, class_: int, tag: int) -> bool:
    c, _m, t, _contents = _tlv(buf)
    return c == class_ and t == tag


def detect(data: bytes) -> tuple[Kind, int]:
    """Tell a seal from a signature and its version (1, 4 or 5) by structure.

    Raises:
        EncodingError: neither a seal nor a signature.
    """
    return _guard("GB/T 38540 artifact", _detect, data)


def kind_of(data: bytes) -> Kind:
    """``seal`` or ``signature`` from the first two levels only (cheaper than :func:`detect`).

    Raises:
        EncodingError: neither.
    """
    return _guard("GB/T 38540 artifact", _kind_of, data)


def _kind_of(data: bytes) -> Kind:
    kids = _children(data)
    if len(kids) in (2, 4, 5) and _is(kids[0], _UNIVERSAL, _SEQUENCE):
        first = _children(kids[0])
        if first and _is(first[0], _UNIVERSAL, _SEQUENCE):
            return "seal"
        if first and _is(first[0], _UNIVERSAL, _INTEGER):
            return "signature"
    raise EncodingError("neither SESeal { SES_SealInfo … } nor SES_Signature { TBS_Sign … }")


def _detect(data: bytes) -> tuple[Kind, int]:
    kids = _children(data)
    if not kids or not _is(kids[0], _UNIVERSAL, _SEQUENCE):
        raise EncodingError("expected SEQUENCE { SEQUENCE … }")
    first = _children(kids[0])
    if not first:
        raise EncodingError("empty first element")
    if _is(first[0], _UNIVERSAL, _SEQUENCE):  # SES_SealInfo opens with SES_Header
        return "seal", _seal_version(kids, first[0])
    if _is(first[0], _UNIVERSAL, _INTEGER):  # TBS_Sign opens with its version
        if len(kids) == 2:
            return "signature", 1
        if len(kids) in (4, 5) and len(first) >= 2:
            kind, version = _detect(first[1])
            if kind == "seal" and version in (4, 5):
                return "signature", version
        raise EncodingError(f"SES_Signature with {len(kids)} elements and no v4/v5 seal inside")
    raise EncodingError("first element is neither SES_SealInfo nor TBS_Sign")


def _seal_version(kids: list[bytes], header: bytes) -> int:
    if len(kids) == 2:
        return 1
    if len(kids) == 5:
        return 5
    if len(kids) == 4:
        fields = _children(header)
        version = core.Integer.load(fields[1]).native if len(fields) == 3 else None
        return 5 if version == 5 else 4
    raise EncodingError(f"SESeal with {len(kids)} elements: expected 2 (v1), 4 (v4/v5) or 5 (v5)")


def parse(data: bytes) -> Seal | Signature:
    """Parse a seal or a signature, whichever ``data`` is.

    Raises:
        EncodingError: ``data`` is neither.
    """
    kind, _version = detect(data)
    return parse_seal(data) if kind == "seal" else parse_signature(data)


def parse_seal(data: bytes) -> Seal:
    """Parse an ``SESeal`` of any version.

    Raises:
        EncodingError: not a well-formed seal.
    """
    return _guard("SESeal", _parse_seal, data)


def parse_signature(data: bytes) -> Signature:
    """Parse an ``SES_Signature`` of any version (with its embedded seal).

    Raises:
        EncodingError: not a well-formed signature.
    """
    return _guard("SES_Signature", _parse_signature, data)


def _guard(what: str, fn: Callable[[bytes], T], data: bytes) -> T:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError(f"{what}: expected bytes, found {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_SIZE:
        raise EncodingError(f"{what}: {len(data)} bytes is larger than {MAX_SIZE}")
    try:
        return fn(data)
    except EncodingError as e:
        raise EncodingError(f"{what}: {e}") from None
    except Exception as e:  # asn1crypto signals damage with ValueError, TypeError, …
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise EncodingError(f"{what}: malformed: {reason}") from None


def _parse_seal(data: bytes) -> Seal:
    fast = fast_seal(data)  # v4 read exactly, else None: the careful reading below decides
    if fast is not None:
        return fast
    kids = _children(data)
    if not kids or not _is(kids[0], _UNIVERSAL, _SEQUENCE):
        raise EncodingError("expected SEQUENCE { SES_SealInfo … }")
    version = _seal_version(kids, _children(kids[0])[0])
    if version == 1:
        obj = _exact(v1.SESealV1.load(data, strict=True), "SESeal")
        sign_info = obj["sign_info"]
        parts = _children(kids[1])
        # GM/T 0031-2014: the maker signs SEQUENCE { SES_SealInfo, cert, signatureAlgorithm },
        # built here from the received element bytes.
        signed = parser.emit(_UNIVERSAL, 1, _SEQUENCE, kids[0] + parts[0] + parts[1])
        return Seal(
            version=1,
            info=_seal_info(obj["eseal_info"], version=1),
            maker_cert=sign_info["cert"].native,
            alg_oid=sign_info["signature_algorithm"].dotted,
            signed_value=_octets(sign_info["sign_data"], "SES_SignInfo.signData"),
            signed_bytes=signed,
            der=data,
        )
    cls = v4.SESeal if version == 4 else v5.SESealV5
    obj = cls.load(data, strict=True)
    info = _seal_info(obj["e_seal_info"], version=version)  # parses certList before the check
    _exact(obj, "SESeal")
    return Seal(
        version=version,
        info=info,
        maker_cert=obj["cert"].native,
        alg_oid=obj["sign_alg_id"].dotted,
        signed_value=_octets(obj["signed_value"], "SESeal.signedValue"),
        timestamp=_timestamp(kids[4]) if len(kids) == 5 else None,
        signed_bytes=kids[0],
        der=data,
    )


def _parse_signature(data: bytes) -> Signature:
    fast = fast_signature(data, _parse_embedded_seal)
    if fast is not None:
        return fast
    kids = _children(data)
    tbs = _children(kids[0]) if kids else []
    if len(tbs) < 2 or not _is(tbs[0], _UNIVERSAL, _INTEGER):
        raise EncodingError("expected SEQUENCE { TBS_Sign … }")
    seal = _parse_embedded_seal(tbs[1])  # sliced from the received bytes
    if len(kids) == 2:
        obj = _exact(v1.SesSignatureV1.load(data, strict=True), "SES_Signature")
        to_sign = obj["to_sign"]
        raw_time = _octets(to_sign["time_info"], "TBS_Sign.timeInfo")
        return Signature(
            version=1,
            tbs_version=to_sign["version"].native,
            seal=seal,
            time_info=_v1_time(raw_time),
            time_info_raw=raw_time,
            data_hash=_octets(to_sign["data_hash"], "TBS_Sign.dataHash"),
            property_info=to_sign["property_info"].native,
            signer_cert=to_sign["cert"].native,
            alg_oid=to_sign["signature_algorithm"].dotted,
            signature=_octets(obj["signature"], "SES_Signature.signature"),
            signed_bytes=kids[0],
            der=data,
        )
    if len(kids) not in (4, 5) or seal.version == 1:
        raise EncodingError(f"SES_Signature of {len(kids)} elements with a v{seal.version} seal")
    cls = v4.SesSignature if seal.version == 4 else v5.SesSignatureV5
    obj = cls.load(data, strict=True)
    to_sign = obj["to_sign"]
    # The embedded seal is tbs[1]: _parse_seal found those very bytes exact already.
    _exact(obj, "SES_Signature", checked=to_sign["eseal"])
    return Signature(
        version=seal.version,
        tbs_version=to_sign["version"].native,
        seal=seal,
        time_info=_utc(to_sign["time_info"].native),
        time_info_raw=to_sign["time_info"].contents,
        data_hash=_octets(to_sign["data_hash"], "TBS_Sign.dataHash"),
        property_info=to_sign["property_info"].native,
        extensions=_extensions(to_sign, "ext_datas", "ext_datas_untagged"),
        signer_cert=obj["cert"].native,
        alg_oid=obj["signature_alg_id"].dotted,
        signature=_octets(obj["signature"], "SES_Signature.signature"),
        timestamp=_timestamp(kids[4]) if len(kids) == 5 else None,
        signed_bytes=kids[0],
        der=data,
    )


@lru_cache(maxsize=256)
def _parse_embedded_seal(data: bytes) -> Seal:
    """Bulk signatures embed the same few seals: parse each distinct one once."""
    return _parse_seal(data)


def _seal_info(info: Any, *, version: int) -> SealInfo:
    header = info["header"]
    prop = info["property"]
    pic = info["picture"]
    certs: tuple[bytes, ...] = ()
    digests: tuple[CertDigest, ...] = ()
    if version == 1:
        list_type = 1
        certs = tuple(c.native for c in prop["cert_list"])
    else:
        list_type = prop["cert_list_type"].native
        if list_type == 1:
            certs = tuple(c.native for c in prop["cert_list"].parse(v4.CertList))
        elif list_type == 2:
            digests = tuple(
                CertDigest(type=d["type"].native, value=d["value"].native)
                for d in prop["cert_list"].parse(v4.CertDigestList)
            )
        else:
            raise EncodingError(f"certListType {list_type}: expected 1 (certs) or 2 (digests)")
    return SealInfo(
        header_id=header["id"].native,
        header_version=header["version"].native,
        vendor_id=header["vid"].native,
        es_id=info["es_id"].native,
        seal_type=prop["type"].native,
        name=prop["name"].native,
        cert_list_type=list_type,
        certs=certs,
        cert_digests=digests,
        created=_utc(prop["create_date"].native),
        valid_start=_utc(prop["valid_start"].native),
        valid_end=_utc(prop["valid_end"].native),
        picture=Picture(
            type=pic["type"].native,
            data=pic["data"].native,
            width_mm=pic["width"].native,
            height_mm=pic["height"].native,
        ),
        extensions=_extensions(info, "ext_datas", "ext_datas_tagged"),
    )


def _extensions(parent: Any, *fields: str) -> tuple[Extension, ...]:
    for name in fields:
        value = parent[name]
        if not isinstance(value, core.Void):
            return tuple(
                Extension(
                    oid=e["extn_id"].dotted,
                    critical=bool(e["critical"].native),
                    value=e["extn_value"].native,
                )
                for e in value
            )
    return ()


def _timestamp(tlv: bytes) -> bytes:
    """The token inside ``timeStamp [0] BIT STRING``, EXPLICIT, IMPLICIT or untagged."""
    class_, method, tag, contents = _tlv(tlv)
    if class_ == _CONTEXT and tag == 0 and method == 1:  # EXPLICIT: [0] { BIT STRING }
        tlv, class_, tag = contents, _UNIVERSAL, _BIT_STRING
        class_, method, tag, contents = _tlv(tlv)
    elif class_ == _CONTEXT and tag == 0:  # IMPLICIT: the BIT STRING's own contents
        class_, tag = _UNIVERSAL, _BIT_STRING
    if (class_, tag, method) != (_UNIVERSAL, _BIT_STRING, 0) or not contents or contents[0]:
        raise EncodingError("timeStamp: expected [0] BIT STRING with no unused bits")
    return contents[1:]


def _v1_time(raw: bytes) -> datetime | None:
    """A v1 ``timeInfo``: a DER time, or time text (YYMMDDhhmmssZ / YYYYMMDDhhmmssZ)."""
    for cls in (core.UTCTime, core.GeneralizedTime):
        try:
            return _utc(cls.load(raw, strict=True).native)
        except Exception:
            continue
    text = raw.decode("ascii", "replace")
    for cls in (core.UTCTime, core.GeneralizedTime):
        try:
            return _utc(cls(text).native)
        except Exception:
            continue
    return None
