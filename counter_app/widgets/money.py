"""Amounts and times as the counter's central panels show them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def money(fils: int, lang: str) -> str:
    """`12.345 JD` / `12.345 دينار`: three decimals (fils), digits stay Latin."""
    sign = "-" if fils < 0 else ""
    fils = abs(fils)
    amount = f"{sign}{fils // 1000:,}.{fils % 1000:03d}"
    return f"{amount} دينار" if lang == "ar" else f"{amount} JD"


def local_time(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


__all__ = ["local_time", "money"]
