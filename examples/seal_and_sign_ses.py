"""GB/T 38540: the platform makes a department's electronic seal; the department
signs a document with it; anyone verifies both — and a changed byte fails.

Uses SM2 with SM3 when the ``sm2`` extra is installed (as the standard expects),
else ECDSA P-256.

Run: python examples/seal_and_sign_ses.py
"""

from __future__ import annotations

from datetime import timedelta

from elicense import generate_key
from elicense.codec import utc_now
from elicense.crypto import ses
from elicense.crypto.x509issue import issue_certificate
from elicense_demo.run import default_alg


def main() -> None:
    """Make a seal, sign content, verify, tamper."""
    alg = default_alg()
    now = utc_now()
    platform_key, seal_key = generate_key(alg), generate_key(alg)
    platform_cert = issue_certificate(
        subject={"CN": "示例平台"},
        public_key=platform_key.public_key,
        issuer_key=platform_key,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=730),
        ca=True,
    )
    seal_cert = issue_certificate(
        subject={"CN": "行政审批专用章", "O": "示例市市场监督管理局"},
        public_key=seal_key.public_key,
        issuer_key=platform_key,
        issuer_cert=platform_cert,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365),
    )
    seal = (
        ses.SealBuilder()
        .es_id("3301010000001")
        .name("示例市市场监督管理局行政审批专用章")
        .certificates([seal_cert])
        .validity(now - timedelta(hours=1), now + timedelta(days=365))
        .created(now)
        .picture(
            b"<svg xmlns='http://www.w3.org/2000/svg'/>", type="SVG", width_mm=40, height_mm=40
        )
        .sign(platform_key, platform_cert)
    )
    content = "准予行政许可决定书 第2026001号".encode()
    signature = (
        ses.SignatureBuilder()
        .seal(seal)
        .content(content, property_info="decision.txt")
        .signing_time(now)
        .sign(seal_key, seal_cert)
    )
    trust = [platform_cert, seal_cert]
    verdict = ses.verify(signature.der, trust=trust, content=content)
    print(
        f"{alg}: seal {len(seal.der)} bytes, signature {len(signature.der)} bytes:", verdict.outcome
    )
    assert verdict.ok, verdict.to_dict()

    changed = ses.verify(signature.der, trust=trust, content=content + b" ")
    print("changed content:", changed.outcome, [f.code for f in changed.findings])
    assert not changed.ok
    assert "ses.data_hash.mismatch" in changed.codes


if __name__ == "__main__":
    main()
