"""Device spec strings and the connections behind them.

A spec names the transport and its address in one settings string:

    serial:/dev/ttyS0?baudrate=9600&flow=rtscts     usb:0x04b8:0x0202
    network:10.0.0.5:9100                            file:/dev/usb/lp0
    virtual:DIR                                      (bytes + PNG per job, for demo and tests)

Every connection offers the same small surface (open, write, read with a timeout, close) so
the print worker treats them alike; `can_read` says whether the printer can answer status
queries over it. Writes are bounded in time: serial through pyserial's `write_timeout`,
network through socket timeouts, USB through pyusb's; a stalled device raises
`WriteTimedOut`, a vanished one `DeviceUnavailable`, never a bare OS error.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl

from printer.errors import BadDeviceSpec, DeviceUnavailable, WriteTimedOut
from printer.profiles import SerialDefaults

Kind = Literal["serial", "usb", "network", "file", "virtual"]
KINDS = ("serial", "usb", "network", "file", "virtual")
SERIAL_KEYS = {"baudrate", "flow", "bytesize", "parity", "stopbits", "write_timeout"}
USB_KEYS = {"interface", "in_ep", "out_ep", "timeout"}
VIRTUAL_KEYS = {"paper", "cover", "online", "fault", "serial"}
VIRTUAL_FAULTS = ("paper_out", "near_end", "cover_open", "offline", "power_cycle")
_VIRTUAL_VALUES = {
    "paper": ("ok", "near_end", "out"),
    "cover": ("closed", "open"),
    "online": ("yes", "no"),
}


@dataclass(frozen=True)
class DeviceSpec:
    kind: Kind
    target: str
    params: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    def __str__(self) -> str:
        return self.raw or f"{self.kind}:{self.target}"


def parse_spec(spec: str) -> DeviceSpec:
    """Parse and validate a spec; a bad one fails with one line saying what is wrong."""
    kind, sep, rest = spec.strip().partition(":")
    if not sep or kind not in KINDS:
        raise BadDeviceSpec(
            f"device {spec!r}: expected one of {', '.join(k + ':...' for k in KINDS)}"
        )
    target, _, query = rest.partition("?")
    try:
        params = dict(parse_qsl(query, keep_blank_values=False, strict_parsing=bool(query)))
    except ValueError:
        raise BadDeviceSpec(f"device {spec!r}: malformed options {query!r}") from None
    if not target:
        raise BadDeviceSpec(f"device {spec!r}: missing address after {kind}:")
    allowed = {"serial": SERIAL_KEYS, "usb": USB_KEYS, "virtual": VIRTUAL_KEYS}.get(kind, set())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadDeviceSpec(
            f"device {spec!r}: unknown option {unknown[0]!r}"
            + (f" (allowed: {', '.join(sorted(allowed))})" if allowed else "")
        )
    parsed = DeviceSpec(kind, target, params, spec.strip())  # type: ignore[arg-type]
    if kind == "usb":
        _usb_ids(parsed)
    elif kind == "network":
        _host_port(parsed)
    elif kind == "serial":
        _serial_settings(parsed, SerialDefaults(), 10.0)
    elif kind == "virtual":
        _virtual_settings(parsed)
    return parsed


def _virtual_settings(spec: DeviceSpec) -> None:
    for key, allowed in _VIRTUAL_VALUES.items():
        if key in spec.params and spec.params[key] not in allowed:
            raise BadDeviceSpec(f"device {spec}: {key} must be {' or '.join(allowed)}")
    for fault in (f.strip() for f in spec.params.get("fault", "").split(",")):
        if fault and fault not in VIRTUAL_FAULTS:
            raise BadDeviceSpec(
                f"device {spec}: unknown fault {fault!r} (faults: {', '.join(VIRTUAL_FAULTS)})"
            )


def _usb_ids(spec: DeviceSpec) -> tuple[int, int]:
    try:
        vendor, product = spec.target.split(":")
        return int(vendor, 16), int(product, 16)
    except ValueError:
        raise BadDeviceSpec(
            f"device {spec}: expected usb:VENDOR:PRODUCT in hex, e.g. usb:0x04b8:0x0202"
        ) from None


def _host_port(spec: DeviceSpec) -> tuple[str, int]:
    target = spec.target
    if target.startswith("["):
        host, _, port = target[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = target.rpartition(":") if target.count(":") == 1 else (target, "", "")
    try:
        number = int(port) if port else 9100
    except ValueError:
        raise BadDeviceSpec(f"device {spec}: port {port!r} is not a number") from None
    if not host or not 0 < number < 65536:
        raise BadDeviceSpec(f"device {spec}: expected network:HOST[:PORT]")
    return host, number


@dataclass(frozen=True)
class SerialSettings:
    port: str
    baudrate: int
    bytesize: int
    parity: str
    stopbits: float
    flow: str
    write_timeout: float

    @property
    def bits_per_byte(self) -> float:
        return 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits


def _serial_settings(
    spec: DeviceSpec, defaults: SerialDefaults, write_timeout: float
) -> SerialSettings:
    p = spec.params
    try:
        settings = SerialSettings(
            port=spec.target,
            baudrate=int(p.get("baudrate", defaults.baudrate)),
            bytesize=int(p.get("bytesize", defaults.bytesize)),
            parity=p.get("parity", defaults.parity).upper(),
            stopbits=float(p.get("stopbits", defaults.stopbits)),
            flow=p.get("flow", defaults.flow),
            write_timeout=float(p.get("write_timeout", write_timeout)),
        )
    except ValueError as exc:
        raise BadDeviceSpec(f"device {spec}: {exc}") from None
    if settings.flow not in ("rtscts", "dsrdtr", "xonxoff", "none"):
        raise BadDeviceSpec(f"device {spec}: flow must be rtscts, dsrdtr, xonxoff or none")
    if settings.parity not in ("N", "E", "O") or settings.bytesize not in (7, 8):
        raise BadDeviceSpec(f"device {spec}: parity N/E/O and bytesize 7/8 only")
    if settings.stopbits not in (1, 1.5, 2) or settings.baudrate <= 0:
        raise BadDeviceSpec(f"device {spec}: bad baud rate or stop bits")
    return settings


class Connection:
    """One open channel to a device; subclasses fill in the transport."""

    can_read = False

    def __init__(self, spec: DeviceSpec) -> None:
        self.spec = spec

    def open(self) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, n: int, timeout: float) -> bytes:
        """Up to `n` bytes arriving within `timeout` seconds (fewer, or none, on timeout)."""
        return b""

    def discard_input(self) -> None:
        """Drop stale bytes (late status replies) before asking a new question."""

    def close(self) -> None:
        pass

    def wire_seconds(self, n: int) -> float:
        """How long `n` bytes take on the line; only serial is slow enough to matter."""
        return 0.0

    def begin_job(self, label: str) -> None:
        """Hook: a job's bytes start (the virtual device files them per job)."""

    def end_job(self, label: str, printed: bool) -> Path | None:
        """Hook: a job is over; a device that keeps a picture of it returns its path."""
        return None


