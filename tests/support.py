"""Builders for the core's tests: a ledger with a platform key, departments, seals,
license types and licenses, each made the way a department system would make them.

A plain module (not a conftest): tests import what they use, so every test
says where its world comes from. Times are real (the ledger records with the
wall clock and judges seals at it); dates in licenses are chosen relative to
today so nothing here expires while the suite runs.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from elicense import acts
from elicense.acts import Signed, Statement, decode_statement
from elicense.codec import utc_now
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import ED25519, PrivateKey, key_id
from elicense.documents import SignedBundle, TrustBundle, decode_document
from elicense.errors import NotFoundError
from elicense.filing import make_filing_seal
from elicense.ids import LicenseId, parse_license_id
from elicense.ledger.application import Ledger, Receipt
from elicense.ledger.export import export_license, export_trust_bundle
from elicense.lifecycle import RevocationReason
from elicense.signatory import Signatory

__all__ = [
    "ORIGIN",
    "SCHEMA",
    "Dept",
    "World",
    "bundle_time",
    "edited",
    "flip",
    "make_ric",
    "make_uscc",
    "restate",
]

ORIGIN = "elicense:test.example"
TODAY = date.today()
SCHEMA = (
    acts.FieldSpec(name="capital", label="注册资本", type=acts.FieldType.NUMBER, required=True),
    acts.FieldSpec(name="founded", label="成立日期", type=acts.FieldType.DATE),
    acts.FieldSpec(name="scope", label="经营范围"),
)
HOLDER_USCC = "91110000600037341L"


def make_uscc(n: int, region: str = "110000") -> str:
    """A valid 统一社会信用代码 numbered ``n`` (check character computed by stdnum)."""
    body = f"11{region}{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def make_ric(n: int) -> str:
    """A valid 公民身份号码 with sequence ``n`` (born 1980-01-01)."""
    body = f"11010519800101{n % 1000:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")  # stdnum wants a check placeholder


def flip(data: bytes, index: int, bit: int = 0) -> bytes:
    """``data`` with one bit of byte ``index`` flipped."""
    b = bytearray(data)
    b[index] ^= 1 << bit
    return bytes(b)


@st.composite
def edited(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few random edits (flip, insert, delete, splice, truncate): the
    Hypothesis strategy every parser of outside bytes is fed (may draw no change at all)."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice", "truncate"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 8))]
        elif op == "splice":
            data[i:i] = draw(
                st.sampled_from(
                    [b'"', b"{", b"}", b"[", b"]", b",", b":", b"null", b"\\u0000", b"1e999", b"-0"]
                )
            )
        else:
            del data[i:]
    return bytes(data)


def restate(signed: Signed, signer: Any, **changes: Any) -> Signed:
    """Re-sign ``signed``'s statement with some fields changed (a forger with a key)."""
    act = msgspec.structs.replace(decode_statement(signed.statement), **changes)
    return act.sign(signer)


def bundle_time(bundle: bytes) -> datetime:
    """When a signed trust bundle was issued (verify ``at=`` this to be fresh)."""
    signed = decode_document(bundle)
    assert isinstance(signed, SignedBundle)
    return msgspec.json.decode(signed.bundle, type=TrustBundle).issued_at


@dataclass
class Dept:
    """A department: its USCC, one seal code and the seal's key."""

    uscc: str
    seal: str
    key: PrivateKey
    signatory: Signatory

    def sign(self, cls: type[Statement], **fields: Any) -> Signed:
        """Sign a statement as this department's seal."""
        return self.signatory.sign(cls, **fields)


