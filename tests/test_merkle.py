"""The transparency log's Merkle tree: published RFC 9162 vectors, properties, tampering.

Vectors: tests/vectors/merkle_rfc9162.json, copied from transparency-dev/merkle
(Apache-2.0); the file names its sources.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from elicense.errors import ElicenseError, ProofError, UnsupportedAlgorithmError
from elicense.merkle import (
    SHA256,
    SM3,
    HashAlgorithm,
    _CryptographySM3,
    consistency_proof,
    hash_algorithm,
    inclusion_proof,
    root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from elicense.merkle_nodes import (
    Frontier,
    MemoryNodeStore,
    NodeId,
    ProofPlan,
    consistency_plan,
    frontier_ids,
    inclusion_plan,
    stored_consistency_proof,
    stored_inclusion_proof,
    stored_root,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "merkle_rfc9162.json").read_text())
REF_LEAVES = [SHA256.leaf(bytes.fromhex(x)) for x in VECTORS["leaf_inputs"]]
REF_ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]
EMPTY_SHA256 = REF_ROOTS[0]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
MAX = 300  # largest tree the properties draw; the shared store holds twice that


def _hexes(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _fails(check: Callable[..., None], *args: Any, algorithm: HashAlgorithm = SHA256) -> str:
    """Run a verifier that must refuse; return the error's code."""
    with pytest.raises(ProofError) as caught:
        check(*args, algorithm=algorithm)
    return caught.value.code


class Tree:
    """One stored tree of 2·MAX leaves; any smaller size is a past checkpoint of it."""

    def __init__(self, algorithm: HashAlgorithm, size: int = 2 * MAX) -> None:
        self.algorithm = algorithm
        self.leaves = [algorithm.leaf(i.to_bytes(4, "big")) for i in range(size)]
        self.store = MemoryNodeStore()
        self.store.add(Frontier(algorithm=algorithm).extend(self.leaves))
        self.roots = [stored_root(self.store, n, algorithm=algorithm) for n in range(size + 1)]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return stored_inclusion_proof(self.store, index, size, algorithm=self.algorithm)

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        return stored_consistency_proof(self.store, size1, size2, algorithm=self.algorithm)


@pytest.fixture(scope="module")
def tree() -> Tree:
    """A SHA-256 tree of 600 leaves in a memory node store."""
    return Tree(SHA256)


@st.composite
def sizes_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX))
    return size, draw(st.integers(0, size - 1))


@st.composite
def size_pairs(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(2, MAX))
    return draw(st.integers(1, size2 - 1)), size2


def _flip(data: bytes, at: int, mask: int = 1) -> bytes:
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


