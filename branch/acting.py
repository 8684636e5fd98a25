"""Who a CLI command acts as: a staff member who proved it with their PIN, or the operator.

`--staff U` (queue commands) and `--as U` (central commands) both come here. The PIN is read
from the terminal without echo, or as one line of standard input when that is not a terminal
(scripts, tests); never from an argument, which would land in shell history and `ps`.
Without a name, the command acts as the branch operator, and the audit names the
operating-system user behind it (`operator@USER`).
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from branch.staff import OPERATOR, Actor, StaffLocked, authenticate

if TYPE_CHECKING:
    from branch.cli import AppContext


def os_user() -> str:
    """The operating-system account running this process (uid if it has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def operator_actor(anonymous: Actor = OPERATOR) -> Actor:
    """`anonymous` (the operator, or the kiosk account) with the OS user named for the audit."""
    return replace(anonymous, operator=f"operator@{os_user()}")


def read_pin(username: str, stream: TextIO | None = None) -> str:
    """One PIN: prompted without echo on a terminal, else one line of `stream` ("" at EOF)."""
    stream = sys.stdin if stream is None else stream
    try:
        if stream.isatty():
            return getpass.getpass(f"PIN for {username}: ").strip()
        return stream.readline().strip()
    except EOFError:
        return ""


def acting_actor(
    app: AppContext, username: str | None, *, anonymous: Actor = OPERATOR, where: str = "cli"
) -> Actor:
    """The actor for a command: `username` signed in with their PIN, else the operator.

    A missing or wrong PIN, an unknown name or a locked one raises `AuthRefused` (exit 4)
    before the command changes anything; the failure itself is counted and audited by
    `branch.staff.authenticate`.
    """
    if username is None:
        return operator_actor(anonymous)
    pin = read_pin(username)
    db = app.migrated_db()
    try:
        with db.write(durable=True) as s:
            return authenticate(s, username, pin, app.clock(), where=f"{where}@{os_user()}")
    except StaffLocked as exc:
        raise exc.shown_in(app.settings.tz) from None
