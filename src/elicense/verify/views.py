"""Verifying field-minimised views and annotated copies (加注件).

Installed as the verifier's handlers for :class:`~elicense.documents.SignedLicenseView`
and :class:`~elicense.documents.SignedAnnotatedCopy`, so
``Verifier.verify(document)`` answers for them like for any document.

Checks, each a finding code on failure and a ``checked`` code on success:

=============================  ======================================================
check (passed code)            failure codes
=============================  ======================================================
``document.canonical``         ``document.noncanonical``, ``document.malformed``
``view.signature`` /           ``platform.key.unknown`` (not a key of the trusted
``copy.signature``             platform), ``platform.alg.mismatch``,
                               ``view.signature.invalid`` / ``copy.signature.invalid``
``document.origin``            ``document.origin.mismatch``
``copy.in_force``              ``copy.expired`` (invalid, status ``expired``),
                               ``copy.not_yet_valid`` (indeterminate)
=============================  ======================================================

A view is a record of what one use disclosed, at one ledger position; the
verdict's status is the license's status at that use. When the trust source
knows a newer version of the license, a ``view.license.changed`` warning says
so (with the current status in the evidence): the view stays authentic, but
the department should know the license moved on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from elicense.codec import decode_canonical
from elicense.documents import (
    ANNOTATED_COPY_LABEL,
    LICENSE_VIEW_LABEL,
    AnnotatedCopy,
    LicenseView,
    SignedAnnotatedCopy,
    SignedLicenseView,
)
from elicense.errors import ElicenseError, NonCanonicalError
from elicense.lifecycle import LicenseStatus
from elicense.verdict import Verdict, VerdictBuilder
from elicense.wire import signing_input

__all__ = ["verify_copy", "verify_view"]

T = TypeVar("T")


def verify_view(verifier: Any, doc: SignedLicenseView, data: bytes, at: datetime) -> Verdict:
    """Verify a platform-signed field-minimised view (``at`` is unused: a view does not expire)."""
    b = VerdictBuilder()
    b.passed("document.canonical")
    view = _open(verifier, doc, doc.view, LICENSE_VIEW_LABEL, LicenseView, "view", b)
    if view is not None:
        _judge_view(verifier, view, b)
    return b.build()


def verify_copy(verifier: Any, doc: SignedAnnotatedCopy, data: bytes, at: datetime) -> Verdict:
    """Verify a platform-signed annotated copy at time ``at`` (expired after ``expires_at``)."""
    b = VerdictBuilder()
    b.passed("document.canonical")
    copy = _open(verifier, doc, doc.copy, ANNOTATED_COPY_LABEL, AnnotatedCopy, "copy", b)
    if copy is None:
        return b.build()
    _judge_view(verifier, copy.view, b)
    if b.failed:
        return b.build()
    b.evidence.update(
        purpose=copy.purpose,
        user_name=copy.user_name,
        made_at=copy.made_at,
        expires_at=copy.expires_at,
        watermark=copy.watermark,
    )
    if at > copy.expires_at:
        b.status = "expired"
        b.error(
            "copy.expired",
            f"the annotated copy expired at {copy.expires_at.isoformat()}; judged at "
            f"{at.isoformat()}",
        )
    elif at < copy.made_at:
        b.indeterminate(
            "copy.not_yet_valid",
            f"the annotated copy was made at {copy.made_at.isoformat()}, after the time it is "
            f"judged at ({at.isoformat()}): check the clock",
        )
    else:
        b.passed("copy.in_force")
    return b.build()


def _open(
    verifier: Any,
    doc: SignedLicenseView | SignedAnnotatedCopy,
    payload: bytes,
    label: str,
    cls: type[T],
    what: str,
    b: VerdictBuilder,
) -> T | None:
    """Check the platform's signature over ``payload``, then decode it as ``cls``."""
    trust = verifier.trust
    key = trust.platform_key(doc.key_id)
    if key is None:
        b.error(
            "platform.key.unknown",
            f"the {what} is signed by key {doc.key_id}, which is not a platform key of "
            f"ledger {trust.origin!r}",
        )
        return None
    if key.alg != doc.alg:
        b.error("platform.alg.mismatch", f"the {what} says {doc.alg}, the key is {key.alg}")
        return None
    if not key.verify(doc.signature, signing_input(label, payload)):
        b.error(
            f"{what}.signature.invalid",
            f"the platform's signature over the {what} does not verify under key {doc.key_id}",
        )
        return None
    b.passed(f"{what}.signature")
    try:
        return decode_canonical(payload, cls, what=what)
    except NonCanonicalError as e:
        b.error("document.noncanonical", str(e))
    except ElicenseError as e:
        b.error("document.malformed", str(e))
    return None


def _judge_view(verifier: Any, view: LicenseView, b: VerdictBuilder) -> None:
    trust = verifier.trust
    b.subject = view.license
    if view.origin != trust.origin:
        b.error(
            "document.origin.mismatch",
            f"the view is from ledger {view.origin!r}, trust is for {trust.origin!r}",
        )
        return
    b.passed("document.origin")
    try:
        status = LicenseStatus.from_code(view.status)
    except ValueError:
        b.error("document.malformed", f"unknown status code {view.status!r} in the view")
        return
    b.status = status.value
    b.evidence.update(
        license=view.license,
        license_version=view.license_version,
        position=view.position,
        use=view.use,
        user=view.user,
        service_item=view.service_item,
        fields=sorted(view.fields),
        taken_at=view.taken_at,
    )
    entry = trust.license_status(view.license.rsplit(".", 2)[0])
    if entry is None:
        if view.position <= trust.as_of:
            b.warning(
                "view.license.unknown",
                f"the trust source (as of position {trust.as_of}) does not know license "
                f"{view.license}",
            )
        return
    current = LicenseStatus.from_code(entry.status)
    b.evidence["current_status"] = current.value
    if entry.version > view.license_version:
        b.warning(
            "view.license.changed",
            f"the view was taken from version {view.license_version} of the license; the "
            f"trust source holds version {entry.version} ({current.label})",
        )
