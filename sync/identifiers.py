"""Identifiers and amounts typed at a counter, checked before anything leaves the branch.

Errors never repeat what was typed: a national number must not end up in a log line or a
traceback just because it was one digit short.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from branch.errors import DomainError

# ASCII digits only: Python's \d would also accept Arabic-Indic and other Unicode digits,
# which central's ^\d{10}$ (a JSON Schema pattern, ECMA semantics) does not.
NATIONAL_NUMBER = re.compile(r"^[0-9]{10}$")
PERSONAL_NUMBER = re.compile(r"^[0-9]{6,12}$")
INSURANCE_NUMBER = re.compile(r"^[0-9]{6,12}$")
CONTRIBUTOR_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")

MAX_AMOUNT_FILS = 100_000_000  # JD 100,000: above any single counter payment

IdentifierKind = Literal["national_number", "personal_number", "insurance_number"]
_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "national_number": (NATIONAL_NUMBER, "a national number is exactly 10 digits (0-9)"),
    "personal_number": (PERSONAL_NUMBER, "a personal number is 6 to 12 digits (0-9)"),
    "insurance_number": (INSURANCE_NUMBER, "an insurance number is 6 to 12 digits (0-9)"),
}


class InvalidIdentifier(DomainError):
    exit_code = 2


class InvalidAmount(DomainError):
    exit_code = 2


def validate_identifier(kind: IdentifierKind, value: object) -> str:
    """Return the identifier unchanged when it is well formed; the error never echoes it."""
    pattern, rule = _PATTERNS[kind]
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidIdentifier(f"invalid {kind.replace('_', ' ')}: {rule}")
    return value


def validate_national_number(value: object) -> str:
    return validate_identifier("national_number", value)


def validate_contributor_id(value: object) -> str:
    if not isinstance(value, str) or not CONTRIBUTOR_ID.match(value):
        raise InvalidIdentifier(
            "invalid contributor id: 1-64 letters, digits, '-' or '_' (as central returned it)"
        )
    return value


def validate_period(value: str, what: str = "period") -> str:
    if not PERIOD.match(value):
        raise InvalidIdentifier(f"invalid {what} {value!r}: expected YYYY-MM")
    return value


def mask(value: str | None) -> str:
    """`******1234`: enough for staff to recognise the person, not enough to identify them."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def parse_amount_fils(value: object) -> int:
    """Integer fils, 1 .. JD 100,000. Accepts an int or a string of ASCII digits."""
    if isinstance(value, bool):
        raise InvalidAmount("an amount is a whole number of fils")
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[0-9]+", text):
            raise InvalidAmount(
                "an amount is a whole number of fils (1 JD = 1000 fils), digits only"
            )
        text = text.lstrip("0") or "0"
        if len(text) > len(str(MAX_AMOUNT_FILS)):  # never int() a thousand digits
            raise InvalidAmount(_too_large())
        value = int(text)
    if not isinstance(value, int):
        raise InvalidAmount("an amount is a whole number of fils")
    if value > MAX_AMOUNT_FILS:
        raise InvalidAmount(_too_large())
    if value < 1:
        raise InvalidAmount(f"an amount must be between 1 and {MAX_AMOUNT_FILS} fils")
    return value


def _too_large() -> str:
    return (
        f"the amount is too large: at most {MAX_AMOUNT_FILS} fils "
        f"({format_jod(MAX_AMOUNT_FILS)}) per payment"
    )


def format_jod(fils: int) -> str:
    """`12.345 JD`: three decimals, as on a receipt."""
    sign = "-" if fils < 0 else ""
    fils = abs(fils)
    return f"{sign}{fils // 1000:,}.{fils % 1000:03d} JD"


def new_client_payment_id(branch_code: str) -> str:
    """Permanently unique, chosen by the branch: central refuses a second payment with it."""
    return f"{branch_code}-{uuid.uuid4().hex}"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex
