"""Deterministic synthetic central data: the same seed gives the same people, every time.

Identifiers come from affine maps modulo a power of ten (a bijection when the multiplier is
coprime with ten), so they are unique without a uniqueness check and spread over the whole
range. Contribution histories are not stored: a statement is computed from the contributor's
row (start month, wage, unpaid months), which keeps seeding 10,000 people well under a second.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from sync.contract import PeriodStatus, StatementPeriod
from sync.sandbox.models import (
    SANDBOX_METADATA,
    Contributor,
    Establishment,
    HousingApplication,
    Meta,
    NafApplication,
)

MALE = [
    ("محمد", "Mohammad"), ("أحمد", "Ahmad"), ("عمر", "Omar"), ("خالد", "Khaled"),
    ("يوسف", "Yousef"), ("إبراهيم", "Ibrahim"), ("علي", "Ali"), ("حسن", "Hasan"),
    ("محمود", "Mahmoud"), ("سامر", "Samer"), ("فادي", "Fadi"), ("زيد", "Zaid"),
    ("عبدالله", "Abdullah"), ("طارق", "Tareq"), ("ماجد", "Majed"), ("رامي", "Rami"),
    ("باسل", "Basel"), ("نبيل", "Nabil"), ("هشام", "Hisham"), ("وليد", "Waleed"),
    ("سليمان", "Suleiman"), ("عماد", "Emad"), ("مصطفى", "Mustafa"), ("أنس", "Anas"),
]  # fmt: skip
FEMALE = [
    ("فاطمة", "Fatima"), ("مريم", "Mariam"), ("سارة", "Sara"), ("هدى", "Huda"),
    ("لينا", "Lina"), ("رنا", "Rana"), ("دعاء", "Duaa"), ("نور", "Nour"),
    ("آمنة", "Amneh"), ("عائشة", "Aisha"), ("رزان", "Razan"), ("سلمى", "Salma"),
    ("هبة", "Hiba"), ("ديما", "Dima"), ("ريم", "Reem"), ("منى", "Muna"),
    ("إيمان", "Eman"), ("أسماء", "Asmaa"), ("غدير", "Ghadeer"), ("جنى", "Jana"),
]  # fmt: skip
FAMILY = [
    ("الخطيب", "Al-Khatib"), ("الحسن", "Al-Hasan"), ("المصري", "Al-Masri"),
    ("العلي", "Al-Ali"), ("الزعبي", "Al-Zoubi"), ("العمري", "Al-Omari"),
    ("الطراونة", "Al-Tarawneh"), ("المجالي", "Al-Majali"), ("الرواشدة", "Al-Rawashdeh"),
    ("الخلايلة", "Al-Khalayleh"), ("العبادي", "Al-Abbadi"), ("الشوبكي", "Al-Shobaki"),
    ("النسور", "Al-Nsour"), ("القضاة", "Al-Qudah"), ("الحياري", "Al-Hiyari"),
    ("البطاينة", "Al-Btaineh"), ("الفايز", "Al-Fayez"), ("الدويري", "Al-Duwairi"),
    ("السرحان", "Al-Sarhan"), ("عبيدات", "Obeidat"), ("الكركي", "Al-Karaki"),
    ("الساكت", "Al-Saket"), ("حداد", "Haddad"), ("النابلسي", "Al-Nabulsi"),
    ("الجبور", "Al-Jbour"), ("التل", "Al-Tal"), ("بني هاني", "Bani Hani"),
    ("الشرع", "Al-Sharaa"), ("أبو زيد", "Abu Zaid"), ("الرفاعي", "Al-Rifai"),
]  # fmt: skip
SECTORS = [
    ("تجارة", "Trading", "trade"), ("مقاولات", "Contracting", "construction"),
    ("صناعات غذائية", "Food Industries", "manufacturing"), ("نقل", "Transport", "transport"),
    ("خدمات طبية", "Medical Services", "health"), ("تعليم", "Education", "education"),
    ("سياحة", "Tourism", "tourism"), ("برمجيات", "Software", "ict"),
    ("أدوية", "Pharmaceuticals", "manufacturing"), ("تأمين", "Insurance", "finance"),
]  # fmt: skip
GOVERNORATES = [
    "Amman", "Zarqa", "Irbid", "Balqa", "Mafraq", "Karak", "Madaba", "Jerash",
    "Ajloun", "Tafileh", "Ma'an", "Aqaba",
]  # fmt: skip
HOUSING_PROJECTS = ["Al-Jiza", "Sahab", "Al-Hashmiya", "Al-Ramtha", "Al-Mafraq North", None]

STATUS_WEIGHTS = [
    ("active", 55),
    ("voluntary_active", 15),
    ("inactive", 15),
    ("pensioner", 12),
    ("deceased", 3),
]
NAF_STATUSES = [
    "submitted", "under_review", "approved", "rejected", "appealed", "suspended", "closed",
]  # fmt: skip
HOUSING_STATUSES = [
    "received", "eligibility_check", "eligible", "ineligible", "waiting_list", "allocated",
    "handed_over", "withdrawn",
]  # fmt: skip

EMPLOYED_RATE = 0.2175
VOLUNTARY_RATE = 0.175
LATE_FEE_MONTHLY = 0.01
_NN_MOD = 10**10
_NN_MUL = 7_919_731_013
_PN_MOD = 10**9
_PN_MUL = 104_729_003
_IN_MOD = 90_000_000
_IN_MUL = 15_485_867


def contributor_id(seed: int, seq: int) -> str:
    """Central's opaque id of the seq-th seeded contributor."""
    return f"C{seed % 1000:03d}{seq:07d}"