class SerialConnection(Connection):
    can_read = True

    def __init__(self, spec: DeviceSpec, defaults: SerialDefaults, write_timeout: float) -> None:
        super().__init__(spec)
        self.settings = _serial_settings(spec, defaults, write_timeout)
        self._port: Any = None

    def open(self) -> None:
        import serial

        s = self.settings
        try:
            self._port = serial.Serial(
                port=s.port,
                baudrate=s.baudrate,
                bytesize=s.bytesize,
                parity=s.parity,
                stopbits=s.stopbits,
                rtscts=s.flow == "rtscts",
                dsrdtr=s.flow == "dsrdtr",
                xonxoff=s.flow == "xonxoff",
                timeout=0,
                write_timeout=s.write_timeout,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceUnavailable(f"cannot open {s.port}: {_reason(exc)}") from None

    def write(self, data: bytes) -> None:
        import serial

        try:
            self._port.write(data)
        except serial.SerialTimeoutException:
            raise WriteTimedOut(
                f"{self.settings.port}: write timed out after {self.settings.write_timeout:g} s"
            ) from None
        except (serial.SerialException, OSError, AttributeError) as exc:
            raise DeviceUnavailable(f"{self.settings.port}: {_reason(exc)}") from None

    def read(self, n: int, timeout: float) -> bytes:
        import serial

        deadline = time.monotonic() + timeout
        out = b""
        try:
            while len(out) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._port.timeout = left
                chunk = self._port.read(n - len(out))
                if not chunk:
                    break
                out += chunk
        except (serial.SerialException, OSError, AttributeError) as exc:
            raise DeviceUnavailable(f"{self.settings.port}: {_reason(exc)}") from None
        return out

    def discard_input(self) -> None:
        import serial

        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError, AttributeError) as exc:
            raise DeviceUnavailable(f"{self.settings.port}: {_reason(exc)}") from None

    def close(self) -> None:
        if self._port is not None:
            # closing a port whose device is gone may fail; it is gone anyway
            with contextlib.suppress(Exception):
                self._port.close()
            self._port = None

    def wire_seconds(self, n: int) -> float:
        return n * self.settings.bits_per_byte / self.settings.baudrate