# -- published vectors -------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["hasher"], ids=lambda c: c["kind"])
def test_hasher_matches_published_vectors(case: dict[str, str]) -> None:
    """Empty root, leaf and node hashes equal transparency-dev's RFC 6962/9162 vectors."""
    if case["kind"] == "empty_root":
        found = SHA256.empty_root()
    elif case["kind"] == "leaf":
        found = SHA256.leaf(bytes.fromhex(case["input_hex"]))
    else:
        found = SHA256.node(bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"]))
    assert found.hex() == case["hash"]


def test_hasher_separates_leaves_from_nodes_and_orders_children() -> None:
    """A leaf over two hashes is not their node, and swapping children changes the node."""
    a, b = SHA256.leaf(b"Hello"), SHA256.leaf(b"World")
    assert SHA256.node(a, b) != SHA256.leaf(a + b)
    assert SHA256.node(a, b) != SHA256.node(b, a)


@pytest.mark.parametrize("size", range(9))
def test_roots_match_published_vectors(size: int) -> None:
    """Reference, frontier and stored roots of the 8-leaf reference tree equal the vectors."""
    frontier, store = Frontier(), MemoryNodeStore()
    store.add(frontier.extend(REF_LEAVES[:size]))
    assert root(REF_LEAVES[:size]) == frontier.root() == stored_root(store, size)
    assert frontier.root() == REF_ROOTS[size]


@pytest.mark.parametrize("size", range(1, 9))
def test_changed_leaf_changes_published_root(size: int) -> None:
    """Changing any leaf input of the reference tree changes its root."""
    for i in range(size):
        leaves = list(REF_LEAVES[:size])
        leaves[i] = SHA256.leaf(bytes.fromhex(VECTORS["leaf_inputs"][i]) + b"\x00")
        assert root(leaves) != REF_ROOTS[size]


def test_stored_nodes_and_frontiers_match_published_vectors() -> None:
    """Every stored node and every frontier of the reference tree equal the vectors."""
    frontier, store = Frontier(), MemoryNodeStore()
    for size, leaf in enumerate(REF_LEAVES, start=1):
        store.add(frontier.extend([leaf]))
        assert frontier_ids(size) == tuple(tuple(i) for i in VECTORS["compact_ranges"][size])
        assert frontier.hashes == tuple(store.nodes[i] for i in frontier_ids(size))
    published = {
        (level, index): bytes.fromhex(h)
        for level, row in enumerate(VECTORS["node_hashes"])
        for index, h in enumerate(row)
    }
    assert store.nodes == published


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"], ids=lambda c: f"{c['leaf_index']}/{c['tree_size']}"
)
def test_inclusion_proofs_match_published_vectors(case: dict[str, Any]) -> None:
    """Reference and stored inclusion proofs equal the vectors and verify."""
    index, size, proof = case["leaf_index"], case["tree_size"], _hexes(case["proof"])
    store = MemoryNodeStore()
    store.add(Frontier().extend(REF_LEAVES[:size]))
    assert inclusion_proof(index, REF_LEAVES[:size]) == proof
    assert stored_inclusion_proof(store, index, size) == proof
    assert root_from_inclusion_proof(REF_LEAVES[index], index, size, proof) == REF_ROOTS[size]
    verify_inclusion(REF_LEAVES[index], index, size, proof, REF_ROOTS[size])


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"], ids=lambda c: f"{c['leaf_index']}/{c['tree_size']}"
)
def test_corrupted_published_inclusion_proofs_fail(case: dict[str, Any]) -> None:
    """transparency-dev's corruptions of each inclusion vector are all refused."""
    index, size, proof = case["leaf_index"], case["tree_size"], _hexes(case["proof"])
    leaf, good = REF_LEAVES[index], REF_ROOTS[size]
    probes: list[tuple[bytes, int, int, list[bytes], bytes]] = [
        (leaf, index - 1, size, proof, good),
        (leaf, index + 1, size, proof, good),
        (leaf, index ^ 2, size, proof, good),
        (leaf, index, size * 2, proof, good),
        (leaf, index, size // 2, proof, good),
        (b"WrongLeaf", index, size, proof, good),
        (leaf, index, size, proof, EMPTY_SHA256),
        (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, [*proof, b""], good),
        (leaf, index, size, [*proof, good], good),
        (leaf, index, size, [b"", *proof], good),
        (leaf, index, size, [good, *proof], good),
    ]
    if proof:
        probes.append((leaf, index, size, proof[:-1], good))
        probes.append((leaf, index, size, [*proof[:1], SOME_HASH, *proof[1:]], good))
    for i, p in enumerate(proof):
        probes.append((leaf, index, size, [*proof[:i], _flip(p, 0, 8), *proof[i + 1 :]], good))
    for args in probes:
        _fails(verify_inclusion, *args)


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['size1']}-{c['size2']}")
def test_consistency_proofs_match_published_vectors(case: dict[str, Any]) -> None:
    """Reference and stored consistency proofs equal the vectors and verify."""
    size1, size2, proof = case["size1"], case["size2"], _hexes(case["proof"])
    store = MemoryNodeStore()
    store.add(Frontier().extend(REF_LEAVES[:size2]))
    assert consistency_proof(size1, REF_LEAVES[:size2]) == proof
    assert stored_consistency_proof(store, size1, size2) == proof
    verify_consistency(size1, size2, REF_ROOTS[size1], REF_ROOTS[size2], proof)