def national_number(seed: int, seq: int) -> str:
    return f"{(_NN_MUL * seq + 1_000_003 * seed + 9_000_000_000) % _NN_MOD:010d}"


def personal_number(seed: int, seq: int) -> str:
    return f"{(_PN_MUL * seq + 7_777 * seed + 300_000_000) % _PN_MOD:09d}"


def insurance_number(seed: int, seq: int) -> str:
    return f"{(_IN_MUL * seq + 31 * seed) % _IN_MOD + 10_000_000:08d}"


def _period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _add_months(period: str, n: int) -> str:
    y, m = int(period[:4]), int(period[5:])
    total = y * 12 + (m - 1) + n
    return _period(total // 12, total % 12 + 1)


def months_between(a: str, b: str) -> int:
    """b - a in months."""
    return (int(b[:4]) * 12 + int(b[5:])) - (int(a[:4]) * 12 + int(a[5:]))


def current_period(today: date | None = None) -> str:
    today = today or datetime.now(UTC).date()
    return _period(today.year, today.month)


def coverage_for(status: str) -> list[str]:
    if status == "active":
        return ["old_age_disability_death", "work_injuries", "maternity", "unemployment"]
    if status == "voluntary_active":
        return ["old_age_disability_death"]
    if status == "pensioner":
        return ["pension"]
    return []


@dataclass(frozen=True)
class Seeded:
    contributors: int
    establishments: int
    naf_applications: int
    housing_applications: int


def _contributors(seed: int, count: int, establishments: list[str]) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    now = current_period()
    for seq in range(count):
        female = rng.random() < 0.45
        first = rng.choice(FEMALE if female else MALE)
        father = rng.choice(MALE)
        family = rng.choice(FAMILY)
        # Every status appears early, whatever the seed, so small test sandboxes have them all.
        status = statuses[seq] if seq < len(statuses) else rng.choices(statuses, weights)[0]
        foreign = seq >= len(statuses) and rng.random() < 0.08
        start = _period(rng.randint(1995, 2024), rng.randint(1, 12))
        end = None
        if status in ("inactive", "pensioner", "deceased"):
            span = max(months_between(start, now) - 1, 1)
            end = _add_months(start, rng.randint(min(12, span), span))
        if status == "voluntary_active":
            wage = rng.randint(290, 1914) * 1000
            unpaid = rng.choice([0, 0, 1, 2, 3, 4, 6])
        else:
            wage = rng.randint(260, 3000) * 1000
            unpaid = (
                (rng.choice([1, 2, 3]) if rng.random() < 0.12 else 0)
                if status
                in (
                    "active",
                    "inactive",
                )
                else 0
            )
        if seq < len(statuses) and status in ("active", "voluntary_active"):
            unpaid = 3
        employed = status == "active" or (status != "voluntary_active" and rng.random() < 0.6)
        yield {
            "id": contributor_id(seed, seq),
            "seq": seq,
            "national_number": None if foreign else national_number(seed, seq),
            "personal_number": personal_number(seed, seq) if foreign else None,
            "insurance_number": insurance_number(seed, seq),
            "name_ar": f"{first[0]} {father[0]} {family[0]}",
            "name_en": f"{first[1]} {father[1]} {family[1]}",
            "status": status,
            "coverage": ",".join(coverage_for(status)),
            "establishment_id": rng.choice(establishments) if employed else None,
            "insured_wage_fils": wage,
            "start_period": start,
            "end_period": end,
            "unpaid_months": unpaid,
        }


def seed_database(engine: Engine, seed: int = 7, contributors: int = 10_000) -> Seeded:
    """Create the tables and fill them, unless this seed is already there."""
    SANDBOX_METADATA.create_all(engine)
    with Session(engine) as s:
        meta = s.get(Meta, "seed")
        if meta is not None:
            if meta.value != f"{seed}:{contributors}":
                raise RuntimeError(
                    f"the sandbox database holds seed {meta.value}, not {seed}:{contributors}; "
                    "use another --db or a fresh file"
                )
            return Seeded(
                contributors=len(s.exec(select(Contributor.id)).all()),
                establishments=len(s.exec(select(Establishment.id)).all()),
                naf_applications=len(s.exec(select(NafApplication.id)).all()),
                housing_applications=len(s.exec(select(HousingApplication.id)).all()),
            )
    rng = random.Random(seed * 7919 + 1)
    est_rows = []
    for i in range(max(contributors // 20, 10)):
        fam = rng.choice(FAMILY)
        sector = rng.choice(SECTORS)
        est_rows.append(
            {
                "id": f"E{i:06d}",
                "name_ar": f"شركة {fam[0]} لل{sector[0]}",
                "name_en": f"{fam[1]} {sector[1]} Co.",
                "sector": sector[2],
            }
        )
    people = list(_contributors(seed, contributors, [e["id"] for e in est_rows]))
    today = datetime.now(UTC).date()
    naf_rows, housing_rows = [], []
    with_nn = [p for p in people if p["national_number"]]
    for i, p in enumerate(with_nn[: max(len(with_nn) * 15 // 100, len(NAF_STATUSES))]):
        status = NAF_STATUSES[i % len(NAF_STATUSES)]
        submitted = date.fromordinal(today.toordinal() - rng.randint(10, 900))
        decided = (
            date.fromordinal(submitted.toordinal() + rng.randint(5, 60))
            if status not in ("submitted", "under_review")
            else None
        )
        naf_rows.append(
            {
                "id": f"N{seed % 1000:03d}{i:06d}",
                "national_number": p["national_number"],
                "status": status,
                "household_size": rng.randint(1, 11),
                "monthly_income_fils": rng.randint(0, 450) * 1000,
                "monthly_aid_fils": rng.randint(45, 200) * 1000
                if status in ("approved", "suspended")
                else 0,
                "submitted_on": submitted,
                "decided_on": decided,
                "branch_code": None,
            }
        )
    for i, p in enumerate(reversed(with_nn[: max(len(with_nn) * 8 // 100, len(HOUSING_STATUSES))])):
        status = HOUSING_STATUSES[i % len(HOUSING_STATUSES)]
        housing_rows.append(
            {
                "id": f"H{seed % 1000:03d}{i:06d}",
                "national_number": p["national_number"],
                "status": status,
                "governorate": rng.choice(GOVERNORATES),
                "project": rng.choice(HOUSING_PROJECTS)
                if status in ("allocated", "handed_over")
                else None,
                "household_size": rng.randint(1, 10),
                "submitted_on": date.fromordinal(today.toordinal() - rng.randint(30, 2000)),
                "waiting_list_position": rng.randint(1, 5000) if status == "waiting_list" else None,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Establishment.__table__), est_rows)  # type: ignore[attr-defined]
        conn.execute(insert(Contributor.__table__), people)  # type: ignore[attr-defined]
        if naf_rows:
            conn.execute(insert(NafApplication.__table__), naf_rows)  # type: ignore[attr-defined]
        if housing_rows:
            conn.execute(insert(HousingApplication.__table__), housing_rows)  # type: ignore[attr-defined]
        conn.execute(insert(Meta.__table__), [{"key": "seed", "value": f"{seed}:{contributors}"}])  # type: ignore[attr-defined]
    return Seeded(len(people), len(est_rows), len(naf_rows), len(housing_rows))


def statement_periods(
    c: Contributor, from_period: str, to_period: str, today: date | None = None
) -> tuple[list[StatementPeriod], int]:
    """The periods in [from, to] and the gross due over the whole record (dues + late fees).

    A month is due by the 15th of the next; the last `unpaid_months` months that are already
    due are unpaid and carry 1% per month late.
    """
    now = current_period(today)
    last_due = _add_months(now, -1)
    end = min(c.end_period or last_due, last_due)
    rate = VOLUNTARY_RATE if c.status == "voluntary_active" else EMPLOYED_RATE
    contribution = round(c.insured_wage_fils * rate)
    first_unpaid = _add_months(end, -(c.unpaid_months - 1)) if c.unpaid_months else None

    def row(period: str) -> StatementPeriod:
        unpaid = first_unpaid is not None and first_unpaid <= period <= end
        late = LATE_FEE_MONTHLY * max(months_between(period, now) - 1, 0)
        return StatementPeriod(
            period=period,
            wage_fils=c.insured_wage_fils,
            contribution_fils=contribution,
            paid_fils=0 if unpaid else contribution,
            due_fils=contribution if unpaid else 0,
            late_fee_fils=round(contribution * late) if unpaid else 0,
            status=PeriodStatus.due if unpaid else PeriodStatus.paid,
        )

    gross = 0
    if first_unpaid is not None:
        p = first_unpaid
        while p <= end:
            r = row(p)
            gross += r.due_fils + r.late_fee_fils
            p = _add_months(p, 1)
    periods: list[StatementPeriod] = []
    p = max(from_period, c.start_period)
    stop = min(to_period, end)
    while p <= stop and len(periods) < 600:
        periods.append(row(p))
        p = _add_months(p, 1)
    return periods, gross


def paid_months(c: Contributor, today: date | None = None) -> int:
    now = current_period(today)
    end = min(c.end_period or _add_months(now, -1), _add_months(now, -1))
    return max(months_between(c.start_period, end) + 1 - c.unpaid_months, 0)


def add_months(period: str, n: int) -> str:
    return _add_months(period, n)
