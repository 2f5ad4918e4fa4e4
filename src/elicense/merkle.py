"""The transparency log's Merkle tree: RFC 9162 hashing and proofs.

Pure functions and small values, no I/O: a verifier in another process imports
this module without the ledger. RFC 9162 (Certificate Transparency 2.0):

- §2.1 hashing: ``leaf = H(0x00 ‖ entry)``, ``node = H(0x01 ‖ left ‖ right)``,
  SHA-256 or SM3 (:class:`HashAlgorithm`, recorded by name in checkpoints);
- §2.1.1 Merkle Tree Hash, empty tree ``H()`` (:func:`root`);
- §2.1.3.1 / §2.1.3.2 inclusion proofs (:func:`inclusion_proof`, :func:`verify_inclusion`);
- §2.1.4.1 / §2.1.4.2 consistency proofs (:func:`consistency_proof`,
  :func:`verify_consistency`).

The generators here take the full list of leaf hashes and follow the RFC's
recursion literally: they are the reference, O(n) per proof. A log makes the
same proofs in O(log n) from stored nodes with :mod:`elicense.merkle_nodes`; a
verifier checks many proofs against one tree with :mod:`elicense.merkle_cache`.

The verifiers use the closed form of §2.1.3.2 / §2.1.4.2 (as transparency-dev/merkle
does): the proof length follows from index and sizes, so a proof of the wrong
length is refused before any hash is computed. Hashes are ``bytes`` of the
algorithm's digest size; indices and sizes are ``int``. The verifiers return
``None`` or raise :class:`~elicense.errors.ProofError` — whose ``code`` says
``log.proof.malformed`` or which check failed — and nothing else, whatever the
input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Protocol, final

from elicense.errors import ProofError, UnsupportedAlgorithmError

__all__ = [
    "SHA256",
    "SM3",
    "HashAlgorithm",
    "consistency_proof",
    "hash_algorithm",
    "inclusion_proof",
    "root",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


class _Digest(Protocol):
    def digest(self) -> bytes: ...


@final
class HashAlgorithm:
    """The hash H of RFC 9162 §2.1, with its domain-separated leaf and node forms.

    Use the instances :data:`SHA256` and :data:`SM3`, or :func:`hash_algorithm` by name.

    Attributes:
        name: the name a checkpoint records (``sha256`` or ``sm3``).
        digest_size: bytes per hash.
    """

    __slots__ = ("_new", "digest_size", "name")

    def __init__(self, name: str, digest_size: int, new: Callable[[bytes], _Digest]) -> None:
        self.name = name
        self.digest_size = digest_size
        self._new = new  # one call per hash: hashlib's constructor when it has the algorithm

    def digest(self, data: bytes) -> bytes:
        """``H(data)``."""
        return self._new(data).digest()

    def leaf(self, entry: bytes) -> bytes:
        """Leaf hash ``H(0x00 ‖ entry)``."""
        return self._new(b"\x00" + entry).digest()

    def node(self, left: bytes, right: bytes) -> bytes:
        """Interior node hash ``H(0x01 ‖ left ‖ right)``."""
        return self._new(b"\x01" + left + right).digest()

    def empty_root(self) -> bytes:
        """Root of the empty tree, ``H()`` (§2.1.1)."""
        return self._new(b"").digest()

    def __repr__(self) -> str:
        return f"HashAlgorithm({self.name!r})"

    def __reduce__(self) -> tuple[object, ...]:  # unpickle to the same instance
        return (hash_algorithm, (self.name,))


class _CryptographySM3:
    """SM3 through ``cryptography``, for Pythons whose OpenSSL lacks it in hashlib."""

    __slots__ = ("_digest",)

    def __init__(self, data: bytes) -> None:
        from cryptography.hazmat.primitives import hashes

        ctx = hashes.Hash(hashes.SM3())
        ctx.update(data)
        self._digest = ctx.finalize()

    def digest(self) -> bytes:
        return self._digest


def _sm3_constructor() -> Callable[[bytes], _Digest]:
    try:
        prototype = hashlib.new("sm3")
    except ValueError:
        return _CryptographySM3

    def new(data: bytes) -> _Digest:
        h = prototype.copy()  # copying is faster than hashlib.new("sm3") looking the name up
        h.update(data)
        return h

    return new


SHA256 = HashAlgorithm("sha256", 32, hashlib.sha256)
"""SHA-256, the RFC 9162 default."""
SM3 = HashAlgorithm("sm3", 32, _sm3_constructor())
"""SM3 (GB/T 32905), for platforms that must use the national algorithms."""
_ALGORITHMS = {a.name: a for a in (SHA256, SM3)}


def hash_algorithm(name: str) -> HashAlgorithm:
    """The :class:`HashAlgorithm` a checkpoint names.

    Raises:
        UnsupportedAlgorithmError: ``name`` is neither ``sha256`` nor ``sm3``.
    """
    try:
        return _ALGORITHMS[name]
    except (KeyError, TypeError):
        raise UnsupportedAlgorithmError(
            f"Merkle hash must be one of {sorted(_ALGORITHMS)}, found {name!r}"
        ) from None


def _count(value: int, what: str) -> int:
    if type(value) is not int or value < 0:
        raise ProofError(f"{what} must be a non-negative int, found {value!r}")
    return value


def _require_hash(value: bytes, algorithm: HashAlgorithm, what: str) -> None:
    if type(value) is not bytes or len(value) != algorithm.digest_size:
        found = f"{len(value)} bytes" if type(value) is bytes else type(value).__name__
        raise ProofError(
            f"{what} must be {algorithm.digest_size} bytes ({algorithm.name}), found {found}"
        )


def _require_proof(
    proof: Sequence[bytes], expected: int, algorithm: HashAlgorithm, what: str
) -> None:
    if type(proof) is not list and (
        not isinstance(proof, Sequence) or isinstance(proof, bytes | str)
    ):
        raise ProofError(f"{what}: expected a sequence of hashes, found {type(proof).__name__}")
    if len(proof) != expected:
        raise ProofError(f"{what} must have {expected} hashes, found {len(proof)}")
    size = algorithm.digest_size
    for i, p in enumerate(proof):
        if type(p) is not bytes or len(p) != size:
            _require_hash(p, algorithm, f"{what}: hash [{i}]")


def _split(n: int) -> int:
    """The largest power of two below ``n`` (n ≥ 2): where §2.1.1 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


