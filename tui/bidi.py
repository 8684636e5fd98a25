"""Bidi-aware text for Arabic screens: mirrored rows, reversed tables, right-aligned blocks.

Textual lays text out left to right and knows nothing of bidi, and terminals differ (DESIGN
§8). Stored text stays in logical order; these helpers produce what the cell grid shows,
through `branch.i18n.rtl()` and the `[ui] bidi` setting:

- `app` (default): Tabour shapes and reorders each piece; a row's parts are placed right to
  left, so the first part (a label) ends up on the right of its value.
- `terminal`: the terminal (VTE) does bidi itself; text stays logical, and Arabic rows start
  with RLM so the terminal lays the line out right to left.

Codes, numbers and times stay Latin-ordered inside Arabic (the bidi algorithm keeps digit and
Latin runs left to right; `rtl()` never reverses them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

from rich.text import Text
from textual.widgets import DataTable

from branch.i18n import isolate_latin, rtl

Bidi = Literal["app", "terminal"]
RLM = "\u200f"
T = TypeVar("T")


def is_rtl(lang: str) -> bool:
    return lang == "ar"


def text(value: str, lang: str, bidi: Bidi = "app") -> str:
    """One piece of text as the terminal should receive it."""
    if not is_rtl(lang):
        return value
    return rtl(value, bidi) if bidi == "app" else isolate_latin(value)


def row(parts: Sequence[str], lang: str, bidi: Bidi = "app", sep: str = "  ") -> str:
    """A line assembled from parts in reading order, mirrored as a whole in Arabic: the first
    part is on the right. Each part keeps its own inner order (a code stays `A023`)."""
    if not is_rtl(lang):
        return sep.join(parts)
    if bidi == "terminal":
        return RLM + sep.join(isolate_latin(p) for p in parts)
    return sep.join(rtl(p, "app") for p in reversed(parts))


def label_value(label: str, value: str, lang: str, bidi: Bidi = "app", sep: str = ": ") -> str:
    """`Label: value` in English; in Arabic the label sits right of its value."""
    if not is_rtl(lang):
        return f"{label}{sep}{value}"
    return row([f"{label}{sep.rstrip()}", value], lang, bidi, sep=" ")


def ordered(items: Sequence[T], lang: str) -> list[T]:
    """Columns (or any left-to-right sequence) in display order: reversed in Arabic."""
    return list(reversed(items)) if is_rtl(lang) else list(items)


def cell(value: str, lang: str, bidi: Bidi = "app") -> Text:
    """A table cell or block: rendered for the language, right-aligned in Arabic."""
    return Text(text(value, lang, bidi), justify="right" if is_rtl(lang) else "left")


def block(value: str, lang: str, bidi: Bidi = "app") -> Text:
    """A paragraph (several lines): each line rendered, the block right-aligned in Arabic."""
    lines = [text(line, lang, bidi) for line in value.split("\n")]
    return Text("\n".join(lines), justify="right" if is_rtl(lang) else "left")


def fill_table(
    table: DataTable,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Sequence[str]]],
    lang: str,
    bidi: Bidi = "app",
) -> None:
    """Fill a `DataTable` mirrored for the language: `columns` are (key, label) in reading
    order, `rows` are (row key, cells in the same order). In Arabic the first column is on
    the right and every cell is right-aligned. Clears the table first (keeps its cursor)."""
    table.clear(columns=True)
    for key, label in ordered(columns, lang):
        table.add_column(cell(label, lang, bidi), key=key)
    for key, cells in rows:
        table.add_row(*(cell(c, lang, bidi) for c in ordered(cells, lang)), key=key)


def direction_class(lang: str) -> str:
    """The CSS class base.tcss styles for the direction: `-rtl` or `-ltr`."""
    return "-rtl" if is_rtl(lang) else "-ltr"


__all__ = [
    "block", "cell", "direction_class", "fill_table", "is_rtl", "label_value", "ordered", "row",
    "text",
]  # fmt: skip
