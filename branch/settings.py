"""Branch settings: `branch.toml` validated with pydantic, plus environment overrides.

`TABOUR_HOME` holds the branch's state (database, printer output); `TABOUR_CONFIG` names the
config file (default `$TABOUR_HOME/branch.toml`); `TABOUR_DATABASE_URL` overrides the
database (default SQLite under `TABOUR_HOME`). A bad file raises `ConfigError`, whose message
is one line naming the file, the key and the problem.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from branch.errors import ConfigError

PRIORITIES = ("normal", "elderly", "disabled", "pregnant", "urgent")
Priority = Literal["normal", "elderly", "disabled", "pregnant", "urgent"]
Lang = Literal["ar", "en"]

DEMO_CONFIG_RESOURCE = "demo_branch.toml"


class KeyedProblem(ValueError):
    """A cross-field problem that knows which key it is about."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(problem)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BranchInfo(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z0-9-]{2,16}$")]
    name_ar: Annotated[str, Field(min_length=1)]
    name_en: Annotated[str, Field(min_length=1)]
    timezone: str = "Asia/Amman"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ServiceConfig(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")]
    prefix: Annotated[str, Field(pattern=r"^[A-Z]$")]
    name_ar: Annotated[str, Field(min_length=1)]
    name_en: Annotated[str, Field(min_length=1)]
    target_wait_min: Annotated[int, Field(gt=0, le=600)]
    target_service_min: Annotated[int, Field(gt=0, le=600)]
    special: bool = False
    active: bool = True


class CounterConfig(_Strict):
    number: Annotated[int, Field(ge=1, le=999)]
    name_ar: str = ""
    name_en: str = ""
    services: Annotated[list[str], Field(min_length=1)]
    primary: str | None = None

    @model_validator(mode="after")
    def _primary_served(self) -> CounterConfig:
        if self.primary is not None and self.primary not in self.services:
            raise ValueError(f"primary service {self.primary!r} is not in this counter's services")
        return self


class NamedCode(_Strict):
    """A code a counter picks from a list (a pause reason, a finish outcome), named in both
    languages for the screen."""

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,31}$")]
    name_ar: Annotated[str, Field(min_length=1)]
    name_en: Annotated[str, Field(min_length=1)]


def _default_pause_reasons() -> list[NamedCode]:
    return [
        NamedCode(code="break", name_ar="استراحة", name_en="Break"),
        NamedCode(code="prayer", name_ar="صلاة", name_en="Prayer"),
        NamedCode(code="meeting", name_ar="اجتماع", name_en="Meeting"),
        NamedCode(code="system", name_ar="عطل في النظام", name_en="System problem"),
    ]


def _default_outcomes() -> list[NamedCode]:
    return [
        NamedCode(code="served", name_ar="تمت الخدمة", name_en="Served"),
        NamedCode(code="paid", name_ar="تم الدفع", name_en="Payment taken"),
        NamedCode(code="info_given", name_ar="تم تقديم المعلومات", name_en="Information given"),
        NamedCode(code="referred", name_ar="أُحيل إلى جهة أخرى", name_en="Referred elsewhere"),
        NamedCode(
            code="incomplete_documents", name_ar="وثائق غير مكتملة", name_en="Incomplete documents"
        ),
        NamedCode(code="system_down", name_ar="تعذّر بسبب النظام", name_en="System unavailable"),
    ]


def _unique_codes(items: list[NamedCode], what: str) -> list[NamedCode]:
    seen: set[str] = set()
    for item in items:
        if item.code in seen:
            raise ValueError(f"{what} {item.code!r} defined twice")
        seen.add(item.code)
    return items


