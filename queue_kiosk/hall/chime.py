"""The chime: an operator-chosen command run on each call and recall, never waited on.

`[hall] chime = ["paplay", "/usr/share/sounds/freedesktop/stereo/bell.oga"]` plays a sound;
any command works (a script that speaks the call offline, a GPIO bell). It is started in the
background and reaped by a daemon thread; the board never waits for it. A command that cannot
start (missing, not executable) is logged once, in one line, and the board carries on.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)


class Chime:
    def __init__(self, command: Sequence[str], timeout_s: float = 30.0) -> None:
        self.command = list(command)
        self.timeout_s = timeout_s
        self.started = 0  # commands started, for tests and diagnostics
        self.failed = 0
        self._reported: set[str] = set()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.command)

    def ring(self) -> None:
        """Start the command in the background; returns at once."""
        if self.command:
            threading.Thread(target=self._run, name="tabour-chime", daemon=True).start()

    def _run(self) -> None:
        try:
            proc = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            with self._lock:
                self.failed += 1
                first = exc.__class__.__name__ not in self._reported
                self._reported.add(exc.__class__.__name__)
            if first:
                log.warning("chime: cannot run %s: %s", self.command[0], exc.strerror or exc)
            return
        with self._lock:
            self.started += 1
        try:
            proc.wait(self.timeout_s)
        except subprocess.TimeoutExpired:
            log.warning(
                "chime: %s still running after %.0f s; stopped", self.command[0], self.timeout_s
            )
            proc.kill()
            proc.wait()


__all__ = ["Chime"]
