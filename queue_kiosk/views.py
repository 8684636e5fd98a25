"""Terminal rendering of the live queue (rich tables; no Textual), in Arabic or English."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from branch.i18n import gettext, rtl
from queue_kiosk.overview import QueueOverview


def _mins(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def overview_renderable(ov: QueueOverview, lang: str = "ar", bidi: str = "app") -> Group:
    def t(msg: str) -> str:
        return rtl(gettext(msg, lang), bidi)  # type: ignore[arg-type]

    justify = "right" if lang == "ar" else "left"
    title = (
        f"{t('Live queue')} · {t('Business day')} {ov.business_day.isoformat()} · "
        f"{t('Issued today')} {ov.issued_today} · {t('Served today')} {ov.served_today}"
    )

    def ordered(cells: list) -> list:  # type: ignore[type-arg]
        return cells[::-1] if lang == "ar" else cells  # Arabic tables read right to left

    services = Table(title=title, expand=False, title_justify=justify)
    cols = [
        ("Service", justify),
        ("Waiting", "right"),
        ("Longest wait", "right"),
        ("Estimated wait", "right"),
        ("Target", "right"),
        ("Counters", "right"),
    ]
    for name, j in ordered(cols):
        services.add_column(t(name), justify=j)
    for s in ov.services:
        name = rtl(f"{s.prefix}  {s.name_ar}", bidi) if lang == "ar" else f"{s.prefix}  {s.name_en}"  # type: ignore[arg-type]
        late = s.longest_wait_s > s.target_wait_min * 60
        services.add_row(*ordered([
            name,
            str(s.waiting),
            Text(_mins(s.longest_wait_s), style="bold red" if late else ""),
            _mins(s.estimated_wait_s),
            f"{s.target_wait_min} {t('min')}",
            str(s.open_counters),
        ]))  # fmt: skip
    counters = Table(expand=False)
    for name, j in ordered(
        [
            ("Counter", "right"),
            ("Status", justify),
            ("Ticket", "left"),
            ("Staff", justify),
            ("Service", justify),
        ]
    ):
        counters.add_column(t(name), justify=j)
    for c in ov.counters:
        style = {"open": "green", "paused": "yellow", "closed": "dim"}.get(c.status, "")
        counters.add_row(*ordered([
            str(c.number),
            Text(t(c.status), style=style),
            f"{c.ticket} ({t(c.ticket_status or '')})" if c.ticket else "-",
            c.staff or "-",
            ", ".join(c.services),
        ]))  # fmt: skip
    return Group(services, counters)


def overview_text(ov: QueueOverview, lang: str = "ar", bidi: str = "app", width: int = 110) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(overview_renderable(ov, lang, bidi))
    return console.export_text()
