"""The sandbox itself: deterministic data from the seed, fast seeding, every status, the
OpenAPI it serves, and fault controls that answer loopback only."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy import func, select
from sqlmodel import Session

from sync import contract as c
from sync.sandbox import data
from sync.sandbox import models as sbm
from sync.sandbox.app import create_app, make_engine


def _people(seed: int, n: int = 300) -> list[tuple[str, str, str]]:
    engine = make_engine(None)
    data.seed_database(engine, seed=seed, contributors=n)
    with Session(engine) as s:
        rows = s.exec(select(sbm.Contributor).order_by(sbm.Contributor.seq)).scalars().all()  # type: ignore[call-overload]
        return [(r.national_number or r.personal_number, r.name_ar, r.name_en) for r in rows]


def test_same_seed_same_people_other_seed_other_people() -> None:
    a, b, other = _people(11), _people(11), _people(12)
    assert a == b
    assert a != other
    assert any("ال" in name_ar for _, name_ar, _ in a)  # Arabic names


def test_seeding_ten_thousand_is_fast_and_complete() -> None:
    engine = make_engine(None)
    t0 = time.perf_counter()
    seeded = data.seed_database(engine, seed=3, contributors=10_000)
    assert time.perf_counter() - t0 < 10
    assert seeded.contributors == 10_000
    with Session(engine) as s:
        statuses = set(s.exec(select(sbm.Contributor.status).distinct()).scalars())  # type: ignore[call-overload]
        nn = s.exec(select(func.count(func.distinct(sbm.Contributor.national_number)))).scalar()  # type: ignore[call-overload]
        nulls = s.exec(
            select(func.count()).where(sbm.Contributor.national_number.is_(None))  # type: ignore[union-attr]
        ).scalar()  # type: ignore[call-overload]
        naf = set(s.exec(select(sbm.NafApplication.status).distinct()).scalars())  # type: ignore[call-overload]
        housing = set(s.exec(select(sbm.HousingApplication.status).distinct()).scalars())  # type: ignore[call-overload]
    assert statuses == {x.value for x in c.ContributorStatus}
    assert nn + nulls == 10_000 and 0 < nulls < 1500  # unique; ~8% use a personal number
    assert naf == {x.value for x in c.NafApplicationStatus}
    assert housing == {x.value for x in c.HousingStatus}
    assert data.seed_database(engine, seed=3, contributors=10_000).contributors == 10_000


def test_identifier_maps_are_unique() -> None:
    for fn, digits in (
        (data.national_number, 10),
        (data.personal_number, 9),
        (data.insurance_number, 8),
    ):
        values = {fn(7, i) for i in range(20_000)}
        assert len(values) == 20_000 and all(len(v) == digits and v.isdigit() for v in values)


def test_openapi_and_loopback_only_fault_controls() -> None:
    app = create_app(contributors=50)
    schema = app.openapi()
    assert "Problem" in schema["components"]["schemas"]
    for path in (
        "/v1/contributors:lookup",
        "/v1/payments/{payment_id}:confirm",
        "/v1/naf/eligibility:check",
        "/v1/housing/applications:lookup",
        "/v1/branches/{branch}/stats/{business_day}/windows/{window_start}",
    ):
        assert path in schema["paths"]
    assert not any(p.startswith("/_sandbox") for p in schema["paths"])

    async def go() -> tuple[int, int]:
        remote = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
        local = httpx.ASGITransport(app=app, client=("127.0.0.1", 5555))
        async with httpx.AsyncClient(transport=remote, base_url="http://sb") as r:
            denied = (await r.put("/_sandbox/faults", json={"outage": True})).status_code
        async with httpx.AsyncClient(transport=local, base_url="http://sb") as lc:
            allowed = (await lc.put("/_sandbox/faults", json={"latency_ms": 5})).status_code
        return denied, allowed

    assert asyncio.run(go()) == (403, 200)
