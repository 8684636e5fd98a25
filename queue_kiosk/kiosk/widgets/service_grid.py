"""Large service buttons grouped as DOMAIN.md groups the services, each with its digit key.

Rows are laid out in reading order: in Arabic the first button of a row is on the right and a
button's digit sits right of its name. A row short of `columns` is padded on the reading end,
so buttons keep one width.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from queue_kiosk.desk import KioskService
from tui.lang import language_of


class ServiceButton(Button):
    """A service's button; `service` is its code, `digit` the key that presses it."""

    def __init__(self, service: KioskService, digit: str | None, label: str, **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.service = service
        self.digit = digit
        self.can_focus = False
        self.styles.line_pad = 0  # long service names need every cell (CSS refuses 0)


class ServiceGrid(Vertical):
    """The buttons for `entries` (service, digit), grouped, `columns` per row."""

    DEFAULT_CSS = """
    ServiceGrid { height: auto; }
    ServiceGrid .group-title { height: 1; margin: 0 1; text-style: bold; color: $secondary; }
    ServiceGrid .service-row { height: 3; }
    ServiceGrid ServiceButton {
        width: 1fr; height: 3; margin: 0 0 0 1; min-width: 10;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    ServiceGrid .pad { width: 1fr; height: 3; margin: 0 0 0 1; }
    """

    def __init__(
        self,
        entries: Sequence[tuple[KioskService, str | None]],
        *,
        columns: int = 3,
        note: str = "",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.entries = list(entries)
        self.columns = columns
        self.note = note

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        groups: dict[str, list[tuple[KioskService, str | None]]] = {}
        for entry in self.entries:
            groups.setdefault(entry[0].group, []).append(entry)
        for group, entries in groups.items():
            yield Static(lang.show(group), classes="group-title text")
            for start in range(0, len(entries), self.columns):
                chunk = entries[start : start + self.columns]
                cells: list = []
                for service, digit in chunk:
                    name = service.name(lang.lang)
                    if self.note:
                        name = f"{name} {self.note}"
                    label = lang.row([digit, name], sep="  ") if digit else lang.text(name)
                    cells.append(
                        ServiceButton(service, digit, label, id=f"svc-{service.code}", flat=True)
                    )
                cells += [Static("", classes="pad") for _ in range(self.columns - len(chunk))]
                if lang.is_rtl:
                    cells.reverse()
                yield Horizontal(*cells, classes="service-row")

    def by_digit(self, digit: str) -> ServiceButton | None:
        for button in self.query(ServiceButton):
            if button.digit == digit:
                return button
        return None


__all__ = ["ServiceButton", "ServiceGrid"]