@pytest.mark.parametrize(
    "case",
    [c for c in VECTORS["consistency"] if c["proof"]],
    ids=lambda c: f"{c['size1']}-{c['size2']}",
)
def test_corrupted_published_consistency_proofs_fail(case: dict[str, Any]) -> None:
    """transparency-dev's corruptions of each consistency vector are all refused."""
    m, n, proof = case["size1"], case["size2"], _hexes(case["proof"])
    r1, r2 = REF_ROOTS[m], REF_ROOTS[n]
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (m - 1, n, r1, r2, proof),
        (m + 1, n, r1, r2, proof),
        (m ^ 2, n, r1, r2, proof),
        (m, n * 2, r1, r2, proof),
        (m, n // 2, r1, r2, proof),
        (m, n, b"WrongRoot", r2, proof),
        (m, n, r1, b"WrongRoot", proof),
        (m, n, r2, r1, proof),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*proof, b""]),
        (m, n, r1, r2, [*proof, r1]),
        (m, n, r1, r2, [*proof, r2]),
        (m, n, r1, r2, [b"", *proof]),
        (m, n, r1, r2, [r1, *proof]),
        (m, n, r1, r2, [r2, *proof]),
        (m, n, r1, r2, [proof[0], *proof]),
        (m, n, r1, r2, proof[:-1]),
    ]
    for i, p in enumerate(proof):
        probes.append((m, n, r1, r2, [*proof[:i], _flip(p, 0, 16), *proof[i + 1 :]]))
    for args in probes:
        _fails(verify_consistency, *args)


def _groups(case: dict[str, Any]) -> tuple[tuple[NodeId, ...], ...]:
    """Go's (ids, rehash [begin, end) listed bottom-up) as left-to-right groups."""
    ids = [(level, index) for level, index in case["ids"]]
    begin, end = case["rehash"] or (len(ids), len(ids))
    groups = [(i,) for i in ids[:begin]]
    if end > begin:
        groups.append(tuple(reversed(ids[begin:end])))
    return (*groups, *((i,) for i in ids[end:]))


@pytest.mark.parametrize(
    "case", VECTORS["inclusion_nodes"], ids=lambda c: f"{c['index']}/{c['size']}"
)
def test_inclusion_plans_match_published_node_ids(case: dict[str, Any]) -> None:
    """Inclusion plans name the published nodes; impossible positions are refused."""
    if case.get("error"):
        with pytest.raises(ProofError):
            inclusion_plan(case["index"], case["size"])
    else:
        assert inclusion_plan(case["index"], case["size"]).groups == _groups(case)


@pytest.mark.parametrize(
    "case", VECTORS["consistency_nodes"], ids=lambda c: f"{c['size1']}-{c['size2']}"
)
def test_consistency_plans_match_published_node_ids(case: dict[str, Any]) -> None:
    """Consistency plans name the published nodes; a shrinking tree is refused."""
    if case.get("error"):
        with pytest.raises(ProofError):
            consistency_plan(case["size1"], case["size2"])
    else:
        assert consistency_plan(case["size1"], case["size2"]).groups == _groups(case)


# -- edge cases and malformed input ------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (8, 7)])
def test_inclusion_outside_the_tree_is_malformed(index: int, size: int) -> None:
    """A leaf index at or past the tree size (or an empty tree) is refused as malformed."""
    assert (
        _fails(verify_inclusion, SOME_HASH, index, size, [], EMPTY_SHA256) == "log.proof.malformed"
    )
    with pytest.raises(ProofError):
        inclusion_proof(index, REF_LEAVES[:size])


def test_single_leaf_tree_root_is_its_leaf() -> None:
    """In a one-leaf tree the empty proof verifies only the leaf that is the root."""
    leaf = SHA256.leaf(b"data")
    verify_inclusion(leaf, 0, 1, [], leaf)
    assert _fails(verify_inclusion, SOME_HASH, 0, 1, [], leaf) == "log.inclusion.invalid"


