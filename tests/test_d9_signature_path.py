"""D9, the signature-path rows (../shared/notes/reliability-findings.md): parts of a
document that verified ``valid`` although they were not what the ledger exported.

- the ``seals`` section: a prefix of a seal's filing records, or a seal's history
  listed twice, was accepted — the section must hold each seal that signed once,
  sorted by code, with exactly its ``seal.make`` and ``seal.file`` records;
- the ``license`` field of an amended (or renewed) license: a lower-case or
  whitespace-padded identifier was accepted, because ``parse_license_id``
  normalises — the document must name the identifier as it is written.

Each reproducer has its happy twin: the same document re-encoded without the edit
verifies valid (the edit, not the re-encoding, is what is refused). The log path
shares the seal-section check; its twins are here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from elicense import acts
from elicense.verify.verifier import Verifier
from logkit import MemoryLog
from support import World, bundle_time


class _Docs:
    """A ledger with a plain and an amended license, both exported on both paths."""

    def __init__(self) -> None:
        self.w = World.new()
        dept, _type, self.plain = self.w.licensed()
        signed = self.w.issue(dept, _type, 2)
        lid2 = self.w.submit(signed).subject
        self.w.submit(self.w.act(dept, acts.AmendLicense, lid2, 1))
        self.amended = self.w.ledger.get_license(lid2).identifier
        assert self.amended != lid2  # amended: a new identifier version, check char recomputed
        self.log = MemoryLog(self.w.ledger, self.w.platform_key)
        self.log.follow()
        self.log.checkpoint()
        from elicense.ledger.export import export_license, sign_bundle, trust_bundle

        self.bundle = sign_bundle(trust_bundle(self.w.ledger, self.log), self.w.platform_key)
        self.verifier = Verifier.from_bundle(self.bundle, platform_keys=[self.w.pem()])
        self.signature = {k: export_license(self.w.ledger, i) for k, i in self._ids().items()}
        self.logged = {
            k: export_license(self.w.ledger, i, log=self.log) for k, i in self._ids().items()
        }

    def _ids(self) -> dict[str, str]:
        return {"plain": self.plain, "amended": self.amended}

    def codes(self, document: bytes) -> list[str]:
        verdict = self.verifier.verify(document, at=bundle_time(self.bundle))
        return ["valid"] if verdict.ok else list(verdict.codes)


@pytest.fixture(scope="module")
def docs() -> Iterator[_Docs]:
    d = _Docs()
    yield d
    d.w.ledger.close()


def _edited(document: bytes, edit: Any) -> bytes:
    """``document`` decoded, changed by ``edit`` (in place) and re-encoded compactly."""
    tree = json.loads(document)
    edit(tree)
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode()


def _named(document: bytes, text: str) -> bytes:
    """``document`` naming the license as ``text``, re-encoded compactly."""
    tree = json.loads(document)
    tree["license"] = text
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode()


def _unchanged(tree: dict[str, Any]) -> None:
    pass


def _prefix(tree: dict[str, Any]) -> None:
    tree["seals"][0]["events"] = tree["seals"][0]["events"][:1]  # seal.make without seal.file


def _twice(tree: dict[str, Any]) -> None:
    tree["seals"] = [tree["seals"][0], tree["seals"][0]]


@pytest.mark.parametrize("path", ["signature", "logged"])
def test_d9_re_encoding_an_exported_document_keeps_it_valid(docs: _Docs, path: str) -> None:
    """Happy twin of every edit below: the decode/re-encode round trip is the exporter's
    own bytes, and valid."""
    for kind, document in getattr(docs, path).items():
        assert _edited(document, _unchanged) == document, kind
        assert docs.codes(document) == ["valid"], kind


@pytest.mark.parametrize("path", ["signature", "logged"])
def test_d9_signature_path_seal_history_prefix_refused(docs: _Docs, path: str) -> None:
    """A seal's history cut to a prefix (seal.make only) is document.seal.mismatch."""
    for kind, document in getattr(docs, path).items():
        assert len(json.loads(document)["seals"][0]["events"]) == 2  # twin: the whole filing
        assert docs.codes(_edited(document, _prefix)) == ["document.seal.mismatch"], kind


@pytest.mark.parametrize("path", ["signature", "logged"])
def test_d9_signature_path_seal_history_listed_twice_refused(docs: _Docs, path: str) -> None:
    """A seal's history listed twice is document.seals.order."""
    for kind, document in getattr(docs, path).items():
        assert len(json.loads(document)["seals"]) == 1  # twin: listed once
        assert docs.codes(_edited(document, _twice)) == ["document.seals.order"], kind


@pytest.mark.parametrize(
    "respell",
    [str.lower, lambda s: f" {s}", lambda s: f"{s} ", lambda s: f"\t{s}\n"],
    ids=["lower case", "leading space", "trailing space", "tab and newline"],
)
def test_d9_amended_license_identifier_respelled_refused(docs: _Docs, respell: Any) -> None:
    """An amended license's identifier (its check character in no statement) respelled
    is document.license.mismatch, like a plain license's; as written it is valid."""
    for kind in ("amended", "plain"):
        document = docs.signature[kind]
        lid = json.loads(document)["license"]
        assert respell(lid) != lid
        assert docs.codes(_named(document, lid)) == ["valid"]
        assert docs.codes(_named(document, respell(lid))) == ["document.license.mismatch"], kind