class QueuePolicy(_Strict):
    """Weighted aging: score = minutes waited + boost of the ticket's class."""

    priority_boost_min: dict[Priority, Annotated[float, Field(ge=0, le=24 * 60)]] = Field(
        default_factory=lambda: {
            "normal": 0.0,
            "elderly": 15.0,
            "disabled": 15.0,
            "pregnant": 15.0,
            "urgent": 30.0,
        }
    )
    primary_service_boost_min: Annotated[float, Field(ge=0, le=24 * 60)] = 0.0
    recent_service_samples: Annotated[int, Field(ge=1, le=1000)] = 20
    max_recalls: Annotated[int, Field(ge=0, le=20)] = 3
    pause_reasons: Annotated[list[NamedCode], Field(min_length=1)] = Field(
        default_factory=_default_pause_reasons
    )
    outcomes: Annotated[list[NamedCode], Field(min_length=1)] = Field(
        default_factory=_default_outcomes
    )

    @field_validator("pause_reasons")
    @classmethod
    def _unique_reasons(cls, v: list[NamedCode]) -> list[NamedCode]:
        return _unique_codes(v, "pause reason")

    @field_validator("outcomes")
    @classmethod
    def _unique_outcomes(cls, v: list[NamedCode]) -> list[NamedCode]:
        return _unique_codes(v, "outcome")

    def boost_s(self, priority: str) -> float:
        return float(self.priority_boost_min.get(priority, 0.0)) * 60.0  # type: ignore[call-overload]


class PrinterConfig(_Strict):
    device: str = "virtual:printer"
    profile: str = "TM-T20II"
    paper_mm: Literal[58, 80] = 80
    # Printer-package tuning; every field has a default so existing files stay valid.
    font: str | None = None  # path to an Arabic-capable TTF/OTF; default: the packaged Noto
    stored_graphics: Literal["auto", "ram", "nv", "fs", "none"] = "auto"
    qr: bool = True
    dots_per_line: Annotated[int, Field(ge=128, le=1024)] | None = None
    write_timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    status_timeout_s: Annotated[float, Field(gt=0, le=30)] = 1.0


class DisplayConfig(_Strict):
    counter: Annotated[int, Field(ge=1, le=999)]
    device: str
    driver: Literal["epson", "cd5220"] = "epson"
    caption: Annotated[str, Field(max_length=20, pattern=r"^[ -~]*$")] = ""


class DevicesSettings(_Strict):
    kiosk_printer: PrinterConfig = Field(default_factory=PrinterConfig)
    counter_printers: dict[str, PrinterConfig] = Field(default_factory=dict)
    displays: list[DisplayConfig] = Field(default_factory=list)


class HallDisplayConfig(_Strict):
    """The optional serial display over the hall: the latest call (`A023 -> 4`)."""

    device: str
    driver: Literal["epson", "cd5220"] = "epson"
    caption: Annotated[str, Field(max_length=20, pattern=r"^[ -~]*$")] = ""


class HallSettings(_Strict):
    """`[hall]`: the now-serving board (`tabour hall`)."""

    calls_shown: Annotated[int, Field(ge=1, le=20)] = 8
    highlight_s: Annotated[float, Field(ge=0, le=120)] = 8.0
    # `alternate`: the whole board switches language every `alternate_s`; `side_by_side`:
    # every label in both; `ar` / `en`: one language only.
    languages: Literal["alternate", "side_by_side", "ar", "en"] = "alternate"
    alternate_s: Annotated[float, Field(ge=2, le=600)] = 10.0
    # run on each call and recall, e.g. ["paplay", "/usr/share/sounds/freedesktop/stereo/bell.oga"]
    chime: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    display: HallDisplayConfig | None = None
    # every display's picture is sent again this often, so a replugged one recovers by itself
    display_refresh_s: Annotated[float, Field(ge=0.5, le=3600)] = 10.0


_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _default_complaint_categories() -> list[NamedCode]:
    return [
        NamedCode(code="waiting", name_ar="طول الانتظار", name_en="Waiting time"),
        NamedCode(code="staff", name_ar="تعامل الموظف", name_en="Staff conduct"),
        NamedCode(code="procedure", name_ar="الإجراءات", name_en="Procedures"),
        NamedCode(code="premises", name_ar="المرافق", name_en="Premises"),
        NamedCode(code="other", name_ar="أخرى", name_en="Other"),
    ]


