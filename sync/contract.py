"""Contract v1 between a branch and central (DESIGN §6): the one place its shapes live.

Both sides use these models: the sandbox to validate requests and document its OpenAPI, the
client to build requests and to check every answer. Requests forbid unknown fields (a typo
must not silently drop a value); responses ignore them (central may add fields in v1).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

API_PREFIX = "/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
PROBLEM_CONTENT_TYPE = "application/problem+json"

NationalNumber = Annotated[str, Field(pattern=r"^[0-9]{10}$", examples=["9861234567"])]
PersonalNumber = Annotated[str, Field(pattern=r"^[0-9]{6,12}$")]
InsuranceNumber = Annotated[str, Field(pattern=r"^[0-9]{6,12}$")]
Period = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-03"])]
Fils = Annotated[int, Field(ge=0, le=10_000_000_000)]
PositiveFils = Annotated[int, Field(ge=1, le=100_000_000)]
ClientPaymentId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
BranchCode = Annotated[str, Field(pattern=r"^[A-Z0-9-]{2,16}$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- errors -----------------------------------------------------------------------------
class Problem(BaseModel):
    """RFC 9457 problem details, with the two members every Tabour client relies on."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str
    retryable: bool = False


# -- health -----------------------------------------------------------------------------
class Health(_Response):
    status: Literal["ok", "degraded"]
    version: str
    time: datetime


# -- contributors -----------------------------------------------------------------------
class ContributorStatus(StrEnum):
    active = "active"
    voluntary_active = "voluntary_active"
    inactive = "inactive"
    pensioner = "pensioner"
    deceased = "deceased"


class LookupRequest(_Request):
    """Exactly one identifier. National numbers travel here, in the body, never in a URL."""

    national_number: NationalNumber | None = None
    personal_number: PersonalNumber | None = None
    insurance_number: InsuranceNumber | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> LookupRequest:
        given = [
            v
            for v in (self.national_number, self.personal_number, self.insurance_number)
            if v is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of national_number, personal_number, insurance_number"
            )
        return self


class Establishment(_Response):
    id: str
    name_ar: str
    name_en: str
    sector: str


class ContributorSummary(_Response):
    contributor_id: str
    insurance_number: str
    national_number_masked: str
    name_ar: str
    name_en: str
    status: ContributorStatus
    coverage: list[str]
    establishment: Establishment | None = None
    insured_wage_fils: Fils
    contribution_months_total: int
    as_of: datetime


class PeriodStatus(StrEnum):
    paid = "paid"
    due = "due"
    partial = "partial"
    none = "none"


class StatementPeriod(_Response):
    period: str
    wage_fils: Fils
    contribution_fils: Fils
    paid_fils: Fils
    due_fils: Fils
    late_fee_fils: Fils
    status: PeriodStatus


class Statement(_Response):
    contributor_id: str
    from_period: str
    to_period: str
    periods: list[StatementPeriod]
    gross_due_fils: Fils
    payments_applied_fils: Fils
    total_due_fils: Fils
    as_of: datetime


# -- payments ---------------------------------------------------------------------------
class PaymentPurpose(StrEnum):
    voluntary_contribution = "voluntary_contribution"
    arrears = "arrears"
    late_fee = "late_fee"
    # The faster track for an extra fee (seed 004, Art. 4-و): a service fee, not a
    # contribution, so central does not apply it to the person's dues.
    urgent_fee = "urgent_fee"


class PaymentMethod(StrEnum):
    cash = "cash"
    card = "card"


class PaymentStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    failed = "failed"
    cancelled = "cancelled"
    reversed = "reversed"


class PaymentCreate(_Request):
    """Identifies the payer by the opaque id a lookup returned or, offline-queued payments,
    by national number (in the body)."""

    client_payment_id: ClientPaymentId
    contributor_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    national_number: NationalNumber | None = None
    purpose: PaymentPurpose
    amount_fils: PositiveFils
    method: PaymentMethod = PaymentMethod.cash
    periods: list[Period] = Field(default_factory=list, max_length=120)
    branch_code: BranchCode

    @model_validator(mode="after")
    def _one_payer(self) -> PaymentCreate:
        if (self.contributor_id is None) == (self.national_number is None):
            raise ValueError("give exactly one of contributor_id, national_number")
        return self


class ReverseRequest(_Request):
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class CentralPayment(_Response):
    id: str
    client_payment_id: str
    contributor_id: str
    purpose: PaymentPurpose
    amount_fils: PositiveFils
    method: PaymentMethod
    status: PaymentStatus
    branch_code: str
    receipt_no: str | None = None
    failure_reason: str | None = None
    reversal_reason: str | None = None
    created_at: datetime
    updated_at: datetime


