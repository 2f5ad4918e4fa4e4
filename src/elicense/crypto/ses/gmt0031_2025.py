"""GM/T 0031-2025: the v5 structures.

v5 is v4 (:mod:`elicense.crypto.ses.gbt38540_2020`) with ``SESeal`` gaining
``timeStamp [0] BIT STRING OPTIONAL`` — a GB/T 20520 timestamp token over the
seal's ``signedValue`` — and both header and ``TBS_Sign`` versions set to 5.
GM/T 0031-2025 also makes certificate checks time-aware: a seal and a
signature are judged at their creation or signing time. A timestamp that is
present must verify; one that cannot be parsed or verified is a finding.
"""

from __future__ import annotations

from asn1crypto import core

from elicense.crypto.ses.gbt38540_2020 import ExtensionDatas, SesSealInfo

__all__ = ["SESealV5", "SesSignatureV5", "TbsSignV5"]


class SESealV5(core.Sequence):  # type: ignore[misc]
    """SESeal ::= SEQUENCE { eSealInfo, cert, signAlgID, signedValue, timeStamp [0] OPTIONAL }.

    ``timeStamp`` is kept as ``Any``: the ``[0]`` arrives EXPLICIT or IMPLICIT.
    """

    _fields = [
        ("e_seal_info", SesSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
        ("time_stamp", core.Any, {"optional": True}),
    ]


class TbsSignV5(core.Sequence):  # type: ignore[misc]
    """TBS_Sign with version 5 and a v5 seal."""

    _fields = [
        ("version", core.Integer),
        ("eseal", SESealV5),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
        ("ext_datas_untagged", ExtensionDatas, {"optional": True}),
    ]


class SesSignatureV5(core.Sequence):  # type: ignore[misc]
    """SES_Signature (v5): as v4, over a v5 ``TBS_Sign``."""

    _fields = [
        ("to_sign", TbsSignV5),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.Any, {"optional": True}),
    ]
