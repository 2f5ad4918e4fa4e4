"""Checkpoints: the platform's signed word on the log's size and root.

A :class:`Checkpoint` is RFC 9162's signed tree head in elicense's own canonical
form (docs/log.md): the ledger's ``origin``, ``tree_size``, ``root_hash`` (the
Merkle Tree Hash of the first ``tree_size`` leaves), ``timestamp`` (when the
platform signed, UTC) and ``hash_alg`` (``sha256`` or ``sm3``, see
:mod:`elicense.merkle`). Its bytes are the canonical msgspec JSON of the Struct
(:mod:`elicense.codec`); the platform signs

    ``b"elicense/v2/log.checkpoint" ‖ 0x00 ‖ checkpoint bytes``

and ships both as a :class:`SignedCheckpoint`. A checkpoint carries no
personal data: sizes, a hash, a time.

:class:`CheckpointVerifier` verifies a signed checkpoint once per distinct
signed value and answers from its cache afterwards, so a verifier that sees
the same checkpoint in ten thousand documents makes one public-key operation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from elicense import wire
from elicense.codec import ENCODER, TaggedDocument, decode_canonical, require_utc
from elicense.errors import ElicenseError, TrustError
from elicense.merkle import HashAlgorithm, hash_algorithm
from elicense.wire import signing_input

__all__ = [
    "CHECKPOINT",
    "CHECKPOINT_KIND",
    "SIGNED_CHECKPOINT",
    "Checkpoint",
    "CheckpointVerifier",
    "SignedCheckpoint",
    "decode_signed_checkpoint",
    "sign_checkpoint",
]

CHECKPOINT: Final = wire.CHECKPOINT
SIGNED_CHECKPOINT: Final = wire.SIGNED_CHECKPOINT
CHECKPOINT_KIND: Final = "log.checkpoint"
"""The ``<kind>`` of the checkpoint's signing input."""

_MAX_CACHED = 64  # distinct checkpoints a verifier keeps; a verifier sees few at a time


class Checkpoint(TaggedDocument, frozen=True, tag=CHECKPOINT):
    """The log's state the platform vouches for.

    Attributes:
        origin: the ledger's origin (a checkpoint of one ledger proves nothing about another).
        tree_size: number of leaves (events) the root covers.
        root_hash: Merkle Tree Hash of those leaves (RFC 9162 §2.1.1).
        timestamp: when the platform signed it (UTC).
        hash_alg: the Merkle hash, ``sha256`` or ``sm3``.
    """

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime
    hash_alg: str

    def __post_init__(self) -> None:
        require_utc(self.timestamp, "timestamp")
        if self.tree_size < 0:
            raise ValueError(f"tree_size must be ≥ 0, found {self.tree_size}")
        if not self.origin:
            raise ValueError("origin must not be empty")
        try:
            size = hash_algorithm(self.hash_alg).digest_size
        except ElicenseError as e:
            raise ValueError(str(e)) from None
        if len(self.root_hash) != size:
            raise ValueError(f"root_hash must be {size} bytes, found {len(self.root_hash)}")

    @property
    def algorithm(self) -> HashAlgorithm:
        """The :class:`~elicense.merkle.HashAlgorithm` named by ``hash_alg``."""
        return hash_algorithm(self.hash_alg)

    def encode(self) -> bytes:
        """The canonical bytes (what the platform signs)."""
        return ENCODER.encode(self)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description (for verdict evidence and CLI output)."""
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
            "hash_alg": self.hash_alg,
        }


class SignedCheckpoint(TaggedDocument, frozen=True, tag=SIGNED_CHECKPOINT):
    """A checkpoint's canonical bytes and the platform's signature over them.

    Attributes:
        checkpoint: the canonical bytes of a :class:`Checkpoint`.
        key_id: the signing platform key's id.
        alg: the signature algorithm.
        signature: over ``signing_input("log.checkpoint", checkpoint)``.
    """

    checkpoint: bytes
    key_id: str
    alg: str
    signature: bytes

    def decoded(self) -> Checkpoint:
        """The checkpoint these bytes say (canonical). Does not check the signature.

        Raises:
            EncodingError: malformed or not canonical.
        """
        return decode_canonical(self.checkpoint, Checkpoint, what="checkpoint")


def sign_checkpoint(checkpoint: Checkpoint, signer: Any) -> SignedCheckpoint:
    """Sign ``checkpoint`` with the platform ``signer`` (a key or an HSM signer)."""
    data = checkpoint.encode()
    key = signer.public_key
    return SignedCheckpoint(
        checkpoint=data,
        key_id=key.key_id,
        alg=key.alg,
        signature=signer.sign(signing_input(CHECKPOINT_KIND, data)),
    )


def decode_signed_checkpoint(data: bytes) -> SignedCheckpoint:
    """Decode a signed checkpoint file (canonical JSON).

    Raises:
        EncodingError: malformed or not canonical.
    """
    return decode_canonical(data, SignedCheckpoint, what="signed checkpoint")


class CheckpointVerifier:
    """Verifies signed checkpoints against platform keys, each distinct one once.

    Args:
        platform_key: looks up a platform public key by key id (``None`` if unknown),
            e.g. :meth:`~elicense.verify.sources.BundleTrust.platform_key`.
        origin: the ledger origin every checkpoint must name.
    """

    __slots__ = ("_cache", "_platform_key", "origin")

    def __init__(self, platform_key: Callable[[str], Any], origin: str) -> None:
        self._platform_key = platform_key
        self.origin = origin
        self._cache: dict[SignedCheckpoint, Checkpoint] = {}

    def verify(self, signed: SignedCheckpoint) -> Checkpoint:
        """The checkpoint ``signed`` vouches for, once its signature and origin check.

        A checkpoint seen before is a dict lookup (the whole signed value is the key,
        so no byte of it can differ from what was verified).

        Raises:
            TrustError: ``log.checkpoint.malformed``, ``log.checkpoint.key.unknown``,
                ``log.checkpoint.signature.invalid`` or ``log.checkpoint.origin.mismatch``.
        """
        found = self._cache.get(signed)
        if found is not None:
            return found
        key = self._platform_key(signed.key_id)
        if key is None or key.alg != signed.alg:
            raise TrustError(
                f"checkpoint signed by key {signed.key_id} ({signed.alg}), which is not a "
                "platform key of this ledger",
                code="log.checkpoint.key.unknown",
            )
        if not key.verify(signed.signature, signing_input(CHECKPOINT_KIND, signed.checkpoint)):
            raise TrustError(
                f"checkpoint signature does not verify under platform key {signed.key_id}",
                code="log.checkpoint.signature.invalid",
            )
        try:
            checkpoint = signed.decoded()
        except ElicenseError as e:
            raise TrustError(str(e), code="log.checkpoint.malformed") from None
        if checkpoint.origin != self.origin:
            raise TrustError(
                f"checkpoint is for ledger {checkpoint.origin!r}, expected {self.origin!r}",
                code="log.checkpoint.origin.mismatch",
            )
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[signed] = checkpoint
        return checkpoint
