"""One line for every way a central call can end badly, in the counter's language.

Screens show `explain(exc)` translated: `lang.t(template).format(**params)`. The lines never
repeat what was typed (a national number must not land on screen in an error or a log).
"""

from __future__ import annotations

from branch.errors import DomainError, PermissionDenied, TabourError
from sync import problems as p
from sync.identifiers import InvalidAmount, InvalidIdentifier
from sync.payments import OfflinePaymentRefused, PayerUnresolved

Line = tuple[str, dict[str, object]]

UNREACHABLE_NO_COPY = "central unreachable: no copy of this record is kept at the branch"
TIMEOUT_NO_COPY = (
    "central did not answer within {seconds} s: no copy of this record is kept at the branch"
)
NOT_FOUND = "central has no record for this number"
REFUSED = "central refused the request ({code})"

_ID_RULES = {
    "national number": "a national number is exactly 10 digits (0-9)",
    "personal number": "a personal number is 6 to 12 digits (0-9)",
    "insurance number": "an insurance number is 6 to 12 digits (0-9)",
}


def explain(exc: BaseException, *, timeout_s: float | None = None) -> Line:
    """(English template, parameters) for one line on screen."""
    if isinstance(exc, InvalidIdentifier):
        for kind, rule in _ID_RULES.items():
            if kind in str(exc):
                return rule, {}
        return "check the number: digits only", {}
    if isinstance(exc, PayerUnresolved):
        return str(exc), {}
    if isinstance(exc, (OfflinePaymentRefused, InvalidAmount, PermissionDenied)):
        return str(exc), {}
    if isinstance(exc, p.CentralNotFound):
        return NOT_FOUND, {}
    if isinstance(exc, p.CentralUnavailable):
        if exc.kind == p.NO_ANSWER and exc.code == p.TIMEOUT and timeout_s is not None:
            return TIMEOUT_NO_COPY, {"seconds": f"{timeout_s:g}"}
        label = p.FAULT_LABELS.get(exc.kind)
        if label and exc.kind != p.UNREACHABLE:
            return "{fault}: no copy of this record is kept at the branch", {"fault": label}
        return UNREACHABLE_NO_COPY, {}
    if isinstance(exc, p.CentralError):
        return REFUSED, {"code": exc.code}
    if isinstance(exc, (DomainError, TabourError)):
        return str(exc), {}
    return "something went wrong: {what}", {"what": type(exc).__name__}


__all__ = ["Line", "explain"]