def test_consistency_with_itself_and_with_the_empty_tree_needs_no_proof() -> None:
    """Equal sizes with equal roots, and the empty tree (root H()), need an empty proof."""
    verify_consistency(0, 0, EMPTY_SHA256, EMPTY_SHA256, [])
    verify_consistency(0, 5, EMPTY_SHA256, REF_ROOTS[5], [])
    verify_consistency(5, 5, REF_ROOTS[5], REF_ROOTS[5], [])
    assert consistency_proof(0, REF_LEAVES) == consistency_proof(8, REF_LEAVES) == []


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "code"),
    [
        (0, 0, EMPTY_SHA256, SOME_HASH, [], "log.consistency.invalid"),
        (0, 0, SOME_HASH, SOME_HASH, [], "log.consistency.invalid"),
        (0, 5, SOME_HASH, SOME_HASH, [], "log.consistency.invalid"),
        (5, 5, REF_ROOTS[5], REF_ROOTS[4], [], "log.consistency.invalid"),
        (0, 0, EMPTY_SHA256, EMPTY_SHA256, [EMPTY_SHA256], "log.proof.malformed"),
        (0, 1, EMPTY_SHA256, REF_ROOTS[1], [EMPTY_SHA256], "log.proof.malformed"),
        (1, 1, REF_ROOTS[1], REF_ROOTS[1], [EMPTY_SHA256], "log.proof.malformed"),
        (1, 0, REF_ROOTS[1], EMPTY_SHA256, [], "log.proof.malformed"),
        (2, 1, REF_ROOTS[2], REF_ROOTS[1], [], "log.proof.malformed"),
        (1, 2, REF_ROOTS[1], REF_ROOTS[2], [], "log.proof.malformed"),
    ],
)
def test_trivial_consistency_tampering_fails(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], code: str
) -> None:
    """Trivial cases with a wrong root, a stray proof hash or a shrinking tree are refused."""
    assert _fails(verify_consistency, size1, size2, root1, root2, proof) == code


def test_consistency_generator_refuses_a_larger_first_tree() -> None:
    """A consistency proof from a tree larger than the second is refused."""
    with pytest.raises(ProofError, match="at most 8, found 9"):
        consistency_proof(9, REF_LEAVES)


GOOD = (REF_LEAVES[0], 0, 8, _hexes(VECTORS["inclusion"][1]["proof"]), REF_ROOTS[8])
BAD_INCLUSION: list[tuple[str, int, object]] = [
    ("leaf str", 0, "x" * 32),
    ("leaf short", 0, REF_LEAVES[0][:31]),
    ("leaf bytearray", 0, bytearray(REF_LEAVES[0])),
    ("leaf None", 0, None),
    ("index negative", 1, -1),
    ("index float", 1, 0.0),
    ("index bool", 1, False),
    ("index str", 1, "0"),
    ("size float", 2, 8.0),
    ("size None", 2, None),
    ("proof None", 3, None),
    ("proof bytes", 3, b"\x00" * 96),
    ("proof str", 3, "abc"),
    ("proof element str", 3, ["x" * 32, *GOOD[3][1:]]),
    ("proof element None", 3, [None, *GOOD[3][1:]]),
    ("proof element long", 3, [GOOD[3][0] + b"\x00", *GOOD[3][1:]]),
    ("proof element int", 3, [7, *GOOD[3][1:]]),
    ("root short", 4, b"WrongRoot"),
    ("root str", 4, REF_ROOTS[8].hex()),
]


@pytest.mark.parametrize(("what", "position", "value"), BAD_INCLUSION, ids=lambda v: str(v))
def test_malformed_inclusion_input_raises_only_proof_error(
    what: str, position: int, value: object
) -> None:
    """Wrong types, sizes and shapes raise ProofError (malformed), never another exception."""
    args = list(GOOD)
    verify_inclusion(*GOOD)
    args[position] = value
    assert _fails(verify_inclusion, *args) == "log.proof.malformed", what


