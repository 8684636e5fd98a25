"""The configuration reference (`docs/configuration.md`), generated from the settings model.

The model in `branch.settings` is the truth about what `branch.toml` accepts: every section,
key, type, default and allowed value is read from it here, so the page cannot drift from the
code (`tests/showcase/test_config_reference.py` fails when the committed page is stale;
`tabour config reference --output docs/configuration.md` rewrites it). A key's description
is its field's `description=` when the model gives one, else the line in `DESCRIPTIONS`
below; a section's description is its model's docstring unless `DESCRIPTIONS` names it.
"""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from branch.settings import BranchConfig

# section or "section.key" -> one line. Keys a model describes itself need no line here.
DESCRIPTIONS: dict[str, str] = {
    "branch": "Who this branch is and which clock it keeps.",
    "branch.code": "The branch's code, sent to central with statistics and audit heads.",
    "branch.name_ar": "The branch's name in Arabic (ticket header, hall board).",
    "branch.name_en": "The branch's name in English.",
    "branch.timezone": "IANA time zone of the branch: the business day and every displayed time.",
    "queue": "The queue policy: weighted aging (score = minutes waited + class boost).",
    "queue.priority_boost_min": "Minutes added to a ticket's wait, by priority class.",
    "queue.primary_service_boost_min": "Minutes added when a ticket is for the counter's primary service.",
    "queue.recent_service_samples": "How many recent services the wait estimate averages.",
    "queue.max_recalls": "How many times a counter may recall a called ticket.",
    "queue.pause_reasons": "Why a counter is paused; the counter screen asks for one.",
    "queue.outcomes": "How a visit ended; a counter finishes a ticket with one of these.",
    "queue.pause_reasons.code": "The code statistics and the CLI use (`--reason CODE`).",
    "queue.pause_reasons.name_ar": "Its name in Arabic on screen.",
    "queue.pause_reasons.name_en": "Its name in English on screen.",
    "queue.outcomes.code": "The code statistics and the CLI use (`--outcome CODE`).",
    "queue.outcomes.name_ar": "Its name in Arabic on screen.",
    "queue.outcomes.name_en": "Its name in English on screen.",
    "services": "One table per service the branch offers (the kiosk lists active ones in this order).",
    "services.code": "The service's code (`--service CODE`, reports, central statistics).",
    "services.prefix": "The ticket letter: `A` gives A001, A002, ... (one service per letter).",
    "services.name_ar": "The service's name in Arabic (kiosk, ticket, screens).",
    "services.name_en": "The service's name in English.",
    "services.target_wait_min": "The published standard for waiting, in minutes (dashboard, reports).",
    "services.target_service_min": "The published standard for serving, in minutes; also the estimate's fallback.",
    "services.special": "Served at the special counter (other agencies' services: NAF, housing, health).",
    "services.active": "Offered today; an inactive service is not issued at the kiosk.",
    "counters": "One table per counter.",
    "counters.number": "The counter's number (displays, calls, `--counter N`).",
    "counters.name_ar": 'Its name in Arabic (empty: "شباك N").',
    "counters.name_en": 'Its name in English (empty: "Counter N").',
    "counters.services": "The services it calls, in order of preference (codes from `[[services]]`).",
    "counters.primary": "One of its services that gets `queue.primary_service_boost_min`.",
    "devices": "Printers and counter displays.",
    "devices.kiosk_printer": "The kiosk's ticket printer.",
    "devices.counter_printers": 'Receipt printers by counter number (`[devices.counter_printers."6"]`).',
    "devices.displays": "Serial displays above the counters (codes and numbers only, never names).",
    "printer.device": "Where the bytes go: `serial:/dev/ttyUSB0?baudrate=9600`, `usb:0x04b8:0x0202`, `network:10.0.0.5:9100`, `file:/dev/usb/lp0`, `virtual:DIR` (under `TABOUR_HOME`; docs/printing.md).",
    "printer.profile": "The printer model: its code pages, graphics memory and QR support.",
    "printer.paper_mm": "Paper width in millimetres.",
    "printer.font": "An Arabic-capable TTF/OTF to draw Arabic with (default: the packaged Noto Sans Arabic).",
    "printer.stored_graphics": "Where cached Arabic artwork is kept: `auto` by profile, `ram`, `nv`, `fs`, or `none` (raster every time).",
    "printer.qr": "Print the ticket's QR code.",
    "printer.dots_per_line": "Override the profile's printable width in dots.",
    "printer.write_timeout_s": "Seconds a write may block before the print counts as failed.",
    "printer.status_timeout_s": "Seconds to wait for the printer's status answer (`DLE EOT`).",
    "devices.displays.counter": "The counter this display shows.",
    "devices.displays.device": "Where the display is: `serial:/dev/ttyUSB1?baudrate=9600` or `virtual:DIR` (an emulator's output under `TABOUR_HOME`).",
    "devices.displays.driver": "The display's command set.",
    "devices.displays.caption": "A fixed ASCII second line under the call `A023 -> 4` (empty: blank).",
    "central": "The link to central (contract v1, docs/central.md).",
    "central.base_url": "Central's SSC base URL (`TABOUR_CENTRAL_URL` overrides); plain http only on loopback.",
    "central.naf_url": "The National Aid Fund upstream (default: `base_url`; `TABOUR_NAF_URL`).",
    "central.housing_url": "The Decent Housing upstream (default: `base_url`; `TABOUR_HOUSING_URL`).",
    "central.timeout_s": "Seconds per request (connecting: at most 3).",
    "central.credentials_file": "A file whose first non-comment line is the bearer token; must be chmod 600 (`TABOUR_CENTRAL_TOKEN` wins).",
    "central.offline_cash_cap_fils": "The most an offline cash payment may take, in fils (1 JD = 1000).",
    "central.urgent_fee_fils": "The urgent-service fee a counter takes for a ticket of priority `urgent`, in fils.",
    "central.snapshot_ttl_h": "Hours an offline copy of a central read is kept.",
    "ui": "The terminal front-ends.",
    "ui.bidi": "Who reorders Arabic: `app` (Tabour; xterm, tmux, Windows Terminal) or `terminal` (VTE-based terminals that do it themselves).",
    "ui.default_lang": "The language a front-end starts in.",
    "ui.keys": 'Key remaps by binding id, e.g. `"counter.call_next" = "f5,ctrl+n"` (docs/tui.md).',
    "hall.calls_shown": "How many recent calls the board lists under the latest one.",
    "hall.highlight_s": "Seconds a new call stays highlighted.",
    "hall.languages": "`alternate`: the whole board switches language every `alternate_s`; `side_by_side`: every label in both; `ar` / `en`: one language only.",
    "hall.alternate_s": 'Seconds between language switches when `languages = "alternate"`.',
    "hall.chime": 'A command run on each call and recall, e.g. `["paplay", "/usr/share/sounds/freedesktop/stereo/bell.oga"]` (empty: silent).',
    "hall.display.device": "Where the display is: `serial:/dev/ttyUSB2?baudrate=9600` or `virtual:DIR`.",
    "hall.display.driver": "The display's command set.",
    "hall.display.caption": "A fixed ASCII second line under the latest call (empty: blank).",
    "hall.display_refresh_s": "Seconds between re-sends of every display's picture, so a display unplugged or switched off and on shows the right code again by itself.",
    "kiosk.open_days": "The days the kiosk issues tickets (branch time zone).",
    "kiosk.opens": "The time it starts issuing, `HH:MM` in the branch time zone.",
    "kiosk.closes": "The time it stops issuing (`24:00`: midnight); outside the hours it says so in both languages.",
    "kiosk.priority_services": "Services that offer the priority path (elderly, disabled, pregnant); none given: every service.",
    "kiosk.urgent_services": "Services that offer the urgent fast track (fee `[central] urgent_fee_fils`, collected at the counter).",
    "kiosk.national_number": "Ask for the national number (optional for the customer), kept sealed for the counter, never printed or shown again.",
    "kiosk.no_open_counter": "When no open counter serves the service: `issue` the ticket anyway and say so, or `refuse` it.",
    "kiosk.idle_timeout_s": "Seconds a screen stays untouched before the kiosk goes back home.",
    "kiosk.rating": 'Offer "Rate your visit" (a ticket code, 1-5, an optional complaint).',
    "kiosk.exit_chord": "The operator's way out: a key chord, then a manager's username and PIN (none: a signal only).",
    "kiosk.complaint_categories": "The complaint categories a visitor picks from after a rating.",
    "kiosk.complaint_categories.code": "The code feedback statistics keep.",
    "kiosk.complaint_categories.name_ar": "Its name in Arabic on the kiosk.",
    "kiosk.complaint_categories.name_en": "Its name in English on the kiosk.",
    "database": "The branch database.",
    "database.url": "A SQLAlchemy URL (`sqlite:///...`, `postgresql+psycopg://...`); `TABOUR_DATABASE_URL` wins; default SQLite in `TABOUR_HOME`.",
    "database.busy_timeout_ms": "How long a writer waits for another one before giving up (exit 5).",
}

