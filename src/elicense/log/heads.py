"""A license's status after each of its events, as the log projects it.

The lifecycle table (:mod:`elicense.domain.codes`) makes a license's status
after an event a function of the event's topic alone: issued, amended,
renewed and reinstated leave it valid, suspended suspends it, revoked and
expired end it. The log keeps that status with each leaf and the status
lists are built from it (:mod:`elicense.log.statusdoc`); the verifiers read
it back to check that a record is still a license's newest.
"""

from __future__ import annotations

from typing import Final

from eventsourcing.utils import get_topic

from elicense.domain.license import License
from elicense.log.statuslist import Status

__all__ = ["HEAD_STATUS"]

HEAD_STATUS: Final[dict[str, int]] = {
    get_topic(License.Issued): Status.VALID,
    get_topic(License.Amended): Status.VALID,  # amend and renew start from valid (codes.py)
    get_topic(License.Renewed): Status.VALID,
    get_topic(License.Reinstated): Status.VALID,
    get_topic(License.Suspended): Status.SUSPENDED,
    get_topic(License.Revoked): Status.INVALID,
    get_topic(License.Expired): Status.INVALID,
}
"""A license event's topic → the license's status after it (0 valid, 1 invalid,
2 suspended); topics not listed are not license events."""
