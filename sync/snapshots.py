"""Offline copies of central reads (`Snapshot` rows), so a counter keeps serving when the
link is down.

Each copy has the time central produced it (`as_of`) and an expiry (`snapshot_ttl_h`); it is
never served after that and `purge` deletes it. Keys are stored as an HMAC of kind + key
under the branch secret (`branch.secret`, mode 0600 in `TABOUR_HOME`): a plain SHA-256 of a
10-digit national number is reversed by trying all 10^10 of them, an HMAC without the key
is not. So the table is not an index of national numbers (the copies themselves hold what
central showed the counter, masked national numbers included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from branch.audit import chain_key
from branch.clock import as_utc, utc_now
from branch.db import Database
from branch.models import Snapshot
from branch.secret import keyed_hash

T = TypeVar("T", bound=BaseModel)

CONTRIBUTOR = "contributor"
STATEMENT = "statement"
DUES = "dues"
NAF_ELIGIBILITY = "naf_eligibility"
NAF_APPLICATION = "naf_application"
HOUSING_LOOKUP = "housing_lookup"
HOUSING_APPLICATION = "housing_application"


@dataclass(frozen=True)
class Read(Generic[T]):
    """A value read from central or, when `stale`, from the branch's copy made at `as_of`."""

    value: T
    as_of: datetime
    stale: bool


def key_hash(kind: str, key: str, secret: bytes) -> str:
    return keyed_hash(secret, "snapshot", f"{kind}\x00{key}")


class SnapshotStore:
    def __init__(
        self,
        db: Database,
        ttl_h: float,
        clock: Callable[[], datetime] = utc_now,
        secret: bytes | None = None,
    ) -> None:
        self.db = db
        self.ttl = timedelta(hours=ttl_h)
        self.clock = clock
        # The branch secret of this process's TABOUR_HOME unless given.
        self.secret = secret if secret is not None else chain_key()

    def put(self, kind: str, key: str, value: BaseModel, as_of: datetime) -> None:
        h = key_hash(kind, key, self.secret)
        data = value.model_dump_json()
        expires = as_utc(as_of) + self.ttl
        try:
            with self.db.write() as s:
                row = s.exec(
                    select(Snapshot).where(Snapshot.kind == kind, Snapshot.key_hash == h)
                ).first()
                if row is None:
                    row = Snapshot(
                        kind=kind, key_hash=h, data=data, as_of=as_of, expires_at=expires
                    )
                elif as_utc(row.as_of) > as_utc(as_of):
                    return  # a newer copy is already there
                row.data, row.as_of, row.expires_at = data, as_of, expires
                s.add(row)
        except IntegrityError:
            pass  # another process stored the same read a moment ago

    def get(self, kind: str, key: str, model: type[T]) -> Read[T] | None:
        h = key_hash(kind, key, self.secret)
        now = self.clock()
        with self.db.read() as s:
            row = s.exec(
                select(Snapshot).where(Snapshot.kind == kind, Snapshot.key_hash == h)
            ).first()
        if row is None or as_utc(row.expires_at) <= now:
            return None
        try:
            value = model.model_validate_json(row.data)
        except ValidationError:
            return None  # written by an older shape: useless, not fatal
        return Read(value, as_utc(row.as_of), stale=True)

    def purge(self) -> int:
        with self.db.write() as s:
            res = s.execute(delete(Snapshot).where(Snapshot.expires_at <= self.clock()))
            return int(res.rowcount)  # type: ignore[attr-defined]
