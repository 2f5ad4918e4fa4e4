"""GB/T 38540-2020 《信息安全技术 安全电子签章密码技术规范》: the v4 structures.

The standard's own ASN.1 module was not available; the field order below is
*reconstructed* and checked against three implementations and against real
artifacts (see ``STANDARDS.md``). Clauses cited: §6 the electronic seal
(印章: data format, §6.3 verification) and §7 the electronic signature
(签章: data format, §7.3 verification); finer clause numbers are not cited
where the text was not available.

Where producers disagree the declarations are tolerant, never the bytes:
``certList`` is an untagged CHOICE decided by ``certListType`` (kept as
``Any`` here and decoded in :mod:`elicense.crypto.ses.parse`); ``extDatas`` is
accepted both EXPLICIT ``[0]`` and untagged; ``timeStamp [0]`` is accepted
EXPLICIT and IMPLICIT. Nothing is ever re-encoded before a signature check:
the parser slices the signed parts out of the received bytes.
"""

from __future__ import annotations

from asn1crypto import core

__all__ = [
    "CertDigestList",
    "CertDigestObj",
    "CertList",
    "ExtData",
    "ExtensionDatas",
    "SESeal",
    "SesESPictrueInfo",
    "SesESPropertyInfo",
    "SesHeader",
    "SesSealInfo",
    "SesSignature",
    "TbsSign",
]

# asn1crypto declares structures as class attributes; mypy sees its classes as Any.


class SesHeader(core.Sequence):  # type: ignore[misc]
    """§6 SES_Header ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }."""

    _fields = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class CertList(core.SequenceOf):  # type: ignore[misc]
    """§6 SES_CertList, alternative ``certs``: SEQUENCE OF OCTET STRING (DER certificates)."""

    _child_spec = core.OctetString


class CertDigestObj(core.Sequence):  # type: ignore[misc]
    """§6 CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }."""

    _fields = [
        ("type", core.PrintableString),
        ("value", core.OctetString),
    ]


class CertDigestList(core.SequenceOf):  # type: ignore[misc]
    """§6 SES_CertList, alternative ``certDigestList``: SEQUENCE OF CertDigestObj."""

    _child_spec = CertDigestObj


class SesESPropertyInfo(core.Sequence):  # type: ignore[misc]
    """§6 SES_ESPropertyInfo.

    ``certListType`` 1 = certificates, 2 = certificate digests; ``certList``
    is the untagged CHOICE it selects (kept as ``Any``).
    """

    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", core.Any),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SesESPictrueInfo(core.Sequence):  # type: ignore[misc]
    """§6 SES_ESPictrueInfo (the standard's spelling): type GIF/BMP/JPG/PNG/SVG, size in mm."""

    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class ExtData(core.Sequence):  # type: ignore[misc]
    """§6 one element of ExtensionDatas; ``critical`` written explicitly FALSE also parses."""

    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):  # type: ignore[misc]
    """§6 ExtensionDatas ::= SEQUENCE OF ExtData."""

    _child_spec = ExtData


class SesSealInfo(core.Sequence):  # type: ignore[misc]
    """§6 SES_SealInfo: what the seal maker signs (verified over the received DER)."""

    _fields = [
        ("header", SesHeader),
        ("es_id", core.IA5String),
        ("property", SesESPropertyInfo),
        ("picture", SesESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
        ("ext_datas_tagged", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESeal(core.Sequence):  # type: ignore[misc]
    """§6 SESeal ::= SEQUENCE { eSealInfo, cert (maker), signAlgID, signedValue }."""

    _fields = [
        ("e_seal_info", SesSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TbsSign(core.Sequence):  # type: ignore[misc]
    """§7 TBS_Sign: what the signer signs (verified over the received DER).

    ``dataHash`` is the digest (SM3 for SM2-with-SM3) of the protected content,
    ``propertyInfo`` names it; ``extDatas`` arrives EXPLICIT ``[0]`` or untagged.
    """

    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
        ("ext_datas_untagged", ExtensionDatas, {"optional": True}),
    ]


class SesSignature(core.Sequence):  # type: ignore[misc]
    """§7 SES_Signature ::= SEQUENCE { toSign, cert (signer), signatureAlgID, signature,
    timeStamp [0] BIT STRING OPTIONAL }.

    ``timeStamp`` (a GB/T 20520 token over ``signature``) is kept as ``Any``
    because producers write the ``[0]`` both EXPLICIT and IMPLICIT.
    """

    _fields = [
        ("to_sign", TbsSign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.Any, {"optional": True}),
    ]
