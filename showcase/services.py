"""What the demo runs beside its screens: the sandbox central server and the outbox relay (each
a `tabour` child process), and the list of what the virtual printers printed.

Children run in sessions of their own, so a Ctrl+C typed in the terminal reaches only the demo,
which then stops them in order (SIGTERM, then SIGKILL after a grace period) and waits for
them: when the demo returns, nothing it started is left. On Linux a child is also told to die
with the demo (`PR_SET_PDEATHSIG`), so even a demo killed outright leaves no orphan behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

DEFAULT_CENTRAL_PORT = 8765  # the demo branch's `[central] base_url`


def _load_prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl() if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: only a call through a ready function pointer
    (nothing that could take a lock another thread of the demo held at the fork)."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Child:
    """One `tabour ...` child process, its output in a log file."""

    name: str
    args: list[str]
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "branch", *self.args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                preexec_fn=_die_with_parent if _PRCTL is not None else None,
            )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace_s: float = 10.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()


@dataclass
class Services:
    """The sandbox central and the relay for one demo run."""

    home: Path
    env: dict[str, str]
    seed: int = 7
    children: list[Child] = field(default_factory=list)
    central_url: str = ""
    problems: list[str] = field(default_factory=list)

    def start(self, wait_s: float = 60.0, relay: bool = True) -> None:
        """Start the sandbox (on the config's port when free, else any) and the relay pointed
        at it, without waiting: the screens come up while the sandbox seeds its data (the
        relay and the counter treat central as down until it answers, as they would in a
        branch). A thread notes a sandbox that does not answer within `wait_s`; that is not
        fatal either: the branch works offline, which is part of what the demo shows."""
        port = DEFAULT_CENTRAL_PORT if port_is_free(DEFAULT_CENTRAL_PORT) else free_port()
        self.central_url = f"http://127.0.0.1:{port}"
        self.env["TABOUR_CENTRAL_URL"] = self.central_url
        logs = self.home / "demo-logs"
        sandbox = Child(
            "sandbox",
            ["sandbox", "--port", str(port), "--seed", str(self.seed), "--contributors", "500"],
            logs / "sandbox.log",
            dict(self.env),
        )
        sandbox.start()
        self.children.append(sandbox)
        if relay:
            relayer = Child("relay", ["sync"], logs / "relay.log", dict(self.env))
            relayer.start()
            self.children.append(relayer)

        def watch() -> None:
            if not self._wait_healthy(sandbox, wait_s):
                self.problems.append(f"the sandbox central did not answer (see {sandbox.log})")

        threading.Thread(target=watch, name="tabour-demo-central", daemon=True).start()

    def _wait_healthy(self, child: Child, wait_s: float) -> bool:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and child.running:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.central_url}/v1/health", timeout=1).status_code == 200:
                    return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        for child in reversed(self.children):  # the relay first, then central
            child.stop()

    def pids(self) -> list[int]:
        return [c.proc.pid for c in self.children if c.proc is not None]


@dataclass(frozen=True)
class Printed:
    """One job a virtual printer printed: the PNG and what it was."""

    path: Path
    printer: str  # "kiosk", or the counter number of a receipt printer
    label: str  # the job's label, from the file name (a ticket code, "receipt", ...)

    def printer_title(self, t: Callable[[str], str] = lambda m: m) -> str:
        """The printer's name through the translator `t`."""
        if self.printer == "kiosk":
            return t("Kiosk printer")
        return t("Receipts, counter {n}").format(n=self.printer)


class PrintedList:
    """The PNGs the branch's virtual printers produced since the demo started."""

    def __init__(self, home: Path, printers: dict[str, str]) -> None:
        """`printers`: "kiosk" or a counter number -> device spec; only `virtual:DIR` ones
        are watched."""
        self.dirs: dict[str, Path] = {}
        for name, spec in printers.items():
            if spec.startswith("virtual:"):
                target = Path(spec.removeprefix("virtual:").split("?", 1)[0]).expanduser()
                self.dirs[name] = target if target.is_absolute() else home / target
        self._before = {p for d in self.dirs.values() for p in _pngs(d)}

    def new(self) -> list[Printed]:
        """Jobs printed since the demo started, oldest first."""
        out = []
        for name, d in self.dirs.items():
            for p in _pngs(d):
                if p not in self._before:
                    label = p.stem.split("-", 1)[1] if "-" in p.stem else p.stem
                    out.append(Printed(p, name, label))
        return sorted(out, key=lambda x: (x.path.stat().st_mtime if x.path.exists() else 0, x.path))


def _pngs(directory: Path) -> list[Path]:
    try:
        return sorted(directory.glob("*.png"))
    except OSError:
        return []
