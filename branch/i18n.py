"""Arabic and English: message catalogues and the `rtl()` display helper.

Messages are gettext catalogues (`branch/locale/<lang>/LC_MESSAGES/tabour.po`, maintained with
Babel's `pybabel extract/update`); English is the source language. Catalogues are read with
Babel at first use, so no compile step is needed. Stored text stays in logical order; `rtl()`
shapes and reorders Arabic only at render time, and only when the app (not the terminal)
does the bidi work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

from babel.messages.pofile import read_po

LANGS = ("ar", "en")
DOMAIN = "tabour"

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9:/.,\-+#%()→ ]*[A-Za-z0-9)%]|[A-Za-z0-9]")


@cache
def _catalogue(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    out: dict[str, str] = {}
    for res in catalogue_files(lang):
        with res.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        out.update(
            (m.id, m.string) for m in catalog if m.id and m.string and isinstance(m.id, str)
        )
    return out


def catalogue_files(lang: str) -> list[Traversable]:
    """`tabour.po` (the core) and then one `tabour-<part>.po` per front-end, by name.

    Each front-end keeps its own messages in its own file, so parts built side by side never
    edit the same catalogue; a message in two files must have one translation (tested).
    """
    folder = resources.files("branch").joinpath("locale", lang, "LC_MESSAGES")
    parts = sorted(
        (f for f in folder.iterdir() if f.name.startswith(f"{DOMAIN}-") and f.name.endswith(".po")),
        key=lambda f: f.name,
    )
    return [folder.joinpath(f"{DOMAIN}.po"), *parts]


def gettext(message: str, lang: str) -> str:
    """Translate an English source message into `lang` (falls back to English)."""
    return _catalogue(lang).get(message, message) if lang in LANGS else message


def translator(lang: str) -> Callable[[str], str]:
    return lambda message: gettext(message, lang)


def has_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def isolate_latin(text: str) -> str:
    """Wrap Latin/digit runs inside Arabic text in LRI…PDI so codes and dates keep their order."""
    if not has_arabic(text):
        return text
    return _LATIN_RUN.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", text)


def rtl(text: str, bidi: Literal["app", "terminal"] = "app") -> str:
    """Text ready for a terminal cell grid.

    `app`: Tabour shapes Arabic letters into their joined forms and reorders the line
    visually (for xterm, tmux, Windows Terminal). `terminal`: the terminal does bidi itself
    (VTE), so the logical string is returned unchanged.
    """
    if bidi == "terminal" or not has_arabic(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return "\n".join(
        get_display(arabic_reshaper.reshape(line), base_dir="R") for line in text.split("\n")
    )
