"""The public verification API other systems import.

::

    from elicense import Verifier
    verifier = Verifier.from_bundle(bundle_bytes, platform_keys=[platform_pem])
    verdict = verifier.verify(document)       # bytes | str | path
    verdict.ok, verdict.status, verdict.findings
    verifier.verify_many(documents)           # all cores, order preserved
    verifier.require(document)                # raises VerificationError unless valid

Any input gives a :class:`~elicense.verdict.Verdict`; nothing malformed
raises past :meth:`Verifier.verify`. Inputs recognised:

- an exported license document (canonical JSON, ``format`` =
  ``elicense/license-document/v1``) — offline against the trust bundle, or
  against the live ledger;
- a license identifier (``1.2.156.3005.2.…``) — replayed from the ledger
  (online); offline only its status in the bundle can be looked up;
- a platform-signed license view or annotated copy (:mod:`elicense.verify.views`);
- a verify-me payload's text (``HTTPS://HOST/V/…``);
- a signed OFD file (:mod:`elicense.verify.ofdfile`) or license PDF (:mod:`elicense.verify.pdf`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from elicense import wire
from elicense.codec import ENCODER, utc_now
from elicense.crypto.suites import PublicKey, get_suite
from elicense.documents import (
    LicenseDocument,
    SignedAnnotatedCopy,
    SignedLicenseView,
    decode_document,
)
from elicense.errors import ElicenseError, EncodingError, NonCanonicalError, StorageError
from elicense.log.evidence import LogSource
from elicense.verdict import Verdict, VerdictBuilder
from elicense.verify import views
from elicense.verify.history import check_license_history, split_identifier
from elicense.verify.inputs import (
    DOC_PREFIX,
    FILE_FORMATS,
    DocView,
    doc_view,
    format_version,
    is_file,
)
from elicense.verify.judgment import (
    check_trust_age,
    judge_status,
    names_current_identifier,
    status_against_trust,
)
from elicense.verify.ledgerlog import LedgerLog
from elicense.verify.logpath import verify_log_path
from elicense.verify.online import verify_identifier, verify_payload_text
from elicense.verify.parallel import PROCESS_MIN, BundleWorkers
from elicense.verify.seals import SealSections
from elicense.verify.sources import (
    BundleTrust,
    LedgerReader,
    LedgerTrust,
    TimelineCache,
    pin_keys,
)
from elicense.verify.trust import TimelineError, TrustSource

__all__ = ["DEFAULT_MAX_AGE", "Verifier"]

DEFAULT_MAX_AGE = timedelta(hours=24)
"""How old a trust bundle (and, with the log, a checkpoint) may be before
verdicts become indeterminate: departments are expected to refresh daily."""


class Verifier:
    """Verifies license documents and identifiers against one trust source.

    Build it with :meth:`from_bundle` (offline) or :meth:`from_ledger` (online).

    Args:
        trust: the trust source.
        max_age: oldest trust bundle accepted before verdicts turn indeterminate.
        workers: threads for :meth:`verify_many` (default: the number of cores).
        max_checkpoint_age: oldest log checkpoint (status list) accepted on the log
            path (default ``max_age``; see :mod:`elicense.verify.logpath`).
        ofd_anchors: certificates (DER, or a ``TrustAnchors``) trusted for OFD signatures
            besides the seals filed on ``trust`` (:mod:`elicense.verify.ofdfile`).
        ofd_keys: public keys trusted for bare OFD digital signatures (``Type="Sign"``).

    Raises:
        KeyFormatError: one of ``ofd_anchors`` is not a certificate.
    """

    process_min = PROCESS_MIN
    """Documents below which :meth:`verify_many` starts no worker processes."""

    def __init__(
        self,
        trust: BundleTrust | LedgerReader,
        *,
        max_age: timedelta = DEFAULT_MAX_AGE,
        workers: int | None = None,
        max_checkpoint_age: timedelta | None = None,
        ofd_anchors: Iterable[bytes] = (),
        ofd_keys: Iterable[PublicKey] = (),
    ) -> None:
        self._trust = trust
        self.ofd_anchors: Iterable[bytes] = ()
        """The OFD anchors, checked once (a ``TrustAnchors`` the OFD verifier takes as is)."""
        if ofd_anchors:
            from elicense.crypto.ses.trust import TrustAnchors  # loads for OFD anchors only

            self.ofd_anchors = TrustAnchors(ofd_anchors)
        self.ofd_keys = tuple(ofd_keys)
        self.max_age = max_age
        self.max_checkpoint_age = max_checkpoint_age or max_age
        self.workers = workers or os.cpu_count() or 1
        self._seal_sections = SealSections()
        self._recipe: Callable[[], Verifier] | None = None
        self._processes: BundleWorkers | None = None
        self.ledger_log: LedgerLog | None = None
        self._timelines = TimelineCache()  # online: seal and type histories checked once
        self.log_path: Any = None  # the log path's verified material, kept offline (logpath)

    @classmethod
    def from_bundle(
        cls,
        bundle: bytes | str | os.PathLike[str],
        *,
        platform_keys: Iterable[Any],
        max_age: timedelta = DEFAULT_MAX_AGE,
        workers: int | None = None,
        max_checkpoint_age: timedelta | None = None,
        ofd_anchors: Iterable[bytes] = (),
        ofd_keys: Iterable[PublicKey] = (),
    ) -> Verifier:
        """An offline verifier from a signed trust bundle.

        Args:
            bundle: the bundle's bytes, or a path to it.
            platform_keys: the platform public keys the caller trusts (PEM/DER
                bytes, PEM text or PublicKey objects). The bundle must be signed
                by one of them.
            ofd_anchors, ofd_keys: as for :class:`Verifier`.

        Raises:
            TrustError: the bundle does not verify under a pinned key.
        """
        data = bundle if isinstance(bundle, bytes) else Path(bundle).read_bytes()
        pinned = pin_keys(platform_keys)
        trust = BundleTrust.load(data, pinned)
        anchors, keys = tuple(ofd_anchors), tuple(ofd_keys)
        verifier = cls(
            trust,
            max_age=max_age,
            workers=workers,
            max_checkpoint_age=max_checkpoint_age,
            ofd_anchors=anchors,
            ofd_keys=keys,
        )
        verifier._recipe = functools.partial(
            cls.from_bundle,
            data,
            platform_keys=[k.spki for k in pinned.values()],
            max_age=max_age,
            workers=1,
            max_checkpoint_age=max_checkpoint_age,
            ofd_anchors=anchors,
            ofd_keys=keys,
        )
        return verifier

    @classmethod
    def from_ledger(
        cls,
        ledger: LedgerReader,
        *,
        log: LogSource | None = None,
        workers: int | None = None,
        ofd_anchors: Iterable[bytes] = (),
        ofd_keys: Iterable[PublicKey] = (),
    ) -> Verifier:
        """An online verifier that replays from ``ledger`` (a :class:`~elicense.ledger.Ledger`).

        Args:
            log: the ledger's transparency log (e.g. ``elicense_sql.log_proofs.SqlLog``).
                With it, an identifier's newest logged record must be the one the
                log's signed checkpoint holds, and still the license's newest
                (:mod:`elicense.verify.ledgerlog`): a record changed or removed from
                the end of a history after it was logged is caught. Without it only
                the chain covers the records, which cannot prove the newest unchanged.
            ofd_anchors, ofd_keys: as for :class:`Verifier`.
        """
        verifier = cls(ledger, workers=workers, ofd_anchors=ofd_anchors, ofd_keys=ofd_keys)
        if log is not None:
            verifier.ledger_log = LedgerLog(log)
        return verifier

    @property
    def source(self) -> BundleTrust | LedgerReader:
        """What this verifier was built on: the loaded trust bundle, or the live ledger."""
        return self._trust

    @property
    def trust(self) -> TrustSource:
        """The trust source in force (a fresh snapshot for a ledger)."""
        if isinstance(self._trust, BundleTrust):
            return self._trust
        return LedgerTrust(self._trust, self._timelines)

    # -- API -------------------------------------------------------------------------------

    def verify(
        self, document: bytes | str | os.PathLike[str], *, at: datetime | None = None
    ) -> Verdict:
        """Verify ``document``; never raises for bad input.

        Args:
            document: bytes, text, a path, or a license identifier.
            at: the time to judge validity at (default: now).

        Raises:
            StorageError: (online) the ledger's store, or its log's, did not answer:
                no verdict on the document can be given now (a service answers 503).
        """
        at = at or utc_now()
        try:
            return self._verify(document, at)
        except TimelineError as e:  # online: a seal's or type's own records do not verify
            b = VerdictBuilder()
            b.error(e.code, str(e), subject=e.subject, version=e.version)
            return b.build()
        except EncodingError as e:
            b = VerdictBuilder()
            if isinstance(self._trust, BundleTrust):  # offline, nothing reads a store
                b.error("verifier.internal_error", f"{type(e).__name__}: {e}")
            else:  # the ledger refused one of its own rows (StoredRecordError)
                b.error("ledger.record.corrupt", str(e), version=getattr(e, "version", None))
            return b.build()
        except Exception as e:  # nothing malformed raises past this API
            if not isinstance(self._trust, BundleTrust) and self._trust.store_failure(e):
                raise StorageError(f"the ledger's store did not answer: {e}") from e
            b = VerdictBuilder()
            b.error("verifier.internal_error", f"{type(e).__name__}: {e}")
            return b.build()

    def verify_many(
        self, documents: Iterable[bytes | str | os.PathLike[str]], *, at: datetime | None = None
    ) -> list[Verdict]:
        """Verify many documents on all cores; results in input order.

        With a trust bundle, large batches go to worker processes that each load
        the bundle once: verification is half Python, half signature checks, and
        only processes run both halves in parallel (threads only overlap the
        signature checks, and not at all with a suite that holds the GIL, like
        the SM2 backend). Small batches, and verifiers on a live ledger, use
        threads when the seals' suites release the GIL. Call :meth:`close` (or
        use the verifier as a context manager) to stop the worker processes.
        The program must be import-safe (``if __name__ == "__main__":``), as for
        any ``spawn`` process pool.
        """
        at = at or utc_now()
        docs = list(documents)
        if self.workers <= 1 or len(docs) < 2:
            return [self.verify(d, at=at) for d in docs]
        size = max(1, min(256, len(docs) // (self.workers * 4)))
        chunks = [docs[i : i + size] for i in range(0, len(docs), size)]
        if self._recipe is not None and (
            self._processes is not None or len(docs) >= self.process_min
        ):
            if self._processes is None:
                self._processes = BundleWorkers(self.workers, self._recipe)
            return self._processes.verify(chunks, at, lambda c: [self.verify(d, at=at) for d in c])
        if not self._threads_parallel():
            return [self.verify(d, at=at) for d in docs]
        # ThreadPoolExecutor.map ignores chunksize: submit explicit chunks so a
        # future's cost is paid per chunk, not per document.
        with ThreadPoolExecutor(self.workers) as pool:
            parts = pool.map(lambda c: [self.verify(d, at=at) for d in c], chunks)
            return [v for part in parts for v in part]

    def _threads_parallel(self) -> bool:
        algs = self.trust.seal_algs()
        return all(get_suite(a).releases_gil for a in algs) if algs is not None else True

    def close(self) -> None:
        """Stop worker processes started by :meth:`verify_many`, if any."""
        if self._processes is not None:
            self._processes.shutdown()
            self._processes = None

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def require(
        self, document: bytes | str | os.PathLike[str], *, at: datetime | None = None
    ) -> Verdict:
        """Verify and raise :class:`~elicense.errors.VerificationError` unless valid."""
        return self.verify(document, at=at).raise_for_failure()

    # -- dispatch ------------------------------------------------------------------------------

    def _verify(self, document: bytes | str | os.PathLike[str], at: datetime) -> Verdict:
        if type(document) is bytes:  # the common case first: os.PathLike is an ABC check
            return self._verify_bytes(document, at)
        if isinstance(document, str):
            text = document.strip()
            if text.startswith("1.2.156."):
                return verify_identifier(self, text, at)
            if text[:8].upper() == "HTTPS://" and "/V/" in text:
                return verify_payload_text(self, text, at)
            if text.startswith("{"):
                return self._verify_bytes(text.encode(), at)
            if len(text) < 4096 and is_file(text):
                return self._verify_path(Path(text), at)
            b = VerdictBuilder()
            b.error("document.format.unknown", "text is neither an identifier, JSON nor a file")
            return b.build()
        if isinstance(document, os.PathLike):
            return self._verify_path(Path(document), at)
        if isinstance(document, bytes | bytearray | memoryview):
            return self._verify_bytes(bytes(document), at)
        b = VerdictBuilder()
        b.error("document.type.unsupported", f"cannot verify a {type(document).__name__}")
        return b.build()

    def _verify_path(self, path: Path, at: datetime) -> Verdict:
        try:
            data = path.read_bytes()
        except OSError as e:
            b = VerdictBuilder(subject=str(path))
            b.error("document.unreadable", f"cannot read {path}: {e.strerror}")
            return b.build()
        return self._verify_bytes(data, at)

    def _verify_bytes(self, data: bytes, at: datetime) -> Verdict:
        if data.startswith(DOC_PREFIX):
            try:
                view = doc_view.decode(data)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError, RecursionError):
                view = None  # the general path below reports precisely
            if view is not None and ENCODER.encode(view) == data:
                return self._verify_license_document(view, at)
        if data[:1] == b"{":
            try:
                doc = decode_document(data)
            except NonCanonicalError as e:
                b = VerdictBuilder()
                b.error("document.noncanonical", str(e))
                return b.build()
            except ElicenseError as e:
                b = VerdictBuilder()
                version = format_version(data)
                if version is not None and version != wire.VERSION:
                    b.error(
                        "document.version.unsupported",
                        f"the document is wire format {version}; this verifier reads "
                        f"{wire.VERSION} only",
                    )
                else:
                    b.error("document.malformed", str(e))
                return b.build()
            if isinstance(doc, LicenseDocument):
                return self._verify_license_document(doc, at)
            if isinstance(doc, SignedLicenseView):
                return views.verify_view(self, doc, data, at)
            if isinstance(doc, SignedAnnotatedCopy):
                return views.verify_copy(self, doc, data, at)
            b = VerdictBuilder()
            kind = type(doc).__struct_config__.tag  # the format tag is not an attribute
            b.error("document.kind.unsupported", f"{kind} is not a verifiable document")
            return b.build()
        if data[:8].upper() == b"HTTPS://":  # a verify-me payload's text, sent as bytes
            try:
                text = data.decode("ascii")
            except UnicodeDecodeError:
                text = ""
            if text:
                return verify_payload_text(self, text.strip(), at)
        for matches, verify_file in FILE_FORMATS:
            if matches(data):
                return verify_file(self, data, at)
        b = VerdictBuilder()
        b.error("document.format.unknown", "input is not a document elicense can verify")
        return b.build()

    # -- licenses ------------------------------------------------------------------------------

    def _verify_license_document(self, doc: DocView | LicenseDocument, at: datetime) -> Verdict:
        trust = self.trust
        if doc.origin != trust.origin:
            b = VerdictBuilder(subject=doc.license)  # seal section unread: canonical unclaimed
            b.error(
                "document.origin.mismatch",
                f"document is from ledger {doc.origin!r}, trust is for {trust.origin!r}",
            )
            if doc.log is not None:
                b.evidence["path"] = "log"
            return b.build()
        # The seal section is in no signature and no log proof: both paths authenticate it
        # here, against the trust source (a cached comparison), or refuse the document.
        b = VerdictBuilder(subject=doc.license)
        filed = self._seal_sections.check(doc, trust, b)
        if b.failed or filed is None:
            if doc.log is not None:
                b.evidence["path"] = "log"
            return b.build()
        if doc.log is not None:  # the log path (elicense.verify.logpath); None: not decided
            decided = verify_log_path(self, doc, at, filed)
            if decided is not None:
                return decided
        parts = split_identifier(doc.license)
        st = check_license_history(doc.events, trust, b, license_key=parts[0] if parts else None)
        if b.failed:
            return b.build()
        missing = [code for code in st.seals if code not in filed]
        if missing:
            b.error(
                "document.seals.incomplete",
                f"the document lacks the filing records of seal(s) {', '.join(missing)}",
            )
            return b.build()
        if not names_current_identifier(doc.license, st):
            b.error(
                "document.license.mismatch",
                f"document names {doc.license}, its history ends at {st.key} "
                f"version {st.id_version:03d}",
            )
            return b.build()
        check_trust_age(trust, self.max_age, b, at)
        status = status_against_trust(doc.events, st, trust, b)
        judge_status(st, status, at, b)
        return b.build()
