"""GB/T 38540 electronic seals (电子印章) and signatures (电子签章): parse, verify, make.

Versions: GM/T 0031-2014 (v1), GB/T 38540-2020 (v4), GM/T 0031-2025 (v5),
told apart by structure. One module per standard declares the ASN.1
(:mod:`.gmt0031_2014`, :mod:`.gbt38540_2020`, :mod:`.gmt0031_2025`).

::

    from elicense.crypto import ses

    seal = ses.parse_seal(der)                 # frozen value, with .der and .signed_bytes
    verdict = ses.verify(der, trust=ses.TrustAnchors.from_pem(pem), content=data)
    verdict.ok, verdict.codes, verdict.checked  # codes listed in docs/ses.md

    seal = (ses.SealBuilder().es_id("…").name("…").certificates([seal_cert])
            .validity(start, end).created(now).picture(png, type="PNG", width_mm=40, height_mm=40)
            .sign(platform_key, platform_cert))
    signature = (ses.SignatureBuilder().seal(seal).content(data, property_info="…")
                 .signing_time(now).sign(seal_key, seal_cert))

Parsing raises :class:`~elicense.errors.EncodingError`; verifying never
raises for bad bytes: any input gives a :class:`~elicense.verdict.Verdict`.
"""

from elicense.crypto.ses.build import SealBuilder, SignatureBuilder
from elicense.crypto.ses.model import CertDigest, Extension, Picture, Seal, SealInfo, Signature
from elicense.crypto.ses.parse import detect, parse, parse_seal, parse_signature
from elicense.crypto.ses.trust import TrustAnchors
from elicense.crypto.ses.verify import SesVerifier, verify, verify_seal, verify_signature

__all__ = [
    "CertDigest",
    "Extension",
    "Picture",
    "Seal",
    "SealBuilder",
    "SealInfo",
    "SesVerifier",
    "Signature",
    "SignatureBuilder",
    "TrustAnchors",
    "detect",
    "parse",
    "parse_seal",
    "parse_signature",
    "verify",
    "verify_seal",
    "verify_signature",
]
