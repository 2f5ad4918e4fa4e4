"""The reuse phase of ``elicense demo``: a year of cross-department reuse in the demo city.

After the city's licenses are issued and its lifecycle acts recorded:

1. the defining departments grant the sharing lists of
   :data:`~elicense_demo.reuse_scenario.SHARING`;
2. holders consent (platform-signed, after 人脸识别 / 电子营业执照) and user
   departments use their licenses — ``uses`` of them recorded as used (the
   seeds' 43,543 by default here; the CLI's default run asks for 10,000),
   each with its platform-signed field-minimised view, one batch in twenty
   also with annotated copies (加注件); a few uses by holder and type,
   resolved through the read model;
3. about one use in a hundred is refused and recorded so: no consent, a
   department not on the list, a consent for another item, withdrawn or
   expired consents, suspended and revoked licenses;
4. the SQL projection catches up, its statistics are compared with a pure
   replay of the ledger, and a sample of views and copies is verified
   offline (one copy also after its expiry).

Statements are generated and signed in another process (the department
systems and the platform's consent app) while the ledger records the
previous batch, so signing and recording use two cores even with SM2.
The read model is passed in (:class:`ReadModel`): this module never imports
the SQL adapter; :mod:`elicense_demo.reuse_phase` wires it in.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from elicense.acts import Signed, decode_signed
from elicense.codec import canonical, utc_now
from elicense.ledger.application import Ledger
from elicense.lifecycle import LicenseStatus
from elicense.reuse.service import ReuseService
from elicense.reuse.stats import Statistics, replay
from elicense.verify.verifier import Verifier
from elicense_demo.reuse_scenario import ITEMS, SHARING, ReuseCity, Sharing
from elicense_demo.scenario import APPROVAL_TYPES, LICENSE_TYPES, City

__all__ = ["SEED_USES", "ReadModel", "ReuseReport", "run_reuse_phase"]

SEED_USES = 43_543
"""Uses recorded in one district in a year (the seeds' 用证量)."""
BATCH = 100
COPY_EVERY = 20  # one batch in twenty asks for annotated copies
BAD_EVERY = 97  # about one use in a hundred is made to be refused
SHORT_CONSENT = timedelta(seconds=10)  # far longer than the producer runs ahead of the ledger

Progress = Callable[[str, int], Any]


class ReadModel(Protocol):
    """What the phase needs of the reuse read model (``elicense_sql.reuse.ReuseProjection``)."""

    def run(self, ledger: Any) -> int:
        """Catch up with the ledger."""
        ...

    def stored(self) -> list[tuple[str, str, str]]:
        """``(identifier, type code, holder)`` of every stored license."""
        ...

    def licenses_of(self, holder: str, type_code: str) -> list[str]:
        """The holder's licenses of a type."""
        ...

    def statistics(self) -> Statistics:
        """The statistics over all recorded time."""
        ...


@dataclass
class ReuseReport:
    """What the reuse phase did and measured."""

    uses: int = 0
    refused: int = 0
    consents: int = 0
    withdrawn: int = 0
    sharing_entries: int = 0
    views: int = 0
    copies: int = 0
    by_holder_and_type: int = 0
    seconds: float = 0.0
    projection_seconds: float = 0.0
    replay_seconds: float = 0.0
    replay_agrees: bool = False
    verified: dict[str, int] = field(default_factory=dict)
    unrecorded: dict[str, int] = field(default_factory=dict)  # statements refused unrecorded
    statistics: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # item, type and department codes
    files: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Uses recorded per second (used and refused, consents and views included)."""
        return (self.uses + self.refused) / self.seconds if self.seconds else 0.0


@dataclass
class _Holder:
    identifier: str
    holder: str


class _World:
    """The producer's view of the city: licenses by entry, consents given, what is due."""

    def __init__(
        self,
        city: City,
        licenses: dict[str, list[_Holder]],
        bad: dict[str, list[_Holder]],
        seed: int,
    ) -> None:
        self.reuse = ReuseCity(city)
        self.rng = random.Random(seed * 7 + 5)
        self.licenses = licenses  # type code -> valid licenses
        self.bad = bad  # type code -> suspended or revoked licenses
        self.consents: dict[tuple[str, str], str] = {}  # (holder, item) -> live consent code
        self.withdrawn: list[tuple[Sharing, _Holder, str]] = []
        self.short: list[tuple[Sharing, _Holder, str]] = []
        self.request = 0
        self.n_consents = 0
        self.by_holder = 0
        self.last_short = utc_now()

    def _consent(
        self,
        entry: Sharing,
        lic: _Holder,
        out: list[Signed],
        *,
        number: str = "",
        short: bool = False,
    ) -> str:
        """A consent of ``lic``'s holder for ``entry`` (for the licenses of type ``number``,
        default the entry's); a short one expires soon after it is recorded."""
        self.n_consents += 1
        code = f"CN{self.n_consents:010d}"
        until = utc_now() + (SHORT_CONSENT if short else timedelta(days=90))
        if short:
            self.last_short = until
        out.append(
            self.reuse.consent(
                code,
                holder=lic.holder,
                number=number or entry.number,
                entry=entry,
                valid_until=until,
            )
        )
        return code

    def _use(
        self,
        entry: Sharing,
        lic: _Holder,
        consent: str,
        *,
        by_holder: bool = False,
        user: int | None = None,
    ) -> Signed:
        self.request += 1
        if by_holder:
            return self.reuse.use(
                self.request, entry=entry, consent=consent, holder=lic.holder, user=user
            )
        return self.reuse.use(
            self.request, entry=entry, consent=consent, license=lic.identifier, user=user
        )

    def good(self, out: list[Signed], by_holder: bool) -> None:
        """A use that the ledger records as used (a consent first, when there is none yet)."""
        entry = SHARING[self.rng.randrange(len(SHARING))]
        pool = self.licenses[self.reuse.type_code(entry.number)]
        # A quarter of the holders come back to the same service again and again (a company's
        # yearly filings): about four uses per consent, as a consent covers the holder's
        # licenses of the type for that item.
        lic = pool[int(len(pool) * self.rng.random() ** 2 / 4)]
        code = self.consents.get((lic.holder, entry.item))
        if code is None:
            code = self.consents[(lic.holder, entry.item)] = self._consent(entry, lic, out)
            if self.rng.random() < 0.004:  # the holder changes their mind later
                self.withdrawn.append((entry, lic, code))
        self.by_holder += by_holder
        out.append(self._use(entry, lic, code, by_holder=by_holder))

    def shorts(self, out: list[Signed], n: int) -> None:
        """``n`` consents that expire soon (used only at the end, so refused as expired)."""
        for _ in range(n):
            entry = SHARING[self.rng.randrange(len(SHARING))]
            pool = self.licenses[self.reuse.type_code(entry.number)]
            lic = pool[self.rng.randrange(len(pool))]
            self.short.append((entry, lic, self._consent(entry, lic, out, short=True)))

    def bad_one(self, n: int, out: list[Signed]) -> None:
        """A use made to be refused, cycling through the reasons."""
        entry = SHARING[self.rng.randrange(len(SHARING))]
        type_code = self.reuse.type_code(entry.number)
        lic = self.licenses[type_code][self.rng.randrange(len(self.licenses[type_code]))]
        kind = n % 4
        if kind == 0:  # no consent
            out.append(self._use(entry, lic, ""))
        elif kind == 1:  # a department the type is not opened to
            listed = {e.user for e in SHARING if e.number == entry.number}
            stranger = next(u for u in range(len(self.reuse.city.departments)) if u not in listed)
            out.append(self._use(entry, lic, "", user=stranger))
        elif kind == 2:  # a consent given for another service item (or department)
            other = next(
                (e for e in SHARING if e.item != entry.item and e.user == entry.user), None
            ) or next(e for e in SHARING if e.item != entry.item)
            code = self._consent(other, lic, out, number=entry.number)
            out.append(self._use(entry, lic, code))
        elif self.bad.get(type_code):  # a suspended or revoked license
            sick = self.bad[type_code][self.rng.randrange(len(self.bad[type_code]))]
            out.append(self._use(entry, sick, self._consent(entry, sick, out)))
        else:
            out.append(self._use(entry, lic, ""))

    def withdrawals(self, out: list[Signed]) -> None:
        """Withdraw the consents marked so, then try to use them (refused), then re-consent."""
        for entry, lic, code in self.withdrawn:
            out.append(
                self.reuse.city.operator.withdraw_consent(
                    code,
                    reason="持证人撤回授权",
                    authentication="face",
                    authentication_ref=f"AUTH-W-{code}",
                    expected_version=1,
                )
            )
            out.append(self._use(entry, lic, code))
            self.consents.pop((lic.holder, entry.item), None)
        self.withdrawn.clear()


def _produce(world: _World, used: int, put: Callable[[Any], None]) -> None:
    """Generate and sign the phase batch by batch: ``(signed bytes, used, by holder)``."""
    made, bad = 0, 0
    while made < used:
        out: list[Signed] = []
        if made == 0:  # consents that will have expired when they are used, at the end
            world.shorts(out, used // 2000)
        n_good = min(BATCH, used - made)
        by_holder = world.by_holder
        for _ in range(n_good):
            world.good(out, by_holder=world.rng.random() < 0.02)
            if world.rng.randrange(BAD_EVERY) == 0:
                world.bad_one(bad, out)
                bad += 1
        made += n_good
        if made % 5000 < BATCH or made >= used:
            world.withdrawals(out)
        if made >= used:  # uses under the short consents, once they have expired
            time.sleep(max(0.0, (world.last_short - utc_now()).total_seconds()) + 0.01)
            for entry, lic, code in world.short:
                out.append(world._use(entry, lic, code))
        put(([canonical(s) for s in out], n_good, world.by_holder - by_holder))


def _department_process(
    keys: dict[str, bytes],
    alg: str,
    seed: int,
    valid: dict[str, list[_Holder]],
    bad: dict[str, list[_Holder]],
    used: int,
    q: Any,
) -> None:
    """The department systems and the platform's consent app: the same city's keys,
    generating and signing the phase in their own process."""
    try:
        city = City(alg=alg, seed=seed, keys=keys)
        _produce(_World(city, valid, bad, seed), used, q.put)
    finally:
        q.put(None)


def _batches(
    city: City,
    valid: dict[str, list[_Holder]],
    bad: dict[str, list[_Holder]],
    used: int,
    seed: int,
) -> Iterator[tuple[list[Signed], int, int]]:
    """The phase's batches, signed in another process while the ledger records.

    A process, not a thread: signing and the ledger's checks then use two cores
    even with a signature backend that holds the GIL (the SM2 one does).
    """
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue(maxsize=8)
    args = (city.export_keys(), city.alg, seed, valid, bad, used, q)
    proc = ctx.Process(target=_department_process, args=args, daemon=True)
    proc.start()
    try:
        while (item := q.get()) is not None:
            data, n_good, by_holder = item
            yield [decode_signed(d) for d in data], n_good, by_holder
    finally:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()


def _licenses(
    model: ReadModel, trust: Any
) -> tuple[dict[str, list[_Holder]], dict[str, list[_Holder]]]:
    valid: dict[str, list[_Holder]] = {}
    bad: dict[str, list[_Holder]] = {}
    for identifier, type_code, holder in model.stored():
        entry = trust.licenses.get(identifier.rsplit(".", 2)[0])
        if entry is None:
            continue
        into = valid if entry.status == LicenseStatus.VALID.code else bad
        into.setdefault(type_code, []).append(_Holder(identifier, holder))
    return valid, bad


def run_reuse_phase(
    ledger: Ledger,
    city: City,
    trust: Any,
    directory: Path,
    *,
    model: ReadModel,
    uses: int = SEED_USES,
    seed: int = 2026,
    progress: Progress | None = None,
) -> ReuseReport:
    """Run the reuse phase on ``ledger`` (see the module docstring)."""
    tick = progress or (lambda stage, n: None)
    report = ReuseReport(names=dict(ITEMS))
    report.names.update(
        {city.type_code(spec): spec.name for spec in (*LICENSE_TYPES, *APPROVAL_TYPES)}
    )
    report.names.update({d.uscc: d.name for d in city.departments})
    started = time.perf_counter()
    reuse = ReuseCity(city)
    shares = list(reuse.sharing_statements())
    ledger.submit_many(shares)
    report.sharing_entries = len(shares)
    model.run(ledger)
    valid, bad = _licenses(model, trust)
    service = ReuseService(ledger, city.platform_key, locator=model.licenses_of)
    names = {d.uscc: d.name for d in city.departments}
    sample: list[bytes] = []
    for n, (batch, _, by_holder) in enumerate(_batches(city, valid, bad, uses, seed)):
        report.by_holder_and_type += by_holder
        copy_for = timedelta(days=7) if n % COPY_EVERY == 0 else None
        results = service.use_many(batch, copy_for=copy_for, user_names=names, partial=True)
        for _, err in results.refusals:  # none expected; shown, never hidden
            report.unrecorded[err.code] = report.unrecorded.get(err.code, 0) + 1
        for o in results.outcomes:
            if o.receipt.kind != "use.request":
                report.consents += o.receipt.kind == "consent.grant"
                report.withdrawn += o.receipt.kind == "consent.withdraw"
                continue
            if o.used:
                report.uses += 1
                report.views += 1
                report.copies += bool(o.copy)
            else:
                report.refused += 1
        if n % COPY_EVERY == 0 and len(sample) < 400:
            sample += [o.view for o in results.outcomes if o.view][:100]
            sample += [o.copy for o in results.outcomes if o.copy][:100]
        tick("reuse", sum(o.used for o in results.outcomes if o.receipt.kind == "use.request"))
    report.seconds = time.perf_counter() - started

    t = time.perf_counter()
    model.run(ledger)
    stats = model.statistics()
    report.projection_seconds = time.perf_counter() - t
    t = time.perf_counter()
    rebuilt = replay(ledger.notifications())
    report.replay_agrees = rebuilt.statistics() == stats
    report.replay_seconds = time.perf_counter() - t
    report.statistics = stats.to_dict()
    report.verified = _verify(directory, ledger, city, sample, report)
    return report


def _verify(
    directory: Path, ledger: Ledger, city: City, sample: list[bytes], report: ReuseReport
) -> dict[str, int]:
    bundle = (directory / "trust-bundle.json").read_bytes()
    outcomes: Counter[str] = Counter()
    copies = [s for s in sample if b"annotated-copy" in s[:60]]
    with Verifier.from_bundle(bundle, platform_keys=[city.platform_key.public_key]) as verifier:
        for v in verifier.verify_many(sample):
            outcomes[f"{v.outcome}" + (f" ({v.status})" if v.status else "")] += 1
        if copies:
            expires = verifier.verify(copies[0]).evidence.get("expires_at")
            if expires is not None:
                late = verifier.verify(copies[0], at=expires + timedelta(seconds=1))
                outcomes[f"after expiry: {late.outcome} ({late.status})"] += 1
    if copies:
        (directory / "sample-annotated-copy.json").write_bytes(copies[0])
        report.files["sample 加注件"] = str(directory / "sample-annotated-copy.json")
    views = [s for s in sample if b"license-view" in s[:60]]
    if views:
        (directory / "sample-view.json").write_bytes(views[0])
        report.files["sample view"] = str(directory / "sample-view.json")
    return dict(outcomes)
