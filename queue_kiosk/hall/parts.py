"""What the hall screen works with, built once per process: settings, database, clock, the
chime and the serial displays. The whole-branch demo and the tests build their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from branch.clock import utc_now
from branch.db import Database
from branch.settings import HallSettings, Settings
from queue_kiosk.hall.chime import Chime
from queue_kiosk.hall.displays import HallDisplays


@dataclass
class HallParts:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = utc_now
    chime: Chime = field(default_factory=lambda: Chime([]))
    displays: HallDisplays = field(default_factory=lambda: HallDisplays({}))

    @property
    def hall(self) -> HallSettings:
        return self.settings.config.hall

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        devices: bool = True,
        db: Database | None = None,
    ) -> HallParts:
        """The real parts from settings; `devices=False` leaves the serial displays out."""
        if db is None:
            db = Database(settings.database_url, settings.config.database.busy_timeout_ms)
            db.require_migrated()
        refresh_s = settings.config.hall.display_refresh_s
        displays = HallDisplays.from_settings(settings, refresh_s) if devices else HallDisplays({})
        return cls(settings, db, clock, Chime(settings.config.hall.chime), displays)

    def close(self) -> None:
        self.displays.close()


__all__ = ["HallParts"]
