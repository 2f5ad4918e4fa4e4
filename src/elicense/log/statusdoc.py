"""Signed status lists tied to a checkpoint: one entry per logged record.

**What an entry means.** Entry ``slot(i)`` of a list describes the record at
leaf ``i`` of the log: ``VALID`` (0) or ``SUSPENDED`` (2) if that record is
the *newest* record of its license and the license is valid or suspended;
``INVALID`` (1) otherwise — the license was revoked, cancelled or expired, a
newer record superseded this one (an amendment, a suspension …), or the leaf
is not a license's. Entries of leaves the list's checkpoint does not cover
are 0 and mean nothing: a verifier never reads them.

**Why per record, through a public slot map.** A verifier must know that the
entry it reads belongs to the license in its hands, without a signature per
license. The document's newest record is authenticated by its inclusion
proof, and with it its leaf index ``i``; the entry is ``slot(i)`` under the
list's published :class:`~elicense.log.statuslist.SlotMap`, so nobody can
point a revoked license at a valid license's entry. An entry per license
with a secret random index would need the index bound by a signature or a
second Merkle proof per license. Per record, "is this the newest record?"
also comes for free, so a document exported before a suspension, revocation
or amendment is refused as superseded.

**Random assignment, honestly.** The map is drawn at random when a list is
started and published with it, so entries are scattered rather than in
issuance order — but anyone can invert it. The privacy that matters holds
regardless: a verifier holds the whole list, so the platform does not learn
which license is checked (herd privacy), and the list names no license. The
index reveals only a log position, which the document already shows.

**Lists per checkpoint.** Each checkpoint gets three lists built from the same
statuses: the IETF Token Status List (2 bits: what a verifier keeps, a
quarter byte per entry) and two W3C Bitstring Status Lists (``revocation``:
INVALID, ``suspension``: SUSPENDED). A list keeps its size and map while the
log fits (:func:`~elicense.log.statuslist.capacity_for` leaves half again as
much room), so entries of exported documents stay put; a log outgrowing it
starts a new list id. Each list is signed by the platform over
``b"elicense/v2/log.status-list" ‖ 0x00 ‖ list bytes``.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from elicense import wire
from elicense.codec import ENCODER, TaggedDocument, decode, decode_canonical, require_utc
from elicense.errors import ElicenseError, TrustError
from elicense.log.checkpoint import Checkpoint
from elicense.log.statuslist import (
    SlotMap,
    Status,
    StatusArray,
    ietf_json,
    w3c_bitstring,
)
from elicense.wire import signing_input

__all__ = [
    "SIGNED_STATUS_LIST",
    "STATUS_LIST",
    "STATUS_LIST_KIND",
    "ListKind",
    "LoadedStatusList",
    "SignedStatusList",
    "StatusListDocument",
    "build_status_lists",
    "load_ietf_list",
    "load_status_list",
    "sign_status_list",
]

STATUS_LIST: Final = wire.STATUS_LIST
SIGNED_STATUS_LIST: Final = wire.SIGNED_STATUS_LIST
STATUS_LIST_KIND: Final = "log.status-list"


class ListKind(StrEnum):
    """Which standard a list follows."""

    IETF = "ietf-token-status-list"
    W3C_REVOCATION = "w3c-revocation"
    W3C_SUSPENSION = "w3c-suspension"


class StatusListDocument(TaggedDocument, frozen=True, tag=STATUS_LIST):
    """A status list as of one checkpoint.

    Attributes:
        origin: the ledger's origin.
        list_id: stable while the list's size and map stay (``<origin>/status/<n>``).
        kind: a :class:`ListKind`.
        size: number of entries.
        bits: bits per entry: 2 (IETF) or 1 (W3C).
        slot_a, slot_b: the :class:`~elicense.log.statuslist.SlotMap`.
        tree_size, root_hash: the checkpoint the list reflects.
        issued_at: when the platform made it (UTC).
        lst: the packed entries, ZLIB-compressed (IETF) or GZIP-compressed (W3C).
    """

    origin: str
    list_id: str
    kind: ListKind
    size: int
    bits: int
    slot_a: int
    slot_b: int
    tree_size: int
    root_hash: bytes
    issued_at: datetime
    lst: bytes

    def __post_init__(self) -> None:
        require_utc(self.issued_at, "issued_at")
        if self.bits != (2 if self.kind is ListKind.IETF else 1):
            raise ValueError(
                f"a {self.kind} list has {2 if self.kind is ListKind.IETF else 1} "
                f"bits per entry, found {self.bits}"
            )
        if self.tree_size > self.size:
            raise ValueError(f"a list of {self.size} entries cannot cover {self.tree_size} leaves")

    @property
    def slots(self) -> SlotMap:
        """The list's slot map."""
        return SlotMap(size=self.size, a=self.slot_a, b=self.slot_b)

    def standard_json(self) -> dict[str, Any]:
        """The list as its standard writes it: the IETF ``status_list`` object, or the
        ``credentialSubject`` of a W3C ``BitstringStatusListCredential``."""
        if self.kind is ListKind.IETF:
            return ietf_json(self.lst, self.bits)
        return {
            "id": f"{self.list_id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation" if self.kind is ListKind.W3C_REVOCATION else "suspension",
            "encodedList": "u" + base64.urlsafe_b64encode(self.lst).rstrip(b"=").decode(),
        }


class SignedStatusList(TaggedDocument, frozen=True, tag=SIGNED_STATUS_LIST):
    """A status list's canonical bytes and the platform's signature over them."""

    status_list: bytes
    key_id: str
    alg: str
    signature: bytes


