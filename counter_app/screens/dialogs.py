"""Dialogs the counter's actions open: pick one of a list (an outcome, a pause reason, where to
transfer, how to leave the counter) or type a ticket code. Each returns its answer through
`dismiss` (None when cancelled with Escape) and does no I/O itself."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.lang import LanguageChanged, language_of

CODE = re.compile(r"^\s*([A-Za-z])\s*0*(\d{1,3})\s*$")


def normal_code(typed: str) -> str | None:
    """`a23`, `A023`, ` a 023 ` → `A023`; anything else → None."""
    m = CODE.match(typed)
    if not m or int(m.group(2)) == 0:
        return None
    return f"{m.group(1).upper()}{int(m.group(2)):03d}"


class _Dialog(ModalScreen[str | None]):
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel", id="counter.dialog.cancel")]

    def __init__(
        self, title: str, hint: str, title_values: dict[str, str] | None = None, **kw
    ) -> None:
        super().__init__(**kw)
        self.title_text, self.hint_text = title, hint
        self.title_values = title_values or {}

    def _text(self, value: str, style: str = "") -> Text:
        lang = language_of(self)
        return Text(lang.text(value), style=style, justify="right" if lang.is_rtl else "left")

    def _frame(self) -> tuple[Static, Static]:
        lang = language_of(self)
        return (
            Static(
                self._text(lang.t(self.title_text).format(**self.title_values), "bold"),
                classes="dialog-title",
            ),
            Static(self._text(lang.t(self.hint_text)), classes="dialog-hint"),
        )

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_language_changed(self, _: LanguageChanged) -> None:
        self.refresh(recompose=True)
        self.call_after_refresh(self._refocus)

    def _refocus(self) -> None:
        for widget in self.query("OptionList, Input"):
            widget.focus()
            return


class ChoiceDialog(_Dialog):
    """Choose one of `options` ((answer, label in logical order); an answer of None is a
    heading that cannot be chosen). Enter chooses, Escape cancels."""

    def __init__(
        self, title: str, options: list[tuple[str | None, str]], *, dialog_id: str,
        hint: str = "Enter chooses · Esc cancels", highlight: int = 0,
        title_values: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(title, hint, title_values, id=dialog_id)
        self.options = options
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        title, hint = self._frame()
        opts: list[Option | None] = []
        for answer, label in self.options:
            if answer is None:
                opts.append(Option(self._text(label, "bold underline"), disabled=True))
            else:
                opts.append(Option(self._text(label), id=answer))
        with Vertical(classes="dialog"):
            yield title
            yield OptionList(*opts, id="choices")
            yield hint

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.focus()
        enabled = [i for i, o in enumerate(choices.options) if not o.disabled]
        if enabled:
            choices.highlighted = enabled[min(self.highlight, len(enabled) - 1)]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class CodeDialog(_Dialog):
    """Type a ticket code (`A023`); a malformed one is refused in one line, the dialog stays."""

    def __init__(
        self, title: str, *, dialog_id: str, hint: str = "Enter confirms · Esc cancels"
    ) -> None:
        super().__init__(title, hint, id=dialog_id)
        self.problem = ""

    def compose(self) -> ComposeResult:
        title, hint = self._frame()
        with Vertical(classes="dialog"):
            yield title
            yield Input(placeholder="A023", max_length=8, id="code")
            yield Static(self._text(self.problem), id="problem", classes="refused")
            yield hint

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        code = normal_code(event.value)
        if code is None:
            lang = language_of(self)
            self.problem = lang.t("a ticket code is a letter and a number, e.g. A023")
            self.query_one("#problem", Static).update(self._text(self.problem))
            return
        self.dismiss(code)


__all__ = ["ChoiceDialog", "CodeDialog", "normal_code"]
