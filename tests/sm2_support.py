"""Helpers shared by the SM2 and SES tests: backend presence, openssl, keys and certificates."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2028, 1, 1, tzinfo=UTC)


def require_sm2() -> None:
    """Skip the calling test module when the SM2 backend is absent (fail under CI=true)."""
    try:
        import gmssl_pyx  # noqa: F401
    except ImportError:
        reason = "SM2 backend not installed (pip install 'elicense[sm2]')"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
        pytest.skip(reason, allow_module_level=True)


def require_openssl() -> str:
    """The ``openssl`` command if it has SM2 (skip otherwise; fail under CI=true)."""
    exe = shutil.which("openssl")
    ok = False
    if exe:
        out = subprocess.run([exe, "list", "-public-key-algorithms"], capture_output=True)
        ok = b"SM2" in out.stdout
    if not ok:
        reason = "openssl with SM2 is not available"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
        pytest.skip(reason)
    assert exe
    return exe


def openssl_verify(exe: str, tmp: Path, pub_pem: bytes, sig: bytes, data: bytes) -> bool:
    """Whether ``openssl dgst -sm3 -verify`` (default SM2 ID) accepts ``sig`` over ``data``."""
    (tmp / "pub.pem").write_bytes(pub_pem)
    (tmp / "sig.bin").write_bytes(sig)
    (tmp / "data.bin").write_bytes(data)
    cmd = [exe, "dgst", "-sm3", "-verify", str(tmp / "pub.pem")]
    cmd += ["-sigopt", "distid:1234567812345678", "-signature", str(tmp / "sig.bin")]
    return subprocess.run([*cmd, str(tmp / "data.bin")], capture_output=True).returncode == 0


def openssl_sign(exe: str, tmp: Path, key_pem: bytes, data: bytes) -> bytes:
    """An SM2 signature made by ``openssl dgst -sm3 -sign`` with the default SM2 ID."""
    (tmp / "key.pem").write_bytes(key_pem)
    (tmp / "data.bin").write_bytes(data)
    cmd = [exe, "dgst", "-sm3", "-sign", str(tmp / "key.pem")]
    cmd += ["-sigopt", "distid:1234567812345678", "-out", str(tmp / "sig.bin")]
    subprocess.run([*cmd, str(tmp / "data.bin")], check=True, capture_output=True)
    return (tmp / "sig.bin").read_bytes()


def flip(data: bytes, index: int, bit: int = 0) -> bytes:
    """``data`` with one bit flipped."""
    b = bytearray(data)
    b[index] ^= 1 << bit
    return bytes(b)
