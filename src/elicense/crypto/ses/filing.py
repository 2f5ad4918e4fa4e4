"""The GB/T 38540 ``SES_Seal`` of a filing (备案): made by the platform, recorded by the ledger.

When the platform files a department's seal it also makes the seal's
``SES_Seal`` as maker (制章者): a certificate for the seal's key issued by
the platform, the seal's name, code, validity and picture, signed with the
platform key (SM2 with SM3 when the platform key is SM2, as the standard
expects). The filing statement carries it as its annex; the ledger checks it
(:func:`check_filing_annex`) and records it with the ``Filed`` event, so the
seal can be exported to and verified by any GB/T 38540 system.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

from elicense.acts import MakeSeal
from elicense.codec import utc_now
from elicense.crypto.keys import load_public_key
from elicense.crypto.ses.build import SealBuilder
from elicense.crypto.ses.parse import parse_seal
from elicense.crypto.ses.trust import TrustAnchors
from elicense.crypto.ses.verify import SesVerifier
from elicense.crypto.x509 import certificate_spki
from elicense.crypto.x509issue import issue_certificate
from elicense.errors import ElicenseError, InvalidStatementError
from elicense.ledger import rules

__all__ = ["check_filing_annex", "make_filing_seal", "seal_picture_svg"]

PICTURE_MM = 40


def seal_picture_svg(name: str, department: str) -> bytes:
    """A round red seal picture (SVG): the department's name around a star, the seal name below."""
    dept = html.escape(department)
    label = html.escape(name.removeprefix(department) or name)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="40mm" '
        'height="40mm"><defs><path id="arc" d="M 30 100 A 70 70 0 1 1 170 100"/></defs>'
        '<circle cx="100" cy="100" r="94" fill="none" stroke="#d7000f" stroke-width="6"/>'
        '<polygon fill="#d7000f" points="100,62 109,89 138,89 115,106 123,133 100,117 77,133 '
        '85,106 62,89 91,89"/>'
        f'<text fill="#d7000f" font-size="20" text-anchor="middle"><textPath href="#arc" '
        f'startOffset="50%">{dept}</textPath></text>'
        f'<text x="100" y="165" fill="#d7000f" font-size="15" text-anchor="middle">{label}</text>'
        "</svg>"
    )
    return svg.encode()


def _platform_certificate(platform_key: Any, not_before: datetime, not_after: datetime) -> bytes:
    return issue_certificate(
        subject={"CN": "elicense platform", "O": "电子证照平台"},
        public_key=platform_key.public_key,
        issuer_key=platform_key,
        not_before=not_before,
        not_after=not_after,
        ca=True,
    )


def make_filing_seal(made: MakeSeal, platform_key: Any, *, at: datetime | None = None) -> bytes:
    """The ``SES_Seal`` (DER) of the seal ``made`` describes, with the platform as maker.

    Args:
        made: the seal's ``seal.make`` statement.
        platform_key: the platform's signer (it signs the seal info and issues
            the certificates).
        at: the creation time (default: now).
    """
    at = at or utc_now()
    not_before = min(made.valid_from, at) - timedelta(minutes=5)
    not_after = made.valid_until + timedelta(days=1)
    platform_cert = _platform_certificate(platform_key, not_before, not_after)
    seal_cert = issue_certificate(
        subject={"CN": made.name, "O": made.department_name},
        public_key=load_public_key(made.public_key),
        issuer_key=platform_key,
        issuer_cert=platform_cert,
        not_before=made.valid_from,
        not_after=made.valid_until,
    )
    picture = made.picture or seal_picture_svg(made.name, made.department_name)
    kind = made.picture_type if made.picture else "SVG"
    seal = (
        SealBuilder()
        .es_id(made.subject)
        .name(made.name)
        .certificates([seal_cert])
        .validity(made.valid_from, made.valid_until)
        .created(at)
        .picture(
            picture,
            type=kind,
            width_mm=made.picture_width_mm or PICTURE_MM,
            height_mm=made.picture_height_mm or PICTURE_MM,
        )
        .sign(platform_key, platform_cert)
    )
    return seal.der


def _seconds(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(microsecond=0)


def check_filing_annex(ctx: rules.Context, seal: Any, annex: bytes) -> None:
    """Refuse a filing whose ``SES_Seal`` annex is not a platform-made seal of this seal.

    Checks: it parses; its maker certificate holds a key of this platform and
    its seal signature verifies under it; its code, key (in its certificate
    list) and validity are the filed seal's.
    """

    def refuse(why: str) -> InvalidStatementError:
        return InvalidStatementError(
            f"filing of seal {seal.code}: SES_Seal annex {why}",
            code="seal.annex.invalid",
            subject=seal.code,
        )

    try:
        parsed = parse_seal(annex)
        maker = certificate_spki(parsed.maker_cert)
    except (ElicenseError, ValueError) as e:
        raise refuse(f"does not parse: {e}") from None
    platform = ctx.platform
    keys = {k.spki for k in platform.keys.values()} if platform is not None else set()
    if maker not in keys:
        raise refuse("is not made by this platform's key")
    verdict = SesVerifier(TrustAnchors([parsed.maker_cert])).verify_seal(parsed, at=ctx.now)
    if "ses.seal.signature" not in verdict.checked:
        raise refuse("maker signature does not verify")
    info = parsed.info
    if info.es_id != seal.code:
        raise refuse(f"names seal {info.es_id!r}")
    certs = []
    for der in info.certs:
        try:
            certs.append(certificate_spki(der))
        except (ElicenseError, ValueError):
            continue
    if seal.public_key not in certs:
        raise refuse("lists no certificate for the seal's key")
    if (_seconds(info.valid_start), _seconds(info.valid_end)) != (
        _seconds(seal.valid_from),
        _seconds(seal.valid_until),
    ):
        raise refuse("validity differs from the seal's")


rules.register_ses_annex_check(check_filing_annex)
