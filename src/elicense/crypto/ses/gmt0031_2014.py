"""GM/T 0031-2014 《安全电子签章密码技术规范》: the v1 structures, from the standard's text.

Differences from GB/T 38540-2020 (v4): ``SESeal`` has two elements (the
maker's certificate, algorithm and signature sit in ``SES_SignInfo``); the
property info has no ``certListType`` and uses UTCTime; the maker signs the
SEQUENCE of (``SES_SealInfo``, maker certificate, algorithm OID); and
the signer's certificate and algorithm live inside ``TBS_Sign``, whose
``timeInfo`` is a BIT STRING (a time or a timestamp token). The header
``version`` of v1 seals is unreliable: the version is told by structure.
"""

from __future__ import annotations

from asn1crypto import core

from elicense.crypto.ses.gbt38540_2020 import (
    CertList,
    ExtensionDatas,
    SesESPictrueInfo,
    SesHeader,
)

__all__ = [
    "SESealV1",
    "SesESPropertyInfoV1",
    "SesSealInfoV1",
    "SesSignInfo",
    "SesSignatureV1",
    "TbsSignV1",
]


class SesESPropertyInfoV1(core.Sequence):  # type: ignore[misc]
    """SES_ESPropertyInfo: type, name, certList (certificates), UTCTime dates."""

    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list", CertList),
        ("create_date", core.UTCTime),
        ("valid_start", core.UTCTime),
        ("valid_end", core.UTCTime),
    ]


class SesSealInfoV1(core.Sequence):  # type: ignore[misc]
    """SES_SealInfo (v1 property info)."""

    _fields = [
        ("header", SesHeader),
        ("es_id", core.IA5String),
        ("property", SesESPropertyInfoV1),
        ("picture", SesESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
        ("ext_datas_tagged", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SesSignInfo(core.Sequence):  # type: ignore[misc]
    """SES_SignInfo ::= SEQUENCE { cert, signatureAlgorithm, signData }."""

    _fields = [
        ("cert", core.OctetString),
        ("signature_algorithm", core.ObjectIdentifier),
        ("sign_data", core.OctetBitString),
    ]


class SESealV1(core.Sequence):  # type: ignore[misc]
    """SESeal ::= SEQUENCE { esealInfo SES_SealInfo, signInfo SES_SignInfo }."""

    _fields = [
        ("eseal_info", SesSealInfoV1),
        ("sign_info", SesSignInfo),
    ]


class TbsSignV1(core.Sequence):  # type: ignore[misc]
    """TBS_Sign (v1): the signer's certificate and algorithm are signed too."""

    _fields = [
        ("version", core.Integer),
        ("eseal", SESealV1),
        ("time_info", core.OctetBitString),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("cert", core.OctetString),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


class SesSignatureV1(core.Sequence):  # type: ignore[misc]
    """SES_Signature ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }."""

    _fields = [
        ("to_sign", TbsSignV1),
        ("signature", core.OctetBitString),
    ]
