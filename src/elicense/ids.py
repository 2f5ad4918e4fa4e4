"""Identifiers: 电子证照标识, 统一社会信用代码 and 公民身份号码.

- **License identifier** (电子证照标识, GB/T 36904-2018)::

      1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>

  The check character is ISO/IEC 7064 MOD 37,36 over type code + issuer code
  + serial + version, root and dots removed.
- **USCC** (统一社会信用代码, GB 32100-2015): 18 characters, check MOD 31.
- **RIC** (公民身份号码, GB 11643-1999): 17 digits and an ISO/IEC 7064 MOD 11-2
  check character (``X`` for 10).

The check algorithms are python-stdnum's (``stdnum.iso7064.mod_37_36``,
``stdnum.cn.uscc``, ``stdnum.cn.ric``); this module adds precise errors. Every
refusal is an :class:`~elicense.errors.IdentifierError` whose ``field`` names
the identifier or part (``uscc``, ``ric``, ``birth date``, ``holder code``,
``license id``, ``root``, ``type code``, ``issuer code``, ``serial``,
``version``, ``check``) and whose ``expected`` holds the expected check
character when a check failed.

Normalisation: surrounding whitespace is stripped and ASCII letters are
upper-cased (all three standards use upper-case letters only, so lower case is
an unambiguous typing variant). USCC and RIC inputs also lose the spaces and
hyphens stdnum's ``compact()`` removes. Nothing else is repaired.

Two deliberate differences from stdnum's ``validate()``:

- USCC positions 1-2 (登记管理部门代码, 机构类别代码) may be letters of the
  USCC alphabet, as GB 32100 allows (``N`` 农业, ``Y`` 其他); stdnum insists on
  digits there.
- RIC address codes are not looked up in stdnum's region table: a stale table
  would refuse real citizens, and the MOD 11-2 check already catches every
  single-character error.

A non-conformant variant (root ``1.2.156.3003.2``, no issuer segment, check
over type code + serial + version) exists in the wild. :func:`parse_license_id`
accepts it with a :class:`NonConformantIdentifierWarning` and returns a
:class:`LicenseId` whose ``issuer_code`` is ``None`` (``conformant`` is False).
Such a value can never be emitted: ``str()``, ``.key`` and ``.next_version()``
raise until :meth:`LicenseId.with_issuer` supplies the issuer code.
"""

from __future__ import annotations

import enum
import string
import warnings
from typing import Final

import msgspec
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.iso7064 import mod_37_36

from elicense.errors import IdentifierError

__all__ = [
    "LICENSE_ID_ROOT",
    "MAX_SERIAL_LENGTH",
    "MIN_SERIAL_LENGTH",
    "HolderCodeKind",
    "LicenseId",
    "NonConformantIdentifierWarning",
    "parse_license_id",
    "validate_holder_code",
    "validate_ric",
    "validate_uscc",
]

LICENSE_ID_ROOT: Final = "1.2.156.3005.2"
"""The root of every conformant license identifier (GB/T 36904)."""
MIN_SERIAL_LENGTH: Final = 7
"""Shortest serial GB/T 36904 allows."""
MAX_SERIAL_LENGTH: Final = 64
"""Longest serial accepted: a sanity bound of this library (real serials: 7-32)."""

_NONCONFORMANT_ROOT: Final = "1.2.156.3003.2"  # parsed, never emitted
_ALNUM: Final = frozenset(string.digits + string.ascii_uppercase)
_DIGITS: Final = frozenset(string.digits)
_USCC_CHARS: Final = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
_OTHER_CHARS: Final = _ALNUM | frozenset("()-")
_OTHER_LENGTHS: Final = range(4, 33)
_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_USCC: Final = "USCC (统一社会信用代码)"
_RIC: Final = "RIC (公民身份号码)"


class NonConformantIdentifierWarning(UserWarning):
    """A license identifier in the non-conformant ``1.2.156.3003.2`` form was read."""


class HolderCodeKind(enum.StrEnum):
    """The kind of a holder code (持证主体代码类型)."""

    USCC = "uscc"
    """统一社会信用代码, for organisations."""
    RIC = "ric"
    """公民身份号码, for citizens."""
    OTHER = "other"
    """Anything else (passport, permit numbers): 4-32 of ``0-9A-Z()-``."""


