"""A department issues a license; another department verifies it offline.

The platform founds a ledger, the market regulator makes and files its seal,
defines 食品经营许可证 and issues one; the platform exports the license and a
signed trust bundle; a department that only holds the platform's public key
verifies the document — then sees what a tampered copy and a suspension do.

Run: python examples/issue_and_verify.py
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from elicense import Ledger, Signatory, Verifier, acts, generate_key
from elicense.codec import utc_now
from elicense.crypto.suites import key_id
from elicense.filing import make_filing_seal
from elicense.ids import LicenseId
from elicense.ledger.export import export_license, export_trust_bundle

ORIGIN = "elicense:example.city"
REGULATOR = "91110000600037341L"  # 统一社会信用代码 of the issuing department
TYPE = REGULATOR + "002"  # defining authority + 3-digit type number
HOLDER = "91330100MA27XL0E2G"  # the licensee's 统一社会信用代码


def main() -> None:
    """Issue, export, verify, tamper, suspend."""
    folder = Path(tempfile.mkdtemp(prefix="elicense-example-"))
    ledger = Ledger(folder / "ledger.db")  # SQLite, the embedded default

    platform_key = generate_key("ecdsa-p256-sha256")
    ledger.establish(origin=ORIGIN, name="示例市电子证照平台", signer=platform_key)
    platform = Signatory.platform(origin=ORIGIN, signer=platform_key)

    seal_key = generate_key("ecdsa-p256-sha256")
    dept = Signatory(origin=ORIGIN, seal="SJ-0001", signer=seal_key)
    now = utc_now()
    ledger.submit(
        dept.sign(  # 采集: the seal's own key proves possession
            acts.MakeSeal,
            subject="SJ-0001",
            expected_version=0,
            department=REGULATOR,
            department_name="市场监督管理局",
            name="市场监督管理局行政审批专用章",
            seal_kind=acts.SealKind.BUSINESS,
            public_key=seal_key.public_key.spki,
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=365),
        )
    )
    ledger.submit(
        platform.sign(  # 备案
            acts.FileSeal,
            subject="SJ-0001",
            expected_version=1,
            key_id=key_id(seal_key.public_key.spki),
            annex=make_filing_seal(ledger.get_seal("SJ-0001").made, platform_key),  # GB/T 38540
        )
    )
    ledger.submit(
        dept.sign(
            acts.DefineType,
            subject=TYPE,
            expected_version=0,
            name="食品经营许可证",
            holder_kind=acts.HolderKind.ORGANISATION,
            issuers=(REGULATOR,),
            validity=acts.Validity(years=5),
            schema=(acts.FieldSpec(name="category", label="经营项目", required=True),),
        )
    )

    lid = LicenseId.build(type_code=TYPE, issuer_code=REGULATOR, serial="JY2026000001")
    ledger.submit(
        dept.sign(
            acts.IssueLicense,
            subject=str(lid),
            expected_version=0,
            **ledger.template_binding(TYPE),
            license_number="JY13301000001",
            holder=acts.Holder(
                name="示例餐饮有限公司", code=HOLDER, code_kind=acts.HolderCodeKind.USCC
            ),
            issued_on=date(2026, 11, 22),
            valid_from=date(2026, 11, 22),
            valid_until=date(2031, 11, 21),
            data={"category": "热食类食品制售"},
        )
    )
    print("issued", lid)

    document = export_license(ledger, str(lid))
    bundle = export_trust_bundle(ledger, platform_key)

    # Another department: it holds only the platform's public key.
    verifier = Verifier.from_bundle(bundle, platform_keys=[platform_key.public_key.pem()])
    verdict = verifier.verify(document)
    print("verified:", verdict.outcome, verdict.status)
    assert verdict.ok, verdict.to_dict()
    assert verdict.status == "valid"

    tampered = bytearray(document)
    tampered[len(tampered) // 2] ^= 0x01
    verdict = verifier.verify(bytes(tampered))
    print("tampered copy:", verdict.outcome, [f.code for f in verdict.findings])
    assert not verdict.ok

    ledger.submit(
        dept.sign(acts.SuspendLicense, subject=str(lid), expected_version=1, reason="整改期间暂扣")
    )
    fresh = Verifier.from_bundle(
        export_trust_bundle(ledger, platform_key), platform_keys=[platform_key.public_key.pem()]
    )
    old_copy = fresh.verify(document)  # the copy made before the suspension
    new_copy = fresh.verify(export_license(ledger, str(lid)))
    print("after suspension, old copy:", old_copy.outcome, [f.code for f in old_copy.findings])
    print("after suspension, new copy:", new_copy.outcome, new_copy.status)
    assert not old_copy.ok
    assert not new_copy.ok
    assert new_copy.status == "suspended"
    ledger.close()


if __name__ == "__main__":
    main()
