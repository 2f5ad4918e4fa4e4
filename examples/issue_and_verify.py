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

from elicense import Department, Ledger, PlatformOperator, Verifier, acts, generate_key
from elicense.codec import utc_now
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
    platform = PlatformOperator.online(ledger, platform_key)

    seal_key = generate_key("ecdsa-p256-sha256")
    dept = Department.online(ledger, seal_key, seal="SJ-0001")
    now = utc_now()
    dept.make_seal(  # 采集: the seal's own key proves possession
        department=REGULATOR,
        department_name="市场监督管理局",
        name="市场监督管理局行政审批专用章",
        seal_kind=acts.SealKind.BUSINESS,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
    )
    platform.file_seal("SJ-0001")  # 备案, with the seal's GB/T 38540 SES_Seal
    dept.define_type(
        TYPE,
        name="食品经营许可证",
        holder_kind=acts.HolderKind.ORGANISATION,
        issuers=(REGULATOR,),
        validity=acts.Validity(years=5),
        schema=(acts.FieldSpec(name="category", label="经营项目", required=True),),
    )

    lid = LicenseId.build(type_code=TYPE, issuer_code=REGULATOR, serial="JY2026000001")
    dept.issue(  # bound to the template in force; every act reads its version from the ledger
        str(lid),
        license_number="JY13301000001",
        holder=acts.Holder(
            name="示例餐饮有限公司", code=HOLDER, code_kind=acts.HolderCodeKind.USCC
        ),
        issued_on=date(2026, 11, 22),
        valid_from=date(2026, 11, 22),
        valid_until=date(2031, 11, 21),
        data={"category": "热食类食品制售"},
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

    dept.suspend(str(lid), reason="整改期间暂扣")
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
