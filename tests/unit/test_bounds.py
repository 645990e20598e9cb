"""The one table of option bounds: wording, edges, and every engine option type checking it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from isoflow import bounds
from isoflow.errors import InputError, OptionError
from isoflow.units import parse_datetime

DAY = 86400.0
SMALL = Path(__file__).parents[1] / "scenario" / "data" / "small.yaml"


def message(call) -> str:
    with pytest.raises(OptionError) as err:
        call()
    return str(err.value)


@pytest.mark.parametrize(
    ("bound", "expected"),
    [
        (bounds.HORIZON, "a duration between 1 h and 366 d"),
        (bounds.LEAD, "a duration between 0 s and 366 d"),
        (bounds.TIME_LIMIT, "a duration greater than 0 s and at most 30 d"),
        (bounds.MIP_GAP, "a relative gap from 0 to below 1"),
        (bounds.SWING, "a relative change between 0 and 1, both excluded"),
        (bounds.THREADS, "a whole number between 1 and 256"),
        (bounds.REPLICATIONS, "a whole number between 1 and 1,000,000"),
        (bounds.YEAR, "a year between 1950 and 2150"),
        (bounds.MONEY, "an amount between 0 and 1,000,000,000,000"),
        (bounds.SEED, "a whole number between 0 and 18,446,744,073,709,551,615"),
        (bounds.WARMUP, "a duration between 0 s and 10 y"),
    ],
)
def test_bounds_say_what_they_accept(bound, expected):
    assert bound.expected == expected


def test_growth_rate_says_what_a_sensible_rate_is():
    assert bounds.GROWTH_RATE.expected == (
        "a growth rate per year between -0.5 and 1 "
        "(a fraction: 0.15 is +15 % a year; -0.5 halves demand each year, 1 doubles it)"
    )


def test_edges_are_inclusive_unless_open():
    assert bounds.HORIZON.check(3600.0, "h") == 3600.0
    assert bounds.HORIZON.check(366 * DAY, "h") == 366 * DAY
    assert message(lambda: bounds.HORIZON.check(366 * DAY + 1, "h")) == (
        "h: expected a duration between 1 h and 366 d, got 3.16224e+07 s"
    )
    assert message(lambda: bounds.HORIZON.check(3599.0, "h")).endswith("got 3599 s")
    assert message(lambda: bounds.TIME_LIMIT.check(0.0, "t")).endswith("got 0 s")
    assert bounds.TIME_LIMIT.check(30 * DAY, "t") == 30 * DAY
    assert bounds.MIP_GAP.check(0.0, "g") == 0.0
    assert message(lambda: bounds.MIP_GAP.check(1.0, "g")).endswith("got 1")


def test_not_a_number_and_wrong_types_are_refused():
    assert message(lambda: bounds.LEAD.check(float("nan"), "lead")).endswith("got nan")
    assert message(lambda: bounds.LEAD.check(float("inf"), "lead")).endswith("got inf")
    assert message(lambda: bounds.THREADS.check(2.0, "threads")) == (  # type: ignore[arg-type]
        "threads: expected a whole number between 1 and 256, got 2.0"
    )
    assert message(lambda: bounds.THREADS.check(True, "threads")).endswith("got True")
    huge = 99999999999999999999
    assert message(lambda: bounds.REPLICATIONS.check(huge, "replications")) == (
        f"replications: expected a whole number between 1 and 1,000,000, got {huge}"
    )


def test_option_error_is_an_input_error_renamed_to_a_flag_and_cut_short():
    exc = OptionError("horizon_s", "a duration between 1 h and 366 d", "2.738e+297 y")
    assert isinstance(exc, InputError)
    assert isinstance(exc, ValueError)
    flagged = exc.renamed("--horizon", "1e300d")
    assert (flagged.field, flagged.message) == (
        "--horizon",
        "expected a duration between 1 h and 366 d, got 1e300d",
    )
    long = OptionError("x", "a year", "9" * 100_000)
    assert long.got == "9" * 40 + "..."


def test_clamp_keeps_a_value_within_a_closed_bound():
    assert bounds.LIFETIME.clamp(120.0) == 100.0
    assert bounds.LIFETIME.clamp(0.0) == 1.0
    assert bounds.LIFETIME.clamp(15.0) == 15.0


def test_instants_need_an_offset_and_a_year_in_range():
    ok = datetime(2025, 8, 4, 6, tzinfo=UTC)
    assert bounds.check_instant(ok, "start") is ok
    assert message(lambda: bounds.check_instant(datetime(9999, 12, 31, tzinfo=UTC), "start")) == (
        "start: expected a time with an offset in the years 1970 to 2199, "
        "got 9999-12-31T00:00:00+00:00"
    )
    late = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    assert message(lambda: bounds.check_instant(late, "start")).startswith("start: expected")
    assert message(lambda: bounds.check_instant(datetime(2025, 1, 1), "start")).startswith(
        "start: expected a time with an offset"
    )


def test_a_time_past_the_last_datetime_is_an_input_error():
    with pytest.raises(InputError) as err:
        parse_datetime("9999-12-31T23:00-05:00", "--start")
    assert str(err.value) == "--start: time '9999-12-31T23:00-05:00' is out of range"


def test_planner_options_check_their_fields():
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.solve import SolveOptions

    assert message(lambda: PlanOptions(horizon_s=1e305)).startswith("horizon_s: expected")
    assert message(lambda: PlanOptions(lead_s=-1.0)).startswith("lead_s: expected")
    assert message(lambda: PlanOptions(start=datetime(2500, 1, 1, tzinfo=UTC))).startswith(
        "start: expected"
    )
    assert message(lambda: SolveOptions(threads=100_000)) == (
        "threads: expected a whole number between 1 and 256, got 100000"
    )
    assert message(lambda: SolveOptions(mip_gap=1.5)).startswith("mip_gap: expected")
    assert message(lambda: SolveOptions(seed=2**31)).startswith("seed: expected")
    assert message(lambda: SolveOptions(time_limit_s=-1.0)).startswith("time_limit_s:")
    assert SolveOptions(time_limit_s=0.0, grace_s=0.0).time_limit_s == 0.0  # watchdog test


def test_a_whole_number_too_large_for_a_float_is_refused_in_words():
    assert message(lambda: bounds.THREADS.check(10**400, "threads")).endswith(
        "got " + "1" + "0" * 39 + "..."
    )
    assert message(lambda: bounds.LEAD.check(10**400, "lead_s")).startswith("lead_s: expected")


def test_candidate_options_and_objective_weights_check_their_fields():
    import dataclasses
    import math

    from isoflow.engines.planner.build import ObjectiveWeights
    from isoflow.engines.planner.candidate_types import CandidateOptions

    assert message(lambda: CandidateOptions(per_booking=0)) == (
        "per_booking: expected a whole number between 1 and 1,000,000, got 0"
    )
    assert message(lambda: CandidateOptions(per_feed=True)).startswith("per_feed: expected")
    assert message(lambda: CandidateOptions(max_runs_per_process=10**9)).startswith(
        "max_runs_per_process: expected"
    )
    assert message(lambda: CandidateOptions(timed_need_ratio=math.nan)).endswith("got nan")
    assert message(lambda: CandidateOptions(start_step_half_lives=0.0)).startswith(
        "start_step_half_lives: expected a number of half-lives greater than 0"
    )
    assert message(lambda: ObjectiveWeights(unserved=-1.0)).startswith("unserved: expected")
    assert message(lambda: ObjectiveWeights(per_run=math.inf)).endswith("got inf")
    exhaustive = dataclasses.replace(  # what small networks use (candidates.py): allowed
        CandidateOptions(), per_booking=10**6, timed_need_ratio=math.inf, timed_gain=0.0
    )
    assert exhaustive.timed_need_ratio == math.inf


def test_simulator_options_check_their_fields():
    from isoflow.engines.simulate import ModelOptions, SimOptions

    assert message(lambda: SimOptions(replications=10**20)).startswith("replications:")
    assert message(lambda: SimOptions(seed=-1)).startswith("seed: expected")
    assert message(lambda: SimOptions(chunk_size=0)).startswith("chunk_size: expected")
    assert message(lambda: ModelOptions(weeks=0)) == (
        "weeks: expected a whole number between 1 and 520, got 0"
    )
    assert message(lambda: ModelOptions(warmup_s=-1.0)).startswith("warmup_s: expected")


def test_analysis_options_check_their_fields():
    from isoflow.engines.analysis.capacity import CapacityOptions, LeadTimeRule
    from isoflow.engines.analysis.contingency import ContingencyOptions
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs

    assert message(lambda: CapacityOptions(first_year=-5)) == (
        "first_year: expected a year between 1950 and 2150, got -5"
    )
    assert message(lambda: CapacityOptions(2025, 1_000_000)).startswith("last_year: expected")
    assert message(lambda: CapacityOptions(2030, 2025)) == (
        "last_year: expected a year not before first year 2030, got 2025"
    )
    assert message(lambda: CapacityOptions(grouping="planet")).startswith(  # type: ignore[arg-type]
        "grouping: expected world, region or country"
    )
    assert message(lambda: CapacityOptions(growth_scale=-1.0)).startswith("growth_scale:")
    assert message(lambda: LeadTimeRule(shelf_fraction=2.0)).startswith("shelf_fraction:")
    assert message(lambda: ContingencyOptions(n2_top=-1)).startswith("n2_top: expected")
    assert message(lambda: ContingencyOptions(kinds=())).startswith("kinds: expected")
    assert message(lambda: MakeOrBuyInputs(capex=1e308)) == (
        "capex: expected an amount between 0 and 1,000,000,000,000, got 1e+308"
    )
    assert message(lambda: MakeOrBuyInputs(demand_growth=1e6)).startswith(
        "demand_growth: expected a growth rate per year between -0.5 and 1"
    )


def test_tornado_moves_stay_within_the_bounds():
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs, make_or_buy

    res = make_or_buy(MakeOrBuyInputs(lifetime_years=100, discount_rate=1.0), swing=0.2)
    bars = {b.input: b for b in res.tornado}
    assert (bars["lifetime_years"].low_value, bars["lifetime_years"].high_value) == (80.0, 100.0)
    assert (bars["discount_rate"].low_value, bars["discount_rate"].high_value) == (0.8, 1.0)
    assert message(lambda: make_or_buy(MakeOrBuyInputs(), swing=1.0)).startswith("swing:")


def test_a_capacity_year_out_of_range_is_refused_before_planning():
    from isoflow.engines.analysis.selfsufficiency import self_sufficiency
    from isoflow.scenario.load import load_scenario

    sc = load_scenario(str(SMALL))
    assert message(lambda: self_sufficiency(sc, capacity_year=0)) == (
        "capacity_year: expected a year between 1950 and 2150, got 0"
    )


def test_synthetic_sizes_are_bounded():
    from isoflow.scenario.synthetic import generate

    assert message(lambda: generate(1, 10_000, 3, 0)) == (
        "hospital_days: expected a number of hospital-days between 1 and 20,000, got 30000"
    )
