"""Every command the README and the operations guide show exists as written, and the ones
that can run unattended do run (in a throwaway branch, central being a loopback sandbox).

`python3 dev.py run`, the README's first command, is run under tmux by
`test_readme_first_command.py`; `python3 dev.py test`, its second, is what CI runs
(`.ci/run`). See `doc_commands.py` for how a line is read.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.showcase.doc_commands import (
    DocCommand,
    OtherCommand,
    check,
    parse_page,
    unattended,
    variants,
)

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("README.md", "docs/operations.md", "docs/showcase.md", "docs/configuration.md")


def _page(name: str, inline: bool = True) -> tuple[list[DocCommand], list[OtherCommand]]:
    return parse_page(name, (ROOT / name).read_text(encoding="utf-8"), inline)


ALL = [c for name in PAGES for c in _page(name)[0]]
DEV = re.compile(r"^python3 dev\.py (run|test|lint|bench)\b(.*)$")


@pytest.mark.parametrize("cmd", ALL, ids=[f"{c.page}:{c.line_no}" for c in ALL])
def test_command_exists_as_written(cmd: DocCommand) -> None:
    found = variants(cmd)
    assert found, cmd.where()
    for args in found:
        try:
            check(args)
        except AssertionError as exc:
            raise AssertionError(f"{cmd.where()}\n  {exc}") from None


def test_readme_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    _, others = parse_page("README.md", quick)
    assert [o.line for o in others] == ["python3 dev.py run", "python3 dev.py test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 dev.py test" in ci and "python3 dev.py lint" in ci


@pytest.mark.parametrize("page", PAGES)
def test_every_other_dev_py_command_exists(page: str) -> None:
    """`python3 dev.py run|test|lint|bench NAME`: the sub-command exists, a benchmark's file too."""
    for other in _page(page)[1]:
        if not other.line.startswith("python3 dev.py"):
            continue
        m = DEV.match(other.line)
        assert m, f"{page}:{other.line_no}: dev.py has no such command: {other.line}"
        if m.group(1) == "bench":
            name = m.group(2).split()[0]
            assert (ROOT / "bench" / f"{name}.py").exists(), other.line


def _reroot(args: tuple[str, ...], tmp: Path) -> list[str]:
    """System paths of the examples (`/var/backups/...`) land in the test's folder."""
    return [
        str(tmp / a.lstrip("/")) if a.startswith(("/var/", "/etc/", "/opt/")) else a for a in args
    ]


def _morning(home: Path) -> None:
    """23 tickets waiting for CONTRIB, so the pages' `A023` exists."""
    from branch.db import Database
    from branch.settings import load_settings
    from queue_kiosk.engine import QueueEngine

    settings = load_settings()
    db = Database(settings.database_url)
    engine = QueueEngine(db, settings.config)
    for _ in range(23):
        engine.issue("CONTRIB", "normal", "en")
    db.dispose()


def test_concrete_commands_run(
    tmp_path: Path,
    small_sandbox: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each page's runnable commands, in page order, in a branch of its own: exit 0 each.

    They run through the CLI's own entry point (`branch.cli.main`) in this process: the same
    parsing, settings, database and exit status as `tabour`, without paying a Python start-up
    per command (the CLI's process contract is tested in tests/test_cli_honesty.py). Each
    distinct command runs once per page."""
    from branch.cli import main

    for var in ("TABOUR_CONFIG", "TABOUR_DATABASE_URL", "TABOUR_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TABOUR_CENTRAL_URL", small_sandbox)
    ran, failures = 0, []
    for name in PAGES:
        home = tmp_path / Path(name).stem
        home.mkdir()
        monkeypatch.setenv("TABOUR_HOME", str(home))
        monkeypatch.chdir(home)
        assert main(["init", "--demo"]) == 0
        _morning(home)
        done: set[tuple[tuple[str, ...], str | None]] = set()
        for cmd in _page(name)[0]:
            if not unattended(cmd) or (cmd.args, cmd.stdin) in done:
                continue
            done.add((cmd.args, cmd.stdin))
            capsys.readouterr()
            monkeypatch.setattr("sys.stdin", io.StringIO(cmd.stdin or ""))
            rc = main(_reroot(cmd.args, home))
            out = capsys.readouterr()
            ran += 1
            if rc != 0 or "Traceback" in out.err:
                failures.append(f"{cmd.where()}\n  exit {rc}: {out.err.strip()}")
    assert not failures, "\n".join(failures)
    assert ran >= 20, ran
