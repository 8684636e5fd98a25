"""Money as the kiosk shows it: Jordanian dinars with three decimals, Latin digits."""

from __future__ import annotations


def fee_text(fils: int) -> str:
    """`JD 5.000` (1 JD = 1,000 fils); the same in both languages, so it reads alike."""
    return f"JD {fils // 1000}.{fils % 1000:03d}"


__all__ = ["fee_text"]
