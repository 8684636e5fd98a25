#!/usr/bin/env python3
"""Bootstrap a private virtual environment and run Tabour from it.

Only Python 3.11+ is needed: `python3 dev.py run` starts the demo branch,
`python3 dev.py test` runs the tests. The environment lives in `.venv/` and is
reinstalled when `pyproject.toml` changes. `run` and `tabour` keep the branch's
state in `var/` beside this file unless `TABOUR_HOME` says otherwise (a relative
`TABOUR_HOME` is taken from the directory you run in).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".tabour-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
DEFAULT_HOME = ROOT / "var"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py must explain itself on old Pythons
        sys.exit(f"Tabour needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print("creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("installing Tabour and its dependencies into .venv ...", file=sys.stderr)
    pip = [str(PY), "-m", "pip", "--disable-pip-version-check", "-q"]
    for step in (["install", "--upgrade", "pip"], ["install", "-e", f"{ROOT}[dev]"]):
        # The build backend's warnings are noise to a newcomer: show pip's output only when
        # the step fails.
        done = subprocess.run([*pip, *step], capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            sys.exit(f"installing into .venv failed (pip {' '.join(step)}); see above")
    STAMP.write_text(_fingerprint())


def branch_env(environ: dict[str, str], cwd: str) -> dict[str, str]:
    """The environment for `run` and `tabour`: TABOUR_HOME defaults to `var/` here, and a
    relative one is made absolute from the caller's directory (the child runs in ROOT)."""
    env = dict(environ)
    home = env.get("TABOUR_HOME")
    env["TABOUR_HOME"] = os.path.join(cwd, home) if home else str(DEFAULT_HOME)
    return env


def _run(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Run a child in ROOT. Ctrl+C reaches the child from the terminal; this parent only waits
    for it to finish (subprocess.call would kill it mid-cleanup and print a traceback)."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    child = subprocess.Popen(argv, cwd=ROOT, env=env)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "help"
    rest = argv[1:]
    if cmd not in {"run", "test", "lint", "tabour", "bench"}:
        print(__doc__)
        print("usage: python3 dev.py run|test|lint|bench NAME|tabour ARGS...")
        return 0 if cmd in {"help", "-h", "--help"} else 2
    env, cwd = dict(os.environ), os.getcwd()
    ensure_venv()
    if cmd == "run":
        return _run([str(PY), "-m", "branch", "demo", *rest], branch_env(env, cwd))
    if cmd == "tabour":
        return _run([str(PY), "-m", "branch", *rest], branch_env(env, cwd))
    if cmd == "lint":
        rc = _run([str(PY), "-m", "ruff", "check", "."])
        rc |= _run([str(BIN / "lint-imports")])
        return rc
    if cmd == "bench":
        return _run([str(PY), *(["bench/" + rest[0] + ".py"] if rest else []), *rest[1:]])
    return _run([str(PY), "-m", "pytest", *rest])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # Ctrl+C while .venv is being built
        sys.exit(130)