@dataclass
class World:
    """A ledger on ``dsn`` with an established platform; builders for everything else."""

    ledger: Ledger
    platform_key: PrivateKey
    platform: Signatory
    alg: str = ED25519
    _seal_counter: int = field(default=0)

    @classmethod
    def new(cls, dsn: str | os.PathLike[str] = "memory:", *, alg: str = ED25519) -> World:
        """A fresh store with an established ledger."""
        ledger = Ledger(dsn, verify_threads=1)
        key = generate_key(alg)
        ledger.establish(origin=ORIGIN, name="测试平台", signer=key)
        return cls(ledger, key, Signatory.platform(origin=ORIGIN, signer=key), alg)

    def reopen(self) -> World:
        """Another ``Ledger`` instance on the same store (same platform key)."""
        return World(Ledger(self.ledger.dsn, verify_threads=1), self.platform_key, self.platform)

    def submit(self, signed: Signed) -> Receipt:
        """Submit one statement."""
        return self.ledger.submit(signed)

    # -- seals ---------------------------------------------------------------------------------

    def make_seal(
        self,
        uscc: str,
        code: str,
        key: PrivateKey,
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> Signed:
        """The self-signed ``seal.make`` of seal ``code`` for department ``uscc``."""
        now = utc_now()
        own = Signatory(origin=ORIGIN, seal=code, signer=key)
        return own.sign(
            acts.MakeSeal,
            subject=code,
            expected_version=0,
            department=uscc,
            department_name="测试部门",
            name=f"{code} 行政审批专用章",
            seal_kind=acts.SealKind.BUSINESS,
            public_key=key.public_key.spki,
            valid_from=valid_from or now - timedelta(days=1),
            valid_until=valid_until or now + timedelta(days=365),
        )

    def file_seal(
        self, code: str, key: PrivateKey, version: int = 1, *, made: Signed | None = None
    ) -> Signed:
        """The platform's ``seal.file`` of seal ``code``, with the seal's GB/T 38540 annex.

        The annex describes the ledger's seal ``code``, or the not yet recorded
        ``made`` (``seal.make``); a seal that is neither gets no annex — the
        ledger refuses it first.
        """
        try:
            act = decode_statement(made.statement) if made else self.ledger.get_seal(code).made
            annex = make_filing_seal(act, self.platform_key)
        except NotFoundError:
            annex = b""
        return self.platform.sign(
            acts.FileSeal,
            subject=code,
            expected_version=version,
            key_id=key_id(key.public_key.spki),
            annex=annex,
        )

    def seal_act(self, cls: type[Statement], code: str, version: int, **fields: Any) -> Signed:
        """A platform act on seal ``code`` (suspend, reinstate, revoke)."""
        fields.setdefault("reason", "测试")
        return self.platform.sign(cls, subject=code, expected_version=version, **fields)

    def department(
        self,
        n: int,
        *,
        seal: str | None = None,
        file: bool = True,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> Dept:
        """Department number ``n`` with one seal, made and (unless ``file=False``) filed."""
        uscc = make_uscc(n)
        self._seal_counter += 1
        code = seal or f"S{n}-{self._seal_counter}"
        key = generate_key(self.alg)
        self.submit(self.make_seal(uscc, code, key, valid_from=valid_from, valid_until=valid_until))
        if file:
            self.submit(self.file_seal(code, key))
        return Dept(uscc, code, key, Signatory(origin=ORIGIN, seal=code, signer=key))

    def second_seal(self, dept: Dept, *, file: bool = True) -> Dept:
        """Another seal of the same department."""
        self._seal_counter += 1
        code = f"{dept.seal}-{self._seal_counter}"
        key = generate_key(self.alg)
        self.submit(self.make_seal(dept.uscc, code, key))
        if file:
            self.submit(self.file_seal(code, key))
        return Dept(dept.uscc, code, key, Signatory(origin=ORIGIN, seal=code, signer=key))

    # -- types and licenses --------------------------------------------------------------------

    def define_type(
        self,
        dept: Dept,
        number: str = "001",
        *,
        issuers: tuple[str, ...] | None = None,
        submit: bool = True,
        **fields: Any,
    ) -> str:
        """Define license type ``<dept USCC><number>`` (issued by ``dept`` unless told)."""
        code = dept.uscc + number
        fields.setdefault("name", "营业执照")
        fields.setdefault("schema", SCHEMA)
        fields.setdefault("validity", acts.Validity(years=5))
        signed = dept.sign(
            acts.DefineType,
            subject=code,
            expected_version=0,
            issuers=issuers if issuers is not None else (dept.uscc,),
            **fields,
        )
        if submit:
            self.submit(signed)
        return code

    @staticmethod
    def license_id(dept: Dept, type_code: str, n: int, version: int = 1) -> str:
        """The identifier of license ``n`` of ``type_code`` issued by ``dept``."""
        return str(
            LicenseId.build(
                type_code=type_code,
                issuer_code=dept.uscc,
                serial=f"{2026000000 + n}",
                version=version,
            )
        )

    def issue(self, dept: Dept, type_code: str, n: int, **fields: Any) -> Signed:
        """A ``license.issue`` of license ``n`` (not submitted); ``fields`` override."""
        fields.setdefault("subject", self.license_id(dept, type_code, n))
        fields.setdefault("expected_version", 0)
        fields.setdefault("license_number", f"N{n:06d}")
        fields.setdefault(
            "holder", acts.Holder(name="某某有限公司", code=HOLDER_USCC, code_kind="uscc")
        )
        fields.setdefault("issued_on", TODAY - timedelta(days=30))
        fields.setdefault("valid_from", TODAY - timedelta(days=30))
        fields.setdefault("valid_until", TODAY + timedelta(days=5 * 365))
        fields.setdefault("data", {"capital": "100", "founded": "2020-02-29"})
        try:
            binding = self.ledger.template_binding(type_code)
        except NotFoundError:  # a test of an unknown type: any binding
            binding = {"template_version": 1, "template_digest": bytes(32)}
        for name, value in binding.items():
            fields.setdefault(name, value)
        return dept.sign(acts.IssueLicense, **fields)

    def act(
        self, dept: Dept, cls: type[Statement], identifier: str, version: int, **fields: Any
    ) -> Signed:
        """A lifecycle act on a license with sensible defaults for each kind's fields."""
        if cls is acts.AmendLicense:
            fields.setdefault("changes", {"capital": "200"})
            type_code = parse_license_id(identifier).type_code
            for name, value in self.ledger.template_binding(type_code).items():
                fields.setdefault(name, value)
        if cls is acts.RenewLicense:
            fields.setdefault("valid_until", TODAY + timedelta(days=10 * 365))
        if cls is acts.RevokeLicense:
            fields.setdefault("reason_code", RevocationReason.REVOKED)
        if cls is not acts.ExpireLicense:
            fields.setdefault("reason", "测试")
        return dept.sign(cls, subject=identifier, expected_version=version, **fields)

    def licensed(self, n: int = 1) -> tuple[Dept, str, str]:
        """A department with a filed seal, a type it issues and license ``n`` issued.

        Returns:
            ``(dept, type code, identifier)``.
        """
        dept = self.department(n)
        type_code = self.define_type(dept)
        signed = self.issue(dept, type_code, 1)
        self.submit(signed)
        return dept, type_code, decode_statement(signed.statement).subject

    # -- export ---------------------------------------------------------------------------------

    def document(self, identifier: str) -> bytes:
        """The license's exported document."""
        return export_license(self.ledger, identifier)

    def bundle(self) -> bytes:
        """The ledger's signed trust bundle."""
        return export_trust_bundle(self.ledger, self.platform_key)

    def pem(self) -> bytes:
        """The platform's public key, PEM."""
        return self.platform_key.public_key.pem()


def b64(data: bytes) -> str:
    """Standard base64 text of ``data``."""
    return base64.b64encode(data).decode()


def utc(*args: int) -> datetime:
    """A UTC datetime."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def scan_qr(image: Any) -> str:
    """The one text of the QR code(s) zxing-cpp finds in ``image`` (a PIL image or a 2-D
    ``memoryview`` of grey bytes); zxing may report one symbol twice, never two texts."""
    import zxingcpp

    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = {str(b.text) for b in found}
    assert len(texts) == 1, texts
    return texts.pop()
