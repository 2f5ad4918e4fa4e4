"""A license's status after each of its events, as the log projects it.

The lifecycle table (:mod:`elicense.lifecycle`) makes a license's status
after an event a function of the event's topic alone: issued, amended,
renewed and reinstated leave it valid, suspended suspends it, revoked and
expired end it. The log keeps that status with each leaf and the status
lists are built from it (:mod:`elicense.log.statusdoc`); the verifiers read
it back to check that a record is still a license's newest.
"""

from __future__ import annotations

from typing import Final

from elicense.lifecycle import LIFECYCLE, LicenseStatus
from elicense.log.statuslist import Status

__all__ = ["HEAD_STATUS", "status_bits"]


def status_bits(status: LicenseStatus | None) -> int:
    """A license status as a status list's 2 bits: valid, suspended, else invalid.

    ``None`` (a revocation, whatever its reason) is invalid.
    """
    if status is LicenseStatus.VALID:
        return Status.VALID
    if status is LicenseStatus.SUSPENDED:
        return Status.SUSPENDED
    return Status.INVALID


HEAD_STATUS: Final[dict[str, int]] = {
    event: status_bits(step.after) for event, step in LIFECYCLE.items()
}
"""A license event's name → the license's status after it (0 valid, 1 invalid,
2 suspended), from the lifecycle table; names not listed are not license events."""
