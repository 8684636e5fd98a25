"""A refusal from the engine as one line in the screen's language.

The engine raises `DomainError`s with one English line (the CLI prints them). The counter
screen shows the same line in Arabic by matching the engine's wording to a msgid with named
values; a line not matched stays English (still one line, never a traceback).
"""

from __future__ import annotations

import re

from branch.errors import TabourError
from branch.i18n import gettext
from branch.staff import AuthRefused

_CODE = r"(?P<code>[A-Z]\d{3})"
_N = r"(?P<n>\d+)"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (rf"nothing is waiting for counter {_N}", "nothing is waiting for counter {n}"),
    (rf"counter {_N} is paused; resume it before calling",
     "counter {n} is paused; resume it before calling"),
    (rf"counter {_N} still has {_CODE} \((?P<status>\w+)\); finish it, mark it no-show or "
     "transfer it first", "counter {n} still has {code}; finish it, mark it no-show or transfer it first"),
    (rf"counter {_N} still has {_CODE} \((?P<status>\w+)\); finish, park or transfer it before "
     "closing the counter", "counter {n} still has {code}; finish, park or transfer it first"),
    (rf"counter {_N} has no called ticket to (?P<action>.+)", "counter {n} has no called ticket"),
    (rf"{_CODE} was recalled (?P<k>\d+) times already; mark it no-show",
     "{code} was recalled {k} times already; mark it no-show"),
    (rf"{_CODE} is already being served at counter {_N}", "{code} is already being served"),
    (rf"{_CODE} is being served; finish it instead", "{code} is being served; finish it instead"),
    (rf"{_CODE} is not waiting: it is (?P<status>\w+).*", "{code} is not waiting"),
    (rf"{_CODE} is not parked: it is (?P<status>\w+)", "{code} is not parked"),
    (r"no ticket (?P<code>\S+) today", "no ticket {code} today"),
    (rf"{_CODE} was sent to counter {_N}", "{code} was sent to counter {n}"),
    (rf"counter {_N} does not serve (?P<service>\w+)(; transfer the ticket| today.*)",
     "counter {n} does not serve {service}"),
    (rf"counter {_N} is (?P<status>\w+); cannot (?P<verb>.+) it", "counter {n} is {status}"),
    (rf"counter {_N} is held by (?P<user>\S+); they must sign out first",
     "counter {n} is held by {user}; they must sign out first"),
    (rf"(?P<user>\S+) is signed in at counter {_N}; sign out there first",
     "{user} is signed in at counter {n}; sign out there first"),
    (rf"the ticket is already at counter {_N}", "the ticket is already at counter {n}"),
    (r"(?P<user>\S+) \((?P<role>\w+)\) may not (?P<action>.+); needs (?P<need>\w+)",
     "your role may not do this; it needs {need}"),
    (rf"{_CODE} was parked at counter {_N}.*", "{code} was parked at counter {n}; only there, or a supervisor, can take it back"),
    (r"unknown service '(?P<service>[^']*)'.*", "unknown service {service}"),
]  # fmt: skip
_COMPILED = [(re.compile(f"^{p}$"), msgid) for p, msgid in _PATTERNS]


def refusal_line(error: BaseException, lang: str) -> str:
    """One line saying why, in `lang`."""
    if isinstance(error, AuthRefused):
        return error.in_lang(lang)
    if not isinstance(error, TabourError):
        return gettext("something went wrong: {error}", lang).format(error=type(error).__name__)
    line = " ".join(str(error).split())
    for pattern, msgid in _COMPILED:
        m = pattern.match(line)
        if m:
            values = {k: v for k, v in m.groupdict().items() if v is not None}
            values.setdefault("status", "")
            values["status"] = gettext(values["status"], lang)
            return gettext(msgid, lang).format(**values)
    return line


__all__ = ["refusal_line"]
