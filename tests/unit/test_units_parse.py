"""Unit parsing at the edges: activities, atoms and durations to SI; clear errors otherwise."""

from __future__ import annotations

import pytest

from isoflow.errors import InputError
from isoflow.units import (
    format_activity,
    format_duration,
    parse_activity,
    parse_amount,
    parse_duration,
    parse_durations,
)

CI = 3.7e10  # Bq, exact by definition
YEAR = 365.2422 * 86400.0


@pytest.mark.parametrize(
    ("text", "bq"),
    [
        ("7.4GBq", 7.4e9),
        ("7.4 GBq", 7.4e9),
        ("1Bq", 1.0),
        ("2.5kBq", 2500.0),
        ("0.74MBq", 0.74e6),
        ("1TBq", 1e12),
        ("200mCi", 200e-3 * CI),
        ("1Ci", CI),
        ("5µCi", 5e-6 * CI),  # micro sign
        ("5uCi", 5e-6 * CI),
        ("0Bq", 0.0),
        (".5GBq", 0.5e9),
    ],
)
def test_activities_parse_to_becquerel(text, bq):
    amount = parse_amount(text)
    assert amount.kind == "Bq"
    assert amount.value == pytest.approx(bq, rel=1e-15)


@pytest.mark.parametrize("text", ["1e20atoms", "1e20 atoms", "1e20atom", "1E20ATOMS"])
def test_atoms_parse_to_a_number_of_atoms(text):
    amount = parse_amount(text)
    assert amount.kind == "atoms"
    assert amount.value == 1e20


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1GBx", "unknown activity unit"),
        ("1mBq", "unknown activity unit"),  # milli-becquerel is not MBq
        ("1", "missing unit"),
        ("GBq", "expected an activity"),
        ("-1GBq", "non-negative"),
        ("1e999GBq", "finite"),
        ("1e300GBq", "too large"),
        ("nanGBq", "finite"),
        ("infBq", "finite"),
    ],
)
def test_bad_amounts_name_the_field(text, message):
    with pytest.raises(InputError, match=message) as caught:
        parse_amount(text, field="Lu-177=" + text)
    assert caught.value.field == "Lu-177=" + text


def test_parse_activity_rejects_atoms():
    with pytest.raises(InputError, match="expected an activity"):
        parse_activity("1e20atoms")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("72h", 72 * 3600.0),
        ("180d", 180 * 86400.0),
        ("180 d", 180 * 86400.0),
        ("90min", 5400.0),
        ("1.5y", 1.5 * YEAR),
        ("2wk", 14 * 86400.0),
        ("1ms", 1e-3),
        ("0s", 0.0),
    ],
)
def test_durations_parse_to_seconds(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "message"),
    [("5x", "unknown time unit"), ("-5h", "non-negative"), ("12", "missing unit")],
)
def test_bad_durations_name_the_field(text, message):
    with pytest.raises(InputError, match=message) as caught:
        parse_duration(text, field="--after")
    assert caught.value.field == "--after"


def test_duration_lists():
    assert parse_durations("24h,48h") == [86400.0, 172800.0]
    for bad in ("", "24h,,48h", "24h,"):
        with pytest.raises(InputError, match="comma-separated"):
            parse_durations(bad, field="--elute")


def test_formatting_picks_a_readable_unit():
    assert format_activity(7.4e9) == "7.4 GBq"
    assert format_activity(0.0) == "0 Bq"
    assert format_activity(512.0) == "512 Bq"
    assert format_duration(82312.6) == "22.86 h"
    assert format_duration(float("inf")) == "stable"
