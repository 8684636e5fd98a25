"""What comes out of the printer, compared with committed reference pictures.

The pictures in `reference/` were looked at by a person: Arabic joined and right-to-left,
codes and dates in order, legible at 203 dpi. A change in pixels beyond a small tolerance
(anti-aliasing thresholds move between FreeType builds) fails the test. After an intended
change, regenerate and look at them again:

    TABOUR_REGEN_REFERENCES=1 .venv/bin/python -m pytest tests/printer/test_reference_images.py
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from branch.settings import PrinterConfig
from printer.arabic import ArabicShaper
from printer.samples import sample_receipt, sample_ticket
from printer.service import render_receipt_png, render_ticket_png

REFERENCE = Path(__file__).parent / "reference"
REGEN = os.environ.get("TABOUR_REGEN_REFERENCES") == "1"
TOLERANCE = 0.03  # differing pixels / ink pixels of the reference


def difference(actual: Image.Image, expected: Image.Image) -> float:
    a, e = actual.convert("L"), expected.convert("L")
    if a.size != e.size:
        return float("inf")
    binary = lambda img: img.point(lambda v: 255 if v < 128 else 0)  # noqa: E731
    ink = binary(e).histogram()[255]
    diff = ImageChops.difference(binary(a), binary(e)).histogram()[255]
    return diff / max(1, ink)


def check(name: str, image: Image.Image) -> None:
    path = REFERENCE / f"{name}.png"
    if REGEN or not path.exists():
        REFERENCE.mkdir(exist_ok=True)
        image.save(path, optimize=True)
        if not REGEN:
            pytest.fail(f"reference {path.name} was missing and has been written: look at it")
        return
    ratio = difference(image, Image.open(path))
    if ratio > TOLERANCE:
        out = Path(os.environ.get("TMPDIR", "/tmp")) / f"tabour-actual-{name}.png"
        image.save(out)
        pytest.fail(
            f"{name}: {ratio:.1%} of the ink differs (size {image.size} vs "
            f"{Image.open(path).size}); actual saved to {out}; regenerate with "
            "TABOUR_REGEN_REFERENCES=1 if the change is intended"
        )


def test_arabic_ticket(demo, shaper) -> None:
    ticket = sample_ticket(demo, "ar", priority="elderly")
    check("ticket_ar", render_ticket_png(ticket, shaper=shaper))


def test_english_ticket(demo, shaper) -> None:
    ticket = sample_ticket(demo, "en", service_code="MATERN", number=5, people_ahead=0, wait_s=20)
    check("ticket_en", render_ticket_png(ticket, shaper=shaper))


def test_receipt(demo, shaper) -> None:
    check("receipt_ar", render_receipt_png(sample_receipt(demo), shaper=shaper))


def test_ticket_58mm_reprint(demo, shaper) -> None:
    ticket = replace(
        sample_ticket(demo, "ar", service_code="HOUSING", priority="urgent"), reprint=True
    )
    check(
        "ticket_58mm_reprint", render_ticket_png(ticket, PrinterConfig(paper_mm=58), shaper=shaper)
    )


def test_ticket_without_raqm() -> None:
    """The arabic-reshaper + python-bidi path must look right too."""
    from printer.samples import demo_config

    ticket = sample_ticket(demo_config(), "ar", service_code="UNEMP")
    check("ticket_ar_basic_layout", render_ticket_png(ticket, shaper=ArabicShaper(mode="basic")))


def test_comparison_catches_a_wrong_ticket(demo, shaper) -> None:
    right = render_ticket_png(sample_ticket(demo, "ar", number=23), shaper=shaper)
    wrong = render_ticket_png(sample_ticket(demo, "ar", number=28), shaper=shaper)
    assert difference(right, right) == 0
    assert difference(wrong, right) > TOLERANCE
