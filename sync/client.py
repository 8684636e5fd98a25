"""The branch's HTTP client for central: one shared httpx client per upstream.

Three upstreams (SSC, NAF, housing) each get their own connection pool, timeouts and circuit
breaker, so a NAF outage does not stop payments. Reads retry briefly on fast failures
(stamina); writes are sent once: the outbox relay owns retrying them, with their original
Idempotency-Key. Every answer is validated against contract v1; anything else becomes a
`CentralError` with a one-line message that names the method and path, never a national
number (those travel only in bodies).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

import httpx
import stamina
from pydantic import BaseModel, ValidationError

from branch.errors import ConfigError
from branch.settings import CentralSettings
from sync import contract as c
from sync import problems as p
from sync.breaker import BreakerSnapshot, BreakerState, CircuitBreaker
from sync.identifiers import validate_contributor_id, validate_identifier, validate_period

log = logging.getLogger("tabour.sync.client")

Upstream = Literal["ssc", "naf", "housing"]
UPSTREAMS: tuple[Upstream, ...] = ("ssc", "naf", "housing")
T = TypeVar("T", bound=BaseModel)
USER_AGENT = "tabour-branch/0.1"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class Written(Generic[T]):
    """A write's answer; `replayed` is true when central returned the stored response of an
    earlier request with the same Idempotency-Key."""

    value: T
    replayed: bool


def central_urls(settings: CentralSettings, env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    base = env.get("TABOUR_CENTRAL_URL") or settings.base_url
    urls = {
        "ssc": base,
        "naf": env.get("TABOUR_NAF_URL") or settings.naf_url or base,
        "housing": env.get("TABOUR_HOUSING_URL") or settings.housing_url or base,
    }
    allow_http = env.get("TABOUR_CENTRAL_ALLOW_HTTP") == "1"
    for name, url in urls.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("central", f"{name} url", f"{url!r} is not an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK and not allow_http:
            raise ConfigError(
                "central",
                f"{name} url",
                "plain http is allowed only on loopback (the sandbox); use https "
                "(or set TABOUR_CENTRAL_ALLOW_HTTP=1 for a test network)",
            )
        urls[name] = url.rstrip("/")
    return urls


def load_token(settings: CentralSettings, env: Mapping[str, str] | None = None) -> str | None:
    """The bearer token: `TABOUR_CENTRAL_TOKEN`, else the first line of `credentials_file`,
    which must be readable by its owner only."""
    env = os.environ if env is None else env
    token = env.get("TABOUR_CENTRAL_TOKEN")
    if not token and settings.credentials_file:
        path = Path(settings.credentials_file).expanduser()
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise ConfigError(
                    path,
                    "(permissions)",
                    "credentials must be readable by their owner only (chmod 600)",
                )
            lines = [
                ln.strip()
                for ln in path.read_text(encoding="utf-8").splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")
            ]
        except OSError as exc:
            raise ConfigError(path, "(file)", exc.strerror or "unreadable") from None
        token = lines[0] if lines else None
    if token is not None and (not token.isascii() or not token.isprintable() or " " in token):
        raise ConfigError("central", "token", "the token must be printable ASCII without spaces")
    return token or None


class _Link:
    """One upstream: its pool, its breaker, one health probe at a time."""

    def __init__(self, name: str, http: httpx.AsyncClient, breaker: CircuitBreaker) -> None:
        self.name = name
        self.http = http
        self.breaker = breaker
        self.probe_lock = asyncio.Lock()


def _retry_read(exc: Exception) -> bool:
    # Fast failures only: a timeout already cost the user timeout_s, an open breaker means
    # "don't even try".
    # Refused credentials do not get better within a second either.
    return (
        isinstance(exc, p.CentralUnavailable)
        and exc.code not in (p.BREAKER_OPEN, p.TIMEOUT)
        and exc.kind not in (p.AUTH_FAILED, p.PROXY_AUTH)
    ) or (isinstance(exc, p.CentralConflict) and exc.retryable)


class CentralClient:
    """Async client for contract v1. Create once per process, share, `aclose()` at exit."""

    def __init__(
        self,
        urls: Mapping[str, str],
        *,
        timeout_s: float = 5.0,
        token: str | None = None,
        failure_threshold: int = 3,
        reset_timeout_s: float = 10.0,
        read_attempts: int = 3,
        on_breaker_change: Callable[[BreakerSnapshot], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 32,
    ) -> None:
        self.timeout_s = timeout_s
        self.read_attempts = read_attempts
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._links: dict[str, _Link] = {}
        pools: dict[str, httpx.AsyncClient] = {}
        for name in UPSTREAMS:
            url = urls.get(name) or urls["ssc"]
            # Upstreams on the same base URL (the sandbox) still get their own pool: a slow
            # NAF call must not hold SSC's connections.
            pools[name] = httpx.AsyncClient(
                base_url=url,
                timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
                limits=httpx.Limits(
                    max_connections=max_connections, max_keepalive_connections=max_connections
                ),
                headers=headers,
                verify=True,
                transport=transport,
            )
            self._links[name] = _Link(
                name,
                pools[name],
                CircuitBreaker(
                    name,
                    failure_threshold=failure_threshold,
                    reset_timeout_s=reset_timeout_s,
                    on_change=on_breaker_change,
                ),
            )

    @classmethod
    def from_settings(
        cls,
        settings: CentralSettings,
        env: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> CentralClient:
        kw.setdefault("timeout_s", settings.timeout_s)
        return cls(central_urls(settings, env), token=load_token(settings, env), **kw)

    async def aclose(self) -> None:
        for link in self._links.values():
            await link.http.aclose()

    async def __aenter__(self) -> CentralClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- breakers ------------------------------------------------------------------------
    @property
    def breakers(self) -> dict[str, CircuitBreaker]:
        return {name: link.breaker for name, link in self._links.items()}

    def is_available(self, upstream: Upstream = "ssc") -> bool:
        """False while the breaker is open: callers go offline without waiting."""
        return self._links[upstream].breaker.state is not BreakerState.open

    async def ensure_available(self, upstream: Upstream = "ssc") -> None:
        """Raise at once while the breaker is open; probe `/health` when it is half-open."""
        link = self._links[upstream]
        state = link.breaker.state
        if state is BreakerState.closed:
            return
        if state is BreakerState.open:
            snap = link.breaker.snapshot()
            raise p.CentralUnavailable(
                f"central ({upstream}) is offline (circuit open after: {snap.last_error})",
                code=p.BREAKER_OPEN,
                upstream=upstream,
                kind=snap.last_kind or p.UNREACHABLE,
            )
        async with link.probe_lock:
            if link.breaker.state is BreakerState.closed:
                return
            try:
                resp = await link.http.get(
                    f"{c.API_PREFIX}/health", timeout=min(self.timeout_s, 2.0)
                )
                c.Health.model_validate_json(resp.content)
                healthy = resp.status_code == 200
                why = f"health probe answered HTTP {resp.status_code}"
            except (httpx.HTTPError, ValidationError) as exc:
                healthy, why = False, f"health probe failed: {type(exc).__name__}"
            if healthy:
                log.info("central (%s) is back: circuit closed", upstream)
                link.breaker.record_success()
                return
            link.breaker.trip(why)
            raise p.CentralUnavailable(
                f"central ({upstream}) is still offline ({why})",
                code=p.BREAKER_OPEN,
                upstream=upstream,
                kind=link.breaker.snapshot().last_kind or p.UNREACHABLE,
            )

    # -- the one place a request is made -----------------------------------------------
    async def _send(
        self,
        upstream: Upstream,
        method: str,
        path: str,
        model: type[T],
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[T, bool]:
        await self.ensure_available(upstream)
        link = self._links[upstream]
        url = f"{c.API_PREFIX}{path}"
        what = f"{method} {url}"
        started = time.perf_counter()
        try:
            resp = await link.http.request(method, url, json=json, params=params, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # TLS failures are ConnectErrors too: nothing was sent.
            link.breaker.record_failure(f"cannot connect ({type(exc).__name__})", p.UNREACHABLE)
            raise p.CentralUnavailable(
                f"central ({upstream}) cannot be reached for {what} ({type(exc).__name__})",
                code=p.TRANSPORT,
                upstream=upstream,
            ) from None
        except httpx.TimeoutException as exc:
            link.breaker.record_failure(f"timeout ({type(exc).__name__})", p.NO_ANSWER)
            raise p.CentralAmbiguous(
                f"central ({upstream}) did not answer {what} within {self.timeout_s:g} s",
                code=p.TIMEOUT,
                upstream=upstream,
            ) from None
        except httpx.TransportError as exc:
            link.breaker.record_failure(f"connection dropped ({type(exc).__name__})", p.NO_ANSWER)
            raise p.CentralAmbiguous(
                f"central ({upstream}) dropped the connection during {what} ({type(exc).__name__})",
                code=p.TRANSPORT,
                upstream=upstream,
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s %s -> %s in %.1f ms", upstream, what, resp.status_code, elapsed_ms)
        replayed = resp.headers.get(c.REPLAYED_HEADER, "").lower() == "true"
        if resp.status_code < 300:
            try:
                value = model.model_validate_json(resp.content)
            except ValidationError:
                link.breaker.record_failure("malformed answer", p.BAD_GATEWAY)
                raise p.CentralProtocolError(
                    f"central ({upstream}) answered {what} with a malformed body "
                    f"(HTTP {resp.status_code})",
                    code=p.MALFORMED,
                    status=resp.status_code,
                    upstream=upstream,
                ) from None
            link.breaker.record_success()
            return value, replayed
        error = self._problem(upstream, what, resp)
        if isinstance(error, p.CentralUnavailable):
            link.breaker.record_failure(str(error), error.kind)
        else:
            link.breaker.record_success()
        raise error

    @staticmethod
    def _problem(upstream: str, what: str, resp: httpx.Response) -> p.CentralError:
        return p.classify_answer(
            upstream, what, resp.status_code, resp.headers.get("content-type", ""), resp.content
        )

    async def _read(
        self,
        upstream: Upstream,
        method: str,
        path: str,
        model: type[T],
        **kw: Any,
    ) -> T:
        async for attempt in stamina.retry_context(
            on=_retry_read,
            attempts=self.read_attempts,
            timeout=self.timeout_s * 2,
            wait_initial=0.05,
            wait_max=0.4,
            wait_jitter=0.05,
        ):
            with attempt:
                value, _ = await self._send(upstream, method, path, model, **kw)
                return value
        raise AssertionError("unreachable")  # pragma: no cover

    async def _write(
        self,
        upstream: Upstream,
        method: str,
        path: str,
        model: type[T],
        *,
        idempotency_key: str | None,
        json: Any = None,
    ) -> Written[T]:
        headers = {c.IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        value, replayed = await self._send(
            upstream, method, path, model, json=json, headers=headers
        )
        return Written(value, replayed)

    # -- contract v1 ---------------------------------------------------------------------
    async def health(self, upstream: Upstream = "ssc") -> c.Health:
        return await self._read(upstream, "GET", "/health", c.Health)

    async def lookup(
        self,
        *,
        national_number: str | None = None,
        personal_number: str | None = None,
        insurance_number: str | None = None,
    ) -> c.ContributorSummary:
        given = {
            k: v
            for k, v in (
                ("national_number", national_number),
                ("personal_number", personal_number),
                ("insurance_number", insurance_number),
            )
            if v is not None
        }
        if len(given) != 1:
            raise p.CentralRejected(
                "look a contributor up by exactly one identifier", code=p.INVALID_REQUEST
            )
        ((kind, value),) = given.items()
        validate_identifier(kind, value)  # type: ignore[arg-type]
        return await self._read(
            "ssc", "POST", "/contributors:lookup", c.ContributorSummary, json=given
        )

    async def statement(
        self, contributor_id: str, from_period: str | None = None, to_period: str | None = None
    ) -> c.Statement:
        validate_contributor_id(contributor_id)
        params = {}
        if from_period:
            params["from"] = validate_period(from_period, "from")
        if to_period:
            params["to"] = validate_period(to_period, "to")
        return await self._read(
            "ssc",
            "GET",
            f"/contributors/{contributor_id}/contribution-statement",
            c.Statement,
            params=params,
        )

    async def submit_payment(
        self, body: c.PaymentCreate, idempotency_key: str
    ) -> Written[c.CentralPayment]:
        """Create a payment at central (status pending). Sent once: callers that need it
        delivered use the outbox (`sync.payments.create_payment`)."""
        return await self._write(
            "ssc",
            "POST",
            "/payments",
            c.CentralPayment,
            idempotency_key=idempotency_key,
            json=body.model_dump(mode="json", exclude_none=True),
        )

    async def confirm_payment(
        self, payment_id: str, idempotency_key: str | None
    ) -> Written[c.CentralPayment]:
        return await self._write(
            "ssc",
            "POST",
            f"/payments/{validate_contributor_id(payment_id)}:confirm",
            c.CentralPayment,
            idempotency_key=idempotency_key,
        )

    async def cancel_payment(
        self, payment_id: str, idempotency_key: str | None
    ) -> Written[c.CentralPayment]:
        return await self._write(
            "ssc",
            "POST",
            f"/payments/{validate_contributor_id(payment_id)}:cancel",
            c.CentralPayment,
            idempotency_key=idempotency_key,
        )

    async def reverse_payment(
        self, payment_id: str, reason: str, idempotency_key: str | None
    ) -> Written[c.CentralPayment]:
        return await self._write(
            "ssc",
            "POST",
            f"/payments/{validate_contributor_id(payment_id)}:reverse",
            c.CentralPayment,
            idempotency_key=idempotency_key,
            json=c.ReverseRequest(reason=reason).model_dump(),
        )

    async def get_payment(self, payment_id: str) -> c.CentralPayment:
        return await self._read(
            "ssc", "GET", f"/payments/{validate_contributor_id(payment_id)}", c.CentralPayment
        )

    async def find_payment(self, client_payment_id: str) -> c.CentralPayment | None:
        """Resolve an ambiguous create: did central get it? (`GET /payments?client_payment_id=`)"""
        found = await self._read(
            "ssc",
            "GET",
            "/payments",
            c.PaymentList,
            params={"client_payment_id": client_payment_id},
        )
        return found.items[0] if found.items else None

    async def receipt(self, payment_id: str) -> c.Receipt:
        return await self._read(
            "ssc", "GET", f"/payments/{validate_contributor_id(payment_id)}/receipt", c.Receipt
        )

    async def naf_eligibility(
        self, national_number: str, household_size: int | None = None
    ) -> c.NafEligibility:
        body = c.NafEligibilityRequest(
            national_number=validate_identifier("national_number", national_number),
            household_size=household_size,
        )
        return await self._read(
            "naf",
            "POST",
            "/naf/eligibility:check",
            c.NafEligibility,
            json=body.model_dump(exclude_none=True),
        )

    async def naf_apply(
        self, body: c.NafApplicationCreate, idempotency_key: str | None
    ) -> Written[c.NafApplication]:
        return await self._write(
            "naf",
            "POST",
            "/naf/applications",
            c.NafApplication,
            idempotency_key=idempotency_key,
            json=body.model_dump(mode="json"),
        )

    async def naf_application(self, application_id: str) -> c.NafApplication:
        return await self._read(
            "naf",
            "GET",
            f"/naf/applications/{validate_contributor_id(application_id)}",
            c.NafApplication,
        )

    async def naf_appeal(
        self, application_id: str, reason: str, idempotency_key: str | None
    ) -> Written[c.NafAppeal]:
        return await self._write(
            "naf",
            "POST",
            f"/naf/applications/{validate_contributor_id(application_id)}/appeals",
            c.NafAppeal,
            idempotency_key=idempotency_key,
            json=c.NafAppealCreate(reason=reason).model_dump(),
        )

    async def housing_lookup(self, national_number: str) -> c.HousingApplicationList:
        body = c.HousingLookupRequest(
            national_number=validate_identifier("national_number", national_number)
        )
        return await self._read(
            "housing",
            "POST",
            "/housing/applications:lookup",
            c.HousingApplicationList,
            json=body.model_dump(),
        )

    async def housing_application(self, application_id: str) -> c.HousingApplication:
        return await self._read(
            "housing",
            "GET",
            f"/housing/applications/{validate_contributor_id(application_id)}",
            c.HousingApplication,
        )

    async def put_stats(
        self, branch_code: str, business_day: str, window_start: str, body: c.StatsWindowUpload
    ) -> Written[c.StatsWindowAck]:
        """PUT is idempotent by nature: the same window sent twice is stored once."""
        return await self._write(
            "ssc",
            "PUT",
            f"/branches/{branch_code}/stats/{business_day}/windows/{window_start}",
            c.StatsWindowAck,
            idempotency_key=None,
            json=body.model_dump(mode="json"),
        )

    async def put_audit_head(
        self, branch_code: str, seq: int, body: c.AuditHeadUpload
    ) -> Written[c.AuditHead]:
        """Anchor the audit chain head at central. Idempotent: the same head twice is stored
        once; another hash for a seq central already holds is refused (409)."""
        return await self._write(
            "ssc",
            "PUT",
            f"/branches/{branch_code}/audit-heads/{int(seq)}",
            c.AuditHead,
            idempotency_key=None,
            json=body.model_dump(mode="json"),
        )

    async def audit_heads(self, branch_code: str) -> c.AuditHeadList:
        return await self._read(
            "ssc", "GET", f"/branches/{branch_code}/audit-heads", c.AuditHeadList
        )


class SyncCentralClient:
    """The same client for blocking code (the CLI): calls run on a private event loop thread,
    so the pools, breakers and retries are exactly the async client's."""

    def __init__(self, factory: Callable[[], CentralClient]) -> None:
        from anyio.from_thread import start_blocking_portal

        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self.client: CentralClient = self._portal.call(self._build, factory)

    @staticmethod
    async def _build(factory: Callable[[], CentralClient]) -> CentralClient:
        return factory()

    def call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run any coroutine function on the client's loop and wait for it."""

        async def run() -> Any:
            return await fn(*args, **kw)

        return self._portal.call(run)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        attr = getattr(self.client, name)
        if not inspect.iscoroutinefunction(attr):
            return attr  # type: ignore[no-any-return]

        def blocking(*args: Any, **kw: Any) -> Any:
            return self.call(attr, *args, **kw)

        return blocking

    def close(self) -> None:
        try:
            self._portal.call(self.client.aclose)
        finally:
            self._portal_cm.__exit__(None, None, None)

    def __enter__(self) -> SyncCentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