class KioskSettings(_Strict):
    """`[kiosk]`: the touch kiosk (`tabour kiosk`). By default open at all hours."""

    open_days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    opens: Annotated[str, Field(pattern=_HHMM)] = "00:00"
    closes: Annotated[str, Field(pattern=_HHMM)] = "24:00"
    # Services that offer the priority path (elderly, disabled, pregnant); None: every one.
    priority_services: list[str] | None = None
    # Services that offer the urgent fast track (fee `[central] urgent_fee_fils`, collected
    # at the counter).
    urgent_services: list[str] = Field(default_factory=list)
    national_number: bool = False
    # No open counter serves the service: `issue` anyway (and say so) or `refuse`.
    no_open_counter: Literal["issue", "refuse"] = "issue"
    idle_timeout_s: Annotated[float, Field(ge=3, le=600)] = 20.0
    rating: bool = True
    complaint_categories: list[NamedCode] = Field(default_factory=_default_complaint_categories)
    # The operator's way out: a key chord, then a manager's username and PIN. None: signal only.
    exit_chord: str | None = None

    @field_validator("exit_chord")
    @classmethod
    def _chord(cls, v: str | None) -> str | None:
        return None if v is None else _key_string(v)

    @model_validator(mode="after")
    def _hours(self) -> KioskSettings:
        if self.opens >= self.closes:
            raise KeyedProblem("kiosk.closes", f"closes ({self.closes}) must be after opens")
        _unique_codes(self.complaint_categories, "complaint category")
        return self

    def is_open(self, weekday: int, hhmm: str) -> bool:
        """Open on this weekday (Monday 0) at this local time ("HH:MM")?"""
        return WEEKDAYS[weekday] in self.open_days and self.opens <= hhmm < self.closes

    def allows_priority(self, service: str) -> bool:
        return self.priority_services is None or service in self.priority_services

    def allows_urgent(self, service: str) -> bool:
        return service in self.urgent_services


class CentralSettings(_Strict):
    base_url: str = "http://127.0.0.1:8765"
    naf_url: str | None = None
    housing_url: str | None = None
    timeout_s: Annotated[float, Field(gt=0, le=120)] = 5.0
    credentials_file: str | None = None
    offline_cash_cap_fils: Annotated[int, Field(ge=0)] = 200_000
    # The urgent-service fee a counter takes for a ticket of priority `urgent` (JD 5.000).
    urgent_fee_fils: Annotated[int, Field(ge=1, le=100_000_000)] = 5_000
    snapshot_ttl_h: Annotated[float, Field(gt=0, le=24 * 60)] = 72.0


_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*(?:[a-z0-9_]{2,}|[!-~])$")
_BINDING_ID = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


def _key_string(value: str) -> str:
    """`f5`, `ctrl+s`, `escape`, `1`, or several separated by commas (Textual key names)."""
    keys = [k.strip() for k in value.split(",")]
    bad = next((k for k in keys if not _KEY.match(k)), None)
    if bad is not None:
        raise ValueError(f"{bad!r} is not a key (e.g. f5, ctrl+s, escape, 1; several: \"f5,ctrl+r\")")
    return ",".join(keys)


def _binding_id(value: str) -> str:
    if not _BINDING_ID.match(value):
        raise ValueError(f"{value!r} is not a binding id (e.g. counter.call_next)")
    return value


class UISettings(_Strict):
    bidi: Literal["app", "terminal"] = "app"
    default_lang: Lang = "ar"
    # `[ui.keys]`: binding id -> key(s), loaded into each app's keymap (tui.keymap).
    keys: dict[
        Annotated[str, AfterValidator(_binding_id)], Annotated[str, AfterValidator(_key_string)]
    ] = Field(default_factory=dict)


class DatabaseSettings(_Strict):
    url: str | None = None
    busy_timeout_ms: Annotated[int, Field(ge=100, le=600_000)] = 10_000


