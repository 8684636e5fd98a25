"""`BigText`: a code or number in block letters, as large as its region allows."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from queue_kiosk.hall.widgets.big_font import best_scale, render_big


class BigText(Widget):
    DEFAULT_CSS = """
    BigText { width: 1fr; height: 1fr; }
    """

    text: reactive[str] = reactive("", layout=False)

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(BigText.text, text)

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        if not self.text or width <= 0 or height <= 0:
            return Text("")
        sx, sy = best_scale(self.text, width, height)
        lines = render_big(self.text, sx, sy)
        top = max(0, (height - len(lines)) // 2)
        # centred by hand: Rich strips trailing blanks before centring each line, which
        # would shift the rows of a glyph against each other
        left = " " * max(0, (width - max(len(line) for line in lines)) // 2)
        out = Text("\n" * top, justify="left", no_wrap=True)
        for i, line in enumerate(lines):
            if i:
                out.append("\n")
            out.append(left)
            for run in _runs(line):  # blocks styled apart from blanks: one span per run
                out.append(run, style="bold" if run[0] != " " else "")
        return out


def _runs(line: str) -> list[str]:
    runs: list[str] = []
    for ch in line:
        if runs and (runs[-1][0] == " ") == (ch == " "):
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


__all__ = ["BigText"]
