"""Printer-side errors a user or an installer can cause, each one line with an exit code."""

from __future__ import annotations

from branch.errors import TabourError


class PrinterError(TabourError):
    """Base of the printer package's user-facing errors (a device that cannot be used).

    Exit 9: 7 means "central unreachable" across every command."""

    exit_code = 9


class UnknownProfile(PrinterError):
    exit_code = 2


class FontUnavailable(PrinterError):
    exit_code = 2


class BadDeviceSpec(PrinterError):
    exit_code = 2


class DeviceUnavailable(PrinterError):
    """The device cannot be opened or stopped answering (unplugged, wrong path, refused)."""


class UnsupportedCommand(PrinterError):
    """The virtual printer met bytes outside the ESC/POS subset Tabour emits."""


class WriteTimedOut(DeviceUnavailable):
    """The device stopped taking bytes (flow control held, buffer full, cable pulled)."""