@pytest.mark.parametrize(
    "args",
    [
        (1, 8, REF_ROOTS[1], REF_ROOTS[8], None),
        (1, 8, REF_ROOTS[1], REF_ROOTS[8], [None, None, None]),
        (1, 8, REF_ROOTS[1][:16], REF_ROOTS[8], _hexes(VECTORS["consistency"][1]["proof"])),
        (1, 8, REF_ROOTS[1], "r2", _hexes(VECTORS["consistency"][1]["proof"])),
        (1.0, 8, REF_ROOTS[1], REF_ROOTS[8], _hexes(VECTORS["consistency"][1]["proof"])),
        (1, "8", REF_ROOTS[1], REF_ROOTS[8], _hexes(VECTORS["consistency"][1]["proof"])),
        (-1, 8, REF_ROOTS[1], REF_ROOTS[8], []),
    ],
)
def test_malformed_consistency_input_raises_only_proof_error(args: tuple[Any, ...]) -> None:
    """Wrong types, sizes and shapes raise ProofError (malformed), never another exception."""
    assert _fails(verify_consistency, *args) == "log.proof.malformed"


def test_proof_error_is_a_value_error_and_keeps_its_code() -> None:
    """ProofError is an ElicenseError and a ValueError, and pickling keeps its code."""
    with pytest.raises(ProofError) as caught:
        verify_inclusion(SOME_HASH, 0, 1, [], EMPTY_SHA256)
    error = caught.value
    assert isinstance(error, ElicenseError)
    assert isinstance(error, ValueError)
    assert error.code == "log.inclusion.invalid"
    assert "expected " + EMPTY_SHA256.hex() in str(error)
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.code, str(again)) == (ProofError, error.code, str(error))


def test_tree_size_is_bound_by_the_checkpoint_not_the_proof() -> None:
    """A proof fixes leaf and root, not the size: use size and root from one checkpoint."""
    proof = inclusion_proof(0, REF_LEAVES[:3])
    verify_inclusion(REF_LEAVES[0], 0, 4, proof, REF_ROOTS[3])  # same hashing path
    _fails(verify_inclusion, REF_LEAVES[0], 0, 4, proof, REF_ROOTS[4])


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=40)
@given(size=st.integers(1, MAX))
def test_every_inclusion_proof_verifies(tree: Tree, size: int) -> None:
    """For any size, the stored inclusion proof of every leaf verifies against the root."""
    for index in range(size):
        verify_inclusion(
            tree.leaves[index], index, size, tree.inclusion(index, size), tree.roots[size]
        )


@settings(max_examples=40)
@given(size=st.integers(1, MAX))
def test_every_consistency_proof_verifies(tree: Tree, size: int) -> None:
    """For any size n, the stored consistency proof from every m ≤ n verifies."""
    for size1 in range(size + 1):
        proof = tree.consistency(size1, size)
        verify_consistency(size1, size, tree.roots[size1], tree.roots[size], proof)


@settings(max_examples=60)
@given(position=sizes_and_index(), size1=st.integers(0, MAX))
def test_stored_proofs_equal_the_reference(
    tree: Tree, position: tuple[int, int], size1: int
) -> None:
    """Proofs assembled from stored nodes equal the RFC's recursive PATH and PROOF."""
    size, index = position
    leaves = tree.leaves[:size]
    assert tree.inclusion(index, size) == inclusion_proof(index, leaves)
    assume(size1 <= size)
    assert tree.consistency(size1, size) == consistency_proof(size1, leaves)


def test_stored_proofs_equal_the_reference_for_all_small_trees(tree: Tree) -> None:
    """Up to 40 leaves, every stored proof equals the reference one."""
    for size in range(1, 41):
        leaves = tree.leaves[:size]
        for index in range(size):
            assert tree.inclusion(index, size) == inclusion_proof(index, leaves)
        for size1 in range(size + 1):
            assert tree.consistency(size1, size) == consistency_proof(size1, leaves)


