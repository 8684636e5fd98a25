"""`tabour printer …` and `tabour display …` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branch.cli import main


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TABOUR_HOME without branch.toml: printer commands must still work."""
    home = tmp_path / "home"
    monkeypatch.setenv("TABOUR_HOME", str(home))
    monkeypatch.delenv("TABOUR_CONFIG", raising=False)
    return home


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_printer_test_on_a_virtual_device(no_config: Path, tmp_path: Path, capsys) -> None:
    rc, out, err = run(
        capsys, "printer", "test", "--device", f"virtual:{tmp_path}/v", "--lang", "en", "--json"
    )
    assert rc == 0, err
    obj = json.loads(out)
    assert obj["state"] == "printed" and obj["label"] == "A023"
    assert Path(obj["png"]).is_file() and obj["png"].endswith("-A023.png")


def test_printer_test_uses_the_branch_config(branch_home: Path, capsys) -> None:
    rc, out, err = run(capsys, "printer", "test", "--service", "NAF", "--json")
    assert rc == 0, err
    obj = json.loads(out)
    assert obj["label"] == "N023" and obj["device"] == "virtual:printer"
    assert Path(obj["png"]).parent == branch_home / "printer"


def test_printer_test_failure_is_one_line(no_config: Path, tmp_path: Path, capsys) -> None:
    rc, out, err = run(capsys, "printer", "test", "--device", f"virtual:{tmp_path}/v?paper=out")
    assert rc == 8 and out == ""
    assert err.strip() == f"tabour: print failed on virtual:{tmp_path}/v?paper=out: paper out"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--profile", "TM-NOPE"], 2, "unknown printer profile 'TM-NOPE'"),
        (["--device", "parallel:LPT1"], 2, "expected one of serial:"),
        (["--service", "NOPE", "--device", "virtual:x"], 1, "unknown service 'NOPE'"),
    ],
)
def test_printer_test_bad_input(no_config: Path, capsys, argv, code, message) -> None:
    rc, _out, err = run(capsys, "printer", "test", *argv)
    assert rc == code and message in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_render_bytes_file(no_config: Path, tmp_path: Path, capsys) -> None:
    assert run(capsys, "printer", "test", "--device", f"virtual:{tmp_path}/v")[0] == 0
    session = tmp_path / "v" / "session.bin"
    rc, out, err = run(
        capsys, "printer", "render", str(session), "--png", str(tmp_path / "out.png"), "--json"
    )
    assert rc == 0, err
    obj = json.loads(out)
    assert obj["pages"] == 1 and obj["cuts"] == 1 and (tmp_path / "out.png").is_file()
    # a job alone references graphics defined at start-up: rendered after the setup file
    job = next((tmp_path / "v").glob("0002-*.bin"))
    setup = tmp_path / "v" / "0001-setup.bin"
    assert (
        run(capsys, "printer", "render", str(setup), str(job), "--png", str(tmp_path / "o2.png"))[0]
        == 0
    )


def test_render_rejects_garbage_in_one_line(no_config: Path, tmp_path: Path, capsys) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello\x1b\x99")
    rc, _out, err = run(capsys, "printer", "render", str(junk), "--png", str(tmp_path / "x.png"))
    assert rc != 0 and err.count("\n") == 1
    assert err == f"tabour: {junk}: unsupported ESC/POS at byte 5: ESC 0x99\n"


def test_bench_json_and_text(no_config: Path, capsys) -> None:
    rc, out, _ = run(capsys, "printer", "bench", "--json")
    assert rc == 0
    obj = json.loads(out)
    for key in ("first_ticket_bytes", "steady_ticket_bytes", "full_bitmap_bytes"):
        assert isinstance(obj[key], int) and obj[key] > 0
    assert set(obj["wire_s"]["steady_ticket"]) == {"9600", "19200", "38400", "115200"}
    assert obj["all_goals_met"]
    rc, out, _ = run(capsys, "printer", "bench")
    assert rc == 0 and "steady-state ticket" in out and "<= 1000 bytes: ok" in out


