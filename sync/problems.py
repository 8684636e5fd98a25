"""Problem codes of contract v1 and the branch-side errors they turn into.

Central answers every error as RFC 9457 problem+json with a `code` and `retryable`; the
client maps them here to one exception each kind of caller handles differently: the counter
shows `CentralUnavailable` as "offline, using cached data", the relay retries what is
retryable and dead-letters what is not. Messages are one line and never carry a national
number (central's `detail` is written not to contain one either).
"""

from __future__ import annotations

from branch.errors import TabourError

# codes central sends
INVALID_REQUEST = "invalid_request"
CONTRIBUTOR_NOT_FOUND = "contributor_not_found"
PAYMENT_NOT_FOUND = "payment_not_found"
APPLICATION_NOT_FOUND = "application_not_found"
NOT_FOUND = "not_found"
IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
REQUEST_IN_PROGRESS = "request_in_progress"
CLIENT_PAYMENT_ID_EXISTS = "client_payment_id_exists"
INVALID_TRANSITION = "invalid_transition"
NO_RECEIPT = "no_receipt"
APPLICATION_EXISTS = "application_exists"
APPEAL_NOT_ALLOWED = "appeal_not_allowed"
UNAVAILABLE = "unavailable"
INTERNAL = "internal_error"
FORBIDDEN = "forbidden"

UNAUTHORIZED = "unauthorized"
AUDIT_HEAD_CONFLICT = "audit_head_conflict"

# codes the client makes up for what central never said
TRANSPORT = "transport_error"
TIMEOUT = "timeout"
BREAKER_OPEN = "breaker_open"
MALFORMED = "malformed_response"

# Kinds of link fault, recorded in the link state (`tabour sync status`): why the branch
# cannot get an answer from central, as opposed to central refusing the request.
AUTH_FAILED = "auth_failed"  # 401/403: our credentials (token expired, revoked, wrong)
PROXY_AUTH = "proxy_auth_required"  # 407: a proxy between us and central wants credentials
THROTTLED = "throttled"  # 408, 425, 429: come back later
BAD_GATEWAY = "bad_gateway"  # an answer that is not central's problem+json (proxy page ...)
SERVER_ERROR = "server_error"  # central's own 5xx
UNREACHABLE = "unreachable"  # connection refused, DNS, TLS, connect timeout
NO_ANSWER = "no_answer"  # timeout or connection dropped after sending

# What a status screen says for each kind (English msgids; Arabic in tabour.po).
FAULT_LABELS = {
    AUTH_FAILED: "central refuses the branch's credentials",
    PROXY_AUTH: "a proxy asks for credentials",
    THROTTLED: "central asks the branch to slow down",
    BAD_GATEWAY: "something other than central answered",
    SERVER_ERROR: "central is failing",
    UNREACHABLE: "central cannot be reached",
    NO_ANSWER: "central did not answer",
}

# The only statuses at which a problem+json answer can be a refusal of the request itself.
REFUSAL_STATUSES = frozenset({400, 404, 409, 422})


