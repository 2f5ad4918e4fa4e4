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
- other registered document kinds, GB/T 38540 DER and PDF, through handlers
  registered by their modules.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from elicense import wire
from elicense.codec import ENCODER, utc_now
from elicense.crypto.suites import get_suite
from elicense.domain.codes import LicenseStatus
from elicense.errors import ElicenseError, EncodingError, NonCanonicalError
from elicense.ids import parse_license_id
from elicense.log.evidence import LogEvidence, LogSource
from elicense.record import PositionedRecord
from elicense.verdict import Verdict, VerdictBuilder
from elicense.verify.formats import LICENSE_DOCUMENT, History, LicenseDocument, decode_document
from elicense.verify.history import HistoryState, check_license_history, split_identifier
from elicense.verify.logpath import verify_log_path
from elicense.verify.sources import BundleTrust, LedgerTrust, pin_keys
from elicense.verify.trust import TimelineError

__all__ = ["DEFAULT_MAX_AGE", "Verifier", "register_bytes_handler", "register_document_handler"]

DEFAULT_MAX_AGE = timedelta(hours=24)
"""How old a trust bundle (and, with the log, a checkpoint) may be before
verdicts become indeterminate: departments are expected to refresh daily."""

DocumentHandler = Callable[["Verifier", Any, bytes, datetime], Verdict]
BytesHandler = Callable[["Verifier", bytes, datetime], Verdict]

_DOCUMENT_HANDLERS: dict[type[Any], DocumentHandler] = {}
_BYTES_HANDLERS: list[tuple[Callable[[bytes], bool], str]] = []


def register_document_handler(doc_type: type[Any], fn: DocumentHandler) -> None:
    """Verify documents decoded as ``doc_type`` with ``fn``."""
    _DOCUMENT_HANDLERS[doc_type] = fn


def register_bytes_handler(matches: Callable[[bytes], bool], module: str) -> None:
    """Non-JSON inputs that ``matches`` are verified by ``module``'s ``verify_bytes``."""
    _BYTES_HANDLERS.append((matches, module))


class _DocView(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    tag_field="format",
    tag=LICENSE_DOCUMENT,
):
    """A license document as the hot path reads it: the seal section kept raw.

    Field for field and option for option the same as :class:`LicenseDocument`,
    so re-encoding a view gives the document's canonical bytes (a difference
    would silently send every document down the slow general path; a test
    guards it).
    """

    origin: str
    license: str
    events: tuple[PositionedRecord, ...]
    seals: msgspec.Raw
    log: LogEvidence | None = None


_doc_view = msgspec.json.Decoder(_DocView)

_WORKER: list[Verifier] = []


def _start_worker(
    bundle: bytes, keys: list[bytes], max_age: timedelta, max_checkpoint_age: timedelta | None
) -> None:
    """Process-pool initializer: load the trust bundle once per worker."""
    _WORKER[:] = [
        Verifier.from_bundle(
            bundle,
            platform_keys=keys,
            max_age=max_age,
            workers=1,
            max_checkpoint_age=max_checkpoint_age,
        )
    ]


def _verify_in_worker(docs: list[Any], at: datetime) -> bytes:
    # One msgpack blob per chunk: far cheaper to send back than pickled Structs.
    return msgspec.msgpack.encode([_WORKER[0].verify(d, at=at) for d in docs])


_verdicts = msgspec.msgpack.Decoder(list[Verdict])

_PROCESS_MIN = 256
"""Documents below which verify_many does not start worker processes (spawning
costs about a second; an already running pool is used for any batch)."""


_seal_histories = msgspec.json.Decoder(tuple[History, ...])
_FILING_RECORDS = 2  # a seal section holds each seal's seal.make and seal.file records
_DOC_PREFIX = b'{"format":"' + LICENSE_DOCUMENT.encode() + b'",'


def _is_file(text: str) -> bool:
    """Whether ``text`` names a file; text no file can be named by is not one."""
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL in it
        return False