@settings(max_examples=150)
@given(position=sizes_and_index(), data=st.data())
def test_tampered_inclusion_fails(
    tree: Tree, position: tuple[int, int], data: st.DataObject
) -> None:
    """A changed byte, wrong index or checkpoint, reordered, cut or extended proof fails."""
    size, index = position
    leaf, proof, good = tree.leaves[index], tree.inclusion(index, size), tree.roots[size]
    kinds = ["leaf", "root", "index", "size", "append", "prepend"]
    kinds += ["proof byte", "truncate", "drop first"] if proof else []
    kinds += ["swap"] if len(proof) > 1 else []
    kind = data.draw(st.sampled_from(kinds), label="tamper")
    at = data.draw(st.integers(0, 31), label="byte")
    mask = data.draw(st.integers(1, 255), label="mask")
    if kind == "leaf":
        leaf = _flip(leaf, at, mask)
    elif kind == "root":
        good = _flip(good, at, mask)
    elif kind == "index":
        index = data.draw(st.integers(0, 2 * MAX).filter(lambda i: i != position[1]))
    elif kind == "size":  # another real checkpoint (size, root) of the same log
        size = data.draw(st.integers(1, 2 * MAX).filter(lambda n: n != position[0]))
        good = tree.roots[size]
    elif kind in ("append", "prepend"):
        extra = data.draw(st.sampled_from([good, leaf, SOME_HASH, *proof]))
        proof = [*proof, extra] if kind == "append" else [extra, *proof]
    elif kind == "proof byte":
        i = data.draw(st.integers(0, len(proof) - 1))
        proof = [*proof[:i], _flip(proof[i], at, mask), *proof[i + 1 :]]
    elif kind == "truncate":
        proof = proof[:-1]
    elif kind == "drop first":
        proof = proof[1:]
    else:
        i, j = sorted(
            data.draw(st.lists(st.integers(0, len(proof) - 1), min_size=2, max_size=2, unique=True))
        )
        proof = [*proof[:i], proof[j], *proof[i + 1 : j], proof[i], *proof[j + 1 :]]
    _fails(verify_inclusion, leaf, index, size, proof, good)


@settings(max_examples=150)
@given(sizes=size_pairs(), data=st.data())
def test_tampered_consistency_fails(
    tree: Tree, sizes: tuple[int, int], data: st.DataObject
) -> None:
    """A changed byte, other checkpoint, swapped roots, reordered, cut or extended proof fails."""
    size1, size2 = sizes
    root1, root2, proof = tree.roots[size1], tree.roots[size2], tree.consistency(size1, size2)
    kinds = [
        "root1",
        "root2",
        "swap roots",
        "size1",
        "size2",
        "append",
        "prepend",
        "proof byte",
        "truncate",
        "drop first",
    ]
    kinds += ["swap"] if len(proof) > 1 else []
    kind = data.draw(st.sampled_from(kinds), label="tamper")
    at = data.draw(st.integers(0, 31), label="byte")
    mask = data.draw(st.integers(1, 255), label="mask")
    if kind == "root1":
        root1 = _flip(root1, at, mask)
    elif kind == "root2":
        root2 = _flip(root2, at, mask)
    elif kind == "swap roots":
        root1, root2 = root2, root1
    elif kind == "size1":
        size1 = data.draw(st.integers(0, 2 * MAX).filter(lambda n: n != sizes[0]))
        root1 = tree.roots[size1]
    elif kind == "size2":
        size2 = data.draw(st.integers(0, 2 * MAX).filter(lambda n: n != sizes[1]))
        root2 = tree.roots[size2]
    elif kind in ("append", "prepend"):
        extra = data.draw(st.sampled_from([root1, root2, SOME_HASH, *proof]))
        proof = [*proof, extra] if kind == "append" else [extra, *proof]
    elif kind == "proof byte":
        i = data.draw(st.integers(0, len(proof) - 1))
        proof = [*proof[:i], _flip(proof[i], at, mask), *proof[i + 1 :]]
    elif kind == "truncate":
        proof = proof[:-1]
    elif kind == "drop first":
        proof = proof[1:]
    else:
        i, j = sorted(
            data.draw(st.lists(st.integers(0, len(proof) - 1), min_size=2, max_size=2, unique=True))
        )
        assume(proof[i] != proof[j])
        proof = [*proof[:i], proof[j], *proof[i + 1 : j], proof[i], *proof[j + 1 :]]
    _fails(verify_consistency, size1, size2, root1, root2, proof)


