"""The kiosk's optional national-number step (issue 9 item 3, DESIGN §7): the kiosk side.

A customer may type their national number at the kiosk so the counter has the record ready
when the ticket is called. The number is validated (10 digits, DOMAIN.md), never printed,
logged or shown again at the kiosk, and kept on the ticket only as a *sealed reference* in
`Ticket.national_ref`, in the one format the whole branch reads (`branch.national_ref`:
encrypt-then-MAC under keys derived from the branch secret, `TABOUR_HOME/branch.secret`,
0600). The counter that calls the ticket opens it in memory to preload the central lookup
(`counter_app.kiosk_capture`); `QueueEngine.national_ref` is the audited read for anyone
else; `QueueEngine.close_day` erases every reference.

A keyed hash alone would not let the counter query central, which is the point of the step;
hence a reversible seal with a branch-local key.
"""

from __future__ import annotations

from pathlib import Path

from branch import national_ref
from branch.errors import DomainError

DIGITS = 10
_LOCAL_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
REFUSAL = "a national number is exactly 10 digits (0-9)"


class InvalidNationalNumber(DomainError):
    """Refused input; the message never repeats what was typed."""


class UnreadableReference(DomainError):
    """A stored reference that this branch's key cannot open (tampered, or another key)."""


def validate(value: str) -> str:
    """The national number as 10 ASCII digits. Arabic-Indic digits and spaces are accepted as
    typed on a kiosk keypad; anything else is refused without echoing the input."""
    if not isinstance(value, str):
        raise InvalidNationalNumber(REFUSAL)
    digits = "".join(value.split()).translate(_LOCAL_DIGITS)
    if len(digits) != DIGITS or not (digits.isascii() and digits.isdigit()):
        raise InvalidNationalNumber(REFUSAL)
    return digits


class Sealer:
    """Seals and opens national numbers with this branch's secret (`branch.national_ref`)."""

    def __init__(self, branch_key: bytes) -> None:
        self._key = branch_key

    @classmethod
    def for_home(cls, home: Path | None = None) -> Sealer:
        """The sealer of this branch (`TABOUR_HOME`, or `home`); creates the secret if absent."""
        from branch.audit import chain_key

        return cls(chain_key(home))

    def seal(self, national_number: str) -> str:
        """Validate and seal; the token is what `Ticket.national_ref` stores."""
        return national_ref.seal(validate(national_number), self._key)

    def open(self, token: str) -> str:
        value = national_ref.open_sealed(token, self._key)
        try:
            return validate(value or "")
        except InvalidNationalNumber:
            raise UnreadableReference(
                "the ticket's national-number reference cannot be read with this branch's key"
            ) from None


def mask(national_number: str) -> str:
    """`******4567`: what a screen may show outside the counter's lookup panel."""
    return "*" * (len(national_number) - 4) + national_number[-4:]
