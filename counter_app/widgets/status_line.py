"""The one line that says what the last action did, or why the rules refused it."""

from __future__ import annotations

from textual.widgets import Static

from tui.lang import language_of


class StatusLine(Static):
    """`say(text)` for a result, `refuse(text)` for a refusal (red); text is already in the
    screen's language, in logical order."""

    def __init__(self, **kw) -> None:
        super().__init__("", **kw)
        self.message = ""
        self.refused = False

    def say(self, message: str) -> None:
        self.message, self.refused = message, False
        self._show()

    def refuse(self, message: str) -> None:
        self.message, self.refused = message, True
        self._show()

    def _show(self) -> None:
        self.set_class(self.refused, "refused")
        self.update(language_of(self).text(self.message) if self.message else "")

    def on_language_changed(self) -> None:  # the screen calls it; text stays as it was said
        self._show()


__all__ = ["StatusLine"]
