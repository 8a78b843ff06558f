"""SMS encoding and segments against hand-checked cases (GSM 03.38, 160/153, 70/67)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    gsm7_septets,
    is_gsm7,
    non_gsm7_positions,
    sms_cost,
)


def test_the_tables_have_their_published_sizes():
    # 128 code points in the basic table minus the escape; 10 in the extension table.
    assert len(GSM7_BASIC) == 127
    extension = ["\f", "^", "{", "}", "\\", "[", "~", "]", "|", "€"]
    assert sorted(GSM7_EXTENSION) == sorted(extension)
    assert "\x1b" not in GSM7_BASIC


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),  # exactly 160 GSM-7 characters: one SMS
        ("a" * 161, "GSM-7", 161, 2),  # one more: two parts of up to 153
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€", "GSM-7", 2, 1),  # extension table: escape + character
        ("[", "GSM-7", 2, 1),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 159 + "[", "GSM-7", 161, 2),
        ("ñé¿¡ÄÖÜßΩ@£$¥", "GSM-7", 13, 1),  # accents and Greek capitals of the basic table
        ("😀", "UCS-2", 2, 1),  # one emoji: UCS-2, two UTF-16 code units
        ("a" * 159 + "😀", "UCS-2", 161, 3),  # the emoji turns 160 cheap characters into 3 parts
        ("ó" * 70, "UCS-2", 70, 1),  # 70 UCS-2 units: one SMS
        ("ó" * 71, "UCS-2", 71, 2),  # 71: two parts of up to 67
        ("ó" * 134, "UCS-2", 134, 2),
        ("ó" * 135, "UCS-2", 135, 3),
        ("ó" * 69 + "😀", "UCS-2", 71, 2),
        ("ç", "UCS-2", 1, 1),  # GSM-7 has the capital Ç only
    ],
)
def test_hand_checked_cases(text, encoding, units, segments):
    cost = sms_cost(text)
    assert (cost.encoding, cost.units, cost.segments) == (encoding, units, segments)
    assert cost.characters == len(text)


def test_a_part_never_splits_an_escape_pair():
    # 306 septets would fit in 2 x 153, but the € cannot straddle parts 1 and 2.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_cost(text).units == 306
    assert sms_cost(text).segments == 3


def test_a_part_never_splits_a_surrogate_pair():
    text = "ó" * 66 + "😀" + "ó" * 66
    assert sms_cost(text).units == 134
    assert sms_cost(text).segments == 3


def test_the_characters_that_forced_ucs2_are_named_once_in_order():
    cost = sms_cost("Su código de verificación, ¿sí? ’")
    assert cost.forced_by == ("ó", "í", "’")
    assert cost.suggestions() == {"’": "'"}
    assert non_gsm7_positions("ab’c😀") == [2, 4]


def test_summary_is_the_cli_line():
    assert sms_cost("123456 is your code").summary() == "encoding=GSM-7 segments=1"
    assert sms_cost("123456 es su código").summary() == "encoding=UCS-2 segments=1"


def test_capacity_is_the_room_of_the_billed_segments():
    assert sms_cost("a" * 10).capacity == 160
    assert sms_cost("a" * 200).capacity == 306
    assert sms_cost("ó").capacity == 70
    assert sms_cost("ó" * 100).capacity == 134


@given(st.text(max_size=700))
def test_any_text_has_a_consistent_cost(text):
    cost = sms_cost(text)
    if is_gsm7(text):
        assert cost.encoding == "GSM-7" and not cost.forced_by
        assert cost.units == sum(gsm7_septets(ch) for ch in text)
        single, part = 160, 153
    else:
        assert cost.encoding == "UCS-2" and cost.forced_by
        assert cost.units == len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    if cost.units == 0:
        assert cost.segments == 0
    elif cost.units <= single:
        assert cost.segments == 1
    else:
        # Never fewer than the plain division; every full part holds at least part-1 units
        # (a two-unit character may move to the next part).
        assert math.ceil(cost.units / part) <= cost.segments
        assert cost.segments <= math.ceil(cost.units / (part - 1))


@given(st.text(alphabet=sorted(GSM7_BASIC), max_size=700))
def test_the_all_basic_fast_path_counts_as_the_general_one(text):
    from phonemfa.core.segments import _mixed_cost

    assert sms_cost(text) == _mixed_cost(text)