# -- frontier and node store -------------------------------------------------------------------


def test_frontier_root_equals_recursive_root_at_every_size(tree: Tree) -> None:
    """Appending one leaf at a time, the frontier's root is the recursive MTH at every size."""
    frontier = Frontier()
    assert frontier.root() == root([]) == EMPTY_SHA256
    for size, leaf in enumerate(tree.leaves[:MAX], start=1):
        frontier.append(leaf)
        assert frontier.size == size
        assert frontier.root() == root(tree.leaves[:size]) == tree.roots[size]


@settings(max_examples=30)
@given(cuts=st.lists(st.integers(0, 2 * MAX), max_size=6))
def test_batches_store_every_node_once(tree: Tree, cuts: list[int]) -> None:
    """Extending in any batches stores the same 2n - popcount(n) nodes as one batch."""
    frontier, store = Frontier(), MemoryNodeStore()
    bounds = [0, *sorted(cuts), 2 * MAX]
    for begin, end in pairwise(bounds):
        store.add(frontier.extend(tree.leaves[begin:end]))
        assert frontier.root() == tree.roots[end]
    assert store.nodes == tree.store.nodes
    assert len(store.nodes) == 2 * (2 * MAX) - (2 * MAX).bit_count()


@settings(max_examples=30)
@given(size=st.integers(0, MAX))
def test_frontier_resumes_from_stored_nodes(tree: Tree, size: int) -> None:
    """A frontier rebuilt from the stored nodes of frontier_ids continues identically."""
    hashes = [tree.store.nodes[i] for i in frontier_ids(size)]
    resumed = Frontier(size=size, hashes=hashes)
    assert resumed.root() == tree.roots[size]
    rows = resumed.extend(tree.leaves[size : size + 37])
    assert resumed.root() == tree.roots[size + 37]
    assert all(tree.store.nodes[(level, index)] == h for level, index, h in rows)


@pytest.mark.parametrize(("size", "count"), [(5, 1), (5, 3), (4, 0), (0, 1)])
def test_frontier_refuses_state_that_does_not_fit_its_size(
    tree: Tree, size: int, count: int
) -> None:
    """Resuming with the wrong number of hashes for the size is refused."""
    with pytest.raises(
        ProofError, match=f"must have {len(frontier_ids(size))} hashes, found {count}"
    ):
        Frontier(size=size, hashes=tree.leaves[:count])


def test_extend_is_all_or_nothing(tree: Tree) -> None:
    """A leaf hash of the wrong size anywhere in a batch leaves the frontier unchanged."""
    frontier = Frontier()
    frontier.extend(tree.leaves[:5])
    with pytest.raises(ProofError, match="leaf hash 7 must be 32 bytes"):
        frontier.extend([*tree.leaves[5:7], b"short", *tree.leaves[8:10]])
    assert (frontier.size, frontier.root()) == (5, tree.roots[5])
    with pytest.raises(ProofError):
        frontier.append(tree.leaves[5] + b"\x00")
    assert frontier.size == 5


def test_frontier_copy_is_independent(tree: Tree) -> None:
    """Extending a copy leaves the original as it was."""
    frontier = Frontier()
    frontier.extend(tree.leaves[:6])
    candidate = frontier.copy()
    candidate.extend(tree.leaves[6:9])
    assert (frontier.size, frontier.root()) == (6, tree.roots[6])
    assert (candidate.size, candidate.root()) == (9, tree.roots[9])


