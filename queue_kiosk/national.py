"""The kiosk's optional national-number step (issue 9 item 3, DESIGN §7).

A customer may type their national number at the kiosk so the counter has the record ready
when the ticket is called. The number is validated (10 digits, DOMAIN.md), never printed,
logged or shown again at the kiosk, and kept on the ticket only as a *sealed reference*:
Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`) under a key derived from the branch secret
(`branch/secret.py`), so

- the database alone reveals nothing (the key lives in `TABOUR_HOME/branch.secret`, 0600);
- the counter, holding the branch secret, can open it to look the person up at central (the
  number travels in request bodies only) — every opening is audited;
- a tampered or foreign token is refused, never half-read;
- it is erased at day close (`QueueEngine.close_day`).

A keyed hash (`keyed_hash`) would not let the counter query central, which is the point of the
step; hence a reversible seal with a branch-local key.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from branch.errors import DomainError
from branch.secret import keyed_hash

DIGITS = 10
_LOCAL_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
PURPOSE = "kiosk.national_number.seal"


class InvalidNationalNumber(DomainError):
    """Refused input; the message never repeats what was typed."""


class UnreadableReference(DomainError):
    """A stored reference that this branch's key cannot open (tampered, or another key)."""


def validate(value: str) -> str:
    """The national number as 10 ASCII digits. Arabic-Indic digits and spaces are accepted as
    typed on a kiosk keypad; anything else is refused without echoing the input."""
    if not isinstance(value, str):
        raise InvalidNationalNumber("a national number is exactly 10 digits (0-9)")
    digits = "".join(value.split()).translate(_LOCAL_DIGITS)
    if len(digits) != DIGITS or not (digits.isascii() and digits.isdigit()):
        raise InvalidNationalNumber("a national number is exactly 10 digits (0-9)")
    return digits


class Sealer:
    """Seals and opens national numbers with a key derived from the branch secret."""

    def __init__(self, branch_key: bytes) -> None:
        derived = bytes.fromhex(keyed_hash(branch_key, PURPOSE, "v1"))  # 32 bytes
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def for_home(cls, home: Path | None = None) -> Sealer:
        """The sealer of this branch (`TABOUR_HOME`, or `home`); creates the secret if absent."""
        from branch.audit import chain_key

        return cls(chain_key(home))

    def seal(self, national_number: str) -> str:
        """Validate and seal; the token is what `Ticket.national_ref` stores."""
        return self._fernet.encrypt(validate(national_number).encode("ascii")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return validate(self._fernet.decrypt(token.encode("ascii")).decode("ascii"))
        except (InvalidToken, UnicodeError, InvalidNationalNumber):
            raise UnreadableReference(
                "the ticket's national-number reference cannot be read with this branch's key"
            ) from None


def mask(national_number: str) -> str:
    """`******4567`: what a screen may show outside the counter's lookup panel."""
    return "*" * (len(national_number) - 4) + national_number[-4:]