def _found(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _normalise(text: str, separators: str = "") -> str:
    text = text.strip()
    for sep in separators:
        text = text.replace(sep, "")
    return text.translate(_UPPER)


def _require_chars(
    text: str, allowed: frozenset[str], *, what: str, field: str, label: str, start: int = 1
) -> None:
    for i, ch in enumerate(text, start):
        if ch not in allowed:
            raise IdentifierError(
                f"{label}: expected {what} at position {i}, found {ch!r}", field=field
            )


def _check_uscc(code: str, *, field: str, label: str) -> None:
    if len(code) != 18:
        raise IdentifierError(
            f"{label}: expected 18 characters, found {len(code)} in {_found(code)}", field=field
        )
    letters = "a character of 0-9 and A-Z without I, O, S, V, Z"
    _require_chars(code[:2], _USCC_CHARS, what=letters, field=field, label=label)
    what = "a digit (登记管理机关行政区划码)"
    _require_chars(code[2:8], _DIGITS, what=what, field=field, label=label, start=3)
    _require_chars(code[8:], _USCC_CHARS, what=letters, field=field, label=label, start=9)
    expected: str = _uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            f"{label}: check character expected {expected!r}, found {code[17]!r} in {code!r}",
            field=field,
            expected=expected,
        )


def validate_uscc(code: str) -> str:
    """Check a 统一社会信用代码 (GB 32100-2015) and return it normalised.

    Args:
        code: the code; spaces, hyphens and lower case are tolerated.

    Returns:
        The 18-character upper-case code.

    Raises:
        IdentifierError: wrong length or character (``field="uscc"``), or a
            check character that does not verify (``expected`` set).
    """
    uscc = _normalise(code, " -")
    _check_uscc(uscc, field="uscc", label=_USCC)
    return uscc


def validate_ric(code: str) -> str:
    """Check a 公民身份号码 (GB 11643-1999) and its birth date; return it normalised.

    Args:
        code: the 18-character number; spaces, hyphens and ``x`` are tolerated.

    Returns:
        The 18-character number, check character ``X`` upper-case.

    Raises:
        IdentifierError: wrong length or character or check character
            (``field="ric"``, ``expected`` set for the check), or an impossible
            birth date in positions 7-14 (``field="birth date"``).
    """
    ric = _normalise(code, " -")
    if len(ric) != 18:
        raise IdentifierError(
            f"{_RIC}: expected 18 characters, found {len(ric)} in {_found(ric)}", field="ric"
        )
    _require_chars(ric[:17], _DIGITS, what="a digit", field="ric", label=_RIC)
    digit_or_x = _DIGITS | {"X"}
    _require_chars(ric[17:], digit_or_x, what="a digit or X", field="ric", label=_RIC, start=18)
    expected: str = _ric.calc_check_digit(ric)
    if ric[17] != expected:
        raise IdentifierError(
            f"{_RIC}: check character expected {expected!r}, found {ric[17]!r} in {ric!r}",
            field="ric",
            expected=expected,
        )
    try:
        _ric.get_birth_date(ric)
    except _StdnumError:
        raise IdentifierError(
            f"{_RIC}: birth date (positions 7-14) expected a valid YYYYMMDD date, "
            f"found {ric[6:14]!r}",
            field="birth date",
        ) from None
    return ric


def validate_holder_code(code: str, kind: HolderCodeKind) -> str:
    """Check a holder code (持证主体代码) of the given kind; return it normalised.

    Args:
        code: the code.
        kind: ``uscc`` and ``ric`` are fully checked; ``other`` (passports,
            permits) only gets a sanity check: 4-32 characters of ``0-9A-Z()-``.

    Returns:
        The normalised code.

    Raises:
        IdentifierError: the code does not check; ``field`` names the part.
    """
    kind = HolderCodeKind(kind)
    if kind is HolderCodeKind.USCC:
        return validate_uscc(code)
    if kind is HolderCodeKind.RIC:
        return validate_ric(code)
    other = _normalise(code)
    label = "holder code (other)"
    if len(other) not in _OTHER_LENGTHS:
        raise IdentifierError(
            f"{label}: expected 4 to 32 characters, found {len(other)} in {_found(other)}",
            field="holder code",
        )
    _require_chars(other, _OTHER_CHARS, what="one of 0-9A-Z()-", field="holder code", label=label)
    return other