# A model used in several places is described once, under a short name.
MODEL_ALIASES = {"PrinterConfig": "printer"}

ENVIRONMENT = (
    ("TABOUR_HOME", "The branch's state: database, secret, printer output (default `~/.local/share/tabour`; `python3 dev.py` uses `var/`)."),
    ("TABOUR_CONFIG", "The config file (default `$TABOUR_HOME/branch.toml`)."),
    ("TABOUR_DATABASE_URL", "The database, over `[database] url` (default `sqlite:///$TABOUR_HOME/tabour.db`)."),
    ("TABOUR_CENTRAL_URL", "Central's base URL, over `[central] base_url`."),
    ("TABOUR_NAF_URL", "The NAF upstream, over `[central] naf_url`."),
    ("TABOUR_HOUSING_URL", "The housing upstream, over `[central] housing_url`."),
    ("TABOUR_CENTRAL_TOKEN", "Central's bearer token, over `[central] credentials_file`."),
    ("TABOUR_CENTRAL_ALLOW_HTTP", "`1` allows plain http to a host that is not loopback (a test network only)."),
    ("TABOUR_SANDBOX_TOKEN", "`tabour sandbox`: the token the sandbox requires (`--token`)."),
    ("TABOUR_LOG_LEVEL", "`debug`, `info`, `warning`: the central link's retry log on stderr (default: silent)."),
    ("TABOUR_DEBUG", "`1` shows the traceback of an internal error (exit 70) instead of one line."),
)  # fmt: skip


