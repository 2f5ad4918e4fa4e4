"""The shape of a catalogue entry: data only, the stdlib alone.

:mod:`elicense.codes` sits at the bottom of the layers: nothing in it imports
anything else of elicense, so every module may import it.
"""

from __future__ import annotations

from typing import Final, Literal, NamedTuple, get_args

__all__ = ["AREAS", "KINDS", "Area", "Code", "Kind"]

Area = Literal["verify", "ledger", "log", "ofd", "ses", "pdf", "http", "reuse", "cli"]
"""Where a code comes from; each area's codes are documented in one file of docs/."""

Kind = Literal[
    "check",
    "error",
    "indeterminate",
    "warning",
    "info",
    "refusal",
    "reason",
    "raised",
    "problem",
    "cli",
]
"""How a code reaches its reader:

- ``check``: a passed check, in ``Verdict.checked``;
- ``error``, ``indeterminate``, ``warning``, ``info``: a finding of that severity;
- ``refusal``: the ledger refuses a statement (``RefusedError.code``), nothing recorded;
- ``reason``: the reason a use is recorded as refused (``Receipt.refused``);
- ``raised``: the ``.code`` of another error a library call raises;
- ``problem``: an HTTP problem code only the service (``elicense_http``) emits;
- ``cli``: an ``elicense … --json`` error code for an error without a code of its own.
"""

AREAS: Final[tuple[Area, ...]] = get_args(Area)
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)


class Code(NamedTuple):
    """One catalogue entry.

    Attributes:
        area: where the code comes from (and so which document lists it).
        kind: a finding's severity, or how else the code is delivered.
        meaning: one line of plain English: what happened.
    """

    area: Area
    kind: Kind
    meaning: str
