"""Many inclusion proofs against one tree: RFC 9162 §2.1.3.2 with proven subtrees cached.

The license verifier's hot path (:mod:`elicense.verify.logpath`,
:mod:`elicense.verify.ledgerlog`) checks every document's inclusion proof against
a checkpoint it verified once. :func:`check_inclusion` gives the verdicts of the
reference :func:`elicense.merkle.verify_inclusion` (tests/test_merkle_cache.py holds
the two together, cold and warm cache) for a proof given as the concatenation of
its hashes, as a document carries it, and skips the hashing a proven subtree
already did. Pure, no I/O.
"""

from __future__ import annotations

from elicense.errors import ProofError
from elicense.merkle import SHA256, HashAlgorithm, _count, _require_hash

__all__ = ["ProvenTree", "check_inclusion"]


class ProvenTree:
    """A tree ``(tree_size, root)`` that many inclusion proofs are checked against, and
    the subtrees they proved: the node at level ``L = depth − cache_bits`` on a leaf's
    path and the proof hashes above it, kept once a proof through it verified (at most
    ``2^cache_bits``; 0: no cache). A later proof through the node hashes ``L`` levels
    and compares the rest byte for byte: every byte of every proof is still checked.

    Raises:
        ProofError: ``tree_size`` or ``root`` is malformed.
    """

    __slots__ = ("algorithm", "entries", "level", "limit", "node", "root", "size", "width")

    def __init__(
        self, tree_size: int, root: bytes, *, algorithm: HashAlgorithm = SHA256, cache_bits: int = 0
    ) -> None:
        _count(tree_size, "tree size")
        _require_hash(root, algorithm, "root")
        self.algorithm = algorithm
        self.node, self.width = algorithm.node, algorithm.digest_size
        self.size, self.root = tree_size, root
        depth = tree_size.bit_length()
        self.level = max(0, depth - cache_bits) if cache_bits else depth
        self.limit = 1 << cache_bits if cache_bits else 0
        self.entries: dict[int, bytes] = {}


_LEADS = "inclusion proof for leaf %d of %d does not lead to the checkpoint's root"


def check_inclusion(tree: ProvenTree, leaf_hash: bytes, index: int, proof: bytes) -> None:
    """:func:`verify_inclusion` for a concatenated proof (``b"".join`` of its hashes),
    through ``tree``'s cache: the same verdicts; only proven nodes enter the cache.

    Raises:
        ProofError: ``log.proof.malformed`` or ``log.inclusion.invalid``.
    """
    size, width = tree.size, tree.width
    if type(index) is not int or not 0 <= index < size:
        raise ProofError(f"leaf index must be below the tree size {size}, found {index!r}")
    if type(leaf_hash) is not bytes or len(leaf_hash) != width:
        _require_hash(leaf_hash, tree.algorithm, "leaf hash")
    inner = (index ^ (size - 1)).bit_length()
    count = inner + (index >> inner).bit_count()
    if len(proof) != width * count:
        raise ProofError(
            f"inclusion proof for leaf {index} of {size} must have {count} hashes "
            f"({width * count} bytes), found {len(proof)} bytes"
        )
    level = tree.level if tree.level <= inner else inner  # the cache needs a perfect node
    node, h, bits = tree.node, leaf_hash, index
    for k in range(0, level * width, width):
        p = proof[k : k + width]
        h = node(p, h) if bits & 1 else node(h, p)
        bits >>= 1
    above = proof[level * width :]
    cached = level == tree.level and tree.limit
    if cached:
        known = tree.entries.get(bits)
        if known is not None:
            if known != h + above:
                raise ProofError(_LEADS % (index, size), code="log.inclusion.invalid")
            return
    proven = h
    for k in range(level * width, inner * width, width):
        p = proof[k : k + width]
        h = node(p, h) if bits & 1 else node(h, p)
        bits >>= 1
    for k in range(inner * width, len(proof), width):
        h = node(proof[k : k + width], h)
    if h != tree.root:
        raise ProofError(_LEADS % (index, size), code="log.inclusion.invalid")
    if cached and len(tree.entries) < tree.limit:
        tree.entries[index >> level] = proven + above
