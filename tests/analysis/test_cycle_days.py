"""Operating cycles in whole local days: no day (or week) gained from the anchor's time of day.

A reactor's cycle is stated in days (OPAL 30 days on, 5 off; the NEA counts operating weeks a
year, OPAL 43). A cycle of whole days runs from local midnight to local midnight, its first day
the local date whose midnight is nearest the anchor instant, so that n days on are n local
operating days. Counted from the anchor instant itself, a period starting at 23:30 local
touched n + 1 local days, and a batch fitted in both partial days: a day gained per cycle,
10 days (1.5 weeks) a year for OPAL's cycle, more or less with the anchor's time of day.

Every instant below is derived by hand from the zone's offsets: Australia/Sydney is UTC+10
(AEST) from 5 April to 4 October 2026 and UTC+11 (AEDT) otherwise, and 2025 likewise from
5 October; Europe/Amsterdam is UTC+1 (CET), UTC+2 (CEST) from 29 March to 25 October 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from analysis_cases import scenario, site

from isoflow.engines.analysis.batches import available_dates, available_days
from isoflow.engines.analysis.capacity import process_capacities
from isoflow.engines.analysis.weekly import weekly_profile
from isoflow.scenario.rules import process_availability
from isoflow.scenario.schema import Availability, Site

TBQ = 1e12


def t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def reactor(
    anchor: str, on: str, off: str, timezone: str, duration: str = "12 h", days: Any = None
) -> Any:
    """One reactor (1 TBq a batch, one a day) in ``timezone`` with the cycle given."""
    place = site("r", "reactor", country="AU")
    place["timezone"] = timezone
    availability: dict[str, Any] = {"cycle": {"anchor": anchor, "on": on, "off": off}}
    if days is not None:
        availability["windows"] = [{"days": days}]
    return scenario(
        products=[{"id": "mo99", "stage": "bulk_isotope", "nuclide": "Mo-99", "shelf_life": "7 d"}],
        sites=[place],
        processes=[
            {
                "id": "irr",
                "site": "r",
                "kind": "irradiation",
                "output": "mo99",
                "batch_max": "1 TBq",
                "duration": duration,
                "availability": availability,
            }
        ],
    )


def on_periods(sc: Any, lo: str, hi: str) -> list[tuple[float, float]]:
    proc = sc.processes[0]
    site_: Site = sc.site(proc.site)
    av: Availability = proc.availability
    _, allowed = process_availability(av, site_, t(lo), t(hi))
    return [(max(a, t(lo)), min(b, t(hi))) for a, b in allowed if b > t(lo) and a < t(hi)]


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(
    "anchor",
    [
        "2025-07-20T13:30:00Z",  # Sunday 23:30 AEST: the nearest midnight is Monday's
        "2025-07-20T14:00:00Z",  # Monday 00:00 AEST (local midnight)
        "2025-07-21T00:00:00Z",  # UTC midnight: Monday 10:00 AEST
    ],
)
def test_a_sydney_cycle_runs_from_monday_midnight_whatever_the_anchors_time(anchor: str) -> None:
    # 30 days on from Monday 21 July 2025 (AEST, UTC+10): 00:00 local = 14:00 UTC the day
    # before; 30 local days later, 20 August 00:00 AEST. Off 5 days: on again from 25 August
    # to 24 September; then 29 September to 29 October, across the change to AEDT on
    # 5 October (UTC+11): 29 October 00:00 AEDT is 28 October 13:00 UTC, 30 days less 1 h.
    # The period before ran 16 June - 15 July (off 16-20 July, from 15 July 14:00 UTC).
    sc = reactor(anchor, "30 d", "5 d", "Australia/Sydney")
    assert on_periods(sc, "2025-07-15T14:00:00", "2025-11-01T00:00:00") == [
        (t("2025-07-20T14:00:00"), t("2025-08-19T14:00:00")),
        (t("2025-08-24T14:00:00"), t("2025-09-23T14:00:00")),
        (t("2025-09-28T14:00:00"), t("2025-10-28T13:00:00")),
    ]


def test_an_amsterdam_cycle_keeps_its_days_across_both_daylight_saving_changes() -> None:
    # anchor 00:30 CET on Saturday 21 March 2026: 14 local days on (21 March - 3 April),
    # 7 off, from 00:00 CET (23:00 UTC the day before) to 4 April 00:00 CEST (22:00 UTC):
    # 14 days less 1 h (the change on 29 March). Periods start every 21 days: 11 April,
    # ..., 17 October (21 March + 10 x 21 days), which runs to 31 October 00:00 CET,
    # 23:00 UTC: 14 days and 1 h (the change back on 25 October).
    sc = reactor("2026-03-20T23:30:00Z", "14 d", "7 d", "Europe/Amsterdam")
    assert on_periods(sc, "2026-03-15T00:00:00", "2026-04-30T00:00:00") == [
        (t("2026-03-20T23:00:00"), t("2026-04-03T22:00:00")),
        (t("2026-04-10T22:00:00"), t("2026-04-24T22:00:00")),
    ]
    assert on_periods(sc, "2026-10-10T00:00:00", "2026-11-10T00:00:00") == [
        (t("2026-10-16T22:00:00"), t("2026-10-30T23:00:00")),
        (t("2026-11-06T23:00:00"), t("2026-11-10T00:00:00")),
    ]
    # batches of 1 h: 14 local days each period, not 15 (the anchor instant's period ended
    # at 01:30 CEST on 4 April, and a batch fitted from 00:00)
    dates = available_dates(sc, sc.processes[0], 2026)
    first = [d for d in dates if date(2026, 3, 15) <= d < date(2026, 4, 8)]
    assert first == [date(2026, 3, 21) + timedelta(days=k) for k in range(14)]


def test_a_cycle_not_of_whole_days_runs_at_its_exact_instants() -> None:
    # a shift cycle: 8 h on from 06:30 UTC, 16 h off: no rounding to local days
    sc = reactor("2026-03-02T06:30:00Z", "8 h", "16 h", "Europe/Amsterdam", duration="1 h")
    assert on_periods(sc, "2026-03-02T00:00:00", "2026-03-04T00:00:00") == [
        (t("2026-03-02T06:30:00"), t("2026-03-02T14:30:00")),
        (t("2026-03-03T06:30:00"), t("2026-03-03T14:30:00")),
    ]


# --------------------------------------------------------------------------- days in a year


@pytest.mark.parametrize("duration", ["1 h", "12 h", "24 h"])
@pytest.mark.parametrize(
    "anchor",
    ["2025-07-20T13:30:00Z", "2025-07-21T00:00:00Z", "2025-07-21T02:00:00Z"],
)
def test_opal_cycle_gives_the_hand_counted_310_days_of_2026(anchor: str, duration: str) -> None:
    # On from Monday 21 July 2025 (each anchor's nearest local midnight), 30 days on and 5
    # off: 1 January 2026 is 164 = 4 x 35 + 24 days later, day 24 of an 'on' period, so
    # 1-6 January are on (6 days); the next period starts 12 January, and the 354 days from
    # then to 31 December are 10 whole periods (300 days on) and 4 days of an eleventh:
    # 6 + 300 + 4 = 310 operating days. The anchor instant itself gave 315 or 321 days with
    # batches under 24 h (a partial day at each end of every period).
    sc = reactor(anchor, "30 d", "5 d", "Australia/Sydney", duration=duration)
    assert available_days(sc, sc.processes[0], 2026) == 310


def opal_43_weeks(anchor: str) -> Any:
    """OPAL-like: 43 weeks on (301 days), 9 off (63), one batch on Mondays, Sydney."""
    return reactor(anchor, "301 d", "63 d", "Australia/Sydney", days=["Mon"])


@pytest.mark.parametrize(
    "anchor",
    [
        "2026-01-05T12:30:00Z",  # Monday 5 January 23:30 AEDT: first day Tuesday 6 January
        "2026-01-05T13:00:00Z",  # Tuesday 00:00 AEDT
        "2026-01-06T00:00:00Z",  # UTC midnight, Tuesday 11:00 AEDT
    ],
)
def test_a_43_week_cycle_gives_43_operating_weeks(anchor: str) -> None:
    # On from Tuesday 6 January 2026 for 301 days, to 3 November 00:00 (the period before
    # ended 364 days earlier plus 301, 4 November 2025: 1-5 January are off). Mondays on:
    # 12 January + 7k up to 2 November, k = 0..42: 43 batches, one per week. From the
    # 23:30 instant itself, the partial Monday 5 January gave a 44th.
    sc = opal_43_weeks(anchor)
    (row,) = process_capacities(sc, range(2026, 2027))
    assert (row.available_days, row.batches) == (43, 43)
    assert row.capacity_bq == pytest.approx(43 * TBQ, rel=1e-12)
    dates = available_dates(sc, sc.processes[0], 2026)
    assert dates[0] == date(2026, 1, 12)
    assert dates[-1] == date(2026, 11, 2)


def test_the_weekly_profile_of_a_43_week_cycle_has_43_weeks_of_capacity() -> None:
    # Weeks are seven-day blocks from Thursday 1 January: block k (k = 0..50) holds exactly
    # one Monday, 5 January + 7k, and block 51 (24-31 December) Monday 28 December. Mondays
    # 12 January (block 1) to 2 November (block 43) are on: weeks 2 to 44 (1-based) have
    # 1 TBq, weeks 1 and 45-52 none, with the reactor listed down.
    sc = opal_43_weeks("2026-01-05T12:30:00Z")
    rows = [r for r in weekly_profile(sc, 2026) if r.region == "World"]
    assert len(rows) == 52
    on = [r.week for r in rows if r.capacity_bq > 0]
    assert on == list(range(2, 45))
    assert all(r.capacity_bq == pytest.approx(TBQ, rel=1e-12) for r in rows if r.week in on)
    assert [r.week for r in rows if r.sites_down == "r"] == [1, *range(45, 53)]