def test_store_refuses_to_rewrite_a_node(tree: Tree) -> None:
    """A stored node is write-once: the same row again is fine, another hash is refused."""
    store = MemoryNodeStore()
    store.add([(0, 0, tree.leaves[0]), (0, 0, tree.leaves[0])])
    with pytest.raises(ProofError, match=r"node \(0, 0\) is already stored"):
        store.add([(0, 0, tree.leaves[1])])


def test_assembling_a_proof_needs_every_planned_node(tree: Tree) -> None:
    """A plan refuses to assemble from a missing or wrong-size node."""
    plan = inclusion_plan(3, 7)
    nodes = tree.store.get_nodes(plan.node_ids)
    assert plan.assemble(nodes) == inclusion_proof(3, tree.leaves[:7])
    missing = dict(nodes)
    del missing[plan.node_ids[-1]]
    with pytest.raises(ProofError, match="needed but was not fetched"):
        plan.assemble(missing)
    with pytest.raises(ProofError, match="must be 32 bytes"):
        plan.assemble({**nodes, plan.node_ids[0]: b"short"})
    assert ProofPlan(((),)).assemble({}) == [EMPTY_SHA256]


# -- hash algorithms ---------------------------------------------------------------------------


def test_sm3_matches_the_standard_example() -> None:
    """SM3("abc") is GB/T 32905-2016's example A.1, through hashlib and through cryptography."""
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert SM3.digest(b"abc").hex() == expected
    assert _CryptographySM3(b"abc").digest().hex() == expected


def test_sm3_trees_differ_and_verify_only_with_sm3() -> None:
    """An SM3 tree has other hashes than SHA-256, and its proofs verify with SM3 only."""
    sm3 = Tree(SM3, size=13)
    assert SM3.empty_root() != SHA256.empty_root()
    assert sm3.leaves[0] != SHA256.leaf((0).to_bytes(4, "big"))
    assert sm3.roots[13] == root(sm3.leaves, algorithm=SM3) != root(sm3.leaves)
    for index in range(13):
        proof = sm3.inclusion(index, 13)
        assert proof == inclusion_proof(index, sm3.leaves, algorithm=SM3)
        verify_inclusion(sm3.leaves[index], index, 13, proof, sm3.roots[13], algorithm=SM3)
        assert _fails(verify_inclusion, sm3.leaves[index], index, 13, proof, sm3.roots[13]) == (
            "log.inclusion.invalid"
        )
    for size1 in range(1, 13):
        proof = sm3.consistency(size1, 13)
        verify_consistency(size1, 13, sm3.roots[size1], sm3.roots[13], proof, algorithm=SM3)
        _fails(verify_consistency, size1, 13, sm3.roots[size1], sm3.roots[13], proof)
    verify_consistency(0, 13, SM3.empty_root(), sm3.roots[13], [], algorithm=SM3)
    _fails(verify_consistency, 0, 13, SM3.empty_root(), sm3.roots[13], [])


def test_hash_algorithms_are_found_by_recorded_name() -> None:
    """A checkpoint's algorithm name gives back the same instance, also through pickling."""
    for algorithm in (SHA256, SM3):
        assert hash_algorithm(algorithm.name) is algorithm
        assert pickle.loads(pickle.dumps(algorithm)) is algorithm
        assert algorithm.digest_size == len(algorithm.empty_root()) == 32
    assert repr(SM3) == "HashAlgorithm('sm3')"


@pytest.mark.parametrize("name", ["SHA256", "sha-256", "md5", "", None])
def test_unknown_hash_algorithm_is_refused(name: str) -> None:
    """A name other than sha256 or sm3 raises UnsupportedAlgorithmError naming both."""
    with pytest.raises(UnsupportedAlgorithmError, match=r"\['sha256', 'sm3'\]"):
        hash_algorithm(name)