class NetworkConnection(Connection):
    can_read = True

    def __init__(self, spec: DeviceSpec, write_timeout: float) -> None:
        super().__init__(spec)
        self.host, self.port = _host_port(spec)
        self.write_timeout = write_timeout
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=5.0)
        except OSError as exc:
            raise DeviceUnavailable(
                f"cannot connect to {self.host}:{self.port}: {_reason(exc)}"
            ) from None

    def write(self, data: bytes) -> None:
        if self._sock is None:
            raise DeviceUnavailable(f"{self.host}:{self.port}: not connected")
        try:
            self._sock.settimeout(self.write_timeout)
            self._sock.sendall(data)
        except TimeoutError:
            raise WriteTimedOut(f"{self.host}:{self.port}: write timed out") from None
        except OSError as exc:
            raise DeviceUnavailable(f"{self.host}:{self.port}: {_reason(exc)}") from None

    def read(self, n: int, timeout: float) -> bytes:
        if self._sock is None:
            raise DeviceUnavailable(f"{self.host}:{self.port}: not connected")
        out = b""
        deadline = time.monotonic() + timeout
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                self._sock.settimeout(left)
                chunk = self._sock.recv(n - len(out))
            except TimeoutError:
                break
            except OSError as exc:
                raise DeviceUnavailable(f"{self.host}:{self.port}: {_reason(exc)}") from None
            if not chunk:
                raise DeviceUnavailable(f"{self.host}:{self.port}: connection closed by printer")
            out += chunk
        return out

    def discard_input(self) -> None:
        if self._sock is None:
            return
        self._sock.setblocking(False)
        try:
            while self._sock.recv(256):
                pass
        except (BlockingIOError, OSError):
            pass
        finally:
            self._sock.setblocking(True)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class FileConnection(Connection):
    """A character device or plain file; the Linux `usblp` driver gives no status back."""

    def __init__(self, spec: DeviceSpec) -> None:
        super().__init__(spec)
        self.path = Path(spec.target)
        self._fd: int | None = None

    def open(self) -> None:
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise DeviceUnavailable(f"cannot open {self.path}: {_reason(exc)}") from None

    def write(self, data: bytes) -> None:
        if self._fd is None:
            raise DeviceUnavailable(f"{self.path}: not open")
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            raise DeviceUnavailable(f"{self.path}: {_reason(exc)}") from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class UsbConnection(Connection):
    """Bulk endpoints through pyusb (libusb); on Linux `file:/dev/usb/lp0` is the alternative."""

    can_read = True

    def __init__(self, spec: DeviceSpec, write_timeout: float) -> None:
        super().__init__(spec)
        self.vendor, self.product = _usb_ids(spec)
        self.interface = int(spec.params.get("interface", "0"))
        self.in_ep = int(spec.params.get("in_ep", "0x82"), 0)
        self.out_ep = int(spec.params.get("out_ep", "0x01"), 0)
        self.write_timeout_ms = int(float(spec.params.get("timeout", write_timeout)) * 1000)
        self._dev: Any = None

    def open(self) -> None:
        try:
            import usb.core
        except ImportError:
            raise DeviceUnavailable(
                "USB printers need pyusb and libusb; or use file:/dev/usb/lp0"
            ) from None
        try:
            dev = usb.core.find(idVendor=self.vendor, idProduct=self.product)
            if dev is None:
                raise DeviceUnavailable(f"no USB device {self.vendor:04x}:{self.product:04x}")
            try:
                if dev.is_kernel_driver_active(self.interface):
                    dev.detach_kernel_driver(self.interface)
            except (NotImplementedError, usb.core.USBError):
                pass
            dev.set_configuration()
            self._dev = dev
        except usb.core.NoBackendError:
            raise DeviceUnavailable("USB: libusb is not installed on this machine") from None
        except usb.core.USBError as exc:
            raise DeviceUnavailable(f"USB {self.vendor:04x}:{self.product:04x}: {exc}") from None

    def write(self, data: bytes) -> None:
        import usb.core

        if self._dev is None:
            raise DeviceUnavailable("USB device not open")
        try:
            self._dev.write(self.out_ep, data, self.write_timeout_ms)
        except usb.core.USBTimeoutError:
            raise WriteTimedOut(f"USB write timed out after {self.write_timeout_ms} ms") from None
        except usb.core.USBError as exc:
            raise DeviceUnavailable(f"USB: {exc}") from None

    def read(self, n: int, timeout: float) -> bytes:
        import usb.core

        if self._dev is None:
            raise DeviceUnavailable("USB device not open")
        try:
            return bytes(self._dev.read(self.in_ep, n, int(timeout * 1000)))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            raise DeviceUnavailable(f"USB: {exc}") from None

    def close(self) -> None:
        if self._dev is not None:
            import usb.util

            usb.util.dispose_resources(self._dev)
            self._dev = None


def _reason(exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code > 0:
        return os.strerror(code)
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0][:200]


def connect(
    spec: DeviceSpec | str,
    *,
    serial_defaults: SerialDefaults | None = None,
    write_timeout: float = 10.0,
    base_dir: Path | None = None,
    **virtual: Any,
) -> Connection:
    """A closed connection for a spec (`open()` it); `virtual:` dirs are under `base_dir`."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    if spec.kind == "serial":
        return SerialConnection(spec, serial_defaults or SerialDefaults(), write_timeout)
    if spec.kind == "network":
        return NetworkConnection(spec, write_timeout)
    if spec.kind == "file":
        return FileConnection(spec)
    if spec.kind == "usb":
        return UsbConnection(spec, write_timeout)
    from printer.virtual_device import VirtualConnection

    directory = Path(spec.target).expanduser()
    if not directory.is_absolute():
        directory = (base_dir or Path.cwd()) / directory
    return VirtualConnection(spec, directory, **virtual)
