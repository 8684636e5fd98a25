"""The branch secret: one random key per branch, kept in `TABOUR_HOME` with mode 0600.

It keys what must not be forgeable or reversible without it: the audit chain's HMAC, and the
hashes that stand in for national numbers (snapshot keys, the kiosk's captured reference).
A 10-digit number has only 10^10 values, so a plain SHA-256 of it is reversed in minutes;
an HMAC under a key the attacker does not hold is not. `tabour init` creates it; any process
that finds none creates it the same way (O_EXCL, so two processes starting together agree).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from branch.errors import ConfigError

SECRET_FILE = "branch.secret"
_KEY_BYTES = 32


def secret_path(home: Path) -> Path:
    return home / SECRET_FILE


def load_or_create(home: Path) -> bytes:
    """The branch's key, created (mode 0600) if this home has none yet."""
    path = secret_path(home)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)  # another process created it first: use theirs
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key


def _read(path: Path) -> bytes:
    raw = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) != _KEY_BYTES:
        if not raw:  # a creator is between open() and write(): not a corrupt file
            raise FileNotFoundError(path)
        raise ConfigError(path, "(file)", f"not a branch secret ({_KEY_BYTES * 2} hex digits)")
    return key


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` for one purpose (hex). Different purposes never collide."""
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


__all__ = ["SECRET_FILE", "keyed_hash", "load_or_create", "secret_path"]
