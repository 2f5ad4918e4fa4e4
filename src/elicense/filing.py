"""The GB/T 38540 ``SES_Seal`` of a filing (备案): made by the platform, recorded by the ledger.

When the platform files a department's seal it also makes the seal's
``SES_Seal`` as maker (制章者): a certificate for the seal's key issued by
the platform, the seal's name, code, validity and picture, signed with the
platform key (SM2 with SM3 when the platform key is SM2, as the standard
expects). The filing statement carries it as its annex; the ledger checks it
(:func:`elicense.ledger.rules.seals.check_filing_annex`) and records it
with the ``Filed`` event, so the seal can be exported to and verified by any GB/T 38540 system.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from elicense.acts import MakeSeal
from elicense.codec import utc_now
from elicense.crypto.keys import load_public_key
from elicense.crypto.ses.build import SealBuilder
from elicense.crypto.x509issue import issue_certificate

__all__ = ["make_filing_seal", "seal_picture_svg"]

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
