"""Copy the services and counters of `branch.toml` into the database.

The file is the source of truth for what exists; the database holds what every process reads
(and the live state: a counter's status and staff). Removed services and counters are kept
as inactive rows so history still resolves.
"""

from __future__ import annotations

from sqlmodel import Session, select

from branch.models import Counter, Service
from branch.settings import BranchConfig


def sync_reference_data(session: Session, config: BranchConfig) -> None:
    seen_services: set[str] = set()
    for sort, s in enumerate(config.services):
        row = session.get(Service, s.code) or Service(
            code=s.code,
            prefix=s.prefix,
            name_ar="",
            name_en="",
            target_wait_min=1,
            target_service_min=1,
        )
        row.prefix, row.name_ar, row.name_en = s.prefix, s.name_ar, s.name_en
        row.target_wait_min, row.target_service_min = s.target_wait_min, s.target_service_min
        row.special, row.active, row.sort = s.special, s.active, sort
        session.add(row)
        seen_services.add(s.code)
    for row in session.exec(select(Service)):
        if row.code not in seen_services:
            row.active = False
            session.add(row)
    seen_counters: set[int] = set()
    for c in config.counters:
        row = session.get(Counter, c.number) or Counter(number=c.number, services="")
        row.name_ar = c.name_ar or f"شباك {c.number}"
        row.name_en = c.name_en or f"Counter {c.number}"
        row.services = ",".join(c.services)
        row.primary_service = c.primary
        row.active = True
        session.add(row)
        seen_counters.add(c.number)
    for row in session.exec(select(Counter)):
        if row.number not in seen_counters:
            row.active = False
            session.add(row)
    session.flush()
