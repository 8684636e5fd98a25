"""The sandbox central server: contract v1 over FastAPI, on its own database.

Handlers are `async def` and touch the database synchronously on the event loop: one
process, one writer at a time, which is what makes the idempotency record's "in progress"
state meaningful (it only exists across the `hold_ms` await) and keeps SQLite out of lock
contention. It is a test and demo server, not a model of central's internals.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import create_engine, event, func
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync import contract as c
from sync import problems as p
from sync.identifiers import mask
from sync.sandbox import data
from sync.sandbox import models as m
from sync.sandbox.auth import BearerTokenMiddleware
from sync.sandbox.faults import FaultInjector, FaultMiddleware, Faults, RequestLogMiddleware

VERSION = "1.0.0"
LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


PaymentId = Annotated[str, Path(max_length=64)]
AppId = Annotated[str, Path(max_length=32)]
BranchPath = Annotated[str, Path(pattern=r"^[A-Z0-9-]{2,16}$")]
OptionalKey = Annotated[
    str | None, Header(alias=c.IDEMPOTENCY_HEADER, min_length=8, max_length=255)
]


class ProblemException(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        retryable: bool = False,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.retryable, self.headers, self.extra = retryable, headers, extra


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem_body(
    status: int, code: str, detail: str, retryable: bool, instance: str | None = None, **extra: Any
) -> dict[str, Any]:
    return c.Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        retryable=retryable,
        instance=instance,
        **extra,
    ).model_dump(exclude_none=True)


def problem_response(exc: ProblemException, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem_body(exc.status, exc.code, exc.detail, exc.retryable, instance, **exc.extra),
        status_code=exc.status,
        media_type=c.PROBLEM_CONTENT_TYPE,
        headers=exc.headers,
    )


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    ref = {"$ref": "#/components/schemas/Problem"}
    return {
        s: {
            "description": _TITLES.get(s, "Error"),
            "content": {c.PROBLEM_CONTENT_TYPE: {"schema": ref}},
        }
        for s in (400, *statuses, 422, 503)
    }


def _now() -> datetime:
    return datetime.now(UTC)


def _fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    raw = json.dumps(
        [method, path, body.model_dump(mode="json") if body is not None else None],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def make_engine(url: str | None) -> Engine:
    if not url or url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
        return engine
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_pre_ping=True)


# -- conversions --------------------------------------------------------------------------
def contributor_summary(s: Session, row: m.Contributor) -> c.ContributorSummary:
    est = s.get(m.Establishment, row.establishment_id) if row.establishment_id else None
    return c.ContributorSummary(
        contributor_id=row.id,
        insurance_number=row.insurance_number,
        national_number_masked=mask(row.national_number or row.personal_number),
        name_ar=row.name_ar,
        name_en=row.name_en,
        status=c.ContributorStatus(row.status),
        coverage=[x for x in row.coverage.split(",") if x],
        establishment=c.Establishment(
            id=est.id, name_ar=est.name_ar, name_en=est.name_en, sector=est.sector
        )
        if est
        else None,
        insured_wage_fils=row.insured_wage_fils,
        contribution_months_total=data.paid_months(row),
        as_of=_now(),
    )


def payment_out(row: m.CentralPayment) -> c.CentralPayment:
    return c.CentralPayment.model_validate(row, from_attributes=True)


def naf_out(s: Session, row: m.NafApplication) -> c.NafApplication:
    appeals = s.exec(
        select(func.count()).select_from(m.NafAppeal).where(m.NafAppeal.application_id == row.id)
    ).one()
    return c.NafApplication(
        id=row.id,
        status=c.NafApplicationStatus(row.status),
        national_number_masked=mask(row.national_number),
        household_size=row.household_size,
        monthly_income_fils=row.monthly_income_fils,
        monthly_aid_fils=row.monthly_aid_fils,
        submitted_on=row.submitted_on,
        decided_on=row.decided_on,
        appeals=int(appeals),
    )


def housing_out(row: m.HousingApplication) -> c.HousingApplication:
    return c.HousingApplication(
        id=row.id,
        status=c.HousingStatus(row.status),
        national_number_masked=mask(row.national_number),
        governorate=row.governorate,
        project=row.project,
        household_size=row.household_size,
        submitted_on=row.submitted_on,
        waiting_list_position=row.waiting_list_position,
    )


def _payments_applied(s: Session, contributor_id: str) -> int:
    total = s.exec(
        select(func.coalesce(func.sum(m.CentralPayment.amount_fils), 0)).where(
            m.CentralPayment.contributor_id == contributor_id,
            m.CentralPayment.status == c.PaymentStatus.confirmed,
            m.CentralPayment.purpose != c.PaymentPurpose.urgent_fee,
        )
    ).one()
    return int(total)


def create_app(
    *,
    db_url: str | None = None,
    seed: int = 7,
    contributors: int = 10_000,
    faults: Faults | None = None,
    token: str | None = None,
) -> FastAPI:
    """Build the sandbox: seed its database (once per seed) and wire the routes. With a
    `token`, every contract request but the health check needs `Authorization: Bearer
    <token>` and is otherwise answered 401 problem+json (`unauthorized`)."""
    engine = make_engine(db_url)
    seeded = data.seed_database(engine, seed=seed, contributors=contributors)
    injector = FaultInjector(faults, seed=seed)

    app = FastAPI(
        title="Tabour central contract (sandbox)",
        version=VERSION,
        description="Contract v1 between a Tabour branch and central. Errors are RFC 9457 "
        "problem+json with `code` and `retryable`.",
    )
    app.state.engine = engine
    app.state.faults = injector
    app.state.seeded = seeded
    app.state.seed = seed

    def session() -> Session:
        return Session(engine, expire_on_commit=False)

    # -- errors ---------------------------------------------------------------------------
    @app.exception_handler(ProblemException)
    async def _on_problem(request: Request, exc: ProblemException) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Never echo the input: it may hold a national number.
        errors = [
            {
                "loc": [str(x) for x in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}".strip(": ")
        return JSONResponse(
            problem_body(422, p.INVALID_REQUEST, detail[:300], False, errors=errors[:20]),
            status_code=422,
            media_type=c.PROBLEM_CONTENT_TYPE,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: p.INVALID_REQUEST, 404: p.NOT_FOUND, 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            problem_body(exc.status_code, code, str(exc.detail), False),
            status_code=exc.status_code,
            media_type=c.PROBLEM_CONTENT_TYPE,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            problem_body(500, p.INTERNAL, "internal error", True),
            status_code=500,
            media_type=c.PROBLEM_CONTENT_TYPE,
        )

    # -- idempotency ----------------------------------------------------------------------
    async def idempotent(
        key: str | None,
        fingerprint: str,
        work: Callable[[Session], tuple[int, BaseModel]],
    ) -> Response:
        """Run `work` at most once per key; replay its stored answer afterwards."""
        if key is None:
            with session() as s:
                status, model = work(s)
                s.commit()
            return Response(
                model.model_dump_json(), status_code=status, media_type="application/json"
            )

        def finish(s: Session, record: m.IdempotencyRecord) -> Response:
            try:
                status, model = work(s)
                body, media = model.model_dump_json(), "application/json"
            except ProblemException as exc:
                if exc.retryable:
                    raise
                s.rollback()
                status = exc.status
                body = json.dumps(
                    problem_body(exc.status, exc.code, exc.detail, False, **exc.extra)
                )
                media = c.PROBLEM_CONTENT_TYPE
            record.state, record.status_code, record.body = "done", status, body
            s.add(record)
            s.commit()
            return Response(body, status_code=status, media_type=media)

        with session() as s:
            rec = s.get(m.IdempotencyRecord, key)
            if rec is not None:
                if rec.fingerprint != fingerprint:
                    raise ProblemException(
                        422,
                        p.IDEMPOTENCY_KEY_REUSED,
                        "this Idempotency-Key was used with a different request",
                    )
                if rec.state != "done":
                    raise ProblemException(
                        409,
                        p.REQUEST_IN_PROGRESS,
                        "a request with this Idempotency-Key is still being processed",
                        retryable=True,
                        headers={"Retry-After": "1"},
                    )
                return Response(
                    rec.body or "",
                    status_code=rec.status_code or 200,
                    media_type=c.PROBLEM_CONTENT_TYPE
                    if (rec.status_code or 200) >= 400
                    else "application/json",
                    headers={c.REPLAYED_HEADER: "true"},
                )
            record = m.IdempotencyRecord(
                key=key, fingerprint=fingerprint, state="in_progress", created_at=_now()
            )
            if not injector.faults.hold_ms:
                # Nothing awaits between the check and the answer, so on this single event
                # loop no duplicate can interleave: record and work in one transaction.
                return finish(s, record)
            s.add(record)
            try:
                s.commit()
            except IntegrityError:
                raise ProblemException(
                    409, p.REQUEST_IN_PROGRESS, "duplicate request in progress", retryable=True
                ) from None
        await asyncio.sleep(injector.faults.hold_ms / 1000)
        try:
            with session() as s:
                rec = s.get(m.IdempotencyRecord, key)
                assert rec is not None
                return finish(s, rec)
        except BaseException:
            with session() as s:
                rec = s.get(m.IdempotencyRecord, key)
                if rec is not None and rec.state != "done":
                    s.delete(rec)
                    s.commit()
            raise

    # -- health ---------------------------------------------------------------------------
    @app.get(f"{c.API_PREFIX}/health", response_model=c.Health, responses=_problems())
    async def health() -> c.Health:
        return c.Health(status="ok", version=VERSION, time=_now())

    @app.get("/health", response_model=c.Health, include_in_schema=False)
    async def health_alias() -> c.Health:
        return c.Health(status="ok", version=VERSION, time=_now())

    # -- contributors ---------------------------------------------------------------------
    @app.post(
        f"{c.API_PREFIX}/contributors:lookup",
        response_model=c.ContributorSummary,
        responses=_problems(404),
    )
    async def lookup(body: c.LookupRequest) -> c.ContributorSummary:
        with session() as s:
            q = select(m.Contributor)
            if body.national_number is not None:
                q = q.where(m.Contributor.national_number == body.national_number)
            elif body.personal_number is not None:
                q = q.where(m.Contributor.personal_number == body.personal_number)
            else:
                q = q.where(m.Contributor.insurance_number == body.insurance_number)
            row = s.exec(q).first()
            if row is None:
                raise ProblemException(
                    404, p.CONTRIBUTOR_NOT_FOUND, "no contributor with that identifier"
                )
            return contributor_summary(s, row)

    @app.get(
        f"{c.API_PREFIX}/contributors/{{contributor_id}}/contribution-statement",
        response_model=c.Statement,
        responses=_problems(404),
    )
    async def statement(
        contributor_id: Annotated[str, Path(max_length=64)],
        from_: Annotated[c.Period | None, Query(alias="from")] = None,
        to: Annotated[c.Period | None, Query()] = None,
    ) -> c.Statement:
        with session() as s:
            row = s.get(m.Contributor, contributor_id)
            if row is None:
                raise ProblemException(404, p.CONTRIBUTOR_NOT_FOUND, "no such contributor")
            end = to or data.add_months(data.current_period(), -1)
            start = from_ or data.add_months(end, -11)
            if start > end:
                raise ProblemException(422, p.INVALID_REQUEST, "from is after to")
            if data.months_between(start, end) >= 600:
                raise ProblemException(422, p.INVALID_REQUEST, "at most 600 months at a time")
            periods, gross = data.statement_periods(row, start, end)
            applied = min(_payments_applied(s, row.id), gross)
            return c.Statement(
                contributor_id=row.id,
                from_period=start,
                to_period=end,
                periods=periods,
                gross_due_fils=gross,
                payments_applied_fils=applied,
                total_due_fils=gross - applied,
                as_of=_now(),
            )

    # -- payments -------------------------------------------------------------------------
    @app.post(
        f"{c.API_PREFIX}/payments",
        response_model=c.CentralPayment,
        status_code=201,
        responses=_problems(404, 409),
    )
    async def create_payment(
        body: c.PaymentCreate,
        idempotency_key: Annotated[
            str, Header(alias=c.IDEMPOTENCY_HEADER, min_length=8, max_length=255)
        ],
    ) -> Response:
        def work(s: Session) -> tuple[int, BaseModel]:
            if body.contributor_id is not None:
                who = s.get(m.Contributor, body.contributor_id)
            else:
                who = s.exec(
                    select(m.Contributor).where(
                        m.Contributor.national_number == body.national_number
                    )
                ).first()
            if who is None:
                raise ProblemException(404, p.CONTRIBUTOR_NOT_FOUND, "no such contributor")
            existing = s.exec(
                select(m.CentralPayment).where(
                    m.CentralPayment.client_payment_id == body.client_payment_id
                )
            ).first()
            if existing is not None:
                raise ProblemException(
                    409,
                    p.CLIENT_PAYMENT_ID_EXISTS,
                    "a payment with this client_payment_id already exists",
                    payment_id=existing.id,
                )
            now = _now()
            deceased = who.status == c.ContributorStatus.deceased
            row = m.CentralPayment(
                id=f"PAY-{uuid.uuid4().hex[:16]}",
                client_payment_id=body.client_payment_id,
                contributor_id=who.id,
                purpose=body.purpose,
                amount_fils=body.amount_fils,
                method=body.method,
                status=c.PaymentStatus.failed if deceased else c.PaymentStatus.pending,
                failure_reason="contributor_deceased" if deceased else None,
                branch_code=body.branch_code,
                periods=",".join(body.periods),
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return 201, payment_out(row)

        return await idempotent(idempotency_key, _fingerprint("POST", "/payments", body), work)

    def _transition(
        payment_id: str,
        action: str,
        allowed_from: tuple[str, ...],
        target: str,
        apply: Callable[[m.CentralPayment], None],
    ) -> Callable[[Session], tuple[int, BaseModel]]:
        def work(s: Session) -> tuple[int, BaseModel]:
            row = s.get(m.CentralPayment, payment_id)
            if row is None:
                raise ProblemException(404, p.PAYMENT_NOT_FOUND, "no such payment")
            if row.status == target:
                return 200, payment_out(row)  # already there: asking twice is harmless
            if row.status not in allowed_from:
                raise ProblemException(
                    409,
                    p.INVALID_TRANSITION,
                    f"cannot {action} a payment that is {row.status}",
                    payment_status=row.status,
                )
            row.status = target
            row.updated_at = _now()
            apply(row)
            s.add(row)
            s.flush()
            return 200, payment_out(row)

        return work

    @app.post(
        f"{c.API_PREFIX}/payments/{{payment_id}}:confirm",
        response_model=c.CentralPayment,
        responses=_problems(404, 409),
    )
    async def confirm_payment(
        payment_id: PaymentId, idempotency_key: OptionalKey = None
    ) -> Response:
        def receipt(row: m.CentralPayment) -> None:
            row.receipt_no = f"R{row.updated_at:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"

        work = _transition(payment_id, "confirm", ("pending",), "confirmed", receipt)
        return await idempotent(
            idempotency_key, _fingerprint("POST", f"/payments/{payment_id}:confirm", None), work
        )

    @app.post(
        f"{c.API_PREFIX}/payments/{{payment_id}}:cancel",
        response_model=c.CentralPayment,
        responses=_problems(404, 409),
    )
    async def cancel_payment(
        payment_id: PaymentId, idempotency_key: OptionalKey = None
    ) -> Response:
        work = _transition(payment_id, "cancel", ("pending",), "cancelled", lambda r: None)
        return await idempotent(
            idempotency_key, _fingerprint("POST", f"/payments/{payment_id}:cancel", None), work
        )

    @app.post(
        f"{c.API_PREFIX}/payments/{{payment_id}}:reverse",
        response_model=c.CentralPayment,
        responses=_problems(404, 409),
    )
    async def reverse_payment(
        payment_id: PaymentId, body: c.ReverseRequest, idempotency_key: OptionalKey = None
    ) -> Response:
        def note(row: m.CentralPayment) -> None:
            row.reversal_reason = body.reason

        work = _transition(payment_id, "reverse", ("confirmed",), "reversed", note)
        return await idempotent(
            idempotency_key, _fingerprint("POST", f"/payments/{payment_id}:reverse", body), work
        )

    @app.get(
        f"{c.API_PREFIX}/payments/{{payment_id}}",
        response_model=c.CentralPayment,
        responses=_problems(404),
    )
    async def get_payment(payment_id: PaymentId) -> c.CentralPayment:
        with session() as s:
            row = s.get(m.CentralPayment, payment_id)
            if row is None:
                raise ProblemException(404, p.PAYMENT_NOT_FOUND, "no such payment")
            return payment_out(row)

    @app.get(f"{c.API_PREFIX}/payments", response_model=c.PaymentList, responses=_problems())
    async def find_payments(
        client_payment_id: Annotated[str, Query(min_length=1, max_length=64)],
    ) -> c.PaymentList:
        with session() as s:
            rows = s.exec(
                select(m.CentralPayment).where(
                    m.CentralPayment.client_payment_id == client_payment_id
                )
            ).all()
            return c.PaymentList(items=[payment_out(r) for r in rows])

    @app.get(
        f"{c.API_PREFIX}/payments/{{payment_id}}/receipt",
        response_model=c.Receipt,
        responses=_problems(404, 409),
    )
    async def receipt(payment_id: PaymentId) -> c.Receipt:
        with session() as s:
            row = s.get(m.CentralPayment, payment_id)
            if row is None:
                raise ProblemException(404, p.PAYMENT_NOT_FOUND, "no such payment")
            if row.receipt_no is None:
                raise ProblemException(409, p.NO_RECEIPT, f"a {row.status} payment has no receipt")
            return c.Receipt(
                payment_id=row.id,
                receipt_no=row.receipt_no,
                client_payment_id=row.client_payment_id,
                amount_fils=row.amount_fils,
                purpose=c.PaymentPurpose(row.purpose),
                status=c.PaymentStatus(row.status),
                issued_at=row.updated_at,
            )

    # -- National Aid Fund ----------------------------------------------------------------
    def _latest_naf(s: Session, nn: str) -> m.NafApplication | None:
        return s.exec(
            select(m.NafApplication)
            .where(m.NafApplication.national_number == nn)
            .order_by(col(m.NafApplication.submitted_on).desc())
        ).first()

    @app.post(
        f"{c.API_PREFIX}/naf/eligibility:check",
        response_model=c.NafEligibility,
        responses=_problems(),
    )
    async def naf_check(body: c.NafEligibilityRequest) -> c.NafEligibility:
        with session() as s:
            app_row = _latest_naf(s, body.national_number)
            person = s.exec(
                select(m.Contributor).where(m.Contributor.national_number == body.national_number)
            ).first()
            digest = hashlib.sha256(f"{seed}:{body.national_number}".encode()).digest()
            score = digest[0] * 100 // 255
            if body.household_size:
                score = min(100, score + 2 * body.household_size)
            reasons: list[str] = []
            if (
                person is not None
                and person.status == "active"
                and person.insured_wage_fils > 500_000
            ):
                reasons.append("insured wage above the aid threshold")
            if score < 55:
                reasons.append("welfare score below the cut-off")
            eligible = not reasons
            aid = min(200_000, 45_000 + (score - 55) * 3_500) if eligible else 0
            return c.NafEligibility(
                eligible=eligible,
                score=score,
                monthly_aid_fils=aid,
                reasons=reasons,
                application_id=app_row.id if app_row else None,
                application_status=c.NafApplicationStatus(app_row.status) if app_row else None,
                as_of=_now(),
            )

    @app.post(
        f"{c.API_PREFIX}/naf/applications",
        response_model=c.NafApplication,
        status_code=201,
        responses=_problems(409),
    )
    async def naf_apply(
        body: c.NafApplicationCreate, idempotency_key: OptionalKey = None
    ) -> Response:
        def work(s: Session) -> tuple[int, BaseModel]:
            latest = _latest_naf(s, body.national_number)
            if latest is not None and latest.status in (
                "submitted",
                "under_review",
                "approved",
                "appealed",
                "suspended",
            ):
                raise ProblemException(
                    409,
                    p.APPLICATION_EXISTS,
                    f"an application is already {latest.status}",
                    application_id=latest.id,
                )
            row = m.NafApplication(
                id=f"N{uuid.uuid4().hex[:12].upper()}",
                national_number=body.national_number,
                status="submitted",
                household_size=body.household_size,
                monthly_income_fils=body.monthly_income_fils,
                monthly_aid_fils=0,
                submitted_on=_now().date(),
                branch_code=body.branch_code,
            )
            s.add(row)
            s.flush()
            return 201, naf_out(s, row)

        return await idempotent(
            idempotency_key, _fingerprint("POST", "/naf/applications", body), work
        )

    @app.get(
        f"{c.API_PREFIX}/naf/applications/{{application_id}}",
        response_model=c.NafApplication,
        responses=_problems(404),
    )
    async def naf_get(application_id: AppId) -> c.NafApplication:
        with session() as s:
            row = s.get(m.NafApplication, application_id)
            if row is None:
                raise ProblemException(404, p.APPLICATION_NOT_FOUND, "no such application")
            return naf_out(s, row)

    @app.post(
        f"{c.API_PREFIX}/naf/applications/{{application_id}}/appeals",
        response_model=c.NafAppeal,
        status_code=201,
        responses=_problems(404, 409),
    )
    async def naf_appeal(
        application_id: AppId, body: c.NafAppealCreate, idempotency_key: OptionalKey = None
    ) -> Response:
        def work(s: Session) -> tuple[int, BaseModel]:
            row = s.get(m.NafApplication, application_id)
            if row is None:
                raise ProblemException(404, p.APPLICATION_NOT_FOUND, "no such application")
            if row.status != "rejected":
                raise ProblemException(
                    409,
                    p.APPEAL_NOT_ALLOWED,
                    f"only a rejected application can be appealed, this one is {row.status}",
                )
            appeal = m.NafAppeal(
                id=f"A{uuid.uuid4().hex[:12].upper()}",
                application_id=row.id,
                reason=body.reason,
                status="received",
                filed_on=_now().date(),
            )
            row.status = "appealed"
            s.add(row)
            s.add(appeal)
            s.flush()
            return 201, c.NafAppeal(
                id=appeal.id, application_id=row.id, status="received", filed_on=appeal.filed_on
            )

        return await idempotent(
            idempotency_key,
            _fingerprint("POST", f"/naf/applications/{application_id}/appeals", body),
            work,
        )

    # -- housing --------------------------------------------------------------------------
    @app.post(
        f"{c.API_PREFIX}/housing/applications:lookup",
        response_model=c.HousingApplicationList,
        responses=_problems(),
    )
    async def housing_lookup(body: c.HousingLookupRequest) -> c.HousingApplicationList:
        with session() as s:
            rows = s.exec(
                select(m.HousingApplication).where(
                    m.HousingApplication.national_number == body.national_number
                )
            ).all()
            return c.HousingApplicationList(items=[housing_out(r) for r in rows])

    @app.get(
        f"{c.API_PREFIX}/housing/applications/{{application_id}}",
        response_model=c.HousingApplication,
        responses=_problems(404),
    )
    async def housing_get(application_id: AppId) -> c.HousingApplication:
        with session() as s:
            row = s.get(m.HousingApplication, application_id)
            if row is None:
                raise ProblemException(404, p.APPLICATION_NOT_FOUND, "no such application")
            return housing_out(row)

    # -- statistics -----------------------------------------------------------------------
    @app.put(
        f"{c.API_PREFIX}/branches/{{branch}}/stats/{{business_day}}/windows/{{window_start}}",
        response_model=c.StatsWindowAck,
        responses={
            201: {
                "description": "Created",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/StatsWindowAck"}}
                },
            },
            **_problems(),
        },
    )
    async def put_stats(
        branch: Annotated[str, Path(pattern=r"^[A-Z0-9-]{2,16}$")],
        business_day: Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")],
        window_start: Annotated[str, Path(pattern=r"^([01][0-9]|2[0-3])[0-5][0-9]$")],
        body: c.StatsWindowUpload,
    ) -> Response:
        try:
            day = date.fromisoformat(business_day)
        except ValueError:
            raise ProblemException(422, p.INVALID_REQUEST, "business_day is not a date") from None
        with session() as s:
            row = s.exec(
                select(m.StatsWindow).where(
                    m.StatsWindow.branch_code == branch,
                    m.StatsWindow.business_day == day,
                    m.StatsWindow.window_start == window_start,
                )
            ).first()
            now = _now()
            status = 200
            if row is None:
                row = m.StatsWindow(
                    branch_code=branch,
                    business_day=day,
                    window_start=window_start,
                    body=body.model_dump_json(),
                    received_at=now,
                )
                status = 201
            else:
                row.body, row.received_at, row.puts = body.model_dump_json(), now, row.puts + 1
            s.add(row)
            s.commit()
            ack = c.StatsWindowAck(
                branch_code=branch,
                business_day=day,
                window_start=window_start,
                services=len(body.services),
                received_at=now,
            )
        return Response(ack.model_dump_json(), status_code=status, media_type="application/json")

    # -- audit anchoring ------------------------------------------------------------------
    def _head_out(row: m.AuditHead) -> c.AuditHead:
        return c.AuditHead(
            branch_code=row.branch_code,
            seq=row.seq,
            hash=row.hash,
            at=row.at,
            received_at=row.received_at,
        )

    @app.put(
        f"{c.API_PREFIX}/branches/{{branch}}/audit-heads/{{seq}}",
        response_model=c.AuditHead,
        responses={
            201: {
                "description": "Created",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/AuditHead"}}
                },
            },
            **_problems(409),
        },
    )
    async def put_audit_head(
        branch: BranchPath,
        seq: Annotated[int, Path(ge=1, le=2**62)],
        body: c.AuditHeadUpload,
    ) -> Response:
        with session() as s:
            row = s.exec(
                select(m.AuditHead).where(m.AuditHead.branch_code == branch, m.AuditHead.seq == seq)
            ).first()
            status = 200
            if row is None:
                try:
                    at = datetime.fromisoformat(body.at.replace("Z", "+00:00"))
                except ValueError:
                    raise ProblemException(422, p.INVALID_REQUEST, "at is not a time") from None
                row = m.AuditHead(
                    branch_code=branch, seq=seq, hash=body.hash, at=at, received_at=_now()
                )
                s.add(row)
                s.commit()
                status = 201
            elif row.hash != body.hash:
                raise ProblemException(
                    409,
                    p.AUDIT_HEAD_CONFLICT,
                    f"central already holds another hash for audit entry {seq}",
                )
            out = _head_out(row)
        return Response(out.model_dump_json(), status_code=status, media_type="application/json")

    @app.get(
        f"{c.API_PREFIX}/branches/{{branch}}/audit-heads",
        response_model=c.AuditHeadList,
        responses=_problems(),
    )
    async def list_audit_heads(branch: BranchPath) -> c.AuditHeadList:
        with session() as s:
            rows = s.exec(
                select(m.AuditHead)
                .where(m.AuditHead.branch_code == branch)
                .order_by(col(m.AuditHead.seq))
            ).all()
            return c.AuditHeadList(items=[_head_out(r) for r in rows])

    # -- the sandbox's own controls (loopback only, not part of the contract) -------------
    def _loopback_only(request: Request) -> None:
        host = request.client.host if request.client else ""
        if host not in LOOPBACK:
            raise ProblemException(403, p.FORBIDDEN, "the fault controls answer loopback only")

    @app.get("/_sandbox/faults", include_in_schema=False)
    async def get_faults(request: Request) -> dict[str, Any]:
        _loopback_only(request)
        return {"faults": injector.faults.model_dump(), "injected": injector.injected}

    @app.put("/_sandbox/faults", include_in_schema=False)
    async def put_faults(request: Request, body: Faults) -> dict[str, Any]:
        _loopback_only(request)
        injector.faults = body
        return {"faults": injector.faults.model_dump(), "injected": injector.injected}

    @app.get("/_sandbox/requests", include_in_schema=False)
    async def get_requests(request: Request, since: int = 0) -> dict[str, Any]:
        """What reached the sandbox (seq, method, path, Idempotency-Key, whether a bearer
        token came), newest last, after request number `since`: lets a test check the relay's
        keys at the receiving end. The log keeps the last 5000; `seq` counts them all."""
        _loopback_only(request)
        return {
            "requests": [r for r in injector.requests if r["seq"] > since],
            "seen": injector.requests_seen,
        }

    @app.get("/_sandbox/info", include_in_schema=False)
    async def info(request: Request) -> dict[str, Any]:
        _loopback_only(request)
        with session() as s:
            sample = s.exec(
                select(m.Contributor)
                .where(col(m.Contributor.national_number).is_not(None))
                .limit(1)
            ).first()
        return {
            "seed": seed,
            "contributors": seeded.contributors,
            "naf_applications": seeded.naf_applications,
            "housing_applications": seeded.housing_applications,
            "example_contributor_id": sample.id if sample else None,
        }

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps["Problem"] = c.Problem.model_json_schema()
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    app.add_middleware(FaultMiddleware, injector=injector)
    if token:
        app.add_middleware(BearerTokenMiddleware, token=token)
    app.add_middleware(RequestLogMiddleware, injector=injector)
    return app
