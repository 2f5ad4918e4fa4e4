"""The LicenseFile aggregate: a license file (PDF, OFD) handed out, on the record.

One aggregate per file, keyed by the SHA-256 of the file's bytes, so a
verifier holding a file looks it up by digest and the store itself refuses
the same file recorded twice. Its one event, ``file.recorded``, carries the
issuing department's signed statement of the license identifier, the media
type and the SHA-256 and SM3 digests. It never touches the license: the
license's status, records and status slot stay as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from elicense import wire
from elicense.acts import RecordLicenseFile, Signed, decode_statement
from elicense.domain.base import LedgerAggregate, deterministic_id

__all__ = ["LicenseFile"]


class LicenseFile(LedgerAggregate):
    """One license file, by digest."""

    WIRE_NAME = wire.LICENSE_FILE

    if TYPE_CHECKING:  # set by the event (see Seal for why not annotated at runtime)
        license: str
        media_type: str
        sha256: bytes
        sm3: bytes
        seal: str

    @staticmethod
    def id_for(sha256: bytes) -> UUID:
        """The aggregate id of the file whose bytes have SHA-256 digest ``sha256``."""
        return deterministic_id(wire.LICENSE_FILE, sha256.hex())

    @classmethod
    def record(cls, signed: Signed) -> LicenseFile:
        """Record a file from its ``file.record`` statement."""
        act = decode_statement(signed.statement)
        assert isinstance(act, RecordLicenseFile)
        return cls._create_from(cls.Recorded, cls.id_for(act.sha256), signed)

    class Recorded(LedgerAggregate.Created):
        TOPIC = wire.FILE_RECORDED

        def apply(self, f: LicenseFile) -> None:
            act = self.act
            assert isinstance(act, RecordLicenseFile)
            f.license = act.subject
            f.media_type = act.media_type
            f.sha256 = act.sha256
            f.sm3 = act.sm3
            f.seal = act.seal
