"""The service's request and response bodies: frozen msgspec Structs.

What the library already defines travels as the library defines it — a
:class:`~elicense.acts.base.Signed` statement, a
:class:`~elicense.ledger.application.Receipt`, a
:class:`~elicense.log.evidence.LogEvidence`, a
:class:`~elicense.log.checkpoint.SignedCheckpoint`, a
:class:`~elicense.verdict.Verdict` — so a change of the wire format flows
through this adapter without an edit here. Bytes are base64, as in every
elicense document; hashes in proofs likewise.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from elicense.acts import AuthMethod, Signed
from elicense.ledger.application import Receipt
from elicense.log.checkpoint import SignedCheckpoint
from elicense.log.evidence import LogEvidence
from elicense_http.problems import ProblemRefusal

__all__ = [
    "AllProofs",
    "ConsistencyProof",
    "Health",
    "HolderAssertion",
    "InclusionProof",
    "SessionResponse",
    "SubmitRequest",
    "SubmitResponse",
    "UseRequest",
    "UseResponse",
    "WithdrawRequest",
]


class SubmitRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Signed statements to record, in order (one statement is a batch of one).

    Attributes:
        statements: the signed statements, exactly as ``elicense sign`` writes them.
        partial: record the valid ones and report the refusals, instead of refusing
            the whole batch when one is refused.
    """

    statements: list[Signed]
    partial: bool = False


class SubmitResponse(msgspec.Struct, frozen=True, kw_only=True):
    """What a submission recorded.

    Attributes:
        receipts: one per recorded statement: its position and identifier.
        refusals: (``partial``) the statements refused and not recorded.
        evidence: (``?wait=inclusion``) per receipt, the inclusion proof into a
            checkpoint that covers it; ``None`` where none did before the wait ended.
    """

    receipts: list[Receipt]
    refusals: list[ProblemRefusal] = []
    evidence: list[LogEvidence | None] | None = None


class InclusionProof(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9162 §2.1.3 inclusion proof of one leaf.

    Attributes:
        leaf_index: the leaf (0-based).
        tree_size: the tree the proof leads into.
        leaf_hash: the leaf's hash, ``H(0x00 ‖ record)``.
        hashes: the audit path, leaf to root.
    """

    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]


class ConsistencyProof(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9162 §2.1.4 consistency proof between two tree sizes."""

    first: int
    second: int
    hashes: list[bytes]


class AllProofs(msgspec.Struct, frozen=True, kw_only=True):
    """Inclusion into the newest checkpoint, that checkpoint, and consistency from the
    caller's tree size (RFC 9162 §5.5 get-all-by-hash)."""

    inclusion: InclusionProof
    checkpoint: SignedCheckpoint
    consistency: ConsistencyProof | None = None


class Health(msgspec.Struct, frozen=True, kw_only=True):
    """Liveness or readiness.

    Attributes:
        ok: whether the check passed.
        store: ``up`` or ``unavailable``.
        log_writer: whether this process is the elected log writer.
        position: the ledger's newest position (readiness only).
    """

    ok: bool
    store: str = "up"
    log_writer: bool = False
    position: int | None = None


class UseRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A department's use (授权用证).

    Attributes:
        statement: the department's signed ``use.request``, as ``elicense use`` writes it.
        copy_days: also sign an annotated copy (加注件) valid this many days.
        user_name: the department's name for the copy (default: its USCC).
    """

    statement: Signed
    copy_days: Annotated[int, msgspec.Meta(ge=1, le=366)] | None = None
    user_name: Annotated[str, msgspec.Meta(max_length=128)] = ""


class UseResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A recorded use.

    Attributes:
        receipt: the ledger's receipt of the ``Used`` record.
        view: the platform-signed field-minimised view (``SignedLicenseView`` bytes).
        copy: the platform-signed annotated copy, when asked for.
    """

    receipt: Receipt
    view: bytes
    copy: bytes = b""


class HolderAssertion(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The platform front end's assertion of the holder it authenticated.

    Attributes:
        holder: the holder's code (公民身份号码 or USCC).
        authentication: how the platform authenticated them (``face``, ``e-id`` …).
        authentication_ref: the platform's reference to that authentication.
        ttl: seconds the session lasts (at most 900).
    """

    holder: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    authentication: AuthMethod
    authentication_ref: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    ttl: Annotated[int, msgspec.Meta(ge=1, le=900)] = 900


class SessionResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A holder session: also set as the ``elicense_holder`` cookie."""

    holder: str
    expires: int
    token: str


class WithdrawRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The holder's reason for withdrawing a consent."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
