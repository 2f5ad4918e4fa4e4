"""A department signs offline; the platform submits later; a stale statement is refused.

Department systems often sign on an isolated machine (or with a UKey) and hand
over a file of signed statements. Each statement names the subject's version
it was made against, so a statement made against a version that has since
moved on is refused as a conflict — never applied to a license it was not
meant for.

Run: python examples/offline_signing.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from elicense import ConflictError, Department, Ledger
from elicense.acts import decode_signed
from elicense.codec import canonical
from elicense_demo.scenario import LICENSE_TYPES, City


def main() -> None:
    """Sign to a file, submit the file, then try a stale statement."""
    folder = Path(tempfile.mkdtemp(prefix="elicense-offline-"))
    city = City(alg="ecdsa-p256-sha256")
    ledger = Ledger(folder / "ledger.db")
    ledger.establish(origin=city.origin, name="示例平台", signer=city.platform_key)
    ledger.submit_many(city.founding())

    # Offline: the department signs ten issuances into a statements file.
    spec = LICENSE_TYPES[1]  # 食品经营许可证
    statements = folder / "statements.jsonl"
    with statements.open("wb") as f:
        for serial in range(10):
            f.write(canonical(city.issuance(spec, serial)) + b"\n")

    # Later, online: the platform submits the file in one transaction.
    lines = statements.read_bytes().splitlines()
    result = ledger.submit_many([decode_signed(line) for line in lines])
    print(
        f"recorded {len(result.receipts)} licenses at positions "
        f"{result.receipts[0].position}..{result.receipts[-1].position}"
    )
    assert len(result.receipts) == 10

    # Two suspensions made offline against the same version: the second is stale.
    d = city.departments[spec.department]
    dept = Department.offline(city.origin, d.key, seal=d.seal_code)
    lid = str(city.license_id(spec, 0))
    first = dept.suspend(lid, reason="抽检不合格", expected_version=1)
    second = dept.suspend(lid, reason="重复提交", expected_version=1)
    ledger.submit(first)
    try:
        ledger.submit(second)
    except ConflictError as e:
        print("stale statement refused:", e.code)
    else:
        raise AssertionError("a statement against a stale version was recorded")
    ledger.close()


if __name__ == "__main__":
    main()
