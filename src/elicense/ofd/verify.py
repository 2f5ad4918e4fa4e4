"""Verify signed OFD files: every signature, what it covers, and what nothing covers.

For each entry of each document's ``Signatures.xml`` (one sub-result each,
kind ``ofd.seal`` or ``ofd.sign``):

1. every ``Reference`` re-digested (SM3 by name or OID, SHA-256) against its
   ``CheckValue``; a mismatch on the signature's own ``Seal.esl`` is
   ``ofd.seal_file.changed``, on a file a later signature protects intact
   ``ofd.coverage.broken_by_later``, else ``ofd.reference.mismatch``;
2. a seal signature (``Type="Seal"`` or absent): the GB/T 38540 verifier
   (:class:`~elicense.crypto.ses.SesVerifier`) on ``SignedValue.dat`` as
   received with the bytes of ``Signature.xml`` as content — ``dataHash``,
   the SES signature, the seal and its maker, the signer in the seal's list,
   certificate validity and timestamps, all as ``ses.*`` codes; then
   ``Seal.esl`` against the seal inside the signature, and ``propertyInfo``;
3. a digital signature (``Type="Sign"``): :mod:`elicense.ofd.digital`;
4. every ``StampAnnot`` on a page that exists.

Then coverage over the container: files no signature protects (beyond each
signature's own ``Signature.xml`` and ``SignedValue.dat``). When a
signature protects ``Signatures.xml`` the document was locked, so such a file
was added after signing (``ofd.coverage.added``, an error); otherwise pages
and document roots unprotected make the verdict indeterminate, other files
are a warning and an open ``Signatures.xml`` (continued signing) is noted.

A seal signature whose seal the caller's trust source holds as filed
(``filed=``, :class:`FiledSeals`; :mod:`elicense.verify.ofdfile` answers it
from a ledger or a trust bundle) is trusted through that filing: the seal's
maker certificate is an anchor for that signature alone, and the filing
judges the seal's status at the signing time.

Times: ``at`` given judges everything then; without it each signature is
judged at its verified timestamp, else at the time it claims (as
``elicense ses verify`` does), and the verdict says so. Nothing raises for
bad input: container and XML refusals are ``ofd.container.*`` / ``ofd.xml.*``
findings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from msgspec.structs import replace

from elicense.codec import utc_now
from elicense.crypto.ses.model import Signature
from elicense.crypto.ses.parse import parse_signature
from elicense.crypto.ses.timestamp import digest
from elicense.crypto.ses.trust import TrustAnchors
from elicense.crypto.ses.verify import SesVerifier
from elicense.crypto.suites import PublicKey
from elicense.errors import EncodingError, OfdFormatError
from elicense.ofd.container import DEFAULT_LIMITS, Container, Limits
from elicense.ofd.signatures import (
    OfdDocument,
    SignatureEntry,
    SignatureFile,
    read_documents,
    read_signature,
)
from elicense.verdict import TimeSource, Verdict, VerdictBuilder

__all__ = ["FiledSeal", "FiledSeals", "OfdVerifier", "verify_ofd"]

_CHECK_METHODS = {
    "sm3": "sm3",
    "1.2.156.10197.1.401": "sm3",
    "1.2.156.10197.1.401.1": "sm3",
    "1.2.156.10197.1.401.2": "sm3",
    "sha256": "sha256",
    "sha-256": "sha256",
    "2.16.840.1.101.3.4.2.1": "sha256",
}


class FiledSeal(Protocol):
    """A seal the trust source holds as filed, as one signature made with it sees it."""

    anchors: TrustAnchors
    """Certificates trusted for this signature alone (the filed seal's maker)."""

    def judge(self, when: datetime, b: VerdictBuilder) -> None:
        """Record the filing's status at ``when`` (the signing time) as findings in ``b``."""
        ...


FiledSeals = Callable[[Signature], FiledSeal | None]
"""The filing of a parsed SES signature's seal, or ``None`` when it is not filed."""


class _Sig:
    """One signature while it is being judged."""

    __slots__ = ("authentic", "b", "doc", "entry", "file", "refs", "signer")

    def __init__(self, entry: SignatureEntry, doc: OfdDocument) -> None:
        self.entry = entry
        self.doc = doc
        self.b = VerdictBuilder(subject=entry.path)
        self.file: SignatureFile | None = None
        self.refs: dict[str, str] = {}  # path → ok | mismatch | missing | malformed
        self.signer: str | None = None
        self.authentic = False
        """Whether the signature over Signature.xml verified: only then do its
        References say what the signer protected."""


class OfdVerifier:
    """Verifies signed OFD files against trust anchors and, for bare signatures, keys.

    Example::

        verifier = OfdVerifier(TrustAnchors.from_files("ca.pem"))
        verdict = verifier.verify(Path("license.ofd"))
        verdict.outcome, verdict.codes, [s.outcome for s in verdict.signatures]

    Args:
        trust: trusted certificates (anchors, or DER certificates).
        keys: public keys trusted directly, for digital signatures whose file
            carries no certificate (``Type="Sign"``, a bare SM2 signature).
        limits: bounds on the container.
        filed: the filings a seal signature may be trusted through (see
            :data:`FiledSeals`); none by default.
    """

    def __init__(
        self,
        trust: TrustAnchors | Iterable[bytes] = (),
        *,
        keys: Iterable[PublicKey] = (),
        limits: Limits = DEFAULT_LIMITS,
        filed: FiledSeals | None = None,
    ) -> None:
        self.trust = trust if isinstance(trust, TrustAnchors) else TrustAnchors(trust)
        self.keys = tuple(keys)
        self.limits = limits
        self.filed = filed
        self._ses = SesVerifier(self.trust)

    def verify(
        self, data: bytes | str | os.PathLike[str], *, at: datetime | None = None
    ) -> Verdict:
        """Verify the OFD file ``data`` (bytes or a path); never raises for bad input.

        Raises:
            ValueError: ``at`` is not timezone-aware (a caller's mistake).
        """
        if at is not None and at.tzinfo is None:
            raise ValueError("at= must be timezone-aware")
        b = VerdictBuilder()
        b.judged_at = at or utc_now()
        b.time_source = TimeSource.CALLER if at is not None else TimeSource.CLAIMED
        if not isinstance(data, bytes | bytearray | memoryview):
            b.subject = str(data)
            try:
                data = Path(data).read_bytes()
            except OSError as e:
                b.error("ofd.unreadable", f"cannot read {b.subject}: {e.strerror}")
                return b.build()
        try:
            self._verify(b, bytes(data), at)
        except OfdFormatError as e:
            b.error(e.code, str(e), subject=e.subject)
        except Exception as e:  # a bug must not escape as an exception either
            b.error("ofd.internal_error", f"verification stopped: {type(e).__name__}: {e}")
        return b.build()

    # -- the procedure ----------------------------------------------------------------------

    def _verify(self, b: VerdictBuilder, data: bytes, at: datetime | None) -> None:
        c = Container(data, self.limits)
        b.passed("ofd.container")
        docs = read_documents(c)
        sigs = [_Sig(e, d) for d in docs for e in d.signatures]
        b.evidence.update(files=len(c.files), signatures=len(sigs))
        if not sigs:
            b.error("ofd.signatures.none", "the OFD file carries no signature")
            return
        digests: dict[tuple[str, str], bytes] = {}
        for s in sigs:
            self._signature(c, s, at, digests)
        _broken_by_later(sigs)
        sources = set()
        for s in sigs:
            sub = s.b.build()
            sources.add(sub.evidence.get("time_source"))
            kind = "ofd.sign" if s.entry.type == "Sign" else "ofd.seal"
            b.signature(kind, sub, signer=s.signer, part=s.entry.path)
        if at is None and sources == {"timestamp"}:
            b.time_source = TimeSource.TIMESTAMP
        _coverage(b, c, docs, sigs)

    def _signature(
        self, c: Container, s: _Sig, at: datetime | None, digests: dict[tuple[str, str], bytes]
    ) -> None:
        b = s.b
        try:
            s.file = f = read_signature(c, s.entry, s.doc.root)
        except OfdFormatError as e:
            b.error(e.code, str(e), subject=e.subject)
            return
        _references(c, s, f, digests)
        for stamp in f.stamps:
            if stamp.page_ref not in s.doc.pages:
                b.error(
                    "ofd.stamp.page_missing",
                    f"StampAnnot {stamp.id!r} is on page {stamp.page_ref!r}; the document's "
                    f"pages are {sorted(s.doc.pages)}",
                    subject=f.path,
                )
        if f.stamps and not any(st.page_ref not in s.doc.pages for st in f.stamps):
            b.passed("ofd.stamp.pages")
        if f.signed_value is None or f.signed_value not in c:
            b.error(
                "ofd.signature.value_missing",
                f"{f.path}: SignedValue {f.signed_value!r} is not in the container",
                subject=f.path,
            )
            return
        value = c.read(f.signed_value)
        content = c.read(f.path)
        if s.entry.type == "Seal":
            self._seal_signature(c, s, f, value, content, at)
        elif s.entry.type == "Sign":
            from elicense.ofd.digital import check_digital

            s.signer, s.authentic = check_digital(b, value, content, f, self.trust, self.keys, at)
        else:
            b.indeterminate(
                "ofd.signature.type.unsupported",
                f"signature type {s.entry.type!r} is neither Seal nor Sign",
                subject=f.path,
            )

    def _seal_signature(
        self,
        c: Container,
        s: _Sig,
        f: SignatureFile,
        value: bytes,
        content: bytes,
        at: datetime | None,
    ) -> None:
        b = s.b
        try:  # parsed once, here: the SES verifier takes the parsed signature
            sig: Signature | None = parse_signature(value)
        except EncodingError:
            sig = None  # the SES verifier reports it as ses.format.malformed
        filing = self.filed(sig) if self.filed is not None and sig is not None else None
        ses = self._ses if filing is None else SesVerifier([*self.trust, *filing.anchors])
        sub = ses.verify_signature(value if sig is None else sig, content=content, at=at)
        # The SES findings name no part; in the document's verdict they must.
        b.extend(replace(x, subject=x.subject or f.path) for x in sub.findings)
        b.passed_all(sub.checked)
        b.evidence.update(sub.evidence)
        s.authentic = {"ses.signature", "ses.data_hash"} <= set(sub.checked)
        if sig is None:
            return
        when = sub.evidence.get("at")
        if filing is not None and isinstance(when, str):
            jb = VerdictBuilder()
            filing.judge(datetime.fromisoformat(when), jb)
            judged = jb.build()
            b.extend(replace(x, subject=x.subject or f.path) for x in judged.findings)
            b.passed_all(judged.checked)
            b.evidence.update(judged.evidence)
        s.signer = f"{sig.seal.info.name} ({sig.seal.info.es_id})"
        if sig.property_info and sig.property_info.lstrip("/") != f.path:
            b.warning(
                "ofd.property_info.mismatch",
                f"propertyInfo names {sig.property_info!r}, the signature file is /{f.path}",
                subject=f.path,
            )
        if f.seal_file is None:
            return
        if f.seal_file not in c:
            b.error(
                "ofd.seal_file.missing",
                f"{f.path} points to seal file {f.seal_file!r}, which is not in the container",
                subject=f.path,
            )
        elif s.refs.get(f.seal_file) == "mismatch":
            pass  # ofd.seal_file.changed says it already
        elif c.read(f.seal_file) != sig.seal.der:
            b.error(
                "ofd.seal_file.mismatch",
                f"{f.seal_file} is not the seal inside the signature "
                f"({sig.seal.info.name}, {sig.seal.info.es_id})",
                subject=f.seal_file,
            )
        else:
            b.passed("ofd.seal_file")


def _references(
    c: Container, s: _Sig, f: SignatureFile, digests: dict[tuple[str, str], bytes]
) -> None:
    b = s.b
    method = _CHECK_METHODS.get(f.check_method.strip().lower())
    if method is None:
        b.indeterminate(
            "ofd.references.method.unsupported",
            f"CheckMethod {f.check_method!r} is neither SM3 nor SHA-256 (by name or OID)",
            subject=f.path,
        )
        return
    if not f.references:
        b.error("ofd.references.empty", f"{f.path} protects no file", subject=f.path)
        return
    bad = 0
    for r in f.references:
        if r.check_value is None:
            s.refs[r.path] = "malformed"
            b.error("ofd.reference.malformed", f"CheckValue of {r.file_ref!r} is not base64")
        elif r.path not in c:
            s.refs[r.path] = "missing"
            b.error(
                "ofd.reference.missing",
                f"{r.file_ref!r} is protected by the signature but not in the container",
                subject=r.path,
            )
        else:
            key = (method, r.path)
            actual = digests.get(key)
            if actual is None:
                actual = digests[key] = digest(method, c.read(r.path))
            if actual == r.check_value:
                s.refs[r.path] = "ok"
                continue
            s.refs[r.path] = "mismatch"
            if r.path == f.seal_file:
                b.error(
                    "ofd.seal_file.changed",
                    f"the seal file {r.path} changed after signing ({method.upper()} differs)",
                    subject=r.path,
                )
            else:
                b.error(
                    "ofd.reference.mismatch",
                    f"{r.path} changed after signing: its {method.upper()} is "
                    f"{actual.hex()[:16]}…, the signature recorded {r.check_value.hex()[:16]}…",
                    subject=r.path,
                )
        bad += 1
    if not bad:
        b.passed("ofd.references")
    b.evidence["references"] = len(f.references)


def _broken_by_later(sigs: list[_Sig]) -> None:
    """Re-code mismatches that a later signature explains: it protects the file intact,
    or it changed the signature list an earlier one had locked."""
    for i, s in enumerate(sigs):
        later = sigs[i + 1 :]
        for path, status in s.refs.items():
            if status != "mismatch" or not later:
                continue
            culprit = next(
                (t for t in later if t.refs.get(path) == "ok" or path == s.doc.signatures_path),
                None,
            )
            if culprit is not None:
                s.b.error(
                    "ofd.coverage.broken_by_later",
                    f"{path} was changed by the later signature {culprit.entry.id!r} "
                    f"({culprit.entry.path}); this signature no longer covers the document",
                    subject=path,
                )


def _coverage(b: VerdictBuilder, c: Container, docs: list[OfdDocument], sigs: list[_Sig]) -> None:
    # A Signature.xml whose signature does not verify protects nothing, and
    # cannot have locked the document.
    referenced = {p for s in sigs if s.authentic for p in s.refs}
    exempt = set()
    for s in sigs:
        exempt.add(s.entry.path)
        if s.file is not None and s.file.signed_value:
            exempt.add(s.file.signed_value)
    unprotected = [p for p in c.files if p not in referenced and p not in exempt]
    b.evidence["unprotected"] = unprotected
    lock = next(
        (
            s
            for s in sigs
            if s.authentic and s.doc.signatures_path and s.doc.signatures_path in s.refs
        ),
        None,
    )
    if not unprotected:
        b.passed("ofd.coverage")
        return
    if lock is not None:
        for p in unprotected:
            b.error(
                "ofd.coverage.added",
                f"{p} is protected by no signature although signature {lock.entry.id!r} locked "
                "the document (it protects the signature list): added after signing",
                subject=p,
            )
        return
    structural = {"OFD.xml"} | {d.root for d in docs}
    structural |= {p for d in docs for p in d.pages.values()}
    lists = {d.signatures_path for d in docs if d.signatures_path}
    for p in unprotected:
        if p in lists:
            b.warning(
                "ofd.coverage.open",
                f"{p} (the signature list) is not protected: further signatures may be appended",
                subject=p,
            )
        elif p in structural:
            b.indeterminate(
                "ofd.coverage.pages_unprotected",
                f"{p} is part of what is displayed and no signature protects it",
                subject=p,
            )
        else:
            b.warning("ofd.coverage.unprotected", f"no signature protects {p}", subject=p)


def verify_ofd(
    data: bytes | str | os.PathLike[str],
    *,
    trust: TrustAnchors | Iterable[bytes] = (),
    keys: Iterable[PublicKey] = (),
    at: datetime | None = None,
) -> Verdict:
    """Verify an OFD file; see :class:`OfdVerifier`."""
    return OfdVerifier(trust, keys=keys).verify(data, at=at)
