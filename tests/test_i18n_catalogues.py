"""The Arabic catalogue is split per front-end; the parts must agree with each other."""

from __future__ import annotations

from babel.messages.pofile import read_po

from branch.i18n import catalogue_files, gettext


def test_every_part_is_read_and_no_message_has_two_translations() -> None:
    files = catalogue_files("ar")
    assert files[0].name == "tabour.po"
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for res in files:
        with res.open("rb") as fh:
            catalog = read_po(fh, locale="ar")
        for m in catalog:
            if not (m.id and m.string and isinstance(m.id, str)):
                continue
            if m.id in seen and seen[m.id][0] != m.string:
                clashes.append(f"{m.id!r}: {seen[m.id][1]} vs {res.name}")
            seen.setdefault(m.id, (m.string, res.name))
            # Every file's messages are reachable through gettext.
            assert gettext(m.id, "ar") == seen[m.id][0]
    assert not clashes, "one message, two translations: " + "; ".join(clashes)
    assert gettext("Waiting", "en") == "Waiting"