def _check_type_code(code: str) -> None:
    if len(code) != 21:
        raise IdentifierError(
            "type code: expected 21 characters (defining authority's 18-character USCC + "
            f"3-digit type number), found {len(code)} in {_found(code)}",
            field="type code",
        )
    _check_uscc(code[:18], field="type code", label="type code: defining authority's USCC")
    label = "type code: type number"
    _require_chars(code[18:], _DIGITS, what="a digit", field="type code", label=label, start=19)


def _check_issuer_code(code: str) -> None:
    if len(code) == 6:
        what = "a digit (6-digit administrative division code)"
        _require_chars(code, _DIGITS, what=what, field="issuer code", label="issuer code")
    elif len(code) == 18:
        _check_uscc(code, field="issuer code", label="issuer code: issuer's USCC")
    else:
        raise IdentifierError(
            "issuer code: expected 18 characters (USCC) or 6 digits (division code), "
            f"found {len(code)} in {_found(code)}",
            field="issuer code",
        )


def _check_serial(serial: str) -> None:
    if not MIN_SERIAL_LENGTH <= len(serial) <= MAX_SERIAL_LENGTH:
        raise IdentifierError(
            f"serial: expected {MIN_SERIAL_LENGTH} to {MAX_SERIAL_LENGTH} characters, "
            f"found {len(serial)} in {_found(serial)}",
            field="serial",
        )
    _require_chars(serial, _ALNUM, what="one of 0-9A-Z", field="serial", label="serial")


class LicenseId(msgspec.Struct, frozen=True, kw_only=True):
    """A 电子证照标识 (GB/T 36904-2018), with the check character computed.

    Fields must be canonical (upper case); :meth:`build` normalises input and
    :func:`parse_license_id` reads the text form. Equal identifiers compare
    and hash equal.

    Attributes:
        type_code: 证照类型代码, the defining authority's USCC + 3-digit type number.
        issuer_code: 颁发机构代码, the issuer's USCC or a 6-digit division code;
            ``None`` only for a non-conformant ``1.2.156.3003.2`` identifier.
        serial: issuer-chosen, 7-64 characters of ``0-9A-Z``.
        version: 1-999, printed as 3 digits; grows on 变更 and 延续.
    """

    type_code: str
    issuer_code: str | None
    serial: str
    version: int = 1

    def __post_init__(self) -> None:
        """Refuse a value that is not a canonical, checking identifier."""
        for name in ("type_code", "serial"):
            if not isinstance(getattr(self, name), str):
                raise IdentifierError(f"{name}: expected a str", field=name.replace("_", " "))
        _check_type_code(self.type_code)
        if self.issuer_code is not None:
            if not isinstance(self.issuer_code, str):
                raise IdentifierError("issuer code: expected a str or None", field="issuer code")
            _check_issuer_code(self.issuer_code)
        _check_serial(self.serial)
        if type(self.version) is not int or not 1 <= self.version <= 999:
            raise IdentifierError(
                f"version: expected an int from 1 to 999, found {self.version!r}", field="version"
            )

    @classmethod
    def build(cls, *, type_code: str, issuer_code: str, serial: str, version: int = 1) -> LicenseId:
        """Make a conformant identifier from its parts (whitespace stripped, upper-cased).

        Raises:
            IdentifierError: a part is malformed or an embedded USCC does not check;
                ``issuer_code`` is required (``field="issuer code"``).
        """
        if not isinstance(issuer_code, str):
            raise IdentifierError(
                "issuer code: expected the issuer's USCC or division code; a license "
                "identifier without issuer is non-conformant and is never built",
                field="issuer code",
            )
        return cls(
            type_code=_normalise(type_code),
            issuer_code=_normalise(issuer_code),
            serial=_normalise(serial),
            version=version,
        )

    @property
    def conformant(self) -> bool:
        """False for an identifier read in the non-conformant 3003 form (no issuer)."""
        return self.issuer_code is not None

    @property
    def check(self) -> str:
        """The ISO/IEC 7064 MOD 37,36 check character."""
        body = f"{self.type_code}{self.issuer_code or ''}{self.serial}{self.version:03d}"
        check: str = mod_37_36.calc_check_digit(body)
        return check

    @property
    def defining_authority(self) -> str:
        """The USCC of the authority that defined the license type (定义机构代码)."""
        return self.type_code[:18]

    @property
    def key(self) -> str:
        """The identifier without version and check: the same for every version.

        Raises:
            IdentifierError: the identifier is non-conformant (no issuer).
        """
        return f"{LICENSE_ID_ROOT}.{self.type_code}.{self._require_issuer()}.{self.serial}"

    def __str__(self) -> str:
        """The text form, ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>``.

        Raises:
            IdentifierError: the identifier is non-conformant (no issuer).
        """
        return f"{self.key}.{self.version:03d}.{self.check}"

    def next_version(self) -> LicenseId:
        """The identifier of the next version (变更, 延续).

        Raises:
            IdentifierError: the version is already 999, or the identifier is
                non-conformant.
        """
        self._require_issuer()
        if self.version >= 999:
            raise IdentifierError(
                "version: expected at most 999 (3 digits), found a successor of 999",
                field="version",
            )
        return msgspec.structs.replace(self, version=self.version + 1)

    def with_issuer(self, issuer_code: str) -> LicenseId:
        """Make a non-conformant identifier conformant by supplying its issuer code.

        Raises:
            IdentifierError: the identifier already has an issuer, or the code
                does not check.
        """
        if self.issuer_code is not None:
            raise IdentifierError(
                f"issuer code: expected a non-conformant identifier without issuer, "
                f"found issuer {self.issuer_code!r}",
                field="issuer code",
            )
        return msgspec.structs.replace(self, issuer_code=_normalise(issuer_code))

    def _require_issuer(self) -> str:
        if self.issuer_code is None:
            raise IdentifierError(
                "issuer code: a non-conformant identifier (1.2.156.3003.2, no issuer) is "
                "never emitted; supply the issuer with with_issuer()",
                field="issuer code",
            )
        return self.issuer_code


