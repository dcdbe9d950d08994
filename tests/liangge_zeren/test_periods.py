"""The one quarter type (liangge_zeren/periods.py), as the cockpit, roll-ups and seeding use it."""

import datetime

import pytest

from liangge_zeren.periods import Quarter


def test_it_quarter_arithmetic_and_text():
    q = Quarter(2026, 1)
    assert str(q.previous()) == "2025Q4" and q.previous(8) == Quarter(2024, 1)
    assert [str(x) for x in q.last(3)] == ["2025Q3", "2025Q4", "2026Q1"]
    assert Quarter.of(datetime.date(2026, 11, 26)) == Quarter(2026, 4)
    assert Quarter(2026, 3).window() == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert Quarter.in_year(2026) == [Quarter(2026, n) for n in (1, 2, 3, 4)]


@pytest.mark.parametrize("text", ["2024Q2", "2024q2", " 2024 Q 2 ", "2024-Q2"])
def test_it_quarter_text_in_the_forms_people_type(text):
    assert Quarter.parse(text) == Quarter(2024, 2)


def test_it_a_missing_malformed_or_far_quarter_falls_back_to_the_default():
    default = Quarter(2026, 1)
    for text in (None, "", "nonsense", "2026Q5", "1999Q1", "2026-13"):
        assert Quarter.parse_or(text, default) == default
    with pytest.raises(ValueError):
        Quarter.parse("2026-13")


def test_it_the_complete_quarters_before_a_day():
    """What the scale seeding takes as "the last 8 quarters" (all complete, before today)."""
    day = datetime.date(2026, 11, 26)
    assert Quarter.of(day).previous().last(3) == [Quarter(2026, n) for n in (1, 2, 3)]
    assert Quarter.of(datetime.date(2026, 2, 1)).previous().last(1) == [Quarter(2025, 4)]
    assert Quarter.of(day).previous(8).start == datetime.date(2024, 10, 1)
