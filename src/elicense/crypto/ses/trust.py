"""Trust anchors for GB/T 38540 artifacts made elsewhere, and certificate checks as findings.

A *trust anchor* is an X.509 certificate the caller trusts. Two rules, no more:

- **direct trust**: a certificate that is itself an anchor is trusted as-is,
  CA or not (how a department trusts a partner's seal certificate);
- **issued by an anchor**: a certificate whose issuer name is an anchor's
  subject and whose signature verifies under that anchor's key.

Anything else is *untrusted* (self-signed or unknown issuer): an
``indeterminate`` finding, distinct from a signature that does not verify.
Validity is judged at the time the verification was asked for (``at``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from elicense.crypto.x509 import (
    CertificateInfo,
    certificate_info,
    claims_issuer,
    load_certificates,
    verify_issued_by,
)
from elicense.errors import KeyFormatError
from elicense.verdict import VerdictBuilder

__all__ = ["TrustAnchors", "check_certificate"]


class TrustAnchors:
    """An immutable set of trusted X.509 certificates (DER)."""

    __slots__ = ("_all", "_ders")

    def __init__(self, certificates: Iterable[bytes] = ()) -> None:
        """Trust ``certificates`` (DER).

        Raises:
            KeyFormatError: one of them is not a certificate.
        """
        ders = tuple(dict.fromkeys(bytes(c) for c in certificates))
        for der in ders:
            certificate_info(der)
        self._ders = ders
        self._all = frozenset(ders)

    @classmethod
    def from_pem(cls, *blobs: bytes) -> TrustAnchors:
        """Anchors from PEM data, each blob holding one or more ``CERTIFICATE`` blocks."""
        return cls(der for blob in blobs for der in load_certificates(blob))

    @classmethod
    def from_files(cls, *paths: str | Path) -> TrustAnchors:
        """Anchors from PEM (or single DER) certificate files."""
        blobs = []
        for p in paths:
            try:
                blobs.append(Path(p).read_bytes())
            except OSError as e:
                raise KeyFormatError(f"cannot read {p}: {e.strerror}") from None
        try:
            return cls.from_pem(*blobs)
        except KeyFormatError as e:
            raise KeyFormatError(f"trust anchors: {e}") from None

    def __contains__(self, der: object) -> bool:
        return der in self._all

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._ders)

    def __len__(self) -> int:
        return len(self._ders)

    def trust(self, der: bytes) -> tuple[str, bytes | None]:
        """How ``der`` is trusted: ``direct``, ``issued``, ``forged`` (an anchor's name but
        a bad signature), ``unsupported`` (cannot check the signature) or ``untrusted``;
        with the anchor that decided it."""
        if der in self._all:
            return "direct", der
        outcome: tuple[str, bytes | None] = ("untrusted", None)
        for anchor in self._ders:
            try:
                issued = verify_issued_by(der, anchor)
            except KeyFormatError:
                return "untrusted", None
            if issued:
                return "issued", anchor
            if issued is None:
                outcome = ("unsupported", anchor)
            elif outcome[0] == "untrusted" and claims_issuer(der, anchor):
                outcome = ("forged", anchor)
        return outcome


def check_certificate(
    b: VerdictBuilder, prefix: str, der: bytes, anchors: TrustAnchors, at: datetime, role: str
) -> CertificateInfo | None:
    """Record the findings about certificate ``der`` under codes ``{prefix}…``.

    Passes ``{prefix}`` when it is trusted and valid at ``at``; otherwise
    ``.malformed``, ``.untrusted``, ``.issuer_signature.invalid``,
    ``.issuer_signature.unsupported``, ``.expired`` or ``.not_yet_valid``.
    Returns its summary, or ``None`` when it does not parse.
    """
    try:
        info = certificate_info(der)
    except KeyFormatError:
        b.error(f"{prefix}.malformed", f"the {role} certificate is not a DER X.509 certificate")
        return None
    ok = True
    how, anchor = anchors.trust(der)
    if how == "untrusted":
        kind = "self-signed" if info.self_issued else f"issued by unknown {info.issuer!r}"
        b.indeterminate(
            f"{prefix}.untrusted",
            f"the {role} certificate {info.subject!r} ({kind}) is neither a trust anchor "
            f"nor issued by one ({len(anchors)} anchors given)",
        )
        ok = False
    elif how == "forged":
        b.error(
            f"{prefix}.issuer_signature.invalid",
            f"the {role} certificate names trusted issuer {info.issuer!r} but its signature "
            "does not verify under that issuer's key",
        )
        ok = False
    elif how == "unsupported":
        b.indeterminate(
            f"{prefix}.issuer_signature.unsupported",
            f"cannot check the {role} certificate's signature ({info.signature_alg}) here",
        )
        ok = False
    if at < info.not_before:
        b.error(
            f"{prefix}.not_yet_valid",
            f"the {role} certificate is valid from {info.not_before.isoformat()}, "
            f"judged at {at.isoformat()}",
        )
        ok = False
    elif at > info.not_after:
        b.error(
            f"{prefix}.expired",
            f"the {role} certificate expired {info.not_after.isoformat()}, "
            f"judged at {at.isoformat()}",
        )
        ok = False
    if ok:
        b.passed(prefix)
        if anchor is not None and how == "issued":
            b.evidence.setdefault("anchors", {})[role] = certificate_info(anchor).subject
    return info