def _parse_version(text: str) -> int:
    if len(text) != 3 or not set(text) <= _DIGITS or text == "000":
        raise IdentifierError(
            f"version: expected 3 digits from 001 to 999, found {_found(text)}", field="version"
        )
    return int(text)


def parse_license_id(text: str) -> LicenseId:
    """Read and check a 电子证照标识 (whitespace stripped, upper-cased).

    The non-conformant form ``1.2.156.3003.2.<type>.<serial>.<version>.<check>``
    is accepted with a :class:`NonConformantIdentifierWarning`; the result has
    ``issuer_code=None`` and cannot be emitted.

    Raises:
        IdentifierError: ``field`` names the segment (``license id`` for the
            overall shape, ``root``, ``type code``, ``issuer code``, ``serial``,
            ``version``, ``check``); a failed check sets ``expected``.
    """
    s = _normalise(text)
    parts = s.split(".")
    root = ".".join(parts[:5])
    if root == _NONCONFORMANT_ROOT and len(parts) == 9:
        type_code, serial, version, check = parts[5:]
        issuer_code: str | None = None
    elif root == LICENSE_ID_ROOT:
        if len(parts) != 10:
            raise IdentifierError(
                f"license id: expected 10 dot-separated segments ({LICENSE_ID_ROOT}, type code, "
                f"issuer code, serial, version, check), found {len(parts)} in {_found(s)}",
                field="license id",
            )
        type_code, issuer_code, serial, version, check = parts[5:]
    else:
        hint = " (the 3003 variant is read only without issuer segment)"
        raise IdentifierError(
            f"root: expected {LICENSE_ID_ROOT!r}, found {_found(root)}"
            + (hint if root == _NONCONFORMANT_ROOT else ""),
            field="root",
        )
    # Segments are checked left to right so the first error reported is the first one.
    _check_type_code(type_code)
    if issuer_code is not None:
        _check_issuer_code(issuer_code)
    _check_serial(serial)
    number = _parse_version(version)
    if len(check) != 1 or check not in _ALNUM:
        raise IdentifierError(
            f"check: expected one character of 0-9A-Z, found {_found(check)}", field="check"
        )
    license_id = LicenseId(
        type_code=type_code, issuer_code=issuer_code, serial=serial, version=number
    )
    if check != license_id.check:
        raise IdentifierError(
            f"check: ISO/IEC 7064 MOD 37,36 check character expected {license_id.check!r}, "
            f"found {check!r}",
            field="check",
            expected=license_id.check,
        )
    if issuer_code is None:
        warnings.warn(
            NonConformantIdentifierWarning(
                f"non-conformant license identifier {s!r}: root {_NONCONFORMANT_ROOT} without "
                f"issuer segment (GB/T 36904: {LICENSE_ID_ROOT} with issuer code); read only, "
                "never emitted"
            ),
            stacklevel=2,
        )
    return license_id
