"""`tabour report` in each format and language, and `tabour simulate`'s determinism."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from branch.db import Database
from branch.i18n import gettext, rtl
from branch.settings import load_settings
from tests.support.stats_days import constructed_day

ROOT = Path(__file__).resolve().parents[1]


def tabour(home: Path, *args: str, pin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("TABOUR_CONFIG", None)
    env.pop("TABOUR_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "branch", *args], capture_output=True, text=True, env=env,
        timeout=300, input=pin + "\n" if pin else "",
    )  # fmt: skip


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def one_line_error(proc: subprocess.CompletedProcess, code: int, needle: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert needle in proc.stderr
    assert proc.stdout == ""


@pytest.fixture
def home_with_day(branch_home: Path) -> Path:
    ok(tabour(branch_home, "init", "--demo"))
    settings = load_settings({"TABOUR_HOME": str(branch_home)})
    db = Database(settings.database_url)
    constructed_day(db, settings.config)
    db.dispose()
    return branch_home


def test_json_report_by_service(home_with_day: Path) -> None:
    out = json.loads(ok(tabour(home_with_day, "report", "day", "--date", "2026-11-22",
                               "--by", "service", "--format", "json")))  # fmt: skip
    assert (out["from"], out["to"], out["timezone"]) == ("2026-11-22", "2026-11-22", "Asia/Amman")
    assert out["totals"]["issued"] == 6 and out["totals"]["walk_outs"] == 2
    by = {g["key"]["service"]: g for g in out["groups"]}
    assert by["CONTRIB"]["avg_wait_s"] == 800.0
    assert by["RETIRE"]["within_target_share"] == 1.0


def test_csv_report_by_counter_has_a_total_row(home_with_day: Path) -> None:
    text = ok(tabour(home_with_day, "report", "range", "--from", "2026-11-21", "--to",
                     "2026-11-22", "--by", "counter", "--format", "csv"))  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["counter"] for r in rows] == ["1", "3", "4", "", "total"]
    assert rows[-1]["issued"] == "6" and rows[-1]["no_shows"] == "1"
    assert rows[2]["idle_s"] == "0.0"


def test_txt_report_in_english_and_arabic(home_with_day: Path) -> None:
    en = ok(tabour(home_with_day, "report", "day", "--date", "2026-11-22", "--by", "hour",
                   "--format", "txt", "--lang", "en"))  # fmt: skip
    assert "Queue report · 2026-11-22 · Asia/Amman" in en
    assert "01:00" in en and "09:00" in en and "Walk-outs" in en
    ar = ok(tabour(home_with_day, "report", "day", "--date", "2026-11-22", "--by", "hour",
                   "--format", "txt", "--lang", "ar"))  # fmt: skip
    assert rtl(gettext("Queue report", "ar")) in ar
    assert rtl(gettext("Walk-outs", "ar")) in ar
    header = next(line for line in ar.splitlines() if rtl(gettext("Hour", "ar")) in line)
    # mirrored: the grouping column is the last (rightmost) one
    assert header.rstrip(" ┃").endswith(rtl(gettext("Hour", "ar")))


def test_a_clerk_may_not_read_reports(home_with_day: Path) -> None:
    one_line_error(tabour(home_with_day, "report", "day", "--staff", "sara", pin="1111"), 4, "read reports")
    ok(tabour(home_with_day, "report", "day", "--staff", "lina", "--format", "json", pin="3333"))


def test_bad_report_input_is_one_line(home_with_day: Path) -> None:
    one_line_error(tabour(home_with_day, "report", "day", "--date", "22/11/2026"), 2, "--date")
    one_line_error(
        tabour(home_with_day, "report", "range", "--from", "2026-11-22", "--to", "2026-11-01"),
        1, "before it starts",
    )  # fmt: skip
    one_line_error(tabour(home_with_day, "report", "day", "--by", "mood"), 1, "unknown grouping")


def test_simulation_is_byte_identical_for_a_seed(branch_home: Path) -> None:
    args = ("simulate", "--arrivals", "lunch-peak", "--days", "1", "--seed", "5", "--json")
    first = ok(tabour(branch_home, *args))
    assert ok(tabour(branch_home, *args)) == first
    out = json.loads(first)
    est = out["estimate"]
    assert est["tickets"] > 100
    assert {"mae_s", "naive_mae_s", "mean_wait_s"} <= set(est)
    assert est["mae_s"] < est["naive_mae_s"]
    assert {s["service"] for s in out["services"]} >= {"CONTRIB", "INQUIRY"}
    other = ok(tabour(branch_home, *args[:-2], "6", "--json"))
    assert other != first


def test_simulation_text_and_bad_profiles(branch_home: Path, tmp_path: Path) -> None:
    text = ok(tabour(branch_home, "simulate", "--counters", "1,2,3", "--lang", "en"))
    assert "Simulation · default · days 1 · seed 1 · counters 1,2,3" in text
    assert "Naive estimate" in text
    bad = tmp_path / "bad.toml"
    bad.write_text('[service_time]\nCONTRIB = { mean_min = 5 }\n[arrivals]\n8 = { NOPE = 3 }\n')
    one_line_error(tabour(branch_home, "simulate", "--arrivals", str(bad)), 2, "arrivals.8.NOPE")
    one_line_error(tabour(branch_home, "simulate", "--counters", "1,99"), 2, "number=99")
