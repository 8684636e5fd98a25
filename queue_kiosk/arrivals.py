"""Arrival profiles for the simulator: when customers come, for what, and how long they take.

A profile is a TOML file (format in docs/simulator.md), one of the packaged ones (`default`,
`lunch-peak`), or learnt from the branch's own history (`history`): arrivals per local hour
and service averaged over the business days that had tickets, service times (mean and
coefficient of variation) from tickets served to the end, the no-show share of called tickets.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session

from branch.errors import ConfigError
from branch.settings import PRIORITIES, BranchConfig, _key_of
from queue_kiosk import statistics

PACKAGED = ("default", "lunch-peak")
HISTORY_DAYS = 28


class ServiceTime(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mean_min: Annotated[float, Field(gt=0, le=600)]
    cv: Annotated[float, Field(ge=0, le=5)] = 0.5


class ArrivalProfile(BaseModel):
    """Arrivals per hour by local hour and service; service-time distributions; no-shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    no_show: Annotated[float, Field(ge=0, le=1)] = 0.04
    walk_up_s: tuple[Annotated[float, Field(ge=0, le=3600)], Annotated[float, Field(ge=0, le=3600)]] = (
        15.0,
        45.0,
    )
    priority: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    service_time: dict[str, ServiceTime]
    arrivals: dict[int, dict[str, Annotated[float, Field(ge=0, le=10_000)]]]

    @model_validator(mode="after")
    def _consistent(self) -> ArrivalProfile:
        for hour in self.arrivals:
            if not 0 <= hour <= 23:
                raise ValueError(f"arrivals: hour {hour} is not 0-23")
        for p in self.priority:
            if p not in PRIORITIES or p == "normal":
                raise ValueError(f"priority: unknown class {p!r}")
        if sum(self.priority.values()) > 1:
            raise ValueError("priority: shares add up to more than 1")
        if self.walk_up_s[0] > self.walk_up_s[1]:
            raise ValueError("walk_up_s: the first bound is above the second")
        return self

    def check_services(self, config: BranchConfig, source: str) -> None:
        known = {s.code for s in config.services if s.active}
        for hour, rates in self.arrivals.items():
            for code in rates:
                if code not in known:
                    raise ConfigError(source, f"arrivals.{hour}.{code}", "unknown service")
                if code not in self.service_time:
                    raise ConfigError(source, f"service_time.{code}", "missing")

    @property
    def hours(self) -> list[int]:
        return sorted(self.arrivals)


def parse_profile(text: str, source: str) -> ArrivalProfile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "(syntax)", str(exc)) from None
    try:
        return ArrivalProfile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        raise ConfigError(source, _key_of(tuple(err["loc"]), data), msg) from None


def packaged_text(name: str) -> str:
    return resources.files("queue_kiosk").joinpath("profiles", f"{name}.toml").read_text("utf-8")


def load_profile(spec: str, config: BranchConfig) -> ArrivalProfile:
    """A packaged profile by name, or a TOML file by path (not `history`: see from_history)."""
    if spec in PACKAGED:
        profile, source = parse_profile(packaged_text(spec), spec), spec
    else:
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                spec, "(file)", f"not found; give a file or one of {', '.join(PACKAGED)}, history"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(spec, "(file)", str(exc)) from None
        profile, source = parse_profile(text, spec), spec
    profile.check_services(config, source)
    return profile


def from_history(
    session: Session, config: BranchConfig, today: date, days: int = HISTORY_DAYS
) -> ArrivalProfile:
    """Learn a profile from the branch's last `days` business days (before `today`)."""
    start, end = today - timedelta(days=days), today - timedelta(days=1)
    by_hour = statistics.compute(session, config, start, end, ("service", "hour"))
    day_count = statistics.active_days(session, start, end)
    if not day_count:
        raise ConfigError("history", "(database)", f"no tickets in the {days} days before {today}")
    arrivals: dict[int, dict[str, float]] = defaultdict(dict)
    for (service, hour), s in by_hour.groups:
        if s.issued:
            arrivals[int(hour)][service] = round(s.issued / day_count, 3)
    times = statistics.service_time_moments(session, start, end)
    service_time: dict[str, ServiceTime] = {}
    for svc in config.services:
        n, mean, var = times.get(svc.code, (0, 0.0, 0.0))
        if n >= 2 and mean > 0:
            cv = math.sqrt(max(var, 0.0)) / mean
            service_time[svc.code] = ServiceTime(mean_min=round(mean / 60, 3), cv=round(min(cv, 5), 3))
        else:
            service_time[svc.code] = ServiceTime(mean_min=svc.target_service_min, cv=0.5)
    ns = by_hour.totals.no_show_rate or 0.0
    return ArrivalProfile(
        name=f"history {start.isoformat()}..{end.isoformat()}",
        no_show=round(ns, 4),
        service_time=service_time,
        arrivals=dict(arrivals),
    )


def lognormal_params(mean_s: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of the lognormal with this mean and coefficient of variation."""
    sigma2 = math.log(1.0 + cv * cv)
    return math.log(mean_s) - sigma2 / 2.0, math.sqrt(sigma2)


def local_start(day: date, hour: int, config: BranchConfig) -> datetime:
    from datetime import time

    return datetime.combine(day, time(hour), config.branch.tz)
