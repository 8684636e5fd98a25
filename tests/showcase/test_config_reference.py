"""docs/configuration.md is generated from the settings model and must match it."""

from __future__ import annotations

from pathlib import Path
from typing import get_args, get_origin

from pydantic import BaseModel

from branch.config_reference import markdown, sections
from branch.settings import BranchConfig
from tests.support.cli import one_line_error, tabour

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "configuration.md"
REGENERATE = "python3 dev.py tabour config reference --output docs/configuration.md"


def test_committed_reference_is_up_to_date() -> None:
    assert PAGE.read_text(encoding="utf-8") == markdown(), (
        f"docs/configuration.md is stale (the settings model changed): run `{REGENERATE}`"
    )


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model a field holds directly or as the items of a list or table, if any."""
    while get_origin(annotation) is not None and get_args(annotation):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[-1]
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _leaf_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for name, info in model.model_fields.items():
        child = _model_in(info.annotation)
        path = f"{prefix}.{name}" if prefix else name
        out |= _leaf_keys(child, path) if child else {path}
    return out


def test_every_key_of_the_model_is_documented_with_its_default() -> None:
    documented = {f"{s.path}.{k.name}" if s.path else k.name: k for s in sections() for k in s.keys}
    assert set(documented) == _leaf_keys(BranchConfig)
    timeout = documented["database.busy_timeout_ms"]
    assert (timeout.type, timeout.default) == ("integer", "`10_000`")
    assert '`"app"`, `"terminal"`' in documented["ui.bidi"].allowed
    assert documented["branch.code"].default == "required"
    assert "matches" in documented["services.prefix"].allowed


def test_cli_prints_the_same_page_and_checks_a_config(tmp_path: Path) -> None:
    out = tabour(tmp_path, "config", "reference")
    assert out.returncode == 0, out.stderr
    assert out.stdout == markdown()
    assert tabour(tmp_path, "init").returncode == 0
    ok = tabour(tmp_path, "config", "check")
    assert ok.returncode == 0 and "ok (branch AMM-ABDALI" in ok.stdout, ok.stderr
    toml = tmp_path / "branch.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('bidi = "app"', 'bidi = "rtl"'))
    one_line_error(tabour(tmp_path, "config", "check"), 2, "ui.bidi")


def test_a_commented_field_nobody_described_gets_its_comment() -> None:
    from branch.config_reference import DESCRIPTIONS, _describe, _field_comments

    comments = _field_comments("KioskSettings")
    assert "issue" in comments["no_open_counter"] and "refuse" in comments["no_open_counter"]
    path = "kiosk.no_open_counter"
    saved = DESCRIPTIONS.pop(path)
    try:
        assert _describe(path, "KioskSettings", None, None) == comments["no_open_counter"]
    finally:
        DESCRIPTIONS[path] = saved
