"""What an exported document carries from the log, and what the library asks of a log.

:class:`LogEvidence` rides at the end of a license document (its ``log``
field): the leaf index of the document's newest record, the RFC 9162
inclusion proof of that leaf, the signed checkpoint the proof leads to, and
the record's status-list entry. With it a verifier goes the log path: one
leaf hash, O(log n) node hashes, a cached checkpoint and an O(1) status
lookup (:mod:`elicense.verify.logpath`).

:class:`LogSource` is the port the library needs of a log — to attach
evidence when exporting (:func:`elicense.ledger.export.license_document`) and
to put the latest checkpoint and status lists in a trust bundle. The SQL log
store (``elicense_sql.log_store``) implements it; the library never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import msgspec

from elicense.errors import ProofError
from elicense.log.checkpoint import SignedCheckpoint
from elicense.log.statusdoc import SignedStatusList
from elicense.merkle import HashAlgorithm, hash_algorithm, verify_inclusion

__all__ = [
    "LogEvidence",
    "LogSource",
    "LogTrustMaterial",
    "StatusRef",
    "leaf_hash",
    "require_included",
]


class StatusRef(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A record's entry in a status list (for standard verifiers; elicense recomputes it).

    Attributes:
        list: the status list's ``list_id``.
        index: the entry (``statusListIndex`` in W3C terms, ``idx`` in IETF terms).
    """

    list: str
    index: int


class LogEvidence(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """Proof that a document's newest record is in the log, and where its status lives.

    Attributes:
        leaf_index: the record's index in the log (0-based, dense; positions may have gaps).
        proof: the inclusion path (RFC 9162 §2.1.3.1), leaf to root, its hashes
            concatenated (32 bytes each).
        checkpoint: the signed checkpoint whose root the proof leads to.
        status: the record's status-list entry, when a list covers it.
    """

    leaf_index: int
    proof: bytes
    checkpoint: SignedCheckpoint
    status: StatusRef | None = None


@dataclass(frozen=True, slots=True)
class LogTrustMaterial:
    """What a trust bundle carries from the log: the latest checkpoint and its lists."""

    checkpoint: SignedCheckpoint
    status_lists: tuple[SignedStatusList, ...]


class LogSource(Protocol):
    """The log as the library needs it (implemented by the SQL log store)."""

    def evidence(self, position: int) -> LogEvidence | None:
        """Evidence for the record at ``position`` against the latest checkpoint, or
        ``None`` when no checkpoint covers it yet."""
        ...

    def trust_material(self) -> LogTrustMaterial | None:
        """The latest signed checkpoint and its signed status lists (``None``: no checkpoint)."""
        ...

    def later_records(self, aggregate_id: str, after: int, size: int) -> list[tuple[int, int]]:
        """``(leaf index, version)`` of the records of ``aggregate_id`` the log holds
        after leaf ``after`` and below leaf ``size``, oldest first (what online
        verification names when the ledger lacks a license's newest record)."""
        ...


def leaf_hash(record: bytes, algorithm: HashAlgorithm) -> bytes:
    """The log leaf of stored record bytes: ``H(0x00 ‖ record)`` (docs/wire-format.md §3)."""
    return algorithm.leaf(record)


def require_included(evidence: LogEvidence, record: bytes, position: int) -> None:
    """Check that ``evidence`` proves ``record`` into its checkpoint's root, before it is
    handed out (an exported document, ``elicense log prove``).

    Raises:
        ProofError: ``log.inclusion.invalid``: the record is not the one the checkpoint
            holds at the leaf (it changed after it was logged, or the log is damaged).
    """
    cp = evidence.checkpoint.decoded()
    algorithm = hash_algorithm(cp.hash_alg)
    width = algorithm.digest_size
    proof = [evidence.proof[k : k + width] for k in range(0, len(evidence.proof), width)]
    try:
        verify_inclusion(
            algorithm.leaf(record),
            evidence.leaf_index,
            cp.tree_size,
            proof,
            cp.root_hash,
            algorithm=algorithm,
        )
    except ProofError:
        raise ProofError(
            f"the record at position {position} is not the one the log's checkpoint of size "
            f"{cp.tree_size} holds at leaf {evidence.leaf_index}: it changed after it was "
            "logged (see `elicense log audit`); no proof is given out that does not verify",
            code="log.inclusion.invalid",
        ) from None
