"""The cached inclusion check (:mod:`elicense.merkle_cache`) against the reference one.

:func:`check_inclusion` takes a proof as the concatenation of its hashes and keeps
proven subtrees in a :class:`ProvenTree`; :func:`verify_inclusion` is the reference.
Its counterpart for a concatenated proof is the same bytes cut into hashes of the
digest size (a trailing short piece stays a short hash). The two must give the same
outcome — accepted, or refused with the same code — on the published vectors and on
random trees, for valid proofs and mutated ones, with a cold cache (a fresh tree per
proof) and a warm one (one tree through a whole sequence of proofs, good and bad).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elicense.errors import ProofError
from elicense.merkle import SHA256, SM3, HashAlgorithm, verify_inclusion
from elicense.merkle_cache import ProvenTree, check_inclusion
from elicense.merkle_nodes import Frontier, MemoryNodeStore, stored_inclusion_proof, stored_root

VECTORS = json.loads((Path(__file__).parent / "vectors" / "merkle_rfc9162.json").read_text())
REF_LEAVES = [SHA256.leaf(bytes.fromhex(x)) for x in VECTORS["leaf_inputs"]]
REF_ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
MAX = 300  # largest tree drawn


def _outcome(check: Callable[..., None], *args: Any, **kwargs: Any) -> str:
    """``ok``, or the code of the :class:`ProofError` the check raised (nothing else may be)."""
    try:
        check(*args, **kwargs)
    except ProofError as e:
        return e.code
    return "ok"


def _reference(
    leaf: bytes, index: Any, size: Any, proof: bytes, root: bytes, algorithm: HashAlgorithm
) -> str:
    w = algorithm.digest_size
    hashes = [proof[k : k + w] for k in range(0, len(proof), w)]
    return _outcome(verify_inclusion, leaf, index, size, hashes, root, algorithm=algorithm)


def _cold(
    leaf: bytes,
    index: Any,
    size: Any,
    proof: bytes,
    root: bytes,
    algorithm: HashAlgorithm,
    cache_bits: int,
) -> str:
    def check() -> None:
        tree = ProvenTree(size, root, algorithm=algorithm, cache_bits=cache_bits)
        check_inclusion(tree, leaf, index, proof)

    return _outcome(check)


def _agree(leaf: bytes, index: Any, size: Any, proof: bytes, root: bytes) -> str:
    """The common outcome of the reference and the cold cached check, at several cache sizes."""
    expected = _reference(leaf, index, size, proof, root, SHA256)
    for bits in (0, 1, 2, 10):
        assert _cold(leaf, index, size, proof, root, SHA256, bits) == expected, (index, size, bits)
    return expected


def _flip(data: bytes, at: int, mask: int = 1) -> bytes:
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


# -- published vectors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"], ids=lambda c: f"{c['leaf_index']}/{c['tree_size']}"
)
def test_cached_check_agrees_with_reference_on_published_vectors(case: dict[str, Any]) -> None:
    """The vectors verify, and transparency-dev's corruptions of them are refused alike."""
    index, size = case["leaf_index"], case["tree_size"]
    hashes = [bytes.fromhex(h) for h in case["proof"]]
    proof, leaf, good = b"".join(hashes), REF_LEAVES[index], REF_ROOTS[size]
    assert _agree(leaf, index, size, proof, good) == "ok"
    probes: list[tuple[bytes, Any, Any, bytes, bytes]] = [
        (leaf, index - 1, size, proof, good),
        (leaf, index + 1, size, proof, good),
        (leaf, index ^ 2, size, proof, good),
        (leaf, index, size * 2, proof, good),
        (leaf, index, size // 2, proof, good),
        (leaf, float(index), size, proof, good),
        (leaf, index, -1, proof, good),
        (b"WrongLeaf", index, size, proof, good),
        (SOME_HASH, index, size, proof, good),
        (leaf, index, size, proof, REF_ROOTS[0]),
        (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, proof, good[:16]),
        (leaf, index, size, proof + good, good),
        (leaf, index, size, good + proof, good),
        (leaf, index, size, proof + b"\x00", good),
        (leaf, index, size, proof[:-1], good),
        (leaf, index, size, proof[:-32], good),
        (leaf, index, size, proof[32:], good),
    ]
    for at in range(0, len(proof), 7):
        probes.append((leaf, index, size, _flip(proof, at, 8), good))
    for args in probes:
        if args[3] == proof and args[1:3] == (index, size) and args[0] == leaf:
            continue
        assert _agree(*args) != "ok", args


# -- random trees -----------------------------------------------------------------------------


class _Tree:
    """A tree of ``MAX`` leaves built by the log's code; any size up to it is a checkpoint."""

    def __init__(self, algorithm: HashAlgorithm) -> None:
        self.algorithm = algorithm
        self.leaves = [algorithm.leaf(i.to_bytes(4, "big")) for i in range(MAX)]
        self.store = MemoryNodeStore()
        self.store.add(Frontier(algorithm=algorithm).extend(self.leaves))
        self.roots = [stored_root(self.store, n, algorithm=algorithm) for n in range(MAX + 1)]

    def proof(self, index: int, size: int) -> bytes:
        hashes = stored_inclusion_proof(self.store, index, size, algorithm=self.algorithm)
        return b"".join(hashes)


_TREES: dict[str, _Tree] = {}


def _tree(algorithm: HashAlgorithm) -> _Tree:
    if algorithm.name not in _TREES:
        _TREES[algorithm.name] = _Tree(algorithm)
    return _TREES[algorithm.name]


# A mutation of one (leaf, index, proof) against the tree: what it changes and how.
MUTATIONS = (
    "none",
    "flip",  # one bit of one proof byte
    "swap",  # one proof hash replaced by another node's
    "drop_last",
    "drop_first",
    "append",
    "short",  # a byte short
    "leaf",  # another leaf's hash
    "index",  # another leaf's index, or one outside the tree
    "not_int",
)


@st.composite
def probes(draw: st.DrawFn, size: int) -> tuple[int, str, int, int]:
    """A leaf index, a mutation and two numbers the mutation draws from."""
    return (
        draw(st.integers(0, size - 1)),
        draw(st.sampled_from(MUTATIONS)),
        draw(st.integers(0, 10_000)),
        draw(st.integers(-3, MAX + 3)),
    )


def _mutate(tree: _Tree, size: int, probe: tuple[int, str, int, int]) -> tuple[bytes, Any, bytes]:
    index, kind, n, other = probe
    leaf, proof, w = tree.leaves[index], tree.proof(index, size), tree.algorithm.digest_size
    if kind == "flip" and proof:
        proof = _flip(proof, n % len(proof), 1 << (n % 8))
    elif kind == "swap" and proof:
        at = (n % (len(proof) // w)) * w
        swapped = (
            tree.leaves[other % MAX] if proof[at : at + w] != tree.leaves[other % MAX] else leaf
        )
        proof = proof[:at] + swapped + proof[at + w :]
    elif kind == "drop_last":
        proof = proof[:-w]
    elif kind == "drop_first":
        proof = proof[w:]
    elif kind == "append":
        proof += tree.leaves[n % MAX]
    elif kind == "short" and proof:
        proof = proof[:-1]
    elif kind == "leaf":
        leaf = tree.leaves[other % MAX]
    elif kind == "index":
        index = other
    elif kind == "not_int":
        return leaf, (float(index) if n % 2 else bool(index)), proof
    return leaf, index, proof


@settings(max_examples=150)
@given(
    algorithm=st.sampled_from([SHA256, SM3]),
    cache_bits=st.integers(0, 10),
    data=st.data(),
)
def test_cached_check_agrees_with_reference_cold_and_warm(
    algorithm: HashAlgorithm, cache_bits: int, data: st.DataObject
) -> None:
    """One warm tree through a sequence of good and mutated proofs, each also checked
    cold and by the reference: the same outcome every time, valid proofs always accepted."""
    tree = _tree(algorithm)
    size = data.draw(st.integers(1, MAX), label="size")
    root = tree.roots[size]
    warm = ProvenTree(size, root, algorithm=algorithm, cache_bits=cache_bits)
    for probe in data.draw(st.lists(probes(size), min_size=1, max_size=40), label="probes"):
        index = probe[0]
        good = (tree.leaves[index], index, tree.proof(index, size))
        leaf, index, proof = _mutate(tree, size, probe)
        expected = _reference(leaf, index, size, proof, root, algorithm)
        if probe[1] == "none":
            assert expected == "ok"
        assert _cold(leaf, index, size, proof, root, algorithm, cache_bits) == expected, probe
        # the unmutated proof before or after: a mutated one meets a cached node or a cold one
        if probe[2] % 2:
            assert _outcome(check_inclusion, warm, *good) == "ok"
        assert _outcome(check_inclusion, warm, leaf, index, proof) == expected, probe
        assert _outcome(check_inclusion, warm, *good) == "ok"
    assert len(warm.entries) <= (1 << cache_bits if cache_bits else 0)


@settings(max_examples=100)
@given(
    algorithm=st.sampled_from([SHA256, SM3]),
    cache_bits=st.integers(0, 10),
    data=st.data(),
)
def test_cached_check_agrees_with_reference_on_wrong_sizes_and_roots(
    algorithm: HashAlgorithm, cache_bits: int, data: st.DataObject
) -> None:
    """A tree of another size or root refuses what the reference refuses, warm or cold,
    and a warm tree with the wrong root never lets a proof through."""
    tree = _tree(algorithm)
    size = data.draw(st.integers(1, MAX), label="size")
    claimed = data.draw(st.integers(-1, MAX + 5), label="claimed size")
    wrong_root = data.draw(
        st.sampled_from([*tree.roots[1:], tree.roots[size][:-1], SOME_HASH]), label="root"
    )
    indices = data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=20))
    wrong = (
        ProvenTree(size, wrong_root, algorithm=algorithm, cache_bits=cache_bits)
        if len(wrong_root) == algorithm.digest_size
        else None
    )
    for index in indices:
        leaf, proof = tree.leaves[index], tree.proof(index, size)
        for s, r in ((claimed, tree.roots[size]), (size, wrong_root)):
            expected = _reference(leaf, index, s, proof, r, algorithm)
            assert _cold(leaf, index, s, proof, r, algorithm, cache_bits) == expected
        if wrong is not None:
            expected = _reference(leaf, index, size, proof, wrong_root, algorithm)
            assert _outcome(check_inclusion, wrong, leaf, index, proof) == expected
            assert (expected == "ok") == (wrong_root == tree.roots[size])
