"""The `tabour central|payment|sync` commands: JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from branch.cli import main
from branch.db import Database


def tabour(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    try:
        obj = json.loads(out) if "--json" in argv else out
    except json.JSONDecodeError:
        obj = out
    return rc, obj, err


def test_lookup_statement_payment_and_sync(
    sqlite_db: Database, central: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    nn = central.nn(1)
    rc, who, err = tabour(capsys, "central", "lookup", "--national-number", nn, "--json")
    assert rc == 0, err
    assert who["national_number_masked"] == "******" + nn[-4:] and not who["stale"]
    rc, by_ins, _ = tabour(
        capsys, "central", "lookup", "--insurance-number", who["insurance_number"], "--json"
    )
    assert by_ins["contributor_id"] == who["contributor_id"]
    rc, human, _ = tabour(capsys, "central", "lookup", "--national-number", nn)
    assert rc == 0 and who["name_en"] in human and nn not in human
    rc, st, _ = tabour(
        capsys,
        "central",
        "statement",
        "--contributor",
        who["contributor_id"],
        "--from",
        "2024-01",
        "--to",
        "2024-03",
        "--json",
    )
    assert rc == 0 and [x["period"] for x in st["periods"]][:1] in (["2024-01"], [])
    rc, created, err = tabour(
        capsys,
        "payment",
        "create",
        "--national-number",
        nn,
        "--amount-fils",
        "7500",
        "--purpose",
        "voluntary_contribution",
        "--json",
    )
    assert rc == 0, err
    assert {"id", "client_payment_id", "status", "provisional_receipt_no"} <= set(created)
    assert created["status"] == "pending"
    rc, status, _ = tabour(capsys, "sync", "status", "--json")
    assert rc == 0 and status["pending"] == 2 and status["in_flight"] == 0
    assert set(status) >= {"pending", "in_flight", "dead", "oldest_pending_s", "breakers"}
    assert set(status["breakers"]) == {"ssc", "naf", "housing"}
    rc, report, err = tabour(capsys, "sync", "--once", "--json")
    assert rc == 0 and report["delivered"] == 3, err  # create, confirm, the audit head
    assert report["by_kind"] == {"payment.create": 1, "payment.confirm": 1, "audit.head": 1}
    rc, after, _ = tabour(capsys, "payment", "status", str(created["id"]), "--json")
    assert after["status"] == "confirmed" and after["receipt_no"]
    rc, text, _ = tabour(capsys, "payment", "status", created["client_payment_id"])
    assert "confirmed" in text
    rc, naf, _ = tabour(capsys, "central", "naf-check", "--national-number", nn, "--json")
    assert rc == 0 and "eligible" in naf
    rc, housing, _ = tabour(capsys, "central", "housing", "--national-number", nn, "--json")
    assert rc == 0 and "items" in housing


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["central", "lookup", "--national-number", "98612345"], 2, "exactly 10 digits"),
        (
            ["central", "lookup", "--national-number", "9861234567", "--personal-number", "123456"],
            2,
            "exactly one",
        ),
        (["central", "lookup", "--national-number", "0000000001"], 1, "contributor_not_found"),
        (["central", "statement", "--contributor", "C1", "--from", "2024-13"], 2, "YYYY-MM"),
        (["central", "statement", "--contributor", "../../etc"], 2, "contributor id"),
        (
            [
                "payment",
                "create",
                "--national-number",
                "9861234567",
                "--amount-fils",
                "12.5",
                "--purpose",
                "arrears",
            ],
            2,
            "whole number of fils",
        ),
        (
            [
                "payment",
                "create",
                "--national-number",
                "9861234567",
                "--amount-fils",
                "0",
                "--purpose",
                "arrears",
            ],
            2,
            "between 1 and",
        ),
        (
            [
                "payment",
                "create",
                "--national-number",
                "986123456",
                "--amount-fils",
                "10",
                "--purpose",
                "arrears",
            ],
            2,
            "exactly 10 digits",
        ),
        (["payment", "status", "424242"], 1, "no payment"),
        (["sync", "retry", "424242"], 1, "no payment"),
        (
            [
                "payment",
                "create",
                "--contributor",
                "C0070000001",
                "--amount-fils",
                "99999999999999999999",
                "--purpose",
                "arrears",
            ],
            2,
            "amount is too large",
        ),
        (
            [
                "payment",
                "create",
                "--national-number",
                "9861234567",
                "--amount-fils",
                "99999999999999999999",
                "--purpose",
                "arrears",
            ],
            2,
            "amount is too large",
        ),
    ],
)
def test_bad_input_is_one_clear_line(
    sqlite_db: Database,
    central: Any,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    message: str,
) -> None:
    rc, out, err = tabour(capsys, *argv)
    assert rc == code, (out, err)
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    for a in argv:
        if a.isdigit() and len(a) >= 8:
            assert a not in err


def test_central_down_without_a_copy_exits_7(
    sqlite_db: Database, central: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    central.faults(outage=True)
    rc, _, err = tabour(capsys, "central", "lookup", "--national-number", central.nn(3))
    assert rc == 7 and "no copy" in err and err.count("\n") == 1
    rc, report, _ = tabour(capsys, "sync", "--once", "--json")
    assert rc == 0 and report["delivered"] == 0


def test_dead_letters_listed(
    sqlite_db: Database, central: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, created, err = tabour(
        capsys,
        "payment",
        "create",
        "--contributor",
        "C999NOPE",
        "--amount-fils",
        "10",
        "--purpose",
        "arrears",
        "--json",
    )
    assert rc == 0, err
    tabour(capsys, "sync", "--once")
    rc, dead, _ = tabour(capsys, "sync", "dead", "--json")
    assert [d["client_payment_id"] for d in dead["dead"]][:1] == [created["client_payment_id"]]
    rc, status, _ = tabour(capsys, "payment", "status", str(created["id"]), "--json")
    assert status["status"] == "failed" and status["delivery"].startswith("dead")
    rc, _, err = tabour(capsys, "sync", "retry", str(created["id"]))
    assert rc == 0, err
    rc, status, _ = tabour(capsys, "payment", "status", str(created["id"]), "--json")
    assert status["status"] == "pending" and status["delivery"] == "queued"
    rc, _, err = tabour(capsys, "sync", "retry", str(created["id"]))
    assert rc == 1 and "nothing dead to retry" in err


def test_central_unreachable_is_one_line_and_exit_7(
    sqlite_db: Database, sqlite_url: str, branch_home: Any
) -> None:
    """A real process against a port that refuses connections: one line on stderr, exit 7,
    none of the read retries' log lines."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = sock.getsockname()[1]
        env = {
            **os.environ,
            "TABOUR_HOME": str(branch_home),
            "TABOUR_DATABASE_URL": sqlite_url,
            "TABOUR_CENTRAL_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("TABOUR_LOG_LEVEL", None)
        for argv in (
            ["central", "lookup", "--national-number", "9861234567"],
            ["audit", "verify", "--against-central"],
            [
                *("payment", "create", "--national-number", "9861234567"),
                *("--amount-fils", "100", "--purpose", "arrears"),
            ],
        ):
            proc = subprocess.run(
                [sys.executable, "-m", "branch", *argv],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert proc.returncode == 7, (argv, proc.stderr)
            assert proc.stderr.count("\n") == 1 and "be reached" in proc.stderr, (
                argv,
                proc.stderr,
            )
            assert "retry" not in proc.stderr.lower() and "9861234567" not in proc.stderr
