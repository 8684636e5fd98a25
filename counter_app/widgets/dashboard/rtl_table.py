"""A `DataTable` whose columns sit against the right edge in Arabic.

`tui.bidi.fill_table` mirrors the columns; a DataTable still lays them out from the left, so a
table narrower than its panel would start on the wrong side. Here every column is sized from
its widest cell and, in Arabic, the leftmost column (the last in reading order) takes the
spare width.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.widgets import DataTable

from tui.lang import language_of


class RtlTable(DataTable):
    def flush_right(self) -> None:
        columns = self.ordered_columns
        if not columns or not self.is_mounted:
            return
        widths = [cell_len(c.label.plain) for c in columns]
        for row_key in self.rows:
            for i, value in enumerate(self.get_row(row_key)):
                widths[i] = max(widths[i], cell_len(getattr(value, "plain", str(value))))
        if language_of(self).is_rtl:
            used = sum(widths) + 2 * self.cell_padding * len(columns)
            widths[0] += max(0, self.scrollable_content_region.width - used)
        for column, width in zip(columns, widths, strict=True):
            column.auto_width, column.width = False, width
        self._require_update_dimensions = True
        self.refresh()

    def on_resize(self, _: events.Resize) -> None:
        self.flush_right()
