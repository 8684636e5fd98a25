"""What goes on a ticket and a receipt, as device-free elements in print order.

The layout knows the content and the order; the renderer knows bytes. Arabic that is the
same on every ticket (branch header, service names, labels, fixed phrases) carries a stable
`key`, which is what lets the renderer keep it in the printer's graphics memory and send a
few bytes per ticket instead of a bitmap. Arabic without a key is drawn afresh each time.
Numbers, codes, dates and English go as printer text. No names or national numbers ever
reach a layout: receipts take a contributor reference and print it masked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from branch.settings import Lang, Priority
from printer.raster import Align

ArabicRole = Literal["title", "body", "small"]

# Printed Arabic/English pairs. These are artwork: each Arabic string is cached on the
# printer under its key, so wording changes here change the cache key with them.
PHRASES: dict[str, tuple[str, str]] = {
    "phrase:wait": ("يرجى الانتظار حتى المناداة على رقمك", "Please wait to be called"),
    "phrase:reprint": ("نسخة مكررة", "REPRINT"),
    "label:ahead": ("عدد المنتظرين قبلك", "People ahead"),
    "label:wait": ("الانتظار المتوقع بالدقائق", "Estimated wait (min)"),
    "receipt:title": ("إيصال دفع", "PAYMENT RECEIPT"),
    "label:contributor": ("مرجع المشترك", "Contributor"),
    "label:purpose": ("الغرض", "Purpose"),
    "label:periods": ("الفترات", "Periods"),
    "label:amount": ("المبلغ", "Amount"),
    "label:provisional": ("رقم الإيصال المؤقت", "Provisional no."),
    "label:central": ("رقم الإيصال المركزي", "Receipt no."),
    "label:verify": ("رمز التحقق", "Verification"),
    "phrase:pending": ("بانتظار التأكيد من المركز", "pending central"),
    "phrase:keep": ("يرجى الاحتفاظ بهذا الإيصال", "Please keep this receipt"),
}

PRIORITY_MARKS: dict[str, tuple[str, str]] = {
    "elderly": ("أولوية - كبار السن", "PRIORITY: ELDERLY"),
    "disabled": ("أولوية - ذوو الإعاقة", "PRIORITY: DISABILITY"),
    "pregnant": ("أولوية - الحوامل", "PRIORITY: PREGNANCY"),
    "urgent": ("خدمة مستعجلة", "URGENT SERVICE"),
}

PRIORITIES: tuple[str, ...] = get_args(Priority)
_CODE = re.compile(r"^[A-Z0-9-]{1,8}$")


@dataclass(frozen=True)
class Run:
    """A stretch of printer-font text with one style."""

    text: str
    scale: tuple[int, int] = (1, 1)  # width, height multipliers, 1..8
    bold: bool = False
    reverse: bool = False
    small: bool = False  # font B


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    align: Align = "center"


def text(
    value: str,
    *,
    align: Align = "center",
    scale: tuple[int, int] = (1, 1),
    bold: bool = False,
    reverse: bool = False,
    small: bool = False,
) -> Line:
    return Line((Run(value, scale, bold, reverse, small),), align)


@dataclass(frozen=True)
class Arabic:
    """Arabic (possibly with Latin runs) drawn as pixels; `key` marks fixed artwork."""

    text: str
    role: ArabicRole = "body"
    align: Align = "center"
    key: str | None = None


@dataclass(frozen=True)
class Rule:
    """A full-width separator."""


@dataclass(frozen=True)
class Feed:
    dots: int


@dataclass(frozen=True)
class QR:
    data: str


@dataclass(frozen=True)
class Cut:
    pass


Element = Line | Arabic | Rule | Feed | QR | Cut


@dataclass(frozen=True)
class TicketData:
    """What the queue engine knows about a ticket when it is issued."""

    code: str
    service_code: str
    service_name_ar: str
    service_name_en: str
    priority: Priority
    people_ahead: int
    estimated_wait_s: int
    issued_at: datetime
    lang: Lang
    business_day: date
    branch_code: str
    branch_name_ar: str
    branch_name_en: str
    timezone: str = "Asia/Amman"
    reprint: bool = False

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise ValueError(f"ticket code {self.code!r} is not a printable code")
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")
        if self.people_ahead < 0 or self.estimated_wait_s < 0:
            raise ValueError("people ahead and estimated wait cannot be negative")

    @classmethod
    def from_queue(
        cls,
        *,
        code: str,
        service_code: str,
        service_name_ar: str,
        service_name_en: str,
        people_ahead: int,
        estimated_wait: timedelta | float | None,
        issued_at: datetime,
        branch_code: str,
        branch_name_ar: str,
        branch_name_en: str,
        priority: str = "normal",
        lang: str = "ar",
        timezone: str = "Asia/Amman",
    ) -> TicketData:
        """A ticket to print from what the queue engine returned, as plain values.

        The printer never imports the queue: the kiosk passes the issued ticket's fields.
        `estimated_wait` may be a timedelta or seconds (None: no estimate, printed as 0);
        the business day is the issue date in the branch time zone. Bad values raise
        ValueError with one line (unknown priority or language, naive time, negatives)."""
        if priority not in PRIORITIES:
            raise ValueError(f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
        if lang not in ("ar", "en"):
            raise ValueError(f"language {lang!r} is not ar or en")
        if issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")
        if isinstance(estimated_wait, timedelta):
            wait_s = estimated_wait.total_seconds()
        else:
            wait_s = float(estimated_wait or 0)
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        return cls(
            code=code,
            service_code=service_code,
            service_name_ar=service_name_ar,
            service_name_en=service_name_en,
            priority=priority,  # type: ignore[arg-type]
            people_ahead=int(people_ahead),
            estimated_wait_s=math.ceil(wait_s),
            issued_at=issued_at,
            lang=lang,  # type: ignore[arg-type]
            business_day=issued_at.astimezone(zone).date(),
            branch_code=branch_code,
            branch_name_ar=branch_name_ar,
            branch_name_en=branch_name_en,
            timezone=timezone,
        )

    @property
    def qr_payload(self) -> str:
        """Ticket code, business day and branch: enough to find the ticket, nothing personal."""
        return f"TABOUR|{self.branch_code}|{self.business_day.isoformat()}|{self.code}"


@dataclass(frozen=True)
class ReceiptData:
    """A counter payment receipt; amounts are integer fils (1 JOD = 1000 fils)."""

    branch_code: str
    branch_name_ar: str
    branch_name_en: str
    contributor_ref: str
    purpose_ar: str
    purpose_en: str
    periods: tuple[str, ...]
    amount_fils: int
    provisional_receipt_no: str
    central_receipt_no: str | None
    verification_code: str
    issued_at: datetime
    lang: Lang = "ar"
    timezone: str = "Asia/Amman"
    reprint: bool = False

    def __post_init__(self) -> None:
        if self.amount_fils < 0:
            raise ValueError("a receipt amount cannot be negative")
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes of Arabic roles and the printer-font columns for one paper width."""

    dots: int
    columns: int
    arabic_px: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_paper(cls, dots: int, columns: int | None = None) -> Sizes:
        narrow = dots < 500
        px = (
            {"title": 30, "body": 24, "small": 22}
            if narrow
            else {
                "title": 32,
                "body": 26,
                "small": 24,
            }
        )
        return cls(dots=dots, columns=columns or dots // 12, arabic_px=px)


def format_jod(fils: int) -> str:
    """`52500` → `52.500` (JOD have three decimals)."""
    return f"{fils // 1000:,}.{fils % 1000:03d}"


def mask_reference(ref: str) -> str:
    """Only the last four characters of a contributor reference ever reach paper."""
    tail = ref[-4:] if len(ref) > 4 else ref[-1:]
    return "*" * max(4, len(ref) - len(tail)) + tail


def format_wait(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "<1" if minutes < 1 else f"~{minutes}"


def format_periods(periods: tuple[str, ...]) -> str:
    if not periods:
        return "-"
    if len(periods) <= 2:
        return ", ".join(periods)
    return f"{periods[0]} .. {periods[-1]} ({len(periods)})"


def _pair(ar: Element, en: Element, lang: str) -> list[Element]:
    return [ar, en] if lang == "ar" else [en, ar]


def _code_scale(code: str, columns: int) -> int:
    return max(1, min(6, (columns * 9 // 10) // max(1, len(code))))


def ticket_layout(ticket: TicketData, sizes: Sizes, *, qr: bool = True) -> list[Element]:
    """The kiosk ticket, bilingual; `lang` decides which language leads each pair."""
    lang = ticket.lang
    local = ticket.issued_at.astimezone(ZoneInfo(ticket.timezone))
    m = _code_scale(ticket.code, sizes.columns)
    out: list[Element] = []
    out += _pair(
        Arabic(ticket.branch_name_ar, "title", key=f"branch:{ticket.branch_code}"),
        text(ticket.branch_name_en, bold=True),
        lang,
    )
    out.append(Rule())
    out += _pair(
        Arabic(ticket.service_name_ar, "title", key=f"service:{ticket.service_code}"),
        text(ticket.service_name_en),
        lang,
    )
    out.append(Feed(8))
    out.append(text(ticket.code, scale=(m, m), bold=True))
    out.append(Feed(8))
    if ticket.priority != "normal":
        ar, en = PRIORITY_MARKS[ticket.priority]
        out += _pair(
            Arabic(ar, "body", key=f"priority:{ticket.priority}"),
            text(f" {en} ", bold=True, reverse=True),
            lang,
        )
    if ticket.reprint:
        ar, en = PHRASES["phrase:reprint"]
        out += _pair(Arabic(ar, "body", key="phrase:reprint"), text(f" {en} ", reverse=True), lang)
    out.append(Rule())
    for key, value in (
        ("label:ahead", str(ticket.people_ahead)),
        ("label:wait", format_wait(ticket.estimated_wait_s)),
    ):
        ar, en = PHRASES[key]
        out += _pair(Arabic(ar, "small", key=key), text(en), lang)
        out.append(text(value, scale=(2, 2), bold=True))
    out.append(Rule())
    out.append(text(local.strftime("%Y-%m-%d   %H:%M")))
    ar, en = PHRASES["phrase:wait"]
    out += _pair(Arabic(ar, "body", key="phrase:wait"), text(en), lang)
    if qr:
        out.append(QR(ticket.qr_payload))
    out.append(Cut())
    return out


def _row(label: str, value: str, columns: int) -> Line:
    gap = max(1, columns - len(label) - len(value))
    return text(f"{label}{' ' * gap}{value}", align="left")


def receipt_layout(receipt: ReceiptData, sizes: Sizes) -> list[Element]:
    """The counter payment receipt: labels cached, values as text, purpose drawn inline."""
    lang = receipt.lang
    cols = sizes.columns
    local = receipt.issued_at.astimezone(ZoneInfo(receipt.timezone))
    out: list[Element] = []
    out += _pair(
        Arabic(receipt.branch_name_ar, "title", key=f"branch:{receipt.branch_code}"),
        text(receipt.branch_name_en, bold=True),
        lang,
    )
    ar, en = PHRASES["receipt:title"]
    out += _pair(Arabic(ar, "title", key="receipt:title"), text(en, bold=True), lang)
    if receipt.reprint:
        ar, en = PHRASES["phrase:reprint"]
        out += _pair(Arabic(ar, "body", key="phrase:reprint"), text(f" {en} ", reverse=True), lang)
    out.append(Rule())

    def row(key: str, value: str) -> None:
        ar, en = PHRASES[key]
        out.append(Arabic(ar, "small", "right", key=key))
        out.append(_row(en, value, cols))

    row("label:contributor", mask_reference(receipt.contributor_ref))
    ar, en = PHRASES["label:purpose"]
    out.append(Arabic(ar, "small", "right", key="label:purpose"))
    out.append(Arabic(receipt.purpose_ar, "body", "right"))
    out.append(text(receipt.purpose_en, align="left"))
    ar, en = PHRASES["label:periods"]
    out.append(Arabic(ar, "small", "right", key="label:periods"))
    out.append(text(format_periods(receipt.periods), align="left"))
    out.append(Rule())
    ar, en = PHRASES["label:amount"]
    out += _pair(Arabic(ar, "body", key="label:amount"), text(f"{en} (JOD)"), lang)
    out.append(text(format_jod(receipt.amount_fils), scale=(2, 2), bold=True))
    out.append(Rule())
    row("label:provisional", receipt.provisional_receipt_no)
    if receipt.central_receipt_no:
        row("label:central", receipt.central_receipt_no)
    else:
        ar, en = PHRASES["label:central"]
        out.append(Arabic(ar, "small", "right", key="label:central"))
        out.append(Arabic(PHRASES["phrase:pending"][0], "small", "right", key="phrase:pending"))
        out.append(_row(en, PHRASES["phrase:pending"][1], cols))
    row("label:verify", receipt.verification_code)
    out.append(Rule())
    out.append(text(local.strftime("%Y-%m-%d   %H:%M")))
    ar, en = PHRASES["phrase:keep"]
    out += _pair(Arabic(ar, "small", key="phrase:keep"), text(en), lang)
    out.append(Cut())
    return out


def keyed_art(elements: list[Element]) -> list[Arabic]:
    """The fixed Arabic artwork of a layout, first occurrence of each key, in print order."""
    seen: dict[str, Arabic] = {}
    for el in elements:
        if isinstance(el, Arabic) and el.key and el.key not in seen:
            seen[el.key] = el
    return list(seen.values())


def fixed_artwork(
    branch_code: str,
    branch_name_ar: str,
    services: list[tuple[str, str]],
    sizes: Sizes,
    *,
    tickets: bool = True,
    receipts: bool = False,
) -> list[Arabic]:
    """Every keyed Arabic piece this branch's tickets and/or receipts can use.

    Collected from the real layouts so the artwork downloaded at start-up is exactly what
    tickets will ask for. `services` is (code, Arabic name) in the branch's order; the result
    lists the pieces every ticket uses first, then services, then rarer marks, which is the
    download order, so when graphics memory runs short the rarest pieces go inline instead.
    """
    when = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
    found: dict[str, Arabic] = {}

    def add(elements: list[Element]) -> None:
        for art in keyed_art(elements):
            found.setdefault(art.key or "", art)

    for i, (code, name_ar) in enumerate((services or [("-", "-")]) if tickets else []):
        for prio in ("normal",) if i else ("normal", *PRIORITY_MARKS):
            ticket = TicketData(
                code="A000",
                service_code=code,
                service_name_ar=name_ar,
                service_name_en="-",
                priority=prio,
                people_ahead=0,
                estimated_wait_s=0,
                issued_at=when,
                lang="ar",
                business_day=when.date(),
                branch_code=branch_code,
                branch_name_ar=branch_name_ar,
                branch_name_en="-",
                reprint=prio == "urgent",
            )
            add(ticket_layout(ticket, sizes, qr=False))
    if receipts:
        for central in ("-", None):
            receipt = ReceiptData(
                branch_code=branch_code,
                branch_name_ar=branch_name_ar,
                branch_name_en="-",
                contributor_ref="-",
                purpose_ar="-",
                purpose_en="-",
                periods=(),
                amount_fils=0,
                provisional_receipt_no="-",
                central_receipt_no=central,
                verification_code="-",
                issued_at=when,
            )
            add(receipt_layout(receipt, sizes))
    arts = list(found.values())
    rare = [a for a in arts if (a.key or "").startswith(("priority:", "phrase:reprint"))]
    return [a for a in arts if a not in rare] + rare