# -- reference generators: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 ------------------------------


def root(leaf_hashes: Sequence[bytes], *, algorithm: HashAlgorithm = SHA256) -> bytes:
    """MTH over leaf hashes (§2.1.1); the empty tree's root is ``H()``."""
    if not leaf_hashes:
        return algorithm.empty_root()
    return _mth(leaf_hashes, 0, len(leaf_hashes), algorithm)


def _mth(leaves: Sequence[bytes], lo: int, hi: int, algorithm: HashAlgorithm) -> bytes:
    if hi - lo == 1:
        return leaves[lo]
    k = _split(hi - lo)
    return algorithm.node(_mth(leaves, lo, lo + k, algorithm), _mth(leaves, lo + k, hi, algorithm))


def inclusion_proof(
    index: int, leaf_hashes: Sequence[bytes], *, algorithm: HashAlgorithm = SHA256
) -> list[bytes]:
    """PATH(index, D[n]) of §2.1.3.1, leaf to root. Reference: O(n) hashes.

    Raises:
        ProofError: ``index`` is not a leaf of the tree.
    """
    size = len(leaf_hashes)
    if not 0 <= _count(index, "leaf index") < size:
        raise ProofError(f"leaf index must be below the tree size {size}, found {index}")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = _split(hi - lo)
        if m < k:
            return [*path(m, lo, lo + k), _mth(leaf_hashes, lo + k, hi, algorithm)]
        return [*path(m - k, lo + k, hi), _mth(leaf_hashes, lo, lo + k, algorithm)]

    return path(index, 0, size)


