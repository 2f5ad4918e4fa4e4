"""Typed acts for department systems and the platform: get the version, sign, submit.

- :class:`~elicense.api.department.Department` — a department's seal, license
  types, licenses (issue, amend, renew, suspend, reinstate, revoke with
  注销/撤销/吊销, expire), license files and uses;
- :class:`~elicense.api.platform.PlatformOperator` — the platform key's acts:
  filing seals with their GB/T 38540 seal, suspending and revoking them,
  holders' consents.

Each comes ``online`` (reads versions from the ledger, submits, returns the
``Receipt``) or ``offline`` (returns the ``Signed`` statement; acts on existing
subjects take ``expected_version``). Time comes from an injectable ``clock``.
"""

from elicense.api._desk import Clock, OfflineVersionError
from elicense.api.department import Department
from elicense.api.platform import PlatformOperator

__all__ = ["Clock", "Department", "OfflineVersionError", "PlatformOperator"]
