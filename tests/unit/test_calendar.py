"""Timetables and windows in local time become the right UTC instants."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from isoflow.domain.calendar import (
    covers,
    cycle_intervals,
    from_epoch,
    intersect,
    merge,
    subtract,
    weekly_instants,
    weekly_intervals,
)

MONDAY = datetime(2025, 8, 4, tzinfo=UTC).timestamp()
WEEK = 7 * 86400.0


def test_seoul_departures_are_nine_hours_ahead_of_utc():
    times = weekly_instants([(("Mon", "Thu"), "09:40")], "Asia/Seoul", MONDAY, MONDAY + WEEK)
    assert [from_epoch(t) for t in times] == [
        datetime(2025, 8, 4, 0, 40, tzinfo=UTC),
        datetime(2025, 8, 7, 0, 40, tzinfo=UTC),
    ]


def test_departure_before_start_in_utc_is_dropped():
    # Mon 08:00 in Sydney (UTC+10 in August) is Sun 22:00 UTC, before the horizon.
    times = weekly_instants([(("Mon",), "08:00")], "Australia/Sydney", MONDAY, MONDAY + WEEK)
    # Only the next Monday's departure (Sun 2025-08-10 22:00 UTC) falls inside.
    assert [from_epoch(t) for t in times] == [datetime(2025, 8, 10, 22, 0, tzinfo=UTC)]


def test_daylight_saving_shifts_utc_time():
    # Sydney moves from UTC+10 to UTC+11 on 2025-10-05; 09:00 local on the Mondays around it.
    start = datetime(2025, 9, 28, tzinfo=UTC).timestamp()
    times = weekly_instants([(("Mon",), "09:00")], "Australia/Sydney", start, start + 2 * WEEK)
    assert [from_epoch(t).hour for t in times] == [23, 22]


def test_all_day_window_every_day_is_one_interval():
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    spans = weekly_intervals([(days, "00:00", "23:59")], "Asia/Tokyo", MONDAY, MONDAY + WEEK)
    assert spans == [(MONDAY, MONDAY + WEEK)]


def test_weekday_window_in_sydney():
    spans = weekly_intervals(
        [(("Mon",), "06:00", "18:00")], "Australia/Sydney", MONDAY - 86400, MONDAY + 86400
    )
    # Mon 2025-08-04 06:00-18:00 AEST = Sun 20:00 UTC to Mon 08:00 UTC.
    assert spans == [(MONDAY - 4 * 3600.0, MONDAY + 8 * 3600.0)]


def test_interval_algebra_by_hand():
    assert merge([(5, 6), (0, 2), (2, 3)]) == [(0, 3), (5, 6)]
    assert subtract([(0, 10)], [(2, 3), (5, 6)]) == [(0, 2), (3, 5), (6, 10)]
    assert intersect([(0, 10)], [(2, 3), (5, 12)]) == [(2, 3), (5, 10)]
    assert cycle_intervals(0, 5, 2, 3, 20) == [(3, 5), (7, 12), (14, 19)]
    assert covers([(0, 4), (6, 9)], 6, 9)
    assert not covers([(0, 4), (6, 9)], 3, 7)


spans = st.lists(
    st.tuples(st.integers(0, 100), st.integers(1, 30)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=6,
)


@given(spans, spans)
def test_subtract_and_intersect_partition_the_measure(a, b):
    a = merge(a)
    b = merge(b)
    total = sum(hi - lo for lo, hi in a)
    kept = sum(hi - lo for lo, hi in subtract(a, b))
    common = sum(hi - lo for lo, hi in intersect(a, b))
    assert kept + common == total
