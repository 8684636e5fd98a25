"""Durations as the counter shows them: `mm:ss`, or `h:mm:ss` past an hour."""

from __future__ import annotations


def duration(seconds: int) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


__all__ = ["duration"]
