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

# codes the client makes up for what central never said
TRANSPORT = "transport_error"
TIMEOUT = "timeout"
BREAKER_OPEN = "breaker_open"
MALFORMED = "malformed_response"


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
    """Central could not be reached or failed (5xx, timeout, breaker open): try later or
    work offline. The request was certainly not applied, unless `CentralAmbiguous`."""

    exit_code = 7

    def __init__(self, message: str, **kw: object) -> None:
        kw.setdefault("retryable", True)
        super().__init__(message, **kw)  # type: ignore[arg-type]


class CentralAmbiguous(CentralUnavailable):
    """The request left the branch but no usable answer came back: it may have been
    applied. Writes are resolved by asking central, never by guessing."""


class CentralProtocolError(CentralAmbiguous):
    """Central answered something that is not contract v1 (bad JSON, wrong shape)."""


class CentralRejected(CentralError):
    """Central understood and refused (4xx): retrying the same request cannot help."""


class CentralNotFound(CentralRejected):
    pass


class CentralConflict(CentralError):
    """409: a state conflict; retryable when the same request is still being processed."""


class IdempotencyMismatch(CentralRejected):
    """The same Idempotency-Key was sent earlier with a different body: a bug, not a fault."""


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
    if status >= 500 or status in (408, 429) or code == UNAVAILABLE:
        kw["retryable"] = True
        return CentralUnavailable(
            f"central ({upstream}) is unavailable: {detail} [{code}]",
            **kw,
        )
    if status == 404:
        return CentralNotFound(message, **kw)  # type: ignore[arg-type]
    if status == 409:
        return CentralConflict(message, **kw)  # type: ignore[arg-type]
    if code == IDEMPOTENCY_KEY_REUSED:
        return IdempotencyMismatch(message, **kw)  # type: ignore[arg-type]
    return CentralRejected(message, **kw)  # type: ignore[arg-type]
