from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from printer.layout import (
    QR,
    Arabic,
    Cut,
    Line,
    Sizes,
    fixed_artwork,
    format_jod,
    format_periods,
    format_wait,
    keyed_art,
    mask_reference,
    receipt_layout,
    ticket_layout,
)
from printer.samples import sample_receipt, sample_ticket

SIZES = Sizes.for_paper(576)


def texts(elements) -> list[str]:
    return ["".join(r.text for r in e.runs) for e in elements if isinstance(e, Line)]


def test_amounts_are_fils_shown_as_jod_with_three_decimals() -> None:
    assert format_jod(157_500) == "157.500"
    assert format_jod(5) == "0.005"
    assert format_jod(1_234_567) == "1,234.567"


def test_contributor_reference_is_masked_to_last_four() -> None:
    assert mask_reference("9981234567") == "******4567"
    assert mask_reference("12") == "****2"
    assert "998123" not in mask_reference("9981234567")


def test_wait_and_periods_formatting() -> None:
    assert format_wait(0) == "<1"
    assert format_wait(61) == "~2"
    assert format_periods(("2025-01",)) == "2025-01"
    assert format_periods(("2025-01", "2025-02", "2025-03")) == "2025-01 .. 2025-03 (3)"


def test_ticket_has_every_part_in_order(demo) -> None:
    ticket = sample_ticket(demo, "ar", priority="elderly")
    els = ticket_layout(ticket, SIZES)
    lines = texts(els)
    assert "A023" in lines
    assert " PRIORITY: ELDERLY " in lines
    assert "2025-03-01   09:41" in lines  # 06:41 UTC is 09:41 in Amman
    assert "Please wait to be called" in lines
    keys = [e.key for e in els if isinstance(e, Arabic)]
    assert keys == [
        "branch:AMM-ABDALI",
        "service:CONTRIB",
        "priority:elderly",
        "label:ahead",
        "label:wait",
        "phrase:wait",
    ]
    assert isinstance(els[-1], Cut)
    assert any(isinstance(e, QR) for e in els)


def test_lang_decides_which_language_leads(demo) -> None:
    ar = ticket_layout(sample_ticket(demo, "ar"), SIZES)
    en = ticket_layout(sample_ticket(demo, "en"), SIZES)
    assert isinstance(ar[0], Arabic) and isinstance(en[0], Line)
    assert isinstance(en[1], Arabic)


def test_qr_carries_code_day_and_branch_only(demo) -> None:
    ticket = sample_ticket(demo, "ar")
    (qr,) = [e for e in ticket_layout(ticket, SIZES) if isinstance(e, QR)]
    assert qr.data == "TABOUR|AMM-ABDALI|2025-03-01|A023"
    assert ticket_layout(ticket, SIZES, qr=False)[-1] == Cut()


def test_code_size_fits_narrow_paper(demo) -> None:
    narrow = Sizes.for_paper(384)
    (code,) = [
        e
        for e in ticket_layout(sample_ticket(demo), narrow)
        if isinstance(e, Line) and e.runs[0].text == "A023"
    ]
    width, _ = code.runs[0].scale
    assert 4 * 12 * width <= 384


def test_ticket_data_is_validated(demo) -> None:
    ticket = sample_ticket(demo)
    with pytest.raises(ValueError):
        replace(ticket, issued_at=datetime(2025, 3, 1, 9, 41))
    with pytest.raises(ValueError):
        replace(ticket, code="A 023\x1b")
    with pytest.raises(ValueError):
        replace(ticket, people_ahead=-1)


def test_receipt_shows_masked_reference_amount_and_numbers(demo) -> None:
    receipt = sample_receipt(demo)
    els = receipt_layout(receipt, SIZES)
    joined = "\n".join(texts(els))
    assert "******4567" in joined and "9981234567" not in joined
    assert "157.500" in joined
    assert "P-AMM-000123" in joined and "2025-0048213" in joined and "7F3K-92QD" in joined
    purpose = [e for e in els if isinstance(e, Arabic) and e.key is None]
    assert [p.text for p in purpose] == ["اشتراك اختياري عن 3 أشهر"]  # drawn per receipt


def test_receipt_without_central_number_says_pending(demo) -> None:
    receipt = replace(sample_receipt(demo), central_receipt_no=None)
    joined = "\n".join(texts(receipt_layout(receipt, SIZES)))
    assert "pending central" in joined


def test_fixed_artwork_matches_what_tickets_use(demo) -> None:
    services = [(s.code, s.name_ar) for s in demo.services]
    arts = fixed_artwork(demo.branch.code, demo.branch.name_ar, services, SIZES)
    keys = [a.key for a in arts]
    assert len(keys) == len(set(keys))
    assert {f"service:{s.code}" for s in demo.services} <= set(keys)
    assert keys[-1] == "phrase:reprint" or keys[-1].startswith("priority:")
    for s in demo.services:
        ticket = sample_ticket(demo, service_code=s.code, priority="urgent")
        for art in keyed_art(ticket_layout(replace(ticket, reprint=True), SIZES)):
            assert art in arts
