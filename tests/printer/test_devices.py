"""Device specs, and printing through file, network (loopback) and virtual devices."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from branch.settings import PrinterConfig
from printer.devices import (
    FileConnection,
    NetworkConnection,
    SerialConnection,
    UsbConnection,
    connect,
    parse_spec,
)
from printer.errors import BadDeviceSpec, DeviceUnavailable
from printer.jobs import JobState
from printer.samples import sample_ticket
from printer.service import TicketPrinter
from printer.status import decode, query_status
from printer.virtual import VirtualPrinter
from printer.virtual_device import VirtualConnection, reply, status_reply


def test_serial_spec() -> None:
    spec = parse_spec("serial:/dev/ttyS0?baudrate=9600&flow=rtscts")
    conn = connect(spec)
    assert isinstance(conn, SerialConnection)
    s = conn.settings
    assert (s.port, s.baudrate, s.flow, s.bytesize, s.parity, s.stopbits) == (
        "/dev/ttyS0",
        9600,
        "rtscts",
        8,
        "N",
        1,
    )
    assert conn.wire_seconds(960) == pytest.approx(1.0)  # 8N1: 10 bits a byte


def test_other_specs() -> None:
    usb = connect("usb:0x04b8:0x0202")
    assert isinstance(usb, UsbConnection) and (usb.vendor, usb.product) == (0x04B8, 0x0202)
    net = connect("network:10.0.0.5:9100")
    assert isinstance(net, NetworkConnection) and (net.host, net.port) == ("10.0.0.5", 9100)
    assert connect("network:printer.local").port == 9100
    assert isinstance(connect("file:/dev/usb/lp0"), FileConnection)
    virtual = connect("virtual:out", base_dir=Path("/srv/tabour"))
    assert isinstance(virtual, VirtualConnection)
    assert virtual.directory == Path("/srv/tabour/out")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ttyS0", "expected one of"),
        ("serial:", "missing address"),
        ("serial:/dev/ttyS0?baud=9600", "unknown option 'baud'"),
        ("serial:/dev/ttyS0?flow=magic", "flow must be"),
        ("serial:/dev/ttyS0?baudrate=fast", "invalid literal"),
        ("usb:04b8", "expected usb:VENDOR:PRODUCT"),
        ("network:10.0.0.5:ninety", "not a number"),
        ("file:/dev/usb/lp0?x=1", "unknown option 'x'"),
        ("virtual:x?fault=on_fire", "unknown fault 'on_fire'"),
        ("virtual:x?paper=low", "paper must be ok or near_end or out"),
    ],
)
def test_bad_specs_are_one_line(spec: str, message: str) -> None:
    with pytest.raises(BadDeviceSpec, match=message):
        parse_spec(spec)


def test_usb_without_libusb_or_device_is_one_line() -> None:
    conn = connect("usb:0x04b8:0x0e15")
    with pytest.raises(DeviceUnavailable, match=r"^(USB: libusb is not installed|no USB device)"):
        conn.open()


def test_status_decoding() -> None:
    def replies(**state) -> bytes:
        return bytes(status_reply("DLE EOT", n, **state) for n in (1, 2, 3, 4))

    assert decode(replies()).ready
    assert decode(replies(paper="out")).problem == "paper out"
    assert decode(replies(cover="open")).problem == "printer cover open"
    near = decode(replies(paper="near_end"))
    assert near.ready and near.paper == "near_end"
    assert decode(replies(online=False)).problem == "printer offline"
    assert decode(b"\x12\x12").problem == "printer not responding"  # two of four answers
    assert decode(b"\x00\x00\x00\x00").problem == "printer not responding"  # not status bytes


def test_file_device_gets_the_bytes(tmp_path: Path, demo) -> None:
    out = tmp_path / "lp0"
    tp = TicketPrinter(PrinterConfig(device=f"file:{out}"), demo, home=tmp_path)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
    finally:
        tp.close()
    assert job.state == JobState.PRINTED  # a file cannot answer: written is printed
    vp = VirtualPrinter()
    vp.feed(out.read_bytes())
    assert len(vp.pages) == 1


class LoopbackPrinter:
    """A network printer on 127.0.0.1: the interpreter plus status answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.printer = VirtualPrinter()
        self.paper = "ok"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            self.printer.on_request = lambda cmd, n: conn.sendall(
                reply(self.printer, cmd, n, paper=self.paper)
            )
            while chunk := conn.recv(65536):
                self.printer.feed(chunk, final=False)

    def close(self) -> None:
        self.server.close()


def test_network_printer_on_loopback(tmp_path: Path, demo) -> None:
    lp = LoopbackPrinter()
    tp = TicketPrinter(PrinterConfig(device=f"network:127.0.0.1:{lp.port}"), demo, home=tmp_path)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
        assert job.state == JobState.PRINTED and job.outcome_known
        assert len(lp.printer.pages) == 1
    finally:
        tp.close()
        lp.close()


def test_network_printer_refused(tmp_path: Path, demo) -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    tp = TicketPrinter(PrinterConfig(device=f"network:127.0.0.1:{port}"), demo, home=tmp_path)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
    finally:
        tp.close()
    assert job.state == JobState.FAILED and "cannot connect to 127.0.0.1" in (job.reason or "")


def test_virtual_device_files_each_job(tmp_path: Path, demo) -> None:
    tp = TicketPrinter(PrinterConfig(device="virtual:kiosk"), demo, home=tmp_path)
    try:
        first = tp.print_ticket(sample_ticket(demo, number=1)).wait(10)
        second = tp.print_ticket(sample_ticket(demo, number=2)).wait(10)
    finally:
        tp.close()
    assert first.state == second.state == JobState.PRINTED
    names = sorted(p.name for p in (tmp_path / "kiosk").iterdir())
    assert names[:3] == ["0001-setup.bin", "0002-A001.bin", "0002-A001.png"]
    assert "session.bin" in names and any(n.endswith("-A002.png") for n in names)
    vp = VirtualPrinter()  # the session file renders on its own
    vp.feed((tmp_path / "kiosk" / "session.bin").read_bytes())
    assert len(vp.pages) == 2


def test_virtual_device_status_from_spec(tmp_path: Path) -> None:
    conn = connect("virtual:x?paper=out&cover=open", base_dir=tmp_path)
    conn.open()
    status = query_status(conn, 0.5)
    assert status.cover_open and status.paper == "out"