def build_status_lists(
    *,
    checkpoint: Checkpoint,
    list_id: str,
    slots: SlotMap,
    heads: Iterable[tuple[int, int]],
    issued_at: datetime,
) -> tuple[StatusListDocument, ...]:
    """The IETF list and the two W3C lists of ``checkpoint``.

    Args:
        checkpoint: the checkpoint the lists reflect.
        list_id: the lists' id.
        slots: the slot map (its size must cover ``checkpoint.tree_size``).
        heads: ``(leaf index, status)`` of the newest record of every license,
            status 0 valid, 1 invalid, 2 suspended; every other leaf is INVALID.
        issued_at: when the lists are made.
    """
    size = checkpoint.tree_size
    by_leaf = bytearray(b"\x01") * size
    for leaf, status in heads:
        if leaf < size:
            by_leaf[leaf] = status
    statuses = StatusArray(slots.size, 2)
    slot = slots.slot
    for leaf, status in enumerate(by_leaf):
        if status:
            statuses[slot(leaf)] = status
    common: dict[str, Any] = {
        "origin": checkpoint.origin,
        "list_id": list_id,
        "size": slots.size,
        "slot_a": slots.a,
        "slot_b": slots.b,
        "tree_size": size,
        "root_hash": checkpoint.root_hash,
        "issued_at": issued_at,
    }

    def w3c(value: Status) -> bytes:
        return gzip.compress(w3c_bitstring(statuses, value), compresslevel=9, mtime=0)

    return (
        StatusListDocument(kind=ListKind.IETF, bits=2, lst=statuses.compressed(), **common),
        StatusListDocument(kind=ListKind.W3C_REVOCATION, bits=1, lst=w3c(Status.INVALID), **common),
        StatusListDocument(
            kind=ListKind.W3C_SUSPENSION, bits=1, lst=w3c(Status.SUSPENDED), **common
        ),
    )


def sign_status_list(doc: StatusListDocument, signer: Any) -> SignedStatusList:
    """Sign ``doc`` with the platform ``signer``."""
    data = ENCODER.encode(doc)
    key = signer.public_key
    return SignedStatusList(
        status_list=data,
        key_id=key.key_id,
        alg=key.alg,
        signature=signer.sign(signing_input(STATUS_LIST_KIND, data)),
    )


class LoadedStatusList:
    """A verified IETF status list, inflated: what a verifier holds in memory.

    ``data`` is the packed 2-bit array, ``size / 4`` bytes; the compressed
    document is not kept.
    """

    __slots__ = ("data", "list_id", "slots", "tree_size")

    def __init__(self, document: StatusListDocument, data: bytes) -> None:
        self.list_id = document.list_id
        self.slots = document.slots
        self.tree_size = document.tree_size
        self.data = data

    def status_of_leaf(self, leaf_index: int) -> tuple[int, int]:
        """``(slot, status)`` of the record at ``leaf_index`` (below ``tree_size``)."""
        slot = self.slots.slot(leaf_index)
        return slot, (self.data[slot >> 2] >> ((slot & 3) << 1)) & 3


def load_status_list(
    signed: SignedStatusList, platform_key: Callable[[str], Any], checkpoint: Checkpoint
) -> LoadedStatusList:
    """Verify an IETF list signed by the platform and tied to ``checkpoint``, and inflate it.

    Raises:
        TrustError: ``log.status.key.unknown``, ``log.status.signature.invalid``,
            ``log.status.malformed`` or ``log.status.checkpoint.mismatch``.
    """
    key = platform_key(signed.key_id)
    if key is None or key.alg != signed.alg:
        raise TrustError(
            f"status list signed by key {signed.key_id}, not a platform key of this ledger",
            code="log.status.key.unknown",
        )
    if not key.verify(signed.signature, signing_input(STATUS_LIST_KIND, signed.status_list)):
        raise TrustError(
            "status list signature does not verify", code="log.status.signature.invalid"
        )
    try:
        doc = decode_canonical(signed.status_list, StatusListDocument, what="status list")
        if doc.kind is not ListKind.IETF:
            raise ValueError(f"expected an IETF list, found {doc.kind}")
        doc.slots  # noqa: B018 - validates the slot map
        data = bytes(StatusArray.from_compressed(doc.lst, doc.size, 2).data)
    except (ElicenseError, ValueError) as e:
        raise TrustError(f"status list: {e}", code="log.status.malformed") from None
    if (doc.origin, doc.tree_size, doc.root_hash) != (
        checkpoint.origin,
        checkpoint.tree_size,
        checkpoint.root_hash,
    ):
        raise TrustError(
            f"status list reflects tree {doc.tree_size} of {doc.origin!r}, the checkpoint is "
            f"tree {checkpoint.tree_size} of {checkpoint.origin!r}",
            code="log.status.checkpoint.mismatch",
        )
    return LoadedStatusList(doc, data)


def load_ietf_list(
    lists: Iterable[SignedStatusList], platform_key: Callable[[str], Any], checkpoint: Checkpoint
) -> LoadedStatusList | None:
    """The IETF list among a checkpoint's signed lists (the W3C lists say the same, less
    compactly), verified and inflated by :func:`load_status_list`; ``None`` if absent.

    Raises:
        TrustError: as :func:`load_status_list`; ``log.status.malformed`` also for a
            list that does not decode.
    """
    for signed in lists:
        try:
            kind = decode(signed.status_list, StatusListDocument, what="status list").kind
        except ElicenseError as e:
            raise TrustError(str(e), code="log.status.malformed") from None
        if kind is ListKind.IETF:
            return load_status_list(signed, platform_key, checkpoint)
    return None
