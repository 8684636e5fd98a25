""""Rate your visit": the ticket code, a score 1-5, an optional complaint category and a
short text. One rating per ticket (the feedback book refuses a second). Saved in a thread
worker; a thank-you notice then goes home by itself.

Three steps on one screen: `code` (type the code from the ticket), `score` (keys 1-5 or a
touch), `details` (category buttons, an optional comment, Enter to send).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from branch.errors import DomainError, NotFound
from queue_kiosk.feedback import MAX_TEXT, AlreadyRated, FeedbackBook
from queue_kiosk.kiosk.messages import FeedbackRefused, FeedbackSaved
from queue_kiosk.kiosk.screens.base import KioskScreen
from tui.lang import language_of

COMMENT_MAX = 140
SCORES = ("1", "2", "3", "4", "5")
SCORE_WORDS = {"1": "Very poor", "2": "Poor", "3": "Fair", "4": "Good", "5": "Excellent"}


class RatingScreen(KioskScreen):
    AUTO_FOCUS = "#code-input"
    BINDINGS: ClassVar = [
        *[
            Binding(d, f"score('{d}')", d, show=False, id=f"kiosk.rate_{d}")
            for d in SCORES
        ],
        Binding("f3", "send", "Send", id="kiosk.rate_send", show=False, priority=True),
    ]

    def __init__(self, parts, **kwargs) -> None:
        super().__init__(parts, **kwargs)
        self.step = "code"
        self.code = ""
        self.score: int | None = None
        self.category: str | None = None
        self.comment = ""
        self.error = ""
        self.sending = False

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        lang = language_of(self)
        yield Static(lang.show("Rate your visit"), id="title", classes="text")
        yield Static(lang.show(self.prompt()), id="prompt", classes="text")
        with Vertical(id="rate-box"):
            if self.step == "code":
                yield Input(value=self.code, placeholder="A001", max_length=4,
                            restrict=r"[A-Za-z0-9]*", id="code-input")
            else:
                yield Static(lang.label_value("Ticket", self.code), id="rate-code",
                             classes="text")
            if self.step == "score":
                buttons = [self.plain(lang.row([d, lang.t(SCORE_WORDS[d])]), f"score-{d}")
                           for d in SCORES]
                if lang.is_rtl:
                    buttons.reverse()
                yield Horizontal(*buttons, id="scores")
            if self.step == "details":
                yield Static(lang.label_value("Your rating", f"{self.score}/5"),
                             id="rate-score", classes="text")
                cats = [
                    self.plain(
                        lang.text(c.name_ar if lang.is_rtl else c.name_en),
                        f"cat-{c.code}",
                        "-chosen" if c.code == self.category else "",
                    )
                    for c in self.parts.kiosk.complaint_categories
                ]
                if lang.is_rtl:
                    cats.reverse()
                yield Horizontal(*cats, id="categories")
                yield Input(value=self.comment, max_length=COMMENT_MAX,
                            placeholder=lang.show("A short comment (optional)"), id="comment")
            yield Static(lang.show(self.error) if self.error else "", id="rate-error",
                         classes="text")
        actions = []
        if self.step == "details":
            actions.append(self.plain(lang.row(["F3", lang.t("Send")]), "send"))
        actions.append(self.plain(lang.row(["Esc", lang.t("Back")]), "back"))
        if lang.is_rtl:
            actions.reverse()
        yield Horizontal(*actions, id="actions")

    @staticmethod
    def plain(label: str, id: str, classes: str = "") -> Button:
        button = Button(label, id=id, flat=True, classes=classes)
        button.can_focus = False
        return button

    def prompt(self) -> str:
        return {
            "code": "Type the code on your ticket, then press Enter",
            "score": "How was your visit? Press 1 (very poor) to 5 (excellent)",
            "details": "Anything to complain about? Choose a topic, add a comment, then Send",
        }[self.step]

    def go(self, step: str, error: str = "") -> None:
        self.step, self.error = step, error
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_step)

    def _focus_step(self) -> None:
        target = {"code": "#code-input", "details": "#comment"}.get(self.step)
        if target:
            for widget in self.query(target):
                widget.focus()
        else:
            self.set_focus(None)

    # -- steps -----------------------------------------------------------------------------
    @on(Input.Submitted, "#code-input")
    def _code(self, event: Input.Submitted) -> None:
        code = event.value.strip().upper()
        if not code:
            return
        self.code = code
        self.go("score")

    def action_score(self, digit: str) -> None:
        if self.step != "score":
            return
        self.score = int(digit)
        self.go("details")

    @on(Button.Pressed, "#scores Button")
    def _score_button(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_score(str(event.button.id).removeprefix("score-"))

    @on(Button.Pressed, "#categories Button")
    def _category(self, event: Button.Pressed) -> None:
        event.stop()
        chosen = str(event.button.id).removeprefix("cat-")
        self.category = None if self.category == chosen else chosen
        for button in self.query("#categories Button"):
            button.set_class(button.id == f"cat-{self.category}", "-chosen")

    @on(Input.Changed, "#comment")
    def _comment(self, event: Input.Changed) -> None:
        self.comment = event.value

    @on(Input.Submitted, "#comment")
    @on(Button.Pressed, "#send")
    def action_send(self) -> None:
        if self.step != "details" or self.sending or self.score is None:
            return
        self.sending = True
        self._save(self.code, self.score, self.category, self.comment.strip() or None)

    @work(thread=True, group="feedback", exit_on_error=False)
    def _save(self, code: str, score: int, category: str | None, text: str | None) -> None:
        kiosk = self.parts.kiosk
        book = FeedbackBook(
            self.parts.db,
            self.parts.settings.config,
            self.parts.engine.clock,
            tuple(c.code for c in kiosk.complaint_categories),
        )
        try:
            book.record_feedback(code, score, category, (text or "")[:MAX_TEXT] or None)
        except AlreadyRated:
            self.post_message(FeedbackRefused("This ticket has already been rated. Thank you."))
        except NotFound:
            self.post_message(FeedbackRefused("No ticket with this code today. Check the code."))
        except DomainError:
            self.post_message(FeedbackRefused("Your rating could not be saved. Try again."))
        else:
            self.post_message(FeedbackSaved(code))

    @on(FeedbackSaved)
    def _saved(self, _: FeedbackSaved) -> None:
        from queue_kiosk.kiosk.screens.notice import NoticeScreen

        self.sending = False
        self.app.switch_screen(NoticeScreen(
            self.parts, "thanks", "Thank you for your rating", "It helps us serve you better.",
        ))  # fmt: skip

    @on(FeedbackRefused)
    def _refused(self, message: FeedbackRefused) -> None:
        self.sending = False
        self.code, self.score, self.category, self.comment = "", None, None, ""
        self.go("code", message.reason)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_home()

    def on_language_changed(self, _) -> None:
        self.go(self.step, self.error)


__all__ = ["RatingScreen"]
