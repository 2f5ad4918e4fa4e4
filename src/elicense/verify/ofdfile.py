"""Verifying a signed OFD file with a :class:`~elicense.verify.verifier.Verifier`'s trust.

The file's signatures are verified as :class:`~elicense.ofd.verify.OfdVerifier`
does, with the verifier's own OFD anchors (``Verifier(ofd_anchors=)``) and two
things only a trust source knows:

- **the seals filed on it**: a seal signature whose SES seal is, byte for
  byte, the GB/T 38540 seal a ``seal.filed`` record of the trust source
  carries (its annex), made by a platform key, listing the certificate that
  signed, is trusted through that filing. Its status is judged at the signing
  time (a verified timestamp, else the time the signature claims): the seal's
  state after its last record made by then (in whole seconds, as SES times are:
  a record of the signing second counts as made by then), under the rule the ledger applies
  (:func:`~elicense.domain.state.seal.seal_refusal`: ``seal.suspended``,
  ``seal.revoked``, ``seal.compromised`` …). A seal not filed stays untrusted;
- **the license the file is** (online only): the ledger's ``file.record`` of
  the file's SHA-256 names its license, whose verdict is the ``statement``
  sub-result, and whose status is the verdict's, as for a license PDF
  (:mod:`elicense.verify.pdf`). A trust bundle holds no file records: offline,
  and online for a file the ledger never recorded, the verdict says
  ``ofd.license.unbound`` and carries no status.
"""

from __future__ import annotations

import bisect
import hashlib
from datetime import datetime
from typing import Any

from elicense import wire
from elicense.crypto.ses.model import Signature
from elicense.crypto.ses.trust import TrustAnchors
from elicense.crypto.x509 import certificate_spki
from elicense.domain.state.seal import seal_refusal
from elicense.errors import ElicenseError
from elicense.ofd.verify import OfdVerifier
from elicense.record import decode_record
from elicense.verdict import Verdict, VerdictBuilder
from elicense.verify.trust import SealSnapshot, TrustSource

__all__ = ["FiledSealJudge", "TrustedFilings", "verify_bytes"]


class FiledSealJudge:
    """A filed seal's states by record time, and the anchor its filing vouches for.

    Attributes:
        code: the seal's code (its ``esID``).
        anchors: the filed seal's maker certificate (made by a platform key).
    """

    def __init__(
        self, code: str, maker_cert: bytes, times: list[datetime], states: list[SealSnapshot]
    ) -> None:
        self.code = code
        self.anchors = TrustAnchors([maker_cert])
        self._times = times
        self._states = states

    def judge(self, when: datetime, b: VerdictBuilder) -> None:
        """Judge the seal as it stood at ``when``, the signing time."""
        i = bisect.bisect_right(self._times, when)
        state = self._states[i - 1] if i else None
        refusal = seal_refusal(state, when, self.code)
        b.evidence["filed_seal"] = self.code
        if refusal is None:
            b.passed("seal.in_force")
        else:
            b.error(refusal.code, f"signed at {when.isoformat()}: {refusal}")


class TrustedFilings:
    """The seals a trust source holds as filed, looked up by an OFD signature's seal.

    Args:
        trust: the verifier's trust source (a ledger snapshot or a trust bundle).
    """

    def __init__(self, trust: TrustSource) -> None:
        self._trust = trust
        self._platform = {k.spki for k in trust.platform_keys()}
        self._found: dict[tuple[bytes, bytes], FiledSealJudge | None] = {}
        self.failure: Exception | None = None
        """What stopped a lookup (a store that did not answer, a history that does not
        verify): the OFD verifier would report it as its own internal error, so the caller
        raises it instead (:func:`verify_bytes`)."""

    def __call__(self, sig: Signature) -> FiledSealJudge | None:
        """The filing of ``sig``'s seal, or ``None`` when this exact seal was not filed."""
        try:
            signer = certificate_spki(sig.signer_cert)
        except (ElicenseError, ValueError):
            return None
        key = (sig.seal.der, signer)  # bytes hash once and keep it: no SHA-256 of the seal here
        if key not in self._found:
            try:
                self._found[key] = self._lookup(sig, signer)
            except Exception as e:
                self.failure = self.failure or e
                raise
        return self._found[key]

    def _lookup(self, sig: Signature, signer: bytes) -> FiledSealJudge | None:
        seal = sig.seal
        code = seal.info.es_id
        try:
            if certificate_spki(seal.maker_cert) not in self._platform:
                return None  # not made by this platform: no filing of it can vouch
            if self._trust.seal_at(code, 2**63 - 1) is None:  # the history, verified
                return None
            events = self._trust.seal_events(code) or ()
            records = [(e.position, decode_record(e.record)) for e in events]
        except (ElicenseError, ValueError):
            return None
        if not any(r.topic == wire.SEAL_FILED and r.annex == seal.der for _, r in records):
            return None
        times: list[datetime] = []
        states: list[SealSnapshot] = []
        for position, r in records:
            state = self._trust.seal_at(code, position + 1)
            if state is not None:
                times.append(r.recorded_at.replace(microsecond=0))  # SES times are whole seconds
                states.append(state)
        if not states or states[-1].key.spki != signer:
            return None  # the certificate that signed is not the filed seal's key
        return FiledSealJudge(code, seal.maker_cert, times, states)


def verify_bytes(verifier: Any, data: bytes, at: datetime) -> Verdict:
    """The :class:`~elicense.verify.verifier.Verifier` hook for OFD input.

    The signatures are judged at the times they prove or claim; ``at`` is the
    verdict's ``judged_at`` and the time the license's status is judged at.
    """
    trust = verifier.trust
    filings = TrustedFilings(trust)
    verdict = OfdVerifier(verifier.ofd_anchors, keys=verifier.ofd_keys, filed=filings).verify(data)
    if filings.failure is not None:  # the Verifier turns it into a verdict or a StorageError
        raise filings.failure
    b = VerdictBuilder(subject=verdict.subject)
    b.judged_at, b.time_source = at, verdict.time_source
    b.extend(verdict.findings)
    b.passed_all(verdict.checked)
    b.signatures = list(verdict.signatures)
    b.evidence.update(verdict.evidence)
    record = trust.license_file(hashlib.sha256(data).digest()) if trust.online else None
    if record is None:
        why = (
            "the ledger holds no file.record of this SHA-256"
            if trust.online
            else ("a trust bundle holds no file records")
        )
        b.warning(
            "ofd.license.unbound",
            f"{why}: the file is judged by its signatures alone, and no license status is given",
        )
        return b.build()
    b.subject = record.license
    b.passed("file.recorded")
    b.evidence.update(file_seal=record.seal, file_sha256=record.sha256.hex())
    sub = verifier.verify(record.license, at=at)
    b.signature("statement", sub, signer=record.seal, part="file.record")
    b.status = sub.status
    b.evidence = {**sub.evidence, **b.evidence}  # the license's, as for a PDF; the file's win
    return b.build()