class PaymentList(_Response):
    items: list[CentralPayment]


class Receipt(_Response):
    payment_id: str
    receipt_no: str
    client_payment_id: str
    amount_fils: PositiveFils
    purpose: PaymentPurpose
    status: PaymentStatus
    issued_at: datetime


# -- National Aid Fund ------------------------------------------------------------------
class NafApplicationStatus(StrEnum):
    submitted = "submitted"
    under_review = "under_review"
    approved = "approved"
    rejected = "rejected"
    appealed = "appealed"
    suspended = "suspended"
    closed = "closed"


class NafEligibilityRequest(_Request):
    national_number: NationalNumber
    household_size: Annotated[int, Field(ge=1, le=30)] | None = None


class NafEligibility(_Response):
    eligible: bool
    score: Annotated[int, Field(ge=0, le=100)]
    monthly_aid_fils: Fils
    reasons: list[str]
    application_id: str | None = None
    application_status: NafApplicationStatus | None = None
    as_of: datetime


class NafApplicationCreate(_Request):
    national_number: NationalNumber
    household_size: Annotated[int, Field(ge=1, le=30)]
    monthly_income_fils: Annotated[int, Field(ge=0, le=100_000_000)]
    branch_code: BranchCode


class NafApplication(_Response):
    id: str
    status: NafApplicationStatus
    national_number_masked: str
    household_size: int
    monthly_income_fils: Fils
    monthly_aid_fils: Fils
    submitted_on: date
    decided_on: date | None = None
    appeals: int = 0


class NafAppealCreate(_Request):
    reason: Annotated[str, Field(min_length=3, max_length=1000)]


class NafAppeal(_Response):
    id: str
    application_id: str
    status: Literal["received", "under_review", "upheld", "dismissed"]
    filed_on: date


# -- Decent Housing ---------------------------------------------------------------------
class HousingStatus(StrEnum):
    received = "received"
    eligibility_check = "eligibility_check"
    eligible = "eligible"
    ineligible = "ineligible"
    waiting_list = "waiting_list"
    allocated = "allocated"
    handed_over = "handed_over"
    withdrawn = "withdrawn"


class HousingLookupRequest(_Request):
    national_number: NationalNumber


class HousingApplication(_Response):
    id: str
    status: HousingStatus
    national_number_masked: str
    governorate: str
    project: str | None = None
    household_size: int
    submitted_on: date
    waiting_list_position: int | None = None


class HousingApplicationList(_Response):
    items: list[HousingApplication]


# -- branch statistics ------------------------------------------------------------------
class ServiceWindowStats(_Request):
    """Aggregates only: counts and seconds, never a ticket, a name or a staff member."""

    service_code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")]
    issued: Annotated[int, Field(ge=0, le=100_000)]
    called: Annotated[int, Field(ge=0, le=100_000)]
    served: Annotated[int, Field(ge=0, le=100_000)]
    no_show: Annotated[int, Field(ge=0, le=100_000)]
    mean_wait_s: Annotated[float, Field(ge=0, le=86_400)] | None = None
    p90_wait_s: Annotated[float, Field(ge=0, le=86_400)] | None = None
    mean_service_s: Annotated[float, Field(ge=0, le=86_400)] | None = None
    p90_service_s: Annotated[float, Field(ge=0, le=86_400)] | None = None


class StatsWindowUpload(_Request):
    window_minutes: Annotated[int, Field(ge=5, le=240)]
    services: Annotated[list[ServiceWindowStats], Field(max_length=64)]


class StatsWindowAck(_Response):
    branch_code: str
    business_day: date
    window_start: str
    services: int
    received_at: datetime


# -- audit anchoring --------------------------------------------------------------------
AuditHash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class AuditHeadUpload(_Request):
    """The head of a branch's audit chain: its sequence number (in the path) and keyed hash.
    Central keeps every head it is sent, so a branch that later loses or rewrites the entries
    up to that point is found out (`tabour audit verify --against-central`). Nothing else of
    the audit log leaves the branch."""

    hash: AuditHash
    at: Annotated[
        str,
        Field(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
            r"(Z|[+-][0-9]{2}:[0-9]{2})$",
            description="when the head was taken (RFC 3339, with offset)",
            examples=["2026-11-24T12:00:00+00:00"],
        ),
    ]


class AuditHead(_Response):
    branch_code: str
    seq: int
    hash: str
    at: datetime
    received_at: datetime


class AuditHeadList(_Response):
    items: list[AuditHead]