def test_printer_status_on_virtual(no_config: Path, tmp_path: Path, capsys) -> None:
    rc, out, _ = run(
        capsys, "printer", "status", "--device", f"virtual:{tmp_path}/s?cover=open", "--json"
    )
    assert rc == 0 and json.loads(out)["problem"] == "printer cover open"


@pytest.mark.parametrize("drv", ["epson", "cd5220"])
def test_display_test(no_config: Path, tmp_path: Path, capsys, drv: str) -> None:
    rc, out, err = run(
        capsys,
        "display",
        "test",
        "--device",
        f"virtual:{tmp_path}/d",
        "--driver",
        drv,
        "--pause",
        "0",
        "--json",
    )
    assert rc == 0, err
    assert [s.strip() for s in json.loads(out)["lines"]] == ["A023 -> 4", "COUNTER 4"]
    grid = (tmp_path / "d" / "display.txt").read_text().splitlines()
    assert grid[0].strip() == "A023 -> 4"


def test_display_test_on_a_missing_port(no_config: Path, capsys) -> None:
    rc, _, err = run(capsys, "display", "test", "--device", "serial:/dev/ttyNOPE", "--pause", "0")
    assert rc != 0 and "cannot open /dev/ttyNOPE" in err and err.count("\n") == 1


def test_display_emulate_prints_its_port(no_config: Path, capsys) -> None:
    rc, out, _ = run(capsys, "display", "emulate", "--seconds", "0.2")
    assert rc == 0 and out.startswith("display on serial:/dev/")


def test_second_test_print_does_not_overwrite_the_first(
    no_config: Path, tmp_path: Path, capsys
) -> None:
    from printer.virtual_device import forget_devices

    pngs = []
    for _ in range(2):
        forget_devices()  # as two separate `tabour printer test` runs
        rc, out, err = run(
            capsys, "printer", "test", "--device", f"virtual:{tmp_path}/new/v", "--json"
        )
        assert rc == 0, err
        pngs.append(json.loads(out)["png"])
    assert pngs[0] != pngs[1] and all(Path(p).is_file() for p in pngs)


def test_bench_counts_the_questions_before_each_job(no_config: Path, capsys) -> None:
    from printer import commands as cmd
    from printer.bench import measure

    figures = measure()
    assert figures["status_query_bytes"] == 12 + len(cmd.query_graphics_keys(False)) == 21
    rc, out, _ = run(capsys, "printer", "bench", "--json")
    assert rc == 0 and json.loads(out)["steady_ticket_bytes"] == figures["steady_ticket_bytes"]


def test_tm_u220_gets_column_images_at_400_dots(no_config: Path, tmp_path: Path, capsys) -> None:
    rc, out, err = run(
        capsys,
        "printer",
        "test",
        "--profile",
        "TM-U220",
        "--device",
        f"virtual:{tmp_path}/u",
        "--json",
    )
    assert rc == 0, err
    obj = json.loads(out)
    job = Path(obj["png"]).with_suffix(".bin").read_bytes()
    assert b"\x1d\x76\x30" not in job and b"\x1d\x28\x6b" not in job and b"\x1d\x28\x4c" not in job
    assert b"\x1b\x2a\x01" in job  # the QR as 8-dot column images
    assert b"\x1c\x70" in job  # the Arabic artwork from NV bit images (FS p)
    from PIL import Image

    assert Image.open(obj["png"]).width == 400 + 32


def test_render_as_a_model_refuses_what_it_lacks(no_config: Path, tmp_path: Path, capsys) -> None:
    assert run(capsys, "printer", "test", "--device", f"virtual:{tmp_path}/v")[0] == 0
    session = str(tmp_path / "v" / "session.bin")
    rc, _out, err = run(
        capsys,
        "printer",
        "render",
        session,
        "--png",
        str(tmp_path / "u.png"),
        "--profile",
        "TM-U220",
    )
    assert rc == 9 and "TM-U220 has no such command" in err and err.count("\n") == 1
