"""How the dashboard writes times, shares and sources (the same in both languages: digits)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from branch.clock import as_utc
from branch.settings import BranchConfig

DASH = "-"


def duration(seconds: float | None) -> str:
    """`m:ss`, or `h:mm:ss` from an hour; `-` when there is nothing to measure."""
    if seconds is None:
        return DASH
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def share(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.0f}%"


def clock_time(value: datetime | None, tz: ZoneInfo) -> str:
    return DASH if value is None else as_utc(value).astimezone(tz).strftime("%H:%M")


def service_name(config: BranchConfig, code: str, lang: str) -> str:
    try:
        svc = config.service(code)
    except KeyError:
        return code
    return svc.name_ar if lang == "ar" else svc.name_en


def prefixes(config: BranchConfig, codes: tuple[str, ...] | list[str]) -> str:
    """A counter's services as their ticket letters (`A B K`): short enough for a table."""
    out = []
    for code in codes:
        try:
            out.append(config.service(code).prefix)
        except KeyError:
            out.append(code)
    return " ".join(out)
