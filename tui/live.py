"""The bridge from `branch.live.ChangeFeed` to Textual: `DataChanged` messages, no polling.

    class KioskApp(App):
        def on_mount(self) -> None:
            start_live_updates(self, self.db)

        def on_data_changed(self, message: DataChanged) -> None: ...  # or on a screen

The feed is opened and waited on in a thread worker, so a slow or unreachable database never
blocks the event loop. Each change is delivered, on the event loop, to the app and to every
screen in the screen stack (the message does not bubble, so nobody gets it twice). The first
`DataChanged` (everything) arrives once the watch is established: load your data on it and
nothing committed in between is missed. The worker ends when the app exits (Textual cancels
its workers) and closes the feed.
"""

from __future__ import annotations

from textual.app import App
from textual.message import Message
from textual.worker import Worker, get_current_worker

from branch.db import Database
from branch.live import EVERYTHING, Change, ChangeFeed

GROUP = "tabour-live"


class DataChanged(Message, bubble=False):
    """Something in the branch database changed: `everything`, or these ids/kinds/counters."""

    def __init__(self, change: Change) -> None:
        super().__init__()
        self.change = change

    @property
    def everything(self) -> bool:
        return self.change.everything

    @property
    def ids(self) -> frozenset[int] | None:
        return self.change.ids

    @property
    def kinds(self) -> frozenset[str] | None:
        return self.change.kinds

    @property
    def counters(self) -> frozenset[int] | None:
        return self.change.counters


def _dispatch(app: App, change: Change) -> None:
    for node in (app, *app.screen_stack):
        node.post_message(DataChanged(change))


def start_live_updates(app: App, db: Database, *, wait_s: float = 0.25, **feed_options) -> Worker:
    """Watch `db` and post `DataChanged` to `app` and its screens; returns the worker."""

    def watch() -> None:
        worker = get_current_worker()
        feed = ChangeFeed(db, **feed_options)
        try:
            change: Change | None = EVERYTHING
            while not worker.is_cancelled:
                if change is not None:
                    try:
                        app.call_from_thread(_dispatch, app, change)
                    except RuntimeError:  # the app is shutting down
                        return
                change = feed.wait(wait_s)
        finally:
            feed.close()

    return app.run_worker(watch, name="live updates", group=GROUP, thread=True, exit_on_error=False)


__all__ = ["GROUP", "DataChanged", "start_live_updates"]