class CentralError(TabourError):
    """Something central said or failed to say. `retryable` decides the relay's move."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int | None = None,
        retryable: bool = False,
        upstream: str = "ssc",
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.retryable = retryable
        self.upstream = upstream
        self.extra = extra or {}


class CentralUnavailable(CentralError):
    """A link fault: central could not be reached, failed, or something between us and it
    answered instead (credentials refused, throttling, 5xx, a proxy's page, timeout,
    breaker open). Try later or work offline; never a reason to give a payment up. The
    request was certainly not applied, unless `CentralAmbiguous`. `kind` says which fault
    (`AUTH_FAILED`, `BAD_GATEWAY`, `UNREACHABLE`, ...)."""

    exit_code = 7

    def __init__(self, message: str, *, kind: str | None = None, **kw: object) -> None:
        kw.setdefault("retryable", True)
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.kind = kind or _default_kind(self.code)


class CentralAmbiguous(CentralUnavailable):
    """The request left the branch but no usable answer came back: it may have been
    applied. Writes are resolved by asking central, never by guessing."""


class CentralProtocolError(CentralAmbiguous):
    """Central answered something that is not contract v1 (bad JSON, wrong shape)."""


class CentralRejected(CentralError):
    """Central understood and refused the request itself (problem+json with a business code,
    not retryable, at 400/404/409/422): retrying the same request cannot help."""


class CentralNotFound(CentralRejected):
    pass


class CentralConflict(CentralError):
    """409: a state conflict; retryable when the same request is still being processed."""


class IdempotencyMismatch(CentralRejected):
    """The same Idempotency-Key was sent earlier with a different body: a bug, not a fault."""


def _default_kind(code: str) -> str:
    if code in (TRANSPORT, BREAKER_OPEN):
        return UNREACHABLE
    if code == TIMEOUT:
        return NO_ANSWER
    if code == MALFORMED:
        return BAD_GATEWAY
    return SERVER_ERROR


def link_fault_kind(status: int) -> str:
    """The kind of link fault an HTTP status stands for when it is not a refusal."""
    if status in (401, 403):
        return AUTH_FAILED
    if status == 407:
        return PROXY_AUTH
    if status in (408, 425, 429):
        return THROTTLED
    if status >= 500:
        return SERVER_ERROR
    return BAD_GATEWAY


def classify_answer(
    upstream: str, what: str, status: int, content_type: str, body: bytes
) -> CentralError:
    """The one place an error answer is classified (DESIGN §6, issue #8 item 1).

    Only central's refusal of the request itself is final: a problem+json body that parses,
    with a business `code`, `retryable: false`, at 400, 404, 409 or 422. Everything else is
    a link fault (`CentralUnavailable`, with its `kind`): 401/403 (our credentials), 407,
    408, 425, 429, every 5xx, and any answer that is not central's problem+json: an HTML
    page from a proxy, an empty or truncated body, another media type. A proxy's "404 Not
    Found" page must not fail a payment whose cash is already in the drawer.
    """
    from pydantic import ValidationError

    from sync.contract import PROBLEM_CONTENT_TYPE, Problem

    prob: Problem | None = None
    if content_type.split(";")[0].strip().lower() == PROBLEM_CONTENT_TYPE:
        try:
            prob = Problem.model_validate_json(body)
        except ValidationError:
            prob = None
    if prob is not None and prob.code and status in REFUSAL_STATUSES:
        extra = {
            k: v
            for k, v in (prob.model_extra or {}).items()
            if k in ("payment_id", "payment_status", "application_id")
        }
        detail = (prob.detail or prob.title).replace("\n", " ")[:300]
        return from_problem(status, prob.code, detail, prob.retryable, upstream, extra)
    kind = link_fault_kind(status)
    if prob is not None:
        detail = (prob.detail or prob.title).replace("\n", " ")[:200]
        why = f"HTTP {status}: {detail} [{prob.code}]"
        code = prob.code
    else:
        shape = "an empty body" if not body.strip() else "a body that is not problem+json"
        why = f"HTTP {status} with {shape}"
        code = f"http_{status}"
    return CentralUnavailable(
        f"central ({upstream}) link fault ({kind}) on {what}: {why}",
        code=code,
        status=status,
        upstream=upstream,
        kind=kind,
    )


def from_problem(
    status: int, code: str, detail: str, retryable: bool, upstream: str, extra: dict[str, object]
) -> CentralError:
    kw: dict[str, object] = {
        "code": code,
        "status": status,
        "retryable": retryable,
        "upstream": upstream,
        "extra": extra,
    }
    message = f"central ({upstream}) refused: {detail} [{code}]"
    if (
        status >= 500
        or status in (408, 429)
        or code == UNAVAILABLE
        or (retryable and status != 409)
    ):
        kw["retryable"] = True
        return CentralUnavailable(
            f"central ({upstream}) is unavailable: {detail} [{code}]",
            kind=link_fault_kind(status) if status >= 400 else SERVER_ERROR,
            **kw,  # type: ignore[arg-type]
        )
    if status == 404:
        return CentralNotFound(message, **kw)  # type: ignore[arg-type]
    if status == 409:
        return CentralConflict(message, **kw)  # type: ignore[arg-type]
    if code == IDEMPOTENCY_KEY_REUSED:
        return IdempotencyMismatch(message, **kw)  # type: ignore[arg-type]
    return CentralRejected(message, **kw)  # type: ignore[arg-type]
