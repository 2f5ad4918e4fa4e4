"""The log path of verification: inclusion proof, cached checkpoint, O(1) status.

A license document carrying :class:`~elicense.log.evidence.LogEvidence` is
verified without a public-key operation per license: the leaf hash of its
newest record, the inclusion proof to a checkpoint verified once and cached,
and one 2-bit lookup in the platform's status list.

**What "valid" rests on, and why the checks below suffice.** The log path
trusts the platform's recording, as the trust bundle already does for
status: a record is in the log only because the ledger accepted it — its
signature, its seal in force at its position, its issuer's authority and the
lifecycle were checked when it was recorded (the signature path re-judges
them, for non-repudiation). What the log path must still establish:

1. *Whose log.* The checkpoint verifies under a platform key of the trusted
   ledger and names its origin; so does the document.
2. *The newest record is logged.* ``H(0x00 ‖ record)`` is leaf ``i`` of the
   checkpoint's tree (RFC 9162 §2.1.3.2); every proof byte counts.
3. *The whole history is covered.* Records ``1…n`` carry versions ``1…n``
   of one aggregate, positions increase, and each ``prev_hash`` is the
   SHA-256 of the record before it (the first is zeros). The ledger writes
   ``prev_hash`` from the aggregate's stored head, so the logged newest
   record fixes every earlier record byte: the document cannot splice
   another license's history under a logged head. No proof covers positions:
   they are compared with the trust source's history digest of the license
   (every record byte and position it knows), so a changed position is
   refused; only records newer than the trust source stay the platform's claim,
   and the verdict's evidence gives the proven ``log_index``, never a position.
4. *It is a license, and the one named.* The newest record's topic is a
   license event and the document's ``license`` is the current identifier
   its statements give (issue: the subject; amend and renew: the next version).
5. *Its status now.* The status list is signed by the platform and tied to
   a checkpoint (same origin, size and root). Its entry for leaf ``i`` is
   ``slot(i)`` under the list's public slot map (:mod:`elicense.log.statusdoc`),
   so the entry cannot be another license's. The entry says whether this
   record is still the license's newest and what the license's status is;
   it must agree with the record's topic. A leaf the list does not cover
   (``i`` ≥ its tree size) falls back to the signature path.
6. *How fresh.* The list's checkpoint older than the verifier's
   ``max_checkpoint_age`` (default :data:`DEFAULT_MAX_CHECKPOINT_AGE`) gives
   ``indeterminate`` (``log.checkpoint.stale``), never ``valid``. Validity
   windows are judged at ``at`` from the records (``valid_until``).

The document's checkpoint may differ from the list's: both are signed by the
platform, and a platform that signed two inconsistent trees has signed proof
of its own misbehaviour, which ``elicense log audit`` (consistency proofs)
exposes; the verifier takes the platform's word here as it does for status.

**Speed.** Documents are decoded into lean views; a valid verdict is built
directly. Proven subtrees are cached per checkpoint (:mod:`elicense.merkle_cache`):
the node at level ``L = depth − cache_bits`` on a leaf's path and the proof hashes
above it are kept once a proof verified, so a later proof through the same node
hashes ``L`` levels and compares the rest byte for byte (every byte of every proof
is still checked). See benchmarks/log.py for the cost against bare hashing.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any, Final

import msgspec

from elicense import wire
from elicense.documents import history_digest
from elicense.errors import ElicenseError, ProofError, TrustError
from elicense.lifecycle import LicenseStatus, RevocationReason
from elicense.log.checkpoint import Checkpoint, CheckpointVerifier
from elicense.log.heads import HEAD_STATUS
from elicense.log.statusdoc import LoadedStatusList, load_ietf_list
from elicense.log.statuslist import Status
from elicense.merkle_cache import ProvenTree, check_inclusion
from elicense.record import GENESIS_HASH
from elicense.verdict import Outcome, Verdict, VerdictBuilder
from elicense.verify.chain import ChainProblem, ChainRecord, lean_record, walk
from elicense.verify.history import split_identifier
from elicense.verify.trust import TrustSource

__all__ = [
    "DEFAULT_CACHE_BITS",
    "DEFAULT_MAX_CHECKPOINT_AGE",
    "LogPath",
    "verify_log_path",
]

DEFAULT_MAX_CHECKPOINT_AGE: Final = timedelta(hours=24)
"""Oldest status-list checkpoint a verifier accepts for ``valid`` (platforms sign hourly
or faster; departments refresh their bundle daily)."""
DEFAULT_CACHE_BITS: Final = 10
"""Proven subtrees cached per checkpoint: at most ``2^10``, each a 32-byte node and the
proof above it (a proof then hashes ``depth − 10`` levels)."""

_PREFIX = wire.LICENSE + "."
_CHECKED: Final = (
    "document.canonical",
    "log.checkpoint.signature",
    "log.inclusion",
    "chain.linked",
    "log.status",
    "log.checkpoint.fresh",
    "license.status",
)


class _Statement(msgspec.Struct):
    kind: str
    subject: str
    seal: str
    valid_until: date | None = None
    reason_code: str | None = None


_statement = msgspec.json.Decoder(_Statement)


class _Failure(Exception):
    """A decisive finding: ``(severity, code, message)`` of the log path."""

    def __init__(self, code: str, message: str, *, error: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.error = error


class LogPath:
    """The log material of one trust source, verified once, and the caches of the hot path.

    Args:
        trust: the verifier's trust source (its log material: the checkpoint and the
            status lists; its history digests authenticate positions).
        max_age: oldest status-list checkpoint accepted for ``valid``.
        cache_bits: proven subtrees kept per checkpoint, as a power of two (0: none).
    """

    def __init__(
        self,
        trust: TrustSource,
        *,
        max_age: timedelta = DEFAULT_MAX_CHECKPOINT_AGE,
        cache_bits: int = DEFAULT_CACHE_BITS,
    ) -> None:
        self.trust = trust
        self.origin: str = trust.origin
        self.max_age = max_age
        self.cache_bits = cache_bits
        self.checkpoints = CheckpointVerifier(trust.platform_key, self.origin)
        self._compromised = trust.compromised_since
        self.status: LoadedStatusList | None = None
        self.status_checkpoint: Checkpoint | None = None
        self.problem: TrustError | None = None
        self._trees: dict[bytes, tuple[ProvenTree, dict[str, Any]]] = {}  # and its summary
        material = trust.log_material()
        if material is None:
            return
        signed, status_lists = material
        try:
            cp = self.checkpoints.verify(signed)
            self.status = load_ietf_list(status_lists, trust.platform_key, cp)
            self.status_checkpoint = cp
            self._status_summary = cp.summary()
        except TrustError as e:
            self.problem = e
            self.status = None

    def _not_compromised(self, seal: str, recorded_at: datetime, version: int) -> None:
        """A revocation's ``compromised_since`` reaches back past the ledger's write-time
        checks: records a compromised seal signed after it are untrusted on every path."""
        since = self._compromised(seal)
        if since is not None and recorded_at >= since:
            raise _Failure(
                "seal.compromised",
                f"version {version} was signed by seal {seal}, compromised since "
                f"{since.isoformat()}, and recorded at {recorded_at.isoformat()}",
            )

    # -- the hot path ------------------------------------------------------------------------

    def verify(self, doc: Any, at: datetime, filed: frozenset[str]) -> Verdict | None:
        """Verify ``doc`` (a license document view with ``log`` set) on the log path.

        ``filed`` are the codes of the seals whose histories the document carries,
        already checked against the trust source by the caller (the log does not
        prove the seal section); every seal the license's records name must be among them.

        Returns ``None`` when the log cannot decide the status — no status list in
        the trust source, or the record is newer than the list — after checking the
        evidence; the caller then takes the signature path.
        """
        try:
            return self._verify(doc, at, filed)
        except _Failure as f:
            b = VerdictBuilder(subject=doc.license)
            b.passed("document.canonical")
            (b.error if f.error else b.indeterminate)(f.code, str(f))
            b.evidence["path"] = "log"
            return b.build()

    def _verify(self, doc: Any, at: datetime, filed: frozenset[str]) -> Verdict | None:
        ev = doc.log
        if doc.origin != self.origin:
            raise _Failure(
                "document.origin.mismatch",
                f"document is from ledger {doc.origin!r}, trust is for {self.origin!r}",
            )
        try:
            cp = self.checkpoints.verify(ev.checkpoint)
        except TrustError as e:
            raise _Failure(e.code, str(e)) from None
        events = doc.events
        if not events:
            raise _Failure("history.empty", "no license records to check")
        newest = events[-1].record
        try:
            rec = lean_record(newest)
            act = _statement.decode(rec.statement)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError, RecursionError) as e:
            raise _Failure("record.malformed", f"newest record: {e}") from None
        if len(events) == 1:
            if rec.version != 1 or rec.prev_hash != GENESIS_HASH or act.kind != "license.issue":
                raise _Failure(
                    "history.start", "a license history starts with license.issue, version 1"
                )
            current, valid_until = act.subject, act.valid_until
            hashes = [hashlib.sha256(newest).digest()]
            self._not_compromised(act.seal, rec.recorded_at, 1)
            if act.seal not in filed:
                _seals_incomplete([act.seal])
        else:
            current, valid_until, used, hashes = _longer_history(events, rec, self._not_compromised)
            if not used <= filed:
                _seals_incomplete(sorted(used - filed))
        if not rec.topic.startswith(_PREFIX):
            raise _Failure("log.record.not_license", f"newest record is a {rec.topic}")
        proven = self._trees.get(cp.root_hash)
        if proven is None:
            if len(self._trees) >= 4:
                self._trees.clear()
            tree = ProvenTree(
                cp.tree_size, cp.root_hash, algorithm=cp.algorithm, cache_bits=self.cache_bits
            )
            proven = self._trees[cp.root_hash] = (tree, cp.summary())
        tree, summary = proven
        try:
            check_inclusion(tree, tree.algorithm.leaf(newest), ev.leaf_index, ev.proof)
        except ProofError as e:
            raise _Failure(e.code, str(e)) from None
        if doc.license != current:
            raise _Failure(
                "document.license.mismatch",
                f"document names {doc.license}, its records end at {current}",
            )
        self._positions(events, hashes, current)
        if self.problem is not None:  # the bundle's own log material does not verify: loud
            raise _Failure(self.problem.code, str(self.problem), error=False)
        lst = self.status
        if lst is None or ev.leaf_index >= lst.tree_size:
            return None
        slot, status = lst.status_of_leaf(ev.leaf_index)
        ref = ev.status
        own = self.status_checkpoint
        if ref is None and own is not None and cp.root_hash == own.root_hash:
            raise _Failure(
                "log.status.missing",
                f"the status list of the document's own checkpoint covers leaf {ev.leaf_index}, "
                "the document names no entry of it",
            )
        if ref is not None and ref.list != lst.list_id:
            raise _Failure(
                "log.status.list_mismatch",
                f"the document names status list {ref.list!r}, the trust source's is "
                f"{lst.list_id!r}",
            )
        if ref is not None and ref.index != slot:
            raise _Failure(
                "log.status.index.mismatch",
                f"the document says entry {ref.index} of {ref.list}, leaf {ev.leaf_index} "
                f"is entry {slot}",
            )
        return self._judge(doc, rec, act, summary, status, slot, valid_until, at)

    def _positions(self, events: Any, hashes: list[bytes], current: str) -> None:
        """Authenticate the records' positions (which no proof covers) against the trust
        source's history digest of the license: every record it knows, positions included.
        Records newer than the source (a license it does not know yet, or records after
        its version) stay the platform's claim; the verdict never reports a position."""
        parts = split_identifier(current)
        known = self.trust.history_digest(parts[0]) if parts else None
        if known is None:
            if events[0].position <= self.trust.as_of:
                raise _Failure(
                    "license.not_in_ledger",
                    "the trust source does not know this license although it covers its "
                    "first position",
                )
            return
        version, digest = known
        if version <= len(events) and history_digest(events[:version], hashes) != digest:
            raise _Failure(
                "document.history.mismatch",
                "the document's records or positions differ from the trust source's",
            )

    def _judge(
        self,
        doc: Any,
        rec: ChainRecord,
        act: _Statement,
        summary: dict[str, Any],
        status: int,
        slot: int,
        valid_until: date | None,
        at: datetime,
    ) -> Verdict:
        assert self.status is not None
        assert self.status_checkpoint is not None
        topic = rec.topic
        age = at - self.status_checkpoint.timestamp
        stale = age > self.max_age
        if status == Status.INVALID:  # permanent: a stale list still says so rightly
            if topic == wire.LICENSE_REVOKED:
                try:
                    ended = RevocationReason(act.reason_code or "").status
                except ValueError:
                    ended = LicenseStatus.OTHER
                return self._ended(doc, ended, ended.finding)
            if topic == wire.LICENSE_EXPIRED:
                return self._ended(doc, LicenseStatus.EXPIRED, "license.expired")
            raise _Failure(
                "document.superseded",
                "the log holds a newer record of this license than the document's newest "
                "(export the document again)",
            )
        if HEAD_STATUS.get(topic) != status:
            raise _Failure(
                "log.status.mismatch",
                f"status list entry {slot} says {status}, which a {topic} record cannot have",
            )
        if valid_until is not None and at.date() > valid_until:
            return self._ended(
                doc,
                LicenseStatus.EXPIRED,
                "license.expired",
                f"the license was valid until {valid_until.isoformat()}; judged on "
                f"{at.date().isoformat()}",
            )
        lifecycle = LicenseStatus.VALID if status == Status.VALID else LicenseStatus.SUSPENDED
        evidence = {
            "path": "log",
            "log_index": doc.log.leaf_index,  # proven; the claimed position is not
            "version": rec.version,
            "checkpoint": summary,
            "status_checkpoint": self._status_summary,
            "checkpoint_age_seconds": round(age.total_seconds(), 3),
            "status_list": self.status.list_id,
            "status_index": slot,
            "status_code": lifecycle.code,
        }
        if not stale and lifecycle is LicenseStatus.VALID:
            return Verdict(
                ok=True,
                outcome=Outcome.VALID,
                status=lifecycle.value,
                checked=_CHECKED,
                subject=doc.license,
                evidence=evidence,
            )
        b = VerdictBuilder(subject=doc.license)
        b.passed_all(_CHECKED[:5])
        if stale:  # a reversible status from an old list: it may have changed since
            b.indeterminate(
                "log.checkpoint.stale",
                f"the status list's checkpoint is {age} old, older than the accepted "
                f"{self.max_age}",
            )
        else:
            b.passed("log.checkpoint.fresh")
        if lifecycle is LicenseStatus.SUSPENDED:
            b.error("license.suspended", "the license is suspended (02 暂扣)")
        b.status = lifecycle.value
        b.evidence.update(evidence)
        return b.build()

    def _ended(
        self, doc: Any, status: LicenseStatus, code: str, message: str | None = None
    ) -> Verdict:
        b = VerdictBuilder(subject=doc.license)
        b.passed_all(_CHECKED[:5])
        b.error(code, message or f"the license is {status} ({status.code} {status.label})")
        b.status = status.value
        b.evidence.update(path="log", log_index=doc.log.leaf_index, status_code=status.code)
        return b.build()


