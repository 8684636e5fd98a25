"""The sandbox central's own tables, on their own MetaData.

They must never join `SQLModel.metadata`: the branch's Alembic autogenerate would then think
central's tables belong in the branch database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from branch.models import UTCDateTime


class SandboxModel(SQLModel, registry=registry()):
    pass


SANDBOX_METADATA = SandboxModel.metadata


def _ts(nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


class Establishment(SandboxModel, table=True):
    id: str = Field(primary_key=True, max_length=16)
    name_ar: str
    name_en: str
    sector: str


class Contributor(SandboxModel, table=True):
    __table_args__ = (
        Index("ix_sb_contributor_nn", "national_number", unique=True),
        Index("ix_sb_contributor_pn", "personal_number", unique=True),
        Index("ix_sb_contributor_in", "insurance_number", unique=True),
    )

    id: str = Field(primary_key=True, max_length=16)
    seq: int
    national_number: str | None = None
    personal_number: str | None = None
    insurance_number: str
    name_ar: str
    name_en: str
    status: str
    coverage: str
    establishment_id: str | None = None
    insured_wage_fils: int
    start_period: str = Field(description="first month of contributions, YYYY-MM")
    end_period: str | None = None
    unpaid_months: int = 0


class CentralPayment(SandboxModel, table=True):
    __table_args__ = (UniqueConstraint("client_payment_id"),)

    id: str = Field(primary_key=True, max_length=24)
    client_payment_id: str = Field(max_length=64)
    contributor_id: str = Field(index=True, max_length=16)
    purpose: str
    amount_fils: int
    method: str
    status: str
    branch_code: str
    periods: str = ""
    receipt_no: str | None = None
    failure_reason: str | None = None
    reversal_reason: str | None = None
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    updated_at: datetime = Field(sa_column=_ts(nullable=False))


class IdempotencyRecord(SandboxModel, table=True):
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    state: str = Field(max_length=12)
    status_code: int | None = None
    body: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class NafApplication(SandboxModel, table=True):
    id: str = Field(primary_key=True, max_length=16)
    national_number: str = Field(index=True, max_length=10)
    status: str
    household_size: int
    monthly_income_fils: int
    monthly_aid_fils: int
    submitted_on: date
    decided_on: date | None = None
    branch_code: str | None = None


class NafAppeal(SandboxModel, table=True):
    id: str = Field(primary_key=True, max_length=20)
    application_id: str = Field(index=True, max_length=16)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str
    filed_on: date


class HousingApplication(SandboxModel, table=True):
    id: str = Field(primary_key=True, max_length=16)
    national_number: str = Field(index=True, max_length=10)
    status: str
    governorate: str
    project: str | None = None
    household_size: int
    submitted_on: date
    waiting_list_position: int | None = None


class StatsWindow(SandboxModel, table=True):
    __table_args__ = (UniqueConstraint("branch_code", "business_day", "window_start"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_code: str
    business_day: date
    window_start: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(sa_column=_ts(nullable=False))
    puts: int = 1


class Meta(SandboxModel, table=True):
    key: str = Field(primary_key=True, max_length=32)
    value: str


class AuditHead(SandboxModel, table=True):
    __table_args__ = (UniqueConstraint("branch_code", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_code: str = Field(max_length=16)
    seq: int
    hash: str = Field(max_length=64)
    at: datetime = Field(sa_column=_ts(nullable=False))
    received_at: datetime = Field(sa_column=_ts(nullable=False))
