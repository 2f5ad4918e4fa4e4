"""What a user department receives: a field-minimised view, and an annotated copy (加注件).

Both are made and signed by the platform (the ledger holds no private key;
see :class:`~elicense.reuse.service.ReuseService`) and verify with the
platform's public key from a trust bundle or a live ledger:

- :class:`LicenseView` — the license's fields the sharing list let the
  department see, which license version they were taken from, and the
  position and hash of the ``Used`` record that disclosed them. Shipped as a
  :class:`SignedLicenseView` (``elicense/signed-license-view/v2``), signed over
  ``signing_input("license.view", view bytes)``.
- :class:`AnnotatedCopy` — a view plus the use's purpose (事由), the user
  department, when it was made and until when it may be used, and the
  watermark text printed on it. Shipped as a :class:`SignedAnnotatedCopy`
  (``elicense/signed-annotated-copy/v2``), signed over
  ``signing_input("annotated.copy", copy bytes)``. After ``expires_at`` it
  verifies as **expired** (invalid, ``copy.expired``).

All are canonical msgspec JSON: a changed byte either breaks the canonical
form or the platform's signature. Importing this module registers both
signed kinds with :func:`elicense.verify.formats.register_document` and their
verification with :func:`elicense.verify.verifier.register_document_handler`
(the verifier imports it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from elicense import wire
from elicense.codec import canonical, require_utc
from elicense.statement import signing_input
from elicense.verify.formats import _Document as DocumentBase  # the base register_document takes
from elicense.verify.formats import register_document

__all__ = [
    "ANNOTATED_COPY_LABEL",
    "LICENSE_VIEW_LABEL",
    "SIGNED_COPY",
    "SIGNED_VIEW",
    "AnnotatedCopy",
    "LicenseView",
    "SignedAnnotatedCopy",
    "SignedLicenseView",
    "sign_copy",
    "sign_view",
    "watermark",
]

SIGNED_VIEW = wire.SIGNED_LICENSE_VIEW
SIGNED_COPY = wire.SIGNED_ANNOTATED_COPY
LICENSE_VIEW_LABEL = "license.view"
"""Signing label of a view: the platform signs ``elicense/v2/license.view\\x00`` ‖ view."""
ANNOTATED_COPY_LABEL = "annotated.copy"
"""Signing label of an annotated copy."""


class LicenseView(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A field-minimised view of one license, as disclosed by one recorded use.

    Attributes:
        origin: the ledger's origin.
        use: the use's subject (``<user USCC>/<request number>``).
        user: the user department's USCC.
        service_item: the service item (事项) of the use.
        license: the license's identifier at the use.
        license_version: the License aggregate's version the fields were taken from.
        status: the license's national status code at the use.
        position: the ledger position of the ``Used`` record.
        use_hash: the event hash of the ``Used`` record.
        taken_at: when the ledger recorded the use (UTC).
        fields: the disclosed fields' values (names from the sharing list).
    """

    origin: str
    use: str
    user: str
    service_item: str
    license: str
    license_version: int
    status: str
    position: int
    use_hash: bytes
    taken_at: datetime
    fields: dict[str, str]

    def __post_init__(self) -> None:
        require_utc(self.taken_at, "taken_at")


class AnnotatedCopy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """加注件: a view marked with purpose, user, time and expiry.

    Attributes:
        view: the view the copy is of.
        purpose: the use's purpose (事由).
        user: the user department's USCC (as in the view).
        user_name: the user department's name.
        made_at: when the platform made the copy (UTC).
        expires_at: after this, the copy is expired (UTC).
        watermark: the text marked on the copy (:func:`watermark`).
    """

    view: LicenseView
    purpose: str
    user: str
    user_name: str
    made_at: datetime
    expires_at: datetime
    watermark: str

    def __post_init__(self) -> None:
        require_utc(self.made_at, "made_at")
        require_utc(self.expires_at, "expires_at")
        if self.expires_at <= self.made_at:
            raise ValueError(
                f"expires_at {self.expires_at.isoformat()} is not after made_at "
                f"{self.made_at.isoformat()}"
            )
        if self.user != self.view.user:
            raise ValueError(f"the copy is for {self.user}, its view for {self.view.user}")


@register_document
class SignedLicenseView(DocumentBase, frozen=True, tag=SIGNED_VIEW):
    """A :class:`LicenseView`'s canonical bytes signed by a platform key."""

    view: bytes
    key_id: str
    alg: str
    signature: bytes


@register_document
class SignedAnnotatedCopy(DocumentBase, frozen=True, tag=SIGNED_COPY):
    """An :class:`AnnotatedCopy`'s canonical bytes signed by a platform key."""

    copy: bytes
    key_id: str
    alg: str
    signature: bytes


def watermark(copy_user_name: str, service_item: str, purpose: str, expires_at: datetime) -> str:
    """The text marked on an annotated copy (仅供…使用)."""
    until = expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"仅供{copy_user_name}办理{service_item}使用；事由：{purpose}；{until}前有效"


def sign_view(view: LicenseView, signer: Any) -> bytes:
    """The canonical bytes of ``view`` signed by the platform ``signer``."""
    data = canonical(view)
    key = signer.public_key
    return canonical(
        SignedLicenseView(
            view=data,
            key_id=key.key_id,
            alg=key.alg,
            signature=signer.sign(signing_input(LICENSE_VIEW_LABEL, data)),
        )
    )


def sign_copy(copy: AnnotatedCopy, signer: Any) -> bytes:
    """The canonical bytes of ``copy`` signed by the platform ``signer``."""
    data = canonical(copy)
    key = signer.public_key
    return canonical(
        SignedAnnotatedCopy(
            copy=data,
            key_id=key.key_id,
            alg=key.alg,
            signature=signer.sign(signing_input(ANNOTATED_COPY_LABEL, data)),
        )
    )


def _verify_view(verifier: Any, doc: Any, data: bytes, at: datetime) -> Any:
    from elicense.reuse.verification import verify_view

    return verify_view(verifier, doc, data, at)


def _verify_copy(verifier: Any, doc: Any, data: bytes, at: datetime) -> Any:
    from elicense.reuse.verification import verify_copy

    return verify_copy(verifier, doc, data, at)


def _install() -> None:
    from elicense.verify.verifier import register_document_handler

    register_document_handler(SignedLicenseView, _verify_view)
    register_document_handler(SignedAnnotatedCopy, _verify_copy)


_install()