def _seals_incomplete(missing: Any) -> None:
    raise _Failure(
        "document.seals.incomplete",
        f"the document lacks the filing records of seal(s) {', '.join(missing)}",
    )


def _longer_history(
    events: Any, newest: ChainRecord, not_compromised: Any
) -> tuple[str, date | None, set[str], list[bytes]]:
    """Chain, versions, identifier and the seals named by a history of more than one record,
    and the records' hashes (the chain walk's, for the history digest)."""
    from elicense.ids import parse_license_id

    current, valid_until, used, hashes = "", None, set(), []
    try:
        for n, _, rec, record_hash in walk(events):
            hashes.append(record_hash)
            if rec.aggregate_id != newest.aggregate_id:
                raise _Failure("history.aggregate.mismatch", f"record {n} is of another aggregate")
            try:
                act = _statement.decode(rec.statement)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as e:
                raise _Failure("record.malformed", f"record {n}: {e}") from None
            if (n == 1) != (act.kind == "license.issue"):
                raise _Failure("history.start", f"record {n} is a {act.kind}")
            not_compromised(act.seal, rec.recorded_at, n)
            used.add(act.seal)
            current = act.subject
            if act.kind in ("license.issue", "license.renew"):
                valid_until = act.valid_until
            if act.kind in ("license.amend", "license.renew"):
                try:
                    current = str(parse_license_id(act.subject).next_version())
                except ElicenseError as e:
                    raise _Failure("statement.identifier.invalid", str(e)) from None
    except ChainProblem as e:
        raise _Failure(e.code, str(e)) from None
    return current, valid_until, used, hashes


def verify_log_path(verifier: Any, doc: Any, at: datetime, filed: frozenset[str]) -> Verdict | None:
    """The :class:`~elicense.verify.verifier.Verifier` hook: the log path's verdict for
    ``doc``, or ``None`` to take the signature path (see :meth:`LogPath.verify`).

    The verified log material and the caches are kept on the verifier for an
    offline (bundle) trust source; an online one is read afresh each time.
    """
    path: LogPath | None = verifier.log_path
    if path is None:
        trust = verifier.trust
        max_age = getattr(verifier, "max_checkpoint_age", None) or DEFAULT_MAX_CHECKPOINT_AGE
        path = LogPath(trust, max_age=max_age)
        if not trust.online:
            verifier.log_path = path
    return path.verify(doc, at, filed)
