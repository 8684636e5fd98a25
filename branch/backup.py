"""A consistent copy of a live SQLite branch database (`tabour db backup`).

Copying `tabour.db` with `cp` while the branch runs can catch a half-written page or miss
what still sits in the WAL file; SQLite's online backup API copies a consistent snapshot
while the front-ends keep writing. The branch secret goes with it: the audit chain and the
snapshot keys cannot be checked or read without the key that made them.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from branch.errors import DomainError
from branch.secret import secret_path


def backup_sqlite(url: str, home: Path, target: Path) -> dict[str, object]:
    """Copy the database at `url` to `target` (a new file) and the branch secret beside it
    as `target.secret` (mode 0600). Refuses PostgreSQL (use `pg_dump`) and an existing target."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        raise DomainError("db backup copies a SQLite file; back PostgreSQL up with pg_dump")
    source = Path(parsed.database).expanduser()
    if not source.exists():
        raise DomainError(f"no database at {source}")
    if target.exists():
        raise DomainError(f"{target} already exists; name a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=1024)
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    target.chmod(0o600)  # it holds what the branch holds
    if check != "ok":
        raise DomainError(f"the copy at {target} failed its integrity check: {check}")
    secret = secret_path(home)
    secret_copy = None
    if secret.exists():
        secret_copy = target.with_name(target.name + ".secret")
        shutil.copyfile(secret, secret_copy)
        secret_copy.chmod(0o600)
    return {
        "database": str(source),
        "backup": str(target),
        "bytes": target.stat().st_size,
        "secret": str(secret_copy) if secret_copy else None,
    }
