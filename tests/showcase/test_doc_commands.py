"""Every command the README and the operations guide show exists as written, and the ones
that can run unattended do run (in a throwaway branch, central being a loopback sandbox).

`python3 dev.py run`, the README's first command, is run under tmux by
`test_readme_first_command.py`; `python3 dev.py test`, its second, is what CI runs
(`.ci/run`). See `doc_commands.py` for how a line is read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.showcase.doc_commands import DocCommand, check, parse_page, unattended, variants
from tests.support.cli import tabour, tabour_env

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("README.md", "docs/operations.md")


def _page(name: str) -> tuple[list[DocCommand], list]:
    return parse_page(name, (ROOT / name).read_text(encoding="utf-8"))


ALL = [c for name in PAGES for c in _page(name)[0]]


@pytest.mark.parametrize("cmd", ALL, ids=[f"{c.page}:{c.line_no}" for c in ALL])
def test_command_exists_as_written(cmd: DocCommand) -> None:
    found = variants(cmd)
    assert found, cmd.where()
    for args in found:
        try:
            check(args)
        except AssertionError as exc:
            raise AssertionError(f"{cmd.where()}\n  {exc}") from None


def test_readme_shows_exactly_two_quick_start_commands_and_ci_runs_the_second() -> None:
    _, others = _page("README.md")
    assert [o.line for o in others] == ["python3 dev.py run", "python3 dev.py test"]
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _reroot(args: tuple[str, ...], tmp: Path) -> list[str]:
    """System paths of the examples (`/var/backups/...`) land in the test's folder."""
    return [
        str(tmp / a.lstrip("/")) if a.startswith(("/var/", "/etc/", "/opt/")) else a for a in args
    ]


@pytest.mark.slow
def test_concrete_commands_run(tmp_path: Path, small_sandbox: str) -> None:
    """Each page's runnable commands, in page order, in a branch of its own: exit 0 each."""
    ran, failures = 0, []
    for name in PAGES:
        home = tmp_path / Path(name).stem
        env = {"TABOUR_CENTRAL_URL": small_sandbox}
        init = tabour(home, "init", "--demo", **env)
        assert init.returncode == 0, init.stderr
        for cmd in _page(name)[0]:
            if not unattended(cmd):
                continue
            proc = subprocess.run(
                [sys.executable, "-m", "branch", *_reroot(cmd.args, tmp_path)],
                input=cmd.stdin or "",
                capture_output=True,
                text=True,
                env=tabour_env(home, **env),
                cwd=tmp_path,
                timeout=180,
            )
            ran += 1
            if proc.returncode != 0 or "Traceback" in proc.stderr:
                failures.append(f"{cmd.where()}\n  exit {proc.returncode}: {proc.stderr.strip()}")
    assert not failures, "\n".join(failures)
    assert ran >= 20, ran
