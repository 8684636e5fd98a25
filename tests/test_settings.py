from __future__ import annotations

import pytest

from branch.errors import ConfigError
from branch.settings import demo_config_text, load_settings, parse_config


def test_demo_config_has_every_service_and_a_special_counter() -> None:
    cfg = parse_config(demo_config_text(), "demo")
    codes = {s.code for s in cfg.services}
    assert codes == {
        "CONTRIB",
        "INQUIRY",
        "RETIRE",
        "UNEMP",
        "MATERN",
        "INJURY",
        "NAF",
        "HEALTH",
        "HOUSING",
        "COMPLAINT",
    }
    special = {s.code for s in cfg.services if s.special}
    assert special == {"NAF", "HEALTH", "HOUSING"}
    assert any(set(c.services) <= special for c in cfg.counters)
    assert 7 <= len(cfg.counters) <= 10


@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        (('services = ["NAF"', 'services = ["NAFX"'), "counters[number=8].services", "NAFX"),
        (('prefix = "B"', 'prefix = "bb"'), "services[code=INQUIRY].prefix", "pattern"),
        (('prefix = "B"', 'prefix = "A"'), "services[code=INQUIRY].prefix", "already used"),
        (('timezone = "Asia/Amman"', 'timezone = "Mars/Olympus"'), "branch.timezone", "time zone"),
        (("target_wait_min = 15", "target_wait_min = -3"), "target_wait_min", "greater than"),
        (("[ui]", "[ui]\ncolour = 'red'"), "ui.colour", "unknown key"),
        (("[branch]", "[branch"), "(syntax)", "line"),
    ],
)
def test_bad_config_names_file_key_and_problem(
    edit: tuple[str, str], key: str, problem: str
) -> None:
    text = demo_config_text().replace(*edit, 1)
    with pytest.raises(ConfigError) as info:
        parse_config(text, "/etc/tabour/branch.toml")
    msg = str(info.value)
    assert msg.startswith("config error in /etc/tabour/branch.toml: ")
    assert key in msg and problem in msg
    assert "\n" not in msg


def test_partial_and_missing_files(tmp_path, monkeypatch) -> None:
    path = tmp_path / "branch.toml"
    path.write_text(demo_config_text()[:400], encoding="utf-8")
    monkeypatch.setenv("TABOUR_CONFIG", str(path))
    with pytest.raises(ConfigError, match=r"branch\.toml"):
        load_settings()
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings()
    path.unlink()
    with pytest.raises(ConfigError, match="tabour init"):
        load_settings()


def test_environment_overrides(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TABOUR_HOME", str(tmp_path))
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text(demo_config_text(), encoding="utf-8")
    monkeypatch.setenv("TABOUR_CONFIG", str(cfg))
    monkeypatch.delenv("TABOUR_DATABASE_URL", raising=False)
    s = load_settings()
    assert s.config_path == cfg
    assert s.database_url == f"sqlite:///{tmp_path / 'tabour.db'}"
    monkeypatch.setenv("TABOUR_DATABASE_URL", "postgresql+psycopg://x@h/db")
    assert load_settings().database_url == "postgresql+psycopg://x@h/db"
