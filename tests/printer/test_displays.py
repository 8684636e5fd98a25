"""Counter displays over a real pty pair into the emulator, including a pulled cable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from printer.display_emulator import DisplayEmulator, PtyDisplay
from printer.displays import (
    CD5220Display,
    CounterDisplay,
    EpsonDisplay,
    call_lines,
    display_connection,
    display_text,
    driver,
)


def test_display_text_is_latin_and_digits_only() -> None:
    assert display_text("A٠٢٣ → ٤") == "A023  4"  # Arabic-Indic digits become Latin; arrow dropped
    assert display_text("تذكرة A023") == " A023"
    assert display_text("\x1b@X") == "@X"  # no control bytes reach the display
    assert len(display_text("X" * 40)) == 20


def test_call_lines() -> None:
    top, bottom = call_lines("A023", 4, "COUNTER 4")
    assert top.strip() == "A023 -> 4" and len(top) == 20
    assert bottom.strip() == "COUNTER 4"


def test_epson_bytes() -> None:
    d = EpsonDisplay()
    assert d.init() == b"\x1b@\x1f\x01\x1f\x43\x00"
    data = d.lines("A023 -> 4", "")
    assert data.startswith(b"\x1f\x24\x01\x01A023 -> 4") and b"\x1f\x24\x01\x02" in data


def test_cd5220_bytes() -> None:
    data = CD5220Display().lines("A023 -> 4", "HI")
    assert data == b"\x1bQA" + b"A023 -> 4".ljust(20) + b"\r\x1bQB" + b"HI".ljust(20) + b"\r"


@pytest.mark.parametrize("name", ["epson", "cd5220"])
def test_emulator_understands_each_driver(name: str) -> None:
    emu = DisplayEmulator(name)
    drv = driver(name)
    emu.feed(drv.init() + drv.clear() + drv.call("B107", 12, "COUNTER 12"))
    assert emu.lines[0].strip() == "B107 -> 12" and emu.lines[1].strip() == "COUNTER 12"
    assert not emu.unknown and not emu.cursor_visible
    emu.feed(drv.clear())
    assert emu.text.strip() == ""


def test_emulator_joins_split_commands() -> None:
    emu = DisplayEmulator("cd5220")
    data = CD5220Display().lines("A001 -> 1", "")
    for i in range(len(data)):
        emu.feed(data[i : i + 1])
    assert emu.lines[0].strip() == "A001 -> 1"


@pytest.mark.parametrize("name", ["epson", "cd5220"])
def test_counter_display_over_a_pty(name: str) -> None:
    pty = PtyDisplay(name)
    disp = CounterDisplay(driver(name), lambda: display_connection(f"serial:{pty.slave_path}"))
    try:
        disp.show_call("A023", 4, "COUNTER 4")
        assert pty.emulator.wait_for_line(0, "A023 -> 4")
        assert pty.emulator.wait_for_line(1, "COUNTER 4")
    finally:
        disp.close()
        pty.close()


def test_unplugged_display_reconnects_and_shows_the_latest_call(tmp_path: Path) -> None:
    link = tmp_path / "ttyDISPLAY"
    first = PtyDisplay("epson")
    os.symlink(first.slave_path, link)
    disp = CounterDisplay(
        EpsonDisplay(),
        lambda: display_connection(f"serial:{link}"),
        backoff_start=0.05,
        backoff_max=0.2,
    )
    second = None
    try:
        disp.show_call("A023", 4)
        assert first.emulator.wait_for_line(0, "A023 -> 4")
        first.unplug()  # cable pulled
        disp.show_call("A024", 4)  # must not raise, must not block
        disp.show_call("A025", 4)
        assert disp.wait_for_failure(5)
        assert disp.failures >= 1 and not disp.connected.is_set()
        second = PtyDisplay("epson")  # plugged back in (the adapter got a new pty)
        link.unlink()
        os.symlink(second.slave_path, link)
        assert second.emulator.wait_for_line(0, "A025 -> 4", timeout=10)
        assert disp.connected.is_set()
    finally:
        disp.close()
        first.close()
        if second:
            second.close()


def test_virtual_display_writes_its_grid(tmp_path: Path) -> None:
    disp = CounterDisplay(
        CD5220Display(), lambda: display_connection("virtual:d", tmp_path, "cd5220")
    )
    try:
        disp.show_call("N004", 8, "SPECIAL")
        assert disp.wait_delivered(1, 5)
    finally:
        disp.close()
    lines = (tmp_path / "d" / "display.txt").read_text().splitlines()
    assert [line.strip() for line in lines] == ["N004 -> 8", "SPECIAL"]


def test_display_from_settings(tmp_path: Path) -> None:
    from branch.settings import DisplayConfig
    from printer.displays import counter_display

    disp = counter_display(
        DisplayConfig(counter=8, device="virtual:display-8", driver="cd5220", caption="SPECIAL"),
        tmp_path,
    )
    try:
        disp.show_call("H012", 8)
        assert disp.wait_delivered(1, 5)
    finally:
        disp.close()
    lines = (tmp_path / "display-8" / "display.txt").read_text().splitlines()
    assert [line.strip() for line in lines] == ["H012 -> 8", "SPECIAL"]