@dataclass
class Key:
    name: str
    type: str
    default: str
    allowed: str
    description: str


@dataclass
class Section:
    path: str  # "devices.kiosk_printer"
    header: str  # "[devices.kiosk_printer]" or "[[services]]"
    description: str
    keys: list[Key] = field(default_factory=list)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The bare type and the constraints of an `Annotated[...]`."""
    metadata: list[Any] = []
    while get_origin(annotation) is typing.Annotated:
        annotation, *more = get_args(annotation)
        metadata.extend(more)
    return annotation, metadata


def _optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(args) < len(get_args(annotation)):
            return args[0], True
    return annotation, False


def _model(annotation: Any) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _type_name(annotation: Any) -> str:
    annotation, _ = _unwrap(annotation)
    annotation, optional = _optional(annotation)
    annotation, _ = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        name = "string" if all(isinstance(a, str) for a in get_args(annotation)) else "integer"
    elif origin is list:
        name = f"list of {_type_name(get_args(annotation)[0])}s"
    elif origin is dict:
        k, v = get_args(annotation)
        name = f"table of {_type_name(k)} → {_type_name(v)}"
    elif _model(annotation):
        name = "table"
    else:
        name = {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
            annotation, getattr(annotation, "__name__", str(annotation))
        )
    return f"{name} (optional)" if optional else name


def _constraints(
    metadata: list[Any], field_info: FieldInfo | None = None, unit: str = "characters"
) -> list[str]:
    items = list(metadata) + (list(field_info.metadata) if field_info else [])
    # `Annotated[float, Field(ge=0)]` inside a container keeps its bounds in a FieldInfo
    items = [x for m in items for x in (m.metadata if isinstance(m, FieldInfo) else [m])]
    out: list[str] = []
    for m in items:
        if isinstance(m, Ge):
            out.append(f"≥ {_toml(m.ge)}")
        elif isinstance(m, Gt):
            out.append(f"> {_toml(m.gt)}")
        elif isinstance(m, Le):
            out.append(f"≤ {_toml(m.le)}")
        elif isinstance(m, Lt):
            out.append(f"< {_toml(m.lt)}")
        elif isinstance(m, MinLen) and m.min_length:
            out.append("not empty" if m.min_length == 1 else f"at least {m.min_length} {unit}")
        elif isinstance(m, MaxLen):
            out.append(f"at most {m.max_length} {unit}")
        else:
            pattern = getattr(m, "pattern", None)
            if pattern:
                out.append(f"matches `{pattern}`")
    return out


def _allowed(field_info: FieldInfo) -> str:
    annotation, metadata = _unwrap(field_info.annotation)
    annotation, _ = _optional(annotation)
    annotation, more = _unwrap(annotation)
    metadata += more
    parts: list[str] = []
    if get_origin(annotation) is Literal:
        parts.append(
            ", ".join(f"`{json.dumps(a, ensure_ascii=False)}`" for a in get_args(annotation))
        )
    elif get_origin(annotation) is dict:
        k, v = get_args(annotation)
        kk, km = _unwrap(k)
        _, vm = _unwrap(v)
        if get_origin(kk) is Literal:
            parts.append("keys " + ", ".join(f"`{a}`" for a in get_args(kk)))
        if _constraints(vm):
            parts.append("values " + ", ".join(_constraints(vm)))
        for meta in (*km, *vm):
            func = getattr(meta, "func", None)
            if func is not None and func.__doc__:
                parts.append(func.__doc__.strip().splitlines()[0])
    elif get_origin(annotation) is list:
        inner, im = _unwrap(get_args(annotation)[0])
        if get_origin(inner) is Literal:
            parts.append("each of " + ", ".join(f"`{a}`" for a in get_args(inner)))
        parts += [f"each {c}" for c in _constraints(im)]
    unit = "items" if get_origin(annotation) in (list, dict) else "characters"
    parts += _constraints(metadata, field_info, unit)
    return "; ".join(parts)


def _toml(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        value = [v.model_dump() if isinstance(v, BaseModel) else v for v in value]
        if value and all(isinstance(v, dict) and "code" in v for v in value):
            return "codes " + ", ".join(f"`{v['code']}`" for v in value)
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def _default(field_info: FieldInfo) -> str:
    if field_info.is_required():
        return "required"
    if field_info.default_factory is not None:
        value = field_info.default_factory()  # type: ignore[call-arg]
    else:
        value = field_info.default
    if value is None or value is PydanticUndefined:
        return "none"
    if isinstance(value, dict | list) and not value:
        return "empty"
    rendered = _toml(value)
    return rendered if rendered.startswith("codes ") else f"`{rendered}`"


def _describe(path: str, model_name: str | None, info: FieldInfo | None, doc: str | None) -> str:
    if info is not None and info.description:
        return info.description
    alias = MODEL_ALIASES.get(model_name or "")
    if alias and info is not None:
        key = f"{alias}.{path.rsplit('.', 1)[-1]}"
        if key in DESCRIPTIONS:
            return DESCRIPTIONS[key]
    if path in DESCRIPTIONS:
        return DESCRIPTIONS[path]
    comment = _field_comments(model_name).get(path.rsplit(".", 1)[-1]) if model_name else None
    if comment:
        return comment
    if doc:
        return " ".join(doc.split())
    return "(no description yet)"


@cache
def _field_comments(model_name: str) -> dict[str, str]:
    """Field name -> the `#` comment lines right above it in the model's source: a field its
    author commented but nobody described here still gets a description."""
    model = _MODELS.get(model_name)
    if model is None:
        return {}
    try:
        lines = inspect.getsource(model).splitlines()
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        field = re.match(r"^(\w+)\s*:", stripped)
        if field and pending:
            out[field.group(1)] = " ".join(pending)
        pending = []
    return out


def _models(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    found = {model.__name__: model}
    for info in model.model_fields.values():
        for arg in _all_args(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg.__name__ not in found:
                found |= _models(arg)
    return found


def _all_args(annotation: Any) -> list[Any]:
    out = [annotation]
    for arg in get_args(annotation):
        out += _all_args(arg)
    return out


_MODELS = _models(BranchConfig)


def _doc(model: type[BaseModel]) -> str | None:
    doc = model.__doc__
    if not doc or doc.startswith(model.__name__ + "("):  # pydantic's generated signature
        return None
    base_doc = BaseModel.__doc__
    return None if doc == base_doc else doc


def sections(model: type[BaseModel] = BranchConfig) -> list[Section]:
    """Every table of `branch.toml`, in the model's order: the top level's keys first, then
    each table, its keys, and the tables nested in it."""
    out: list[Section] = []
    _walk(model, "", "", "", out)
    return [s for s in out if s.keys or s.path]


def _collection_note(info: FieldInfo) -> str:
    """For a list or table of tables: its default and size bounds, said in a sentence."""
    notes = []
    default = _default(info)
    if default not in ("required", "empty", "none"):
        notes.append(f"Default: {default}.")
    elif default == "required":
        notes.append("Required.")
    bounds = _constraints(_unwrap(info.annotation)[1], info, "tables")
    if bounds:
        notes.append("Size: " + ", ".join(bounds) + ".")
    return " ".join(notes)


def _walk(
    model: type[BaseModel], path: str, header: str, description: str, out: list[Section]
) -> None:
    section = Section(path, header, description)
    out.append(section)
    nested: list[tuple[type[BaseModel], str, str, str]] = []
    for name, info in model.model_fields.items():
        sub_path = f"{path}.{name}" if path else name
        bare, _ = _unwrap(info.annotation)
        bare, _ = _optional(bare)
        bare, _ = _unwrap(bare)
        origin = get_origin(bare)
        child = _model(bare)
        if child is not None:
            text = _describe(sub_path, None, info, _doc(child))
            if not info.is_required() and _default(info) == "none":
                text += " Optional: leave the table out for none."
            nested.append((child, sub_path, f"[{sub_path}]", text))
            continue
        if origin is list:
            item, _ = _unwrap(get_args(bare)[0])
            child = _model(item)
            if child is not None:
                text = _describe(sub_path, None, info, _doc(child))
                note = _collection_note(info)
                nested.append((child, sub_path, f"[[{sub_path}]]", f"{text} {note}".strip()))
                continue
        if origin is dict:
            item, _ = _unwrap(get_args(bare)[1])
            child = _model(item)
            if child is not None:
                text = _describe(sub_path, None, info, _doc(child))
                note = _collection_note(info)
                nested.append((child, sub_path, f"[{sub_path}.NAME]", f"{text} {note}".strip()))
                continue
        section.keys.append(
            Key(
                name=name,
                type=_type_name(info.annotation),
                default=_default(info),
                allowed=_allowed(info),
                description=_describe(sub_path, model.__name__, info, None),
            )
        )
    for child, sub_path, sub_header, sub_description in nested:
        _walk(child, sub_path, sub_header, sub_description, out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def markdown(model: type[BaseModel] = BranchConfig) -> str:
    """The whole page, deterministic (same model, same bytes)."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from branch/settings.py by `tabour config reference --output docs/configuration.md`;",
        "     do not edit by hand (tests/showcase/test_config_reference.py fails when it is stale). -->",
        "",
        "A branch is configured by one TOML file, `branch.toml` (`$TABOUR_HOME/branch.toml`, or",
        "`TABOUR_CONFIG`), written from [the demo branch](../branch/demo_branch.toml) by `tabour init`",
        "when missing. Every front-end and command reads it at start; restart them after an edit.",
        "`tabour config check` validates the file: a problem is one line naming the file, the key",
        "and what is wrong (exit 2). Unknown keys are refused, so a typo never passes silently.",
        "",
        "## Environment",
        "",
        "| variable | meaning |",
        "|---|---|",
        *(f"| `{name}` | {_cell(text)} |" for name, text in ENVIRONMENT),
        "",
        "## Sections",
        "",
    ]
    for section in sections(model):
        title = section.header or "top level"
        lines += [f"### `{title}`" if section.header else f"### {title}", ""]
        if section.description:
            lines += [section.description, ""]
        if section.keys:
            lines += ["| key | type | default | allowed | description |", "|---|---|---|---|---|"]
            lines += [
                f"| `{k.name}` | {_cell(k.type)} | {_cell(k.default)} | {_cell(k.allowed)} | {_cell(k.description)} |"
                for k in section.keys
            ]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
