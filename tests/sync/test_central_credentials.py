"""Where the client finds central and its credentials, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from branch.errors import ConfigError
from branch.settings import CentralSettings
from sync.client import central_urls, load_token


def test_urls_from_settings_and_environment() -> None:
    s = CentralSettings(base_url="https://ssc.example.jo/", naf_url="https://naf.example.jo")
    urls = central_urls(s, {})
    assert urls == {
        "ssc": "https://ssc.example.jo",
        "naf": "https://naf.example.jo",
        "housing": "https://ssc.example.jo",
    }
    assert (
        central_urls(s, {"TABOUR_CENTRAL_URL": "http://127.0.0.1:9"})["ssc"] == "http://127.0.0.1:9"
    )


def test_plain_http_only_on_loopback() -> None:
    s = CentralSettings(base_url="http://central.example.jo")
    with pytest.raises(ConfigError, match="https"):
        central_urls(s, {})
    assert central_urls(s, {"TABOUR_CENTRAL_ALLOW_HTTP": "1"})["ssc"].startswith("http://")
    with pytest.raises(ConfigError, match="not an http"):
        central_urls(CentralSettings(base_url="ftp://x"), {})


def test_token_from_env_or_private_file(tmp_path: Path) -> None:
    assert load_token(CentralSettings(), {"TABOUR_CENTRAL_TOKEN": "abc123"}) == "abc123"
    assert load_token(CentralSettings(), {}) is None
    f = tmp_path / "central.token"
    f.write_text("# issued 2026-01\nsecret-token-1\n", encoding="utf-8")
    f.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_token(CentralSettings(credentials_file=str(f)), {})
    f.chmod(0o600)
    assert load_token(CentralSettings(credentials_file=str(f)), {}) == "secret-token-1"
    with pytest.raises(ConfigError, match=r"not found|No such"):
        load_token(CentralSettings(credentials_file=str(tmp_path / "nope")), {})
    with pytest.raises(ConfigError, match="printable ASCII"):
        load_token(CentralSettings(), {"TABOUR_CENTRAL_TOKEN": "a b"})
