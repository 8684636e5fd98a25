"""Property tests: identifiers and amounts are accepted exactly when well formed, and a
rejection never repeats what was typed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sync import contract as c
from sync.identifiers import (
    MAX_AMOUNT_FILS,
    InvalidAmount,
    InvalidIdentifier,
    format_jod,
    mask,
    parse_amount_fils,
    validate_national_number,
)

ASCII_NN = re.compile(r"[0-9]{10}")


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_ten_ascii_digits_are_a_national_number(nn: str) -> None:
    assert validate_national_number(nn) == nn
    assert c.LookupRequest(national_number=nn).national_number == nn


@given(st.text(max_size=14))
@settings(max_examples=300)
def test_anything_else_is_refused_without_echo(text: str) -> None:
    ok = ASCII_NN.fullmatch(text) is not None
    try:
        validate_national_number(text)
        accepted = True
    except InvalidIdentifier as exc:
        accepted = False
        if len(text) >= 4:
            assert text not in str(exc)
        assert "\n" not in str(exc)
    assert accepted == ok
    try:
        c.LookupRequest(national_number=text)
        contract_ok = True
    except ValidationError:
        contract_ok = False
    assert contract_ok == ok  # the client and central agree on what a national number is


@pytest.mark.parametrize(
    "bad", ["١٢٣٤٥٦٧٨٩٠", "12345 67890", "123456789", "12345678901", "+962791234"]
)
def test_lookalikes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidIdentifier, match="exactly 10 digits"):
        validate_national_number(bad)


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_FILS))
def test_amounts_in_range_are_accepted_as_int_or_digits(n: int) -> None:
    assert parse_amount_fils(n) == n
    assert parse_amount_fils(str(n)) == n
    assert format_jod(n).endswith(" JD")


@given(
    st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=MAX_AMOUNT_FILS + 1),
        st.floats(),
        st.text(),
        st.booleans(),
        st.none(),
    )
)
@settings(max_examples=300)
def test_bad_amounts_raise_one_clear_error(value: object) -> None:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        n = int(value.strip())
        if 1 <= n <= MAX_AMOUNT_FILS and len(value.strip()) <= 12:
            assert parse_amount_fils(value) == n
            return
    with pytest.raises(InvalidAmount) as info:
        parse_amount_fils(value)
    assert "\n" not in str(info.value)


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_mask_shows_only_the_last_four(nn: str) -> None:
    m = mask(nn)
    assert m == "******" + nn[-4:] and len(m) == 10


def test_fils_formatting() -> None:
    assert format_jod(1) == "0.001 JD"
    assert format_jod(1_234_567) == "1,234.567 JD"
