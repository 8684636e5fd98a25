"""Print jobs and the one worker thread per printer that runs them.

The kiosk must never wait for paper: `submit()` only enqueues and returns the job. The
worker renders, checks status, writes, and waits for the printer's confirmation; each job
ends `printed` or `failed` with a reason the supervisor can act on. Once bytes may have
reached the printer, a failure is marked `outcome_known=False` and is never retried by
itself (a duplicate ticket is worse than a missing one: the queue still holds the ticket
and staff can reprint). Reprint is an explicit new job.

The worker owns the connection and the renderer (neither is shared with other threads),
reconnects on the next job after a failure, and treats any reconnect or unanswered status
as a possible printer restart: RAM graphics are then downloaded again.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from branch.clock import utc_now
from printer import commands as cmd
from printer.devices import Connection
from printer.errors import DeviceUnavailable, PrinterError, WriteTimedOut
from printer.escpos_render import EscposRenderer, RenderResult
from printer.layout import Arabic, Element
from printer.status import (
    NOT_RESPONDING,
    PrinterStatus,
    await_confirmation,
    query_graphics_keys,
    query_serial_number,
    query_status,
)

log = logging.getLogger(__name__)


class JobState(StrEnum):
    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


Failure = Literal["offline", "paper_out", "cover_open", "timeout", "unknown"]


def failure_kind(reason: str) -> Failure:
    """The kind of a failure reason, for a front-end that shows one of a few messages."""
    text = reason.lower()
    if "paper" in text and ("out" in text or "ran out" in text):
        return "paper_out"
    if "cover open" in text:
        return "cover_open"
    if "timed out" in text or "did not confirm" in text or "no outcome" in text:
        return "timeout"
    if "queue full" in text:
        return "timeout"
    if any(
        w in text
        for w in ("offline", "not responding", "cannot open", "cannot connect", "device lost")
    ):
        return "offline"
    if "no usb device" in text or "cannot create" in text or "not open" in text:
        return "offline"
    return "unknown"


@dataclass(frozen=True)
class PrintOutcome:
    """How one job ended, in the terms a kiosk acts on.

    `state` is printed or failed; `failure` (offline, paper_out, cover_open, timeout,
    unknown) and the one-line `reason` say why it failed; `paper_near_end` is an alert to
    raise even when the ticket printed; `outcome_known=False` means bytes may have reached
    the printer (do not reprint on your own); `preview` is the PNG a virtual printer made.
    """

    job_id: str
    label: str
    state: str
    failure: Failure | None
    reason: str | None
    paper_near_end: bool
    outcome_known: bool
    preview: Path | None

    @property
    def printed(self) -> bool:
        return self.state == JobState.PRINTED


@dataclass(eq=False)
class PrintJob:
    """One thing to print; `future` resolves to the job itself when it is over."""

    kind: str  # ticket | receipt | test
    label: str  # ticket code or receipt number: never personal data
    elements: Callable[[], list[Element]]
    payload: Any = None  # the TicketData/ReceiptData, kept for an explicit reprint
    reprint_of: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: JobState = JobState.QUEUED
    reason: str | None = None
    warning: str | None = None
    outcome_known: bool = True
    failure: Failure | None = None
    preview: Path | None = None  # the PNG a virtual printer drew for this job
    bytes_sent: int = 0
    created_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    future: Future[PrintJob] = field(default_factory=Future, repr=False)

    @property
    def done(self) -> bool:
        return self.future.done()

    def wait(self, timeout: float | None = None) -> PrintJob:
        """Block until the job is over (tests and the CLI; the kiosk uses callbacks)."""
        return self.future.result(timeout)

    @property
    def paper_near_end(self) -> bool:
        return self.warning == "paper near end"

    def outcome(self, timeout: float | None = None) -> PrintOutcome:
        """Wait (in a worker thread, never the UI thread) and say how the job ended.

        Never raises: a job still running after `timeout` seconds is reported failed with
        `failure="timeout"` and `outcome_known=False` (it may still print)."""
        try:
            self.future.result(timeout)
        except TimeoutError:
            return PrintOutcome(
                self.id,
                self.label,
                JobState.FAILED.value,
                "timeout",
                f"no outcome after {timeout:g} s (printer stalled?)",
                False,
                False,
                None,
            )
        return PrintOutcome(
            self.id,
            self.label,
            self.state.value,
            self.failure,
            self.reason,
            self.paper_near_end,
            self.outcome_known,
            self.preview,
        )

    def add_done_callback(self, fn: Callable[[PrintJob], None]) -> None:
        """`fn(job)` runs once the job is printed or failed (on the worker thread)."""
        self.future.add_done_callback(lambda f: fn(f.result()))

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "state": self.state.value,
            "reason": self.reason,
            "warning": self.warning,
            "outcome_known": self.outcome_known,
            "failure": self.failure,
            "paper_near_end": self.paper_near_end,
            "preview": str(self.preview) if self.preview else None,
            "bytes_sent": self.bytes_sent,
            "reprint_of": self.reprint_of,
        }

    def _finish(self, state: JobState, reason: str | None = None, *, known: bool = True) -> None:
        self.state, self.reason, self.outcome_known = state, reason, known
        if state == JobState.FAILED:
            self.failure = failure_kind(reason or "")
        self.finished_at = utc_now()
        if not self.future.done():
            self.future.set_result(self)


_STOP = object()


class PrinterWorker:
    """A queue and a thread in front of one printer."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        renderer: EscposRenderer,
        *,
        startup_art: list[Arabic] | None = None,
        prefetch_art: list[Arabic] | None = None,
        status_timeout: float = 1.0,
        confirm_margin: float = 8.0,
        max_queue: int = 200,
        name: str = "printer",
    ) -> None:
        self._connect = connect
        self.renderer = renderer
        self.startup_art = list(startup_art or [])
        self.prefetch_art = list(prefetch_art or [])
        self.status_timeout = status_timeout
        self.confirm_margin = confirm_margin
        self.name = name
        self._queue: queue.Queue[Any] = queue.Queue(max_queue)
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None
        self._started = False  # start-up bytes sent on the current connection
        self._pending_prefetch: list[Arabic] = []
        self.last_status: PrinterStatus | None = None
        self.connection_opened = threading.Event()
        self.idle = threading.Event()
        self.prefetched = threading.Event()  # every piece of later artwork has been sent
        self.startup_bytes = 0
        self.query_bytes = 0  # status and key-list questions sent before the latest job
        self.memory_losses = 0  # times the printer was found to have lost its graphics
        self._keys_answered: bool | None = None  # does the printer list its graphics keys?
        self._serial_answered: bool | None = None  # does it tell its serial number?
        self.serial_number: str | None = None

    # caller side ------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"tabour-{self.name}", daemon=True
            )
            self._thread.start()

    def submit(self, job: PrintJob) -> PrintJob:
        """Queue a job and return at once; a full queue fails the job, it never blocks."""
        self.start()
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            job._finish(JobState.FAILED, "print queue full (printer stalled?)")
        return job

    def stop(self, timeout: float = 10.0) -> None:
        """Finish queued jobs, then close the device."""
        if self._thread is None:
            return
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            log.warning("%s: queue still full at shutdown", self.name)
        self._thread.join(timeout)
        self._thread = None

    @property
    def connection(self) -> Connection | None:
        return self._conn

    # worker side ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(timeout=0.05 if self._pending_prefetch else None)
                except queue.Empty:
                    self._prefetch_one()
                    continue
                if item is _STOP:
                    return
                self.idle.clear()
                try:
                    self._run_job(item)
                except PrinterError as exc:  # e.g. bytes the (virtual) model refuses
                    log.warning("%s: job %s failed: %s", self.name, item.id, exc)
                    self._disconnect()
                    item._finish(JobState.FAILED, str(exc), known=False)
                except Exception as exc:  # a bug must fail the job, not kill the printer
                    log.exception("%s: job %s crashed", self.name, item.id)
                    self._disconnect()
                    item._finish(
                        JobState.FAILED, f"internal error: {type(exc).__name__}", known=False
                    )
                if self._queue.empty():
                    self.idle.set()
        finally:
            self._disconnect()

    def _disconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None
        self._started = False
        self.renderer.cache.invalidate()

    def _ensure_ready(self) -> None:
        """Connected, answering, no fault, and start-up artwork downloaded."""
        if self._conn is None:
            conn = self._connect()
            conn.open()
            self._conn = conn
            self._started = False
            self.renderer.cache.invalidate()
            self.connection_opened.set()
        conn = self._conn
        self.query_bytes = 0
        if conn.can_read:
            status = query_status(conn, self.status_timeout)
            self.query_bytes += 12
            previous, self.last_status = self.last_status, status
            if not status.answered:
                self._disconnect()  # switched off? then its RAM graphics are gone too
                raise _NotSent(NOT_RESPONDING.problem or "")
            if status.problem:
                raise _NotSent(status.problem)
            if self._keys_answered is False and previous is not None and not previous.ready:
                self._memory_lost("came back online")  # no key list: assume the worst
            if not self._started:
                self._identify(conn)
            self._check_graphics(conn)
        if not self._started:
            result = self.renderer.startup(self.startup_art)
            self._send(conn, result)
            self.startup_bytes = len(result.data)
            self._started = True
            self._pending_prefetch = list(self.prefetch_art)
            self.prefetched.clear()
            if not self._pending_prefetch:
                self.prefetched.set()

    def _check_graphics(self, conn: Connection) -> None:
        """Ask the printer which graphics keys it holds; re-download if any are missing.

        A printer power-cycled between two jobs answers status as usual but has lost its
        RAM graphics, and would print blanks where the Arabic goes. The key-code list
        (`GS ( L` fn 80, fn 64 for NV) shows it. RAM is checked once start-up artwork has
        been sent on this connection; NV also on the first job, since the manifest may
        describe another printer than the one now on the line."""
        cache = self.renderer.cache
        nv = cache.mode == "nv"
        if (
            cache.mode not in ("ram", "nv")
            or not self.renderer.profile.graphics_commands
            or self._keys_answered is False
            or not (self._started or nv)
        ):
            return
        expected = {slot.code for slot in cache.stored().values()}
        if not expected:
            return
        held = query_graphics_keys(conn, nv, self.status_timeout)
        self.query_bytes += len(cmd.query_graphics_keys(nv))
        if held is None:
            log.info("%s: printer does not list its graphics keys; not asking again", self.name)
            self._keys_answered = False
            return
        self._keys_answered = True
        if not expected <= held:
            self._memory_lost(f"{len(expected - held)} of {len(expected)} graphics missing")

    def _identify(self, conn: Connection) -> None:
        """Key the NV manifest by the printer's serial number, once per connection.

        What NV memory holds belongs to a printer, not to a port: a printer swapped in
        on the same line must get its own artwork written, and the old one, put back,
        needs none. Without an answer the manifest stays keyed by the device spec."""
        cache = self.renderer.cache
        if cache.mode not in ("nv", "fs") or cache.manifest is None:
            return
        if self._serial_answered is False:
            return
        serial = query_serial_number(conn, self.status_timeout)
        self.query_bytes += len(cmd.transmit_printer_id())
        self._serial_answered = serial is not None
        if serial is not None:
            self.serial_number = serial
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", serial)[:60]
            cache.bind(cache.manifest.parent / f"graphics-serial-{safe}.json")

    def _memory_lost(self, why: str) -> None:
        log.warning("%s: printer lost its stored graphics (%s); downloading again", self.name, why)
        self.memory_losses += 1
        cache = self.renderer.cache
        if cache.mode == "nv":
            cache.reset()
        else:
            cache.invalidate()
        self._started = False  # start-up (ESC @ + downloads) goes before the next job

    def _send(self, conn: Connection, result: RenderResult) -> None:
        try:
            conn.write(result.data)
        except DeviceUnavailable:
            for name in result.defined:
                self.renderer.cache.forget(name)
            raise
        self.renderer.cache.save()

    def _prefetch_one(self) -> None:
        """Download one more piece of artwork while nobody is waiting for a ticket."""
        art = self._pending_prefetch.pop(0)
        if not self._pending_prefetch:
            self.prefetched.set()
        if self._conn is None or not self._started:
            return
        result = self.renderer.define([art])
        if not result.data:
            return
        try:
            self._send(self._conn, result)
        except DeviceUnavailable as exc:
            log.warning("%s: graphics download failed: %s", self.name, exc)
            self._disconnect()
            self._pending_prefetch.clear()

    def _run_job(self, job: PrintJob) -> None:
        job.state = JobState.PRINTING
        try:
            elements = job.elements()
            self._ensure_ready()
        except _NotSent as exc:
            job._finish(JobState.FAILED, str(exc))
            return
        except (PrinterError, ValueError) as exc:  # cannot open, bad data, font missing
            self._disconnect()
            job._finish(JobState.FAILED, str(exc))
            return
        conn = self._conn
        assert conn is not None
        result = self.renderer.render(elements)
        data = result.data + (cmd.transmit_paper_status() if conn.can_read else b"")
        conn.begin_job(job.label)

        def unknown(reason: str, *, disconnect: bool = True) -> None:
            if disconnect:
                self._disconnect()
            job.preview = conn.end_job(job.label, False)
            job._finish(JobState.FAILED, reason, known=False)

        try:
            self._send(conn, _with(result, data))
            job.bytes_sent = len(data)
        except WriteTimedOut as exc:
            return unknown(f"{exc}; outcome unknown, not reprinted")
        except DeviceUnavailable as exc:
            return unknown(f"device lost during printing ({exc}); outcome unknown, not reprinted")
        if conn.can_read:
            timeout = conn.wire_seconds(len(data)) + self.confirm_margin
            try:
                outcome = await_confirmation(conn, timeout)
            except DeviceUnavailable as exc:
                return unknown(
                    f"device lost during printing ({exc}); outcome unknown, not reprinted"
                )
            if outcome == "silent":
                return unknown("printer did not confirm the job; outcome unknown, not reprinted")
            if outcome == "paper_out":
                return unknown("paper ran out during the job; outcome unknown", disconnect=False)
            if outcome == "paper_near_end":
                job.warning = "paper near end"
        job.preview = conn.end_job(job.label, True)
        job._finish(JobState.PRINTED)


class _NotSent(Exception):
    """The job failed before any of its bytes left: the outcome is known (not printed)."""


def _with(result: RenderResult, data: bytes) -> RenderResult:
    return RenderResult(data, result.defined, result.inline_raster_bytes, result.graphics_printed)