class BranchConfig(_Strict):
    branch: BranchInfo
    queue: QueuePolicy = Field(default_factory=QueuePolicy)
    services: Annotated[list[ServiceConfig], Field(min_length=1)]
    counters: Annotated[list[CounterConfig], Field(min_length=1)]
    devices: DevicesSettings = Field(default_factory=DevicesSettings)
    central: CentralSettings = Field(default_factory=CentralSettings)
    ui: UISettings = Field(default_factory=UISettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    hall: HallSettings = Field(default_factory=HallSettings)
    kiosk: KioskSettings = Field(default_factory=KioskSettings)

    @model_validator(mode="after")
    def _consistent(self) -> BranchConfig:
        codes: set[str] = set()
        prefixes: dict[str, str] = {}
        for s in self.services:
            if s.code in codes:
                raise KeyedProblem(f"services[code={s.code}]", "service defined twice")
            codes.add(s.code)
            if s.prefix in prefixes:
                raise KeyedProblem(
                    f"services[code={s.code}].prefix",
                    f"ticket prefix {s.prefix} is already used by {prefixes[s.prefix]}",
                )
            prefixes[s.prefix] = s.code
        numbers: set[int] = set()
        for c in self.counters:
            if c.number in numbers:
                raise KeyedProblem(f"counters[number={c.number}]", "counter defined twice")
            numbers.add(c.number)
            for code in c.services:
                if code not in codes:
                    raise KeyedProblem(
                        f"counters[number={c.number}].services", f"unknown service {code!r}"
                    )
        kiosk = self.kiosk
        for key, listed in (
            ("kiosk.priority_services", kiosk.priority_services or []),
            ("kiosk.urgent_services", kiosk.urgent_services),
        ):
            for code in listed:
                if code not in codes:
                    raise KeyedProblem(key, f"unknown service {code!r}")
        return self

    def service(self, code: str) -> ServiceConfig:
        for s in self.services:
            if s.code == code:
                return s
        raise KeyError(code)


class Settings(BaseModel):
    """Resolved settings: the config file plus where things live."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    home: Path
    config_path: Path
    database_url: str
    config: BranchConfig

    @property
    def tz(self) -> ZoneInfo:
        return self.config.branch.tz

    def business_day(self, when_utc) -> date:
        return when_utc.astimezone(self.tz).date()


def tabour_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("TABOUR_HOME"):
        return Path(env["TABOUR_HOME"]).expanduser()
    return Path.home() / ".local" / "share" / "tabour"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("TABOUR_CONFIG"):
        return Path(env["TABOUR_CONFIG"]).expanduser()
    return tabour_home(env) / "branch.toml"


def demo_config_text() -> str:
    return resources.files("branch").joinpath(DEMO_CONFIG_RESOURCE).read_text(encoding="utf-8")


def _key_of(loc: tuple[object, ...], data: object) -> str:
    """Render a pydantic error location as a key: `counters[number=4].services`."""
    out = ""
    node = data
    for item in loc:
        if isinstance(item, int):
            entry = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            ident = next(
                (
                    f"{k}={entry[k]}"
                    for k in ("code", "number")
                    if isinstance(entry, dict) and k in entry
                ),
                f"#{item + 1}",
            )
            out += f"[{ident}]"
        else:
            out += ("." if out else "") + str(item)
        try:
            node = node[item]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            node = None
    return out or "(top level)"


def parse_config(text: str, source: Path | str) -> BranchConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "(syntax)", str(exc)) from None
    try:
        return BranchConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _key_of(tuple(err["loc"]), data)
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, KeyedProblem):
            key = ".".join(p for p in (key if err["loc"] else "", cause.key) if p)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        more = exc.error_count() - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ConfigError(source, key, msg + suffix) from None


def load_config(path: Path) -> BranchConfig:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "not found; run `tabour init` to create it") from None
    except OSError as exc:
        raise ConfigError(path, "(file)", exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            path, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    return parse_config(text, path)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    home = tabour_home(env)
    path = config_path(env)
    config = load_config(path)
    if env.get("TABOUR_DATABASE_URL"):
        url = check_database_url(
            env["TABOUR_DATABASE_URL"], "the environment", "TABOUR_DATABASE_URL"
        )
    elif config.database.url:
        url = check_database_url(config.database.url, path, "database.url")
    else:
        url = f"sqlite:///{home / 'tabour.db'}"
    return Settings(home=home, config_path=path, database_url=url, config=config)


# drivername -> what Tabour runs on; anything else would fail later with an import error
SUPPORTED_DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


def check_database_url(url: str, source: Path | str, key: str) -> str:
    """`url` if it is a database URL Tabour can use, else a `ConfigError` naming `key`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            source, key, "not a database URL (e.g. postgresql+psycopg://tabour@db/tabour)"
        ) from None
    if parsed.drivername not in SUPPORTED_DATABASE_DRIVERS:
        raise ConfigError(
            source,
            key,
            f"unsupported database driver {parsed.drivername!r}; "
            f"use one of {', '.join(SUPPORTED_DATABASE_DRIVERS)}",
        )
    if parsed.get_backend_name() == "postgresql" and not parsed.database:
        raise ConfigError(source, key, "a PostgreSQL URL needs a database name")
    return url
