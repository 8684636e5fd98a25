"""`BigText`: a code or number in block letters, as large as its region allows.

Drawn with Textual's line API (a strip per row, one segment per run of blocks or blanks),
so a new call repaints the largest widget on the board without going through Rich's
console rendering: a call reaches the screen a few tens of milliseconds sooner.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from queue_kiosk.hall.widgets.big_font import best_scale, render_big

_BLOCK = Style(bold=True)


def _runs(line: str) -> list[str]:
    runs: list[str] = []
    for ch in line:
        if runs and (runs[-1][0] == " ") == (ch == " "):
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


class BigText(Widget):
    DEFAULT_CSS = """
    BigText { width: 1fr; height: 1fr; }
    """

    text: reactive[str] = reactive("", layout=False)

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(BigText.text, text)
        self._cache: tuple[tuple[str, int, int], list[str]] | None = None

    def rows(self) -> list[str]:
        """The picture as text lines the size of the widget (centred), cached per text and size."""
        width, height = self.size.width, self.size.height
        key = (self.text, width, height)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        rows = [""] * max(0, height)
        if self.text and width > 0 and height > 0:
            sx, sy = best_scale(self.text, width, height)
            lines = render_big(self.text, sx, sy)
            top = max(0, (height - len(lines)) // 2)
            left = max(0, (width - max(len(line) for line in lines)) // 2)
            for i, line in enumerate(lines[: height - top]):
                rows[top + i] = (" " * left + line)[:width]
        self._cache = (key, rows)
        return rows

    def render_line(self, y: int) -> Strip:
        rows = self.rows()
        width = self.size.width
        style = self.rich_style
        blocks = style + _BLOCK  # blanks and blocks differ: exports keep the blanks in place
        line = rows[y] if 0 <= y < len(rows) else ""
        segments = [Segment(run, style if run[0] == " " else blocks) for run in _runs(line)]
        return Strip(segments, len(line)).extend_cell_length(width, style)


__all__ = ["BigText"]
