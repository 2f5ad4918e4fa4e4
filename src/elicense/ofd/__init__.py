"""Signed OFD (GB/T 33190) files: read safely, verify every signature and its coverage.

::

    from elicense.ofd import OfdVerifier
    from elicense.crypto.ses import TrustAnchors

    verdict = OfdVerifier(TrustAnchors.from_files("ca.pem")).verify(Path("license.ofd"))
    verdict.outcome, verdict.codes                 # codes listed in docs/ofd.md
    [(s.kind, s.signer, s.outcome) for s in verdict.signatures]

:mod:`.container` (the zip, bounded), :mod:`.safexml` (no DTD, bounded
depth), :mod:`.signatures` (what the XML says), :mod:`.verify` (the
procedure), :mod:`.digital` (``Type="Sign"``), :mod:`.inspect` (a listing).
Importing this package loads none of them: :func:`is_ofd` is what the
general :class:`~elicense.verify.verifier.Verifier` needs to dispatch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from elicense.ofd.verify import OfdVerifier, verify_ofd

__all__ = ["OfdVerifier", "is_ofd", "verify_ofd"]


def is_ofd(data: bytes) -> bool:
    """Whether ``data`` looks like an OFD file: a zip that names ``OFD.xml``."""
    return data[:4] == b"PK\x03\x04" and b"OFD.xml" in data


def __getattr__(name: str) -> Any:
    if name in ("OfdVerifier", "verify_ofd"):
        from elicense.ofd import verify

        return getattr(verify, name)
    raise AttributeError(f"module 'elicense.ofd' has no attribute {name!r}")
