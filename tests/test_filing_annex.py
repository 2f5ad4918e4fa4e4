"""Filing records the platform-made GB/T 38540 SES_Seal; the ledger checks it first."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from elicense import acts
from elicense.acts import decode_statement
from elicense.crypto import ses
from elicense.crypto.keys import generate_key
from elicense.crypto.suites import key_id
from elicense.errors import InvalidStatementError
from elicense.filing import make_filing_seal
from support import World, make_uscc


@pytest.fixture
def world() -> World:
    """A fresh in-memory ledger with a platform key."""
    return World.new()


def _made(world: World, code: str = "SJ-1") -> tuple[acts.MakeSeal, object]:
    key = generate_key(world.alg)
    signed = world.make_seal(make_uscc(7), code, key)
    world.submit(signed)
    act = decode_statement(signed.statement)
    assert isinstance(act, acts.MakeSeal)
    return act, key


def _file(world: World, made: acts.MakeSeal, annex: bytes) -> object:
    return world.submit(
        world.platform.sign(
            acts.FileSeal,
            subject=made.subject,
            expected_version=1,
            key_id=key_id(made.public_key),
            annex=annex,
        )
    )


def test_filing_records_the_ses_seal(world: World) -> None:
    """A platform-made SES_Seal of the seal is recorded with the filing and verifies."""
    made, _ = _made(world)
    annex = make_filing_seal(made, world.platform_key)
    _file(world, made, annex)
    seal = world.ledger.get_seal(made.subject)
    assert seal.ses_seal == annex
    parsed = ses.parse_seal(seal.ses_seal)
    assert parsed.info.es_id == made.subject
    verdict = ses.verify(seal.ses_seal, trust=[parsed.maker_cert])
    assert "ses.seal.signature" in verdict.checked


def test_filing_refuses_an_ses_seal_made_by_another_key(world: World) -> None:
    """Tamper twin: an SES_Seal whose maker is not a platform key is refused, nothing recorded."""
    made, _ = _made(world)
    before = world.ledger.max_position()
    forged = make_filing_seal(made, generate_key(world.alg))
    with pytest.raises(InvalidStatementError) as e:
        _file(world, made, forged)
    assert e.value.code == "seal.annex.invalid"
    assert world.ledger.max_position() == before


def test_filing_refuses_an_ses_seal_of_another_seal(world: World) -> None:
    """Tamper twin: the platform's SES_Seal of seal A cannot file seal B."""
    made_a, _ = _made(world, "SJ-A")
    made_b, _ = _made(world, "SJ-B")
    with pytest.raises(InvalidStatementError) as e:
        _file(world, made_b, make_filing_seal(made_a, world.platform_key))
    assert e.value.code == "seal.annex.invalid"
    assert world.ledger.get_seal("SJ-B").ses_seal == b""


def test_filing_refuses_an_ses_seal_with_other_validity(world: World) -> None:
    """Tamper twin: an SES_Seal whose validity differs from the filed seal's is refused."""
    made, _ = _made(world)
    longer = msgspec.structs.replace(made, valid_until=made.valid_until + timedelta(days=30))
    with pytest.raises(InvalidStatementError) as e:
        _file(world, made, make_filing_seal(longer, world.platform_key))
    assert e.value.code == "seal.annex.invalid"


def test_filing_refuses_a_flipped_byte_in_the_ses_seal(world: World) -> None:
    """Tamper twin: one flipped byte in the SES_Seal's signed part is refused."""
    made, _ = _made(world)
    annex = bytearray(make_filing_seal(made, world.platform_key))
    annex[len(annex) // 3] ^= 0x01
    with pytest.raises(InvalidStatementError) as e:
        _file(world, made, bytes(annex))
    assert e.value.code == "seal.annex.invalid"


def test_only_a_filing_takes_an_annex(world: World) -> None:
    """Any other statement with an annex is refused."""
    made, _ = _made(world)
    _file(world, made, make_filing_seal(made, world.platform_key))
    signed = world.platform.sign(
        acts.SuspendSeal, subject=made.subject, expected_version=2, reason="测试", annex=b"x"
    )
    with pytest.raises(InvalidStatementError) as e:
        world.submit(signed)
    assert e.value.code == "statement.annex.unexpected"


def test_filing_without_the_ses_seal_is_refused_and_records_nothing(world: World) -> None:
    """No path files a seal without its GB/T 38540 annex: the ledger refuses it by code.

    The twin of :func:`test_filing_records_the_ses_seal`: the same filing, annex
    dropped, is refused, the seal stays made-but-unfiled and the store unchanged.
    """
    made, _ = _made(world)
    before = world.ledger.max_position()
    with pytest.raises(InvalidStatementError) as caught:
        _file(world, made, b"")
    assert caught.value.code == "seal.annex.missing"
    assert world.ledger.max_position() == before
    seal = world.ledger.get_seal(made.subject)
    assert (seal.version, seal.ses_seal) == (1, b"")
    _file(world, made, make_filing_seal(made, world.platform_key))  # the honest filing still files
    assert world.ledger.get_seal(made.subject).version == 2