class Verifier:
    """Verifies license documents and identifiers against one trust source.

    Build it with :meth:`from_bundle` (offline) or :meth:`from_ledger` (online).

    Args:
        trust: the trust source.
        max_age: oldest trust bundle accepted before verdicts turn indeterminate.
        workers: threads for :meth:`verify_many` (default: the number of cores).
        max_checkpoint_age: oldest log checkpoint (status list) accepted on the log
            path (default ``max_age``; see :mod:`elicense.verify.logpath`).
    """

    def __init__(
        self,
        trust: BundleTrust | Any,
        *,
        max_age: timedelta = DEFAULT_MAX_AGE,
        workers: int | None = None,
        max_checkpoint_age: timedelta | None = None,
    ) -> None:
        self._trust = trust
        self.max_age = max_age
        self.max_checkpoint_age = max_checkpoint_age or max_age
        self.workers = workers or os.cpu_count() or 1
        self._seal_sections: dict[bytes, tuple[bytes, frozenset[str]]] = {}
        self._recipe: tuple[bytes, list[bytes], timedelta] | None = None
        self._processes: ProcessPoolExecutor | None = None
        self._ledger_log: Any = None

    @classmethod
    def from_bundle(
        cls,
        bundle: bytes | str | os.PathLike[str],
        *,
        platform_keys: Iterable[Any],
        max_age: timedelta = DEFAULT_MAX_AGE,
        workers: int | None = None,
        max_checkpoint_age: timedelta | None = None,
    ) -> Verifier:
        """An offline verifier from a signed trust bundle.

        Args:
            bundle: the bundle's bytes, or a path to it.
            platform_keys: the platform public keys the caller trusts (PEM/DER
                bytes, PEM text or PublicKey objects). The bundle must be signed
                by one of them.

        Raises:
            TrustError: the bundle does not verify under a pinned key.
        """
        data = bundle if isinstance(bundle, bytes) else Path(bundle).read_bytes()
        pinned = pin_keys(platform_keys)
        trust = BundleTrust.load(data, pinned)
        verifier = cls(
            trust, max_age=max_age, workers=workers, max_checkpoint_age=max_checkpoint_age
        )
        verifier._recipe = (data, [k.spki for k in pinned.values()], max_age)
        return verifier

    @classmethod
    def from_ledger(
        cls, ledger: Any, *, log: LogSource | None = None, workers: int | None = None
    ) -> Verifier:
        """An online verifier that replays from ``ledger`` (a :class:`~elicense.ledger.Ledger`).

        Args:
            log: the ledger's transparency log (e.g. ``elicense_sql.log_proofs.SqlLog``).
                With it, an identifier's newest logged record must be the one the
                log's signed checkpoint holds, and still the license's newest
                (:mod:`elicense.verify.ledgerlog`): a record changed or removed from
                the end of a history after it was logged is caught. Without it only
                the chain covers the records, which cannot prove the newest unchanged.
        """
        verifier = cls(ledger, workers=workers)
        if log is not None:
            from elicense.verify.ledgerlog import LedgerLog

            verifier._ledger_log = LedgerLog(log)
        return verifier

    @property
    def trust(self) -> Any:
        """The trust source in force (a fresh snapshot for a ledger)."""
        if isinstance(self._trust, BundleTrust):
            return self._trust
        return LedgerTrust(self._trust)

    # -- API -------------------------------------------------------------------------------

    def verify(
        self, document: bytes | str | os.PathLike[str], *, at: datetime | None = None
    ) -> Verdict:
        """Verify ``document``; never raises for bad input.

        Args:
            document: bytes, text, a path, or a license identifier.
            at: the time to judge validity at (default: now).
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
        if self._recipe is not None and (self._processes is not None or len(docs) >= _PROCESS_MIN):
            if self._processes is None:
                self._processes = ProcessPoolExecutor(
                    self.workers - 1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(*self._recipe, self.max_checkpoint_age),
                )
            # This process verifies every workers-th chunk itself while the worker
            # processes take the rest: as many verifiers as cores, none idle.
            mine = range(0, len(chunks), self.workers)
            futures = {
                i: self._processes.submit(_verify_in_worker, c, at)
                for i, c in enumerate(chunks)
                if i % self.workers
            }
            done = {i: [self.verify(d, at=at) for d in chunks[i]] for i in mine}
            return [
                v
                for i in range(len(chunks))
                for v in (done[i] if i in done else _verdicts.decode(futures[i].result()))
            ]
        if not self._threads_parallel():
            return [self.verify(d, at=at) for d in docs]
        # ThreadPoolExecutor.map ignores chunksize: submit explicit chunks so a
        # future's cost is paid per chunk, not per document.
        with ThreadPoolExecutor(self.workers) as pool:
            parts = pool.map(lambda c: [self.verify(d, at=at) for d in c], chunks)
            return [v for part in parts for v in part]

    def _threads_parallel(self) -> bool:
        trust = self._trust
        algs = getattr(trust, "seal_algs", None)
        return all(get_suite(a).releases_gil for a in algs()) if algs is not None else True

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
                return self._verify_identifier(text, at)
            if text[:8].upper() == "HTTPS://" and "/V/" in text:
                return self._verify_payload(text, at)
            if text.startswith("{"):
                return self._verify_bytes(text.encode(), at)
            if len(text) < 4096 and _is_file(text):
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
        if data.startswith(_DOC_PREFIX):
            try:
                view = _doc_view.decode(data)
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
                version = _format_version(data)
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
            handler = _DOCUMENT_HANDLERS.get(type(doc))
            if handler is not None:
                return handler(self, doc, data, at)
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
                return self._verify_payload(text.strip(), at)
        for matches, module in _BYTES_HANDLERS:
            if matches(data):
                import importlib

                verified: Verdict = importlib.import_module(module).verify_bytes(self, data, at)
                return verified
        b = VerdictBuilder()
        b.error("document.format.unknown", "input is not a document elicense can verify")
        return b.build()

    # -- verify-me payloads (QR text) ----------------------------------------------------------

    def _verify_payload(self, text: str, at: datetime) -> Verdict:
        from elicense.payload import verify_payload

        trust = self.trust
        verdict = verify_payload(
            text,
            platform_keys=trust.platform_keys(),
            origin=trust.origin,
            status_of=trust.slot_status,
            at=at,
            max_status_age=self.max_age,
        )
        slot = verdict.evidence.get("status_slot")
        if verdict.status == "invalid" and isinstance(slot, int):
            replaced = trust.replaced_by(slot)
            if replaced is not None:
                verdict.evidence["current_identifier"] = replaced
        return verdict

    # -- licenses ------------------------------------------------------------------------------

    def _check_trust_age(self, trust: Any, b: VerdictBuilder, at: datetime) -> None:
        issued = trust.issued_at
        if issued is None:
            return
        age = at - issued
        b.evidence["trust_issued_at"] = issued
        if age > self.max_age:
            b.indeterminate(
                "trust.stale",
                f"trust bundle is {age} old, older than the accepted {self.max_age}",
            )
        else:
            b.passed("trust.fresh")

    def _verify_license_document(self, doc: _DocView | LicenseDocument, at: datetime) -> Verdict:
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
        filed = self._document_seals(doc, trust, b)
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
        if not self._names_current_identifier(doc.license, st):
            b.error(
                "document.license.mismatch",
                f"document names {doc.license}, its history ends at {st.key} "
                f"version {st.id_version:03d}",
            )
            return b.build()
        self._check_trust_age(trust, b, at)
        status = self._status_against_trust(doc.events, st, trust, b)
        self._judge_status(st, status, at, b)
        return b.build()

    @staticmethod
    def _names_current_identifier(text: str, st: HistoryState) -> bool:
        if st.last_subject_version == st.id_version:
            return text == st.last_subject  # the current identifier is in a statement
        try:  # amended or renewed: the current identifier's check char is not in any statement
            lid = parse_license_id(text)
        except ElicenseError:
            return False
        same = lid.conformant and lid.key == st.key and lid.version == st.id_version
        return same and str(lid) == text  # as written: parse_license_id normalises case, spaces

    def _document_seals(self, doc: Any, trust: Any, b: VerdictBuilder) -> frozenset[str] | None:
        """The codes of the seals whose filings the document carries, checked
        against the trust source. A seal section seen before is a dict lookup
        keyed by its length and ends, then one comparison of the whole section.

        ``None`` when a seal is unknown to the trust source (a bundle older than the
        seal): its entries cannot be judged, so the verdict is indeterminate, not invalid.
        """
        raw = bytes(doc.seals) if isinstance(doc, _DocView) else None
        if raw is not None:
            # Hashing a whole section (kilobytes) costs more than comparing it: the key
            # is cheap, the comparison with the section seen exact.
            section_key = raw[:64] + raw[-64:] + len(raw).to_bytes(4, "big")
            seen = self._seal_sections.get(section_key)
            if seen is not None and seen[0] == raw:
                b.passed("document.canonical")
                return seen[1]
            try:
                histories: tuple[History, ...] = _seal_histories.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as e:
                b.error("document.malformed", f"seals: {e}")
                return frozenset()
            if ENCODER.encode(histories) != raw:  # the view's re-encoding copies raw verbatim
                b.error(
                    "document.noncanonical",
                    "document: the seal section is not the canonical encoding of its content",
                )
                return frozenset()
        else:
            histories = doc.seals
        codes = []
        unknown = False
        previous = ""
        for h in histories:
            if h.key <= previous:  # the exporter lists each seal once, sorted by code
                b.error(
                    "document.seals.order",
                    f"the seal section lists seal {h.key} after {previous}: each seal must "
                    "appear once, sorted by code",
                    subject=h.key,
                )
                return frozenset()
            previous = h.key
            known = trust.seal_events(h.key)
            if known is None and h.events and h.events[0].position > trust.as_of:
                unknown = True
                b.indeterminate(
                    "trust.seal.unknown",
                    f"seal {h.key} is not in the trust source (older than the seal?)",
                    subject=h.key,
                )
            elif known is None:
                b.error(
                    "seal.unknown",
                    f"seal {h.key} is not in the trust source, which covers the positions "
                    "of the document's records of it",
                    subject=h.key,
                )
            elif known[:_FILING_RECORDS] != h.events:  # exactly seal.make and seal.file
                b.error(
                    "document.seal.mismatch",
                    f"the document's records of seal {h.key} differ from the trusted ones",
                    subject=h.key,
                )
            else:
                codes.append(h.key)
        b.passed("document.canonical")  # every byte decoded; the raw section re-encodes exactly
        if unknown:
            return None
        result = frozenset(codes)
        if raw is not None and len(codes) == len(histories):
            if len(self._seal_sections) > 4096:
                self._seal_sections.clear()
            self._seal_sections[section_key] = (raw, result)
        return result

    def _status_against_trust(
        self, events: Any, st: HistoryState, trust: Any, b: VerdictBuilder
    ) -> LicenseStatus | None:
        assert st.key is not None
        assert st.status is not None
        entry = trust.license_status(st.key)
        b.evidence["as_of"] = trust.as_of
        if entry is None:
            if events[0].position > trust.as_of:
                b.indeterminate(
                    "status.unknown",
                    f"the license was recorded at position {events[0].position}, after the "
                    f"trust source's newest position {trust.as_of}",
                    subject=st.key,
                )
                return st.status
            b.error(
                "license.not_in_ledger",
                "the trust source does not know this license although it covers its positions",
                subject=st.key,
            )
            return None
        if entry.version > st.version:
            b.error(
                "document.superseded",
                f"the ledger holds version {entry.version} of this license's history, "
                f"the document only {st.version}",
                subject=st.key,
            )
            return LicenseStatus.from_code(entry.status)
        if entry.version < st.version:
            newer = events[entry.version].position
            if newer > trust.as_of:
                b.indeterminate(
                    "status.stale",
                    f"the document's version {entry.version + 1} (position {newer}) is newer "
                    f"than the trust source (position {trust.as_of})",
                    subject=st.key,
                )
                return st.status
            b.error(
                "document.history.mismatch",
                "the document's history differs from the ledger's",
                subject=st.key,
            )
            return None
        if entry.digest != st.digest:
            b.error(
                "document.history.mismatch",
                "the document's records or positions differ from the ledger's",
                subject=st.key,
            )
            return None
        b.passed("status.current")
        return LicenseStatus.from_code(entry.status)

    def _judge_status(
        self, st: HistoryState, status: LicenseStatus | None, at: datetime, b: VerdictBuilder
    ) -> None:
        if status is None:
            return
        today: date = at.date()
        if status is LicenseStatus.VALID and st.valid_until is not None and today > st.valid_until:
            status = LicenseStatus.EXPIRED
            b.error(
                "license.expired",
                f"the license was valid until {st.valid_until.isoformat()}; judged on "
                f"{today.isoformat()}",
            )
        elif status is not LicenseStatus.VALID:
            b.error(status.finding, f"the license is {status} ({status.code} {status.label})")
        else:
            b.passed("license.status")
        b.status = status.value
        b.evidence.update(
            status_code=status.code,
            license=st.key,
            version=st.version,
            identifier_version=st.id_version,
            position=st.last_position,
            seals=st.seals,
        )

    def _verify_identifier(self, identifier: str, at: datetime) -> Verdict:
        b = VerdictBuilder(subject=identifier)
        try:
            lid = parse_license_id(identifier)
        except ElicenseError as e:
            b.error("identifier.invalid", str(e))
            return b.build()
        trust = self.trust
        if not trust.online:
            entry = trust.license_status(lid.key) if lid.conformant else None
            b.indeterminate(
                "document.identifier_only",
                "an identifier alone proves nothing offline; give the exported document",
            )
            if entry is not None:
                b.status = LicenseStatus.from_code(entry.status).value
            return b.build()
        from elicense.domain.base import deterministic_id

        ledger: Any = self._trust
        events = ledger.history(deterministic_id("license", lid.key))
        if not events:
            b.error("license.not_in_ledger", f"license {lid.key} is not in this ledger")
            return b.build()
        st = check_license_history(events, trust, b, license_key=lid.key)
        if b.failed:
            return b.build()
        if self._ledger_log is not None:
            from_log = self._ledger_log.check(events, lid.key, trust, b)
            if b.failed:
                b.status = from_log.value if from_log is not None else None
                return b.build()
        if lid.version < st.id_version:
            current = str(msgspec.structs.replace(lid, version=st.id_version))
            b.evidence["current_identifier"] = current
            b.error(
                "license.superseded",
                f"{identifier} was superseded by version {st.id_version:03d} (变更/延续): "
                f"{current}",
            )
        elif lid.version > st.id_version:
            b.error(
                "license.version.unknown",
                f"the ledger's newest version of {lid.key} is {st.id_version:03d}",
            )
        self._judge_status(st, st.status, at, b)
        return b.build()


# Document kinds of other modules that every verifier should know (registered on import).
import elicense.reuse.documents  # noqa: E402, F401 - views and annotated copies (加注件)
from elicense.ofd import is_ofd  # noqa: E402 - a zip naming OFD.xml: a signed OFD file

register_bytes_handler(is_ofd, "elicense.ofd.verify")
from elicense.files import is_pdf  # noqa: E402 - a license PDF (needs the pdf extra)

register_bytes_handler(is_pdf, "elicense.files.pdfverify")


class _Format(msgspec.Struct):
    format: str


def _format_version(data: bytes) -> str | None:
    """The version an undecodable document's ``format`` tag names, if it has one."""
    try:
        tag = msgspec.json.decode(data, type=_Format).format
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, ValueError):
        return None
    return wire.wire_version_of(tag)