def consistency_proof(
    size1: int, leaf_hashes: Sequence[bytes], *, algorithm: HashAlgorithm = SHA256
) -> list[bytes]:
    """PROOF(size1, D[n]) of §2.1.4.1; empty when size1 is 0 or n. Reference: O(n).

    Raises:
        ProofError: ``size1`` exceeds the tree size.
    """
    size2 = len(leaf_hashes)
    if _count(size1, "first tree size") > size2:
        raise ProofError(f"first tree size must be at most {size2}, found {size1}")

    def subproof(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if complete else [_mth(leaf_hashes, lo, hi, algorithm)]
        k = _split(hi - lo)
        if m <= k:
            return [*subproof(m, lo, lo + k, complete), _mth(leaf_hashes, lo + k, hi, algorithm)]
        return [*subproof(m - k, lo + k, hi, False), _mth(leaf_hashes, lo, lo + k, algorithm)]

    return subproof(size1, 0, size2, True) if 0 < size1 < size2 else []


# -- verification: RFC 9162 §2.1.3.2, §2.1.4.2 ----------------------------------------------


def root_from_inclusion_proof(
    leaf_hash: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    *,
    algorithm: HashAlgorithm = SHA256,
) -> bytes:
    """The root that ``proof`` leads to from leaf ``index`` of a tree of ``tree_size``.

    Raises:
        ProofError: malformed input (code ``log.proof.malformed``).
    """
    # The hot path of license verification: cheap checks inline, messages only on failure.
    if type(index) is not int or type(tree_size) is not int or not 0 <= index < tree_size:
        _count(tree_size, "tree size")
        _count(index, "leaf index")
        raise ProofError(f"leaf index must be below the tree size {tree_size}, found {index}")
    size = algorithm.digest_size
    if type(leaf_hash) is not bytes or len(leaf_hash) != size:
        _require_hash(leaf_hash, algorithm, "leaf hash")
    inner = (index ^ (tree_size - 1)).bit_length()  # levels where the path leaves the border
    expected = inner + (index >> inner).bit_count()
    if type(proof) is not list or len(proof) != expected:
        _require_proof(
            proof, expected, algorithm, f"inclusion proof for leaf {index} of {tree_size}"
        )
    for p in proof:
        if type(p) is not bytes or len(p) != size:
            _require_proof(
                proof, expected, algorithm, f"inclusion proof for leaf {index} of {tree_size}"
            )
    new, r, bits = algorithm._new, leaf_hash, index
    for p in proof[:inner]:  # below the right border: the index's bit gives the sibling's side
        r = new(b"\x01" + p + r).digest() if bits & 1 else new(b"\x01" + r + p).digest()
        bits >>= 1
    for p in proof[inner:]:  # on the right border every sibling is on the left
        r = new(b"\x01" + p + r).digest()
    return r


def verify_inclusion(
    leaf_hash: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    root: bytes,
    *,
    algorithm: HashAlgorithm = SHA256,
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree with ``root`` (§2.1.3.2).

    The proof binds index and root; ``tree_size`` must come from the same
    signed checkpoint as ``root``.

    Raises:
        ProofError: ``log.proof.malformed`` or ``log.inclusion.invalid``.
    """
    if type(root) is not bytes or len(root) != algorithm.digest_size:
        _require_hash(root, algorithm, "root")
    found = root_from_inclusion_proof(leaf_hash, index, tree_size, proof, algorithm=algorithm)
    if found != root:
        raise ProofError(
            f"inclusion proof for leaf {index} of {tree_size} leads to root {found.hex()}, "
            f"expected {root.hex()}",
            code="log.inclusion.invalid",
        )


def verify_consistency(
    size1: int,
    size2: int,
    root1: bytes,
    root2: bytes,
    proof: Sequence[bytes],
    *,
    algorithm: HashAlgorithm = SHA256,
) -> None:
    """Check that the tree (size2, root2) extends the tree (size1, root1) (§2.1.4.2).

    Equal sizes need equal roots and an empty proof; every tree extends the
    empty one, whose root must be ``H()``.

    Raises:
        ProofError: ``log.proof.malformed`` or ``log.consistency.invalid``.
    """
    if _count(size1, "first tree size") > _count(size2, "second tree size"):
        raise ProofError(f"first tree size must be at most the second, {size2}, found {size1}")
    _require_hash(root1, algorithm, "first root")
    _require_hash(root2, algorithm, "second root")
    what = f"consistency proof from {size1} to {size2}"
    if size1 == 0 or size1 == size2:
        _require_proof(proof, 0, algorithm, what)
        if size1 == size2 and root1 != root2:
            raise ProofError(
                f"{what}: equal sizes need equal roots, found {root1.hex()} and {root2.hex()}",
                code="log.consistency.invalid",
            )
        if size1 == 0 and root1 != algorithm.empty_root():
            raise ProofError(
                f"{what}: the empty tree's root is H() = {algorithm.empty_root().hex()}, "
                f"found {root1.hex()}",
                code="log.consistency.invalid",
            )
        return
    # Path of leaf size1-1 in tree size2, from level `shift` up: the subtree of
    # 2^shift leaves ending at size1 is common to both trees and is the seed.
    shift = (size1 & -size1).bit_length() - 1
    full = ((size1 - 1) ^ (size2 - 1)).bit_length()
    inner = full - shift
    start = 0 if size1 == 1 << shift else 1  # a power of two: the seed is root1 itself
    _require_proof(proof, start + inner + ((size1 - 1) >> full).bit_count(), algorithm, what)
    new, bits = algorithm._new, (size1 - 1) >> shift
    h1 = h2 = root1 if start == 0 else proof[0]
    for p in proof[start : start + inner]:  # a right sibling is in the second tree only
        if bits & 1:
            h1 = new(b"\x01" + p + h1).digest()
            h2 = new(b"\x01" + p + h2).digest()
        else:
            h2 = new(b"\x01" + h2 + p).digest()
        bits >>= 1
    for p in proof[start + inner :]:  # the right border: siblings on the left, in both
        h1 = new(b"\x01" + p + h1).digest()
        h2 = new(b"\x01" + p + h2).digest()
    for n, found, expected in ((1, h1, root1), (2, h2, root2)):
        if found != expected:
            raise ProofError(
                f"{what} leads to root{n} {found.hex()}, expected {expected.hex()}",
                code="log.consistency.invalid",
            )
