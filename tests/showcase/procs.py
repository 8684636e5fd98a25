"""Which processes are still around for a branch home (Linux: read from /proc)."""

from __future__ import annotations

import os
from pathlib import Path


def with_home(home: Path) -> list[tuple[int, str]]:
    """(pid, command line) of every process whose environment has `TABOUR_HOME=home`."""
    needle = f"TABOUR_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
            if needle in env:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                stat = (entry / "stat").read_text()
                if stat.rsplit(")", 1)[1].split()[0] != "Z":  # a zombie is already gone
                    found.append((int(entry.name), cmd.strip()))
        except OSError:
            continue
    return found
