"""Online verification against the ledger's transparency log.

Replaying a license from the live ledger proves that the stored records are
signed, chained and judged right — but not that they are *all* the records,
nor that the newest one is unchanged: no hash covers the newest record yet,
and a row deleted or moved from the end of a history leaves a shorter,
self-consistent chain. Both are the log's to catch, because the platform
signed a checkpoint over every record it had logged (ARCHITECTURE.md, trust
model). With a :class:`~elicense.log.evidence.LogSource`, the online
verifier therefore also checks, for the newest replayed record the newest
checkpoint covers:

1. **Included** — its stored bytes hash to the leaf the inclusion proof
   leads from to the signed root (``log.inclusion.invalid`` otherwise: the
   record changed after it was logged, e.g. its recorded time).
2. **Still the newest** — if it is the newest record the ledger returns, the
   platform-signed status list has, at its slot, the status that record's
   kind leaves (:data:`~elicense.log.heads.HEAD_STATUS`). Any other entry
   means the log holds a later record of this license that the ledger no
   longer returns: ``ledger.record.missing``, and the verdict's status is
   the one the list gives the log's newest record of the license, when
   the log can name it.

Records newer than the checkpoint are not covered (the follower or the
checkpoint lags); the verdict's evidence says how far the log reached.
When the log cannot give a proof that leads from the leaf *it* holds to its
signed root — node rows missing (``log.unavailable``) or changed
(``log.proof.invalid``) — the finding names the log, not the record: an
untouched record is not accused of a change. It is still an error, not
``indeterminate``: the same picture arises when the record *and* its leaf row
were rewritten together, and deleting node rows must not soften the verdict on
a changed record.
A hidden record after one that ended the license (revoked, expired) leaves
the list entry unchanged: the verdict then says ended — the safe side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from elicense.errors import ProofError, TrustError
from elicense.lifecycle import LicenseStatus
from elicense.log.checkpoint import Checkpoint, CheckpointVerifier
from elicense.log.evidence import LogSource
from elicense.log.heads import HEAD_STATUS
from elicense.log.statusdoc import LoadedStatusList, load_ietf_list
from elicense.log.statuslist import Status
from elicense.merkle_cache import ProvenTree, check_inclusion
from elicense.record import PositionedRecord, decode_record
from elicense.verdict import VerdictBuilder

__all__ = ["LedgerLog"]

_LIFECYCLE = {Status.VALID: LicenseStatus.VALID, Status.SUSPENDED: LicenseStatus.SUSPENDED}


class _Newest(NamedTuple):
    """The log's newest checkpoint as verified: its signed form, what it says, its IETF
    status list and its proof cache."""

    signed: Any
    checkpoint: Checkpoint
    status: LoadedStatusList | None
    tree: ProvenTree


class LedgerLog:
    """The log checks of online verification, with the verified checkpoint cached.

    Args:
        log: the ledger's log (e.g. ``elicense_sql.log_proofs.SqlLog``).
    """

    def __init__(self, log: LogSource) -> None:
        self.log = log
        self._newest: _Newest | None = None

    def _verify(self, trust: Any, signed: Any) -> tuple[Checkpoint, ProvenTree]:
        """A signed checkpoint, verified, with its proof cache (the newest one is kept)."""
        newest = self._newest
        if newest is not None and newest.signed == signed:
            return newest.checkpoint, newest.tree
        cp = CheckpointVerifier(trust.platform_key, trust.origin).verify(signed)
        return cp, ProvenTree(cp.tree_size, cp.root_hash, algorithm=cp.algorithm)

    def _newest_checkpoint(self, trust: Any) -> _Newest | None:
        material = self.log.trust_material()
        if material is None:
            return None
        if self._newest is None or self._newest.signed != material.checkpoint:
            cp, tree = self._verify(trust, material.checkpoint)
            lst = load_ietf_list(material.status_lists, trust.platform_key, cp)
            self._newest = _Newest(material.checkpoint, cp, lst, tree)
        return self._newest

    def check(
        self, events: Sequence[PositionedRecord], key: str, trust: Any, b: VerdictBuilder
    ) -> LicenseStatus | None:
        """Check the replayed ``events`` of license ``key`` against the log.

        Findings go to ``b``. Returns the status the log gives the license when
        the ledger lacks its newest record (and the log can tell), else ``None``.
        """
        try:
            newest = self._newest_checkpoint(trust)
            if newest is None:
                b.evidence["log"] = "no checkpoint yet"
                return None
            signed, cp, lst, _ = newest
            n = len(events)
            for n in range(len(events) - 1, -1, -1):
                ev = self.log.evidence(events[n].position)
                if ev is not None:
                    break
            else:
                b.evidence["log_tree_size"] = cp.tree_size
                return None
            evidence_cp, tree = self._verify(trust, ev.checkpoint)
        except TrustError as e:
            b.error(e.code, f"the ledger's log: {e}")
            return None
        except ProofError as e:  # the log cannot prove the record from the leaf it holds
            b.error(e.code, f"the ledger's log: {e}", subject=key, version=n + 1)
            return None
        record = events[n].record
        version = n + 1
        try:
            check_inclusion(tree, tree.algorithm.leaf(record), ev.leaf_index, ev.proof)
        except ProofError:
            b.error(
                "log.inclusion.invalid",
                f"version {version} is not the record the log's checkpoint of size "
                f"{evidence_cp.tree_size} holds at leaf {ev.leaf_index}: it changed after "
                "it was logged",
                subject=key,
                version=version,
            )
            return None
        b.passed("log.inclusion")
        b.evidence.update(log_tree_size=evidence_cp.tree_size, log_index=ev.leaf_index)
        if (
            n != len(events) - 1
            or ev.checkpoint != signed
            or lst is None
            or ev.leaf_index >= lst.tree_size
        ):
            return None  # a newer record than the list, or a checkpoint signed meanwhile
        rec = decode_record(record)
        slot, status = lst.status_of_leaf(ev.leaf_index)
        if status == HEAD_STATUS.get(rec.topic):
            b.passed("log.status")
            return None
        later = self.log.later_records(str(rec.aggregate_id), ev.leaf_index, lst.tree_size)
        named = f" (version {later[-1][1]}, leaf {later[-1][0]})" if later else ""
        b.error(
            "ledger.record.missing",
            f"the log holds a newer record of this license{named} than the ledger's newest, "
            f"version {version}: the status list says entry {slot} is "
            f"{Status(status).name.lower()}",
            subject=key,
            version=version + 1,
        )
        if not later:
            return None
        _, head = lst.status_of_leaf(later[-1][0])
        return _LIFECYCLE.get(Status(head))
