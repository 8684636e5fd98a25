"""Errors a user can cause. Each carries one clear line; the CLI prints it and exits."""

from __future__ import annotations

from pathlib import Path


class TabourError(Exception):
    """Base of every error shown to a user as one line."""

    exit_code = 1


class ConfigError(TabourError):
    exit_code = 2

    def __init__(self, source: Path | str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = str(source), key, problem
        super().__init__(f"config error in {source}: {key}: {problem}")


class DomainError(TabourError):
    """An operation the queue rules do not allow (bad transition, unknown service, ...)."""


class NotFound(DomainError):
    pass


class NothingWaiting(DomainError):
    exit_code = 3


class PermissionDenied(DomainError):
    exit_code = 4


class DatabaseBusy(TabourError):
    exit_code = 5


class DatabaseNotReady(TabourError):
    exit_code = 6


class DatabaseUnreachable(TabourError):
    """The database server or file cannot be reached (not: reached but not migrated)."""

    exit_code = 10
