"""A document's seal section, authenticated against the trust source (both paths).

The seal section (each signing seal's ``seal.make`` and ``seal.file`` records)
is in no signature and no log proof, so the verifier compares it with the
trust source's records of the same seals, or refuses the document. The hot
path keeps the section raw: one seen before is a dict lookup and one
comparison.
"""

from __future__ import annotations

from typing import Any

import msgspec

from elicense.codec import ENCODER
from elicense.documents import History
from elicense.verdict import VerdictBuilder

__all__ = ["SealSections"]

_seal_histories = msgspec.json.Decoder(tuple[History, ...])
_FILING_RECORDS = 2  # a seal section holds each seal's seal.make and seal.file records


class SealSections:
    """Checks documents' seal sections; remembers the sections that passed (up to 4,096)."""

    def __init__(self) -> None:
        self._seen: dict[bytes, tuple[bytes, frozenset[str]]] = {}

    def check(self, doc: Any, trust: Any, b: VerdictBuilder) -> frozenset[str] | None:
        """The codes of the seals whose filings the document carries, checked
        against the trust source. A seal section seen before is a dict lookup
        keyed by its length and ends, then one comparison of the whole section.

        ``None`` when a seal is unknown to the trust source (a bundle older than the
        seal): its entries cannot be judged, so the verdict is indeterminate, not invalid.
        """
        raw = bytes(doc.seals) if isinstance(doc.seals, msgspec.Raw) else None
        if raw is not None:
            # Hashing a whole section (kilobytes) costs more than comparing it: the key
            # is cheap, the comparison with the section seen exact.
            section_key = raw[:64] + raw[-64:] + len(raw).to_bytes(4, "big")
            seen = self._seen.get(section_key)
            if seen is not None and seen[0] == raw:
                b.passed("document.canonical")
                return seen[1]
            try:
                histories: tuple[History, ...] = _seal_histories.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as e:
                b.error("document.malformed", f"seals: {e}")
                return frozenset()
            if ENCODER.encode(histories) != raw:  # the view's re-encoding copies raw verbatim
                b.error(
                    "document.noncanonical",
                    "document: the seal section is not the canonical encoding of its content",
                )
                return frozenset()
        else:
            histories = doc.seals
        codes = []
        unknown = False
        previous = ""
        for h in histories:
            if h.key <= previous:  # the exporter lists each seal once, sorted by code
                b.error(
                    "document.seals.order",
                    f"the seal section lists seal {h.key} after {previous}: each seal must "
                    "appear once, sorted by code",
                    subject=h.key,
                )
                return frozenset()
            previous = h.key
            known = trust.seal_events(h.key)
            if known is None and h.events and h.events[0].position > trust.as_of:
                unknown = True
                b.indeterminate(
                    "trust.seal.unknown",
                    f"seal {h.key} is not in the trust source (older than the seal?)",
                    subject=h.key,
                )
            elif known is None:
                b.error(
                    "seal.unknown",
                    f"seal {h.key} is not in the trust source, which covers the positions "
                    "of the document's records of it",
                    subject=h.key,
                )
            elif known[:_FILING_RECORDS] != h.events:  # exactly seal.make and seal.file
                b.error(
                    "document.seal.mismatch",
                    f"the document's records of seal {h.key} differ from the trusted ones",
                    subject=h.key,
                )
            else:
                codes.append(h.key)
        b.passed("document.canonical")  # every byte decoded; the raw section re-encodes exactly
        if unknown:
            return None
        result = frozenset(codes)
        if raw is not None and len(codes) == len(histories):
            if len(self._seen) > 4096:
                self._seen.clear()
            self._seen[section_key] = (raw, result)
        return result
