"""Mutation tests: break one rule of a sound plan, and ``verify`` names that rule and no other.

Each case takes a plan the optimiser made for one of the tiny networks of
:mod:`verify_cases` (as plain data), or that network's scenario data, edits exactly one thing
(consistently: a dose taken off a departure is also taken off its shipment record and its
cost), and asserts that the set of violation codes is exactly the one rule broken. Every code
``verify`` can emit has at least one case (checked against the source).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import verify_cases as vc

from isoflow.engines import verify as verify_module
from isoflow.engines.planner.api import make_plan
from isoflow.engines.verify import CODES, verify
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario

LU177_HALF_LIFE_S = 6.647 * 86400

Data = dict[str, Any]


@dataclass(frozen=True)
class Mutation:
    """One broken rule: which base plan, what to edit, which code must be reported."""

    code: str
    name: str
    base: str
    edit: Callable[[Data, Data], None]
    expect: tuple[tuple[str, str], ...] = ()
    """(subject text, detail text) pairs: each must be in one violation (the records
    concerned, and which of the code's checks found it)."""


MUTATIONS: list[Mutation] = []


def mutation(code: str, base: str, *expect: str | tuple[str, str]) -> Callable:
    """Register ``edit(plan_data, scenario_data)`` as a mutation breaking ``code``.

    ``expect``: subject texts, or (subject, detail) text pairs, that the violations show.
    """
    pairs = tuple((e, "") if isinstance(e, str) else e for e in expect)

    def register(edit: Callable[[Data, Data], None]) -> Callable[[Data, Data], None]:
        MUTATIONS.append(Mutation(code, edit.__name__, base, edit, pairs))
        return edit

    return register


@pytest.fixture(scope="module")
def planned() -> dict[str, tuple[Plan, Data]]:
    """Each tiny network planned once: base name -> (plan, scenario data)."""
    out = {}
    for name, data, options in (
        ("chain", vc.chain_data(), vc.OPTIONS),
        ("generators", vc.generator_data(), vc.OPTIONS),
        ("fdg", vc.fdg_data(), vc.HOURLY),
        ("orders", vc.orders_data(), vc.OPTIONS),
    ):
        out[name] = (make_plan(Scenario.model_validate(data), options), data)
    return out


def codes_after(planned: dict, base: str, edit: Callable[[Data, Data], None]) -> list:
    plan, data = planned[base]
    p = plan.model_dump(mode="json")
    s = copy.deepcopy(data)
    margin = p["kpis"].get("margin")
    edit(p, s)
    kpis = p["kpis"]
    if "margin" in kpis and kpis["margin"] == margin:
        # a plan that misstates a figure keeps its own arithmetic: margin = revenue - cost
        kpis["margin"] = kpis["revenue"]["total"] - kpis["cost"]["total"]
    return verify(Plan.model_validate(p), Scenario.model_validate(s))


# --------------------------------------------------------------------------- plan helpers


def shift(text: str, seconds: float) -> str:
    """An ISO-8601 UTC instant moved by ``seconds``."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def alloc(p: Data, booking: str) -> Data:
    return next(a for a in p["allocations"] if a["booking"] == booking)


def run_of(p: Data, process: str) -> Data:
    (run,) = [r for r in p["runs"] if r["process"] == process]
    return run


def runs_at(p: Data, start: str) -> Data:
    return next(r for r in p["runs"] if r["start_utc"] == start)


def shipment(p: Data, lane: str) -> Data:
    (sh,) = [s for s in p["shipments"] if s["lane"] == lane]
    return sh


def lane_data(s: Data, lane: str) -> Data:
    return next(x for x in s["lanes"] if x["id"] == lane)


def process_data(s: Data, process: str) -> Data:
    return next(x for x in s["processes"] if x["id"] == process)


def booking_data(s: Data, booking: str) -> Data:
    return next(x for x in s["demand"]["bookings"] if x["id"] == booking)


def site_data(s: Data, site: str) -> Data:
    return next(x for x in s["sites"] if x["id"] == site)


def all_legs(p: Data) -> list[Data]:
    legs = [g for a in p["allocations"] for g in a["legs"]]
    legs += [g for r in p["runs"] for i in r["inputs"] for g in i["legs"]]
    legs += [g for gen in p["generators"] for g in gen["legs"]]
    return legs


def retime(p: Data, lane: str, depart: str, new_depart: str, new_arrive: str) -> None:
    """Move one departure (every leg on it and its shipment record) to another time."""
    for g in [*all_legs(p), *p["shipments"]]:
        if g["lane"] == lane and g["depart_utc"] == depart:
            g["depart_utc"], g["arrive_utc"] = new_depart, new_arrive


def take_package_off(p: Data, lane: str, booking: str) -> None:
    """Take one dose off a shipment record, with its package and its price (chain lanes)."""
    sh = shipment(p, lane)
    sh["bookings"].remove(booking)
    sh["packages"] -= 1
    sh["cost"] -= vc.LANE_PRICES[lane][1]
    p["kpis"]["cost"]["transport"] -= vc.LANE_PRICES[lane][1]
    p["kpis"]["cost"]["total"] -= vc.LANE_PRICES[lane][1]


# --------------------------------------------------------------------------- whole plan


@mutation("scenario_mismatch", "fdg", "plan")
def plan_names_another_scenario(p, s):
    p["scenario"] = "apac-2025"


@mutation("negative", "chain", "plan.shipments")
def negative_package_count(p, s):
    shipment(p, "kr-road")["packages"] = -1


@mutation("negative", "chain", "plan.runs")
def negative_fixed_cost(p, s):
    run_of(p, "label")["fixed_cost"] = -5.0


@mutation("negative", "chain", "plan.allocations")
def negative_dose_activity(p, s):
    alloc(p, "kr0")["activity_eop_bq"] *= -1


@mutation("negative", "generators", "plan.generators")
def elution_is_not_a_number(p, s):
    p["generators"][0]["elutions"][0]["daughter_bq"] = math.nan


@mutation("negative", "fdg", "plan.kpis.cost.total")
def infinite_total_cost(p, s):
    p["kpis"]["cost"]["total"] = math.inf


# --------------------------------------------------------------------------- bookings


@mutation("booking_missing", "chain", "booking kr1")
def allocation_dropped(p, s):
    p["allocations"] = [a for a in p["allocations"] if a["booking"] != "kr1"]
    take_package_off(p, "kr-road", "kr1")


@mutation("double_allocation", "chain", "allocation kr0")
def booking_served_twice(p, s):
    p["allocations"].append(copy.deepcopy(alloc(p, "kr0")))
    sh = shipment(p, "kr-road")
    sh["bookings"].append("kr0")
    sh["packages"] += 1
    per_package = vc.LANE_PRICES["kr-road"][1]
    sh["cost"] += per_package
    p["kpis"]["cost"]["transport"] += per_package
    p["kpis"]["cost"]["total"] += per_package


def take_doses_off(p: Data, order: str, doses: int) -> Data:
    """Serve ``doses`` fewer doses of an order (orders network): its allocation with the most
    doses, the packages and their price on its departure."""
    a = max((a for a in p["allocations"] if a["booking"] == order), key=lambda a: a["doses"])
    a["doses"] -= doses
    (leg,) = a["legs"]
    sh = next(x for x in p["shipments"] if x["depart_utc"] == leg["depart_utc"])
    sh["packages"] -= doses
    sh["cost"] -= doses * vc.ORDER_PACKAGE
    p["kpis"]["cost"]["transport"] -= doses * vc.ORDER_PACKAGE
    p["kpis"]["cost"]["total"] -= doses * vc.ORDER_PACKAGE
    return a


def list_split_order_short(p: Data, doses: int) -> None:
    """List ``doses`` doses of the split order (orders network) as unserved."""
    p["unserved"].append(
        {
            "booking": "split",
            "hospital": "near",
            "product": "fdg",
            "administration_utc": "2025-08-05T10:00:00Z",
            "reason": "capacity_exhausted",
            "detail": "-",
            "doses": doses,
        }
    )


@mutation("booking_missing", "orders", ("order split", "1 of 5 doses"))
def order_served_a_dose_short_without_saying_so(p, s):
    take_doses_off(p, "split", 1)


@mutation("served_and_unserved", "orders", ("order split", "5 doses served and 1 listed"))
def served_order_also_lists_a_dose_short(p, s):
    list_split_order_short(p, 1)


@mutation("dose_count", "orders", ("allocation whole", "single-batch"))
def single_batch_order_served_without_one_of_its_doses(p, s):
    take_doses_off(p, "whole", 1)


@mutation("dose_count", "orders", ("unserved split", "0 doses short"))
def unserved_entry_of_no_doses(p, s):
    list_split_order_short(p, 0)


@mutation("unknown_booking", "chain", "allocation ghost")
def allocation_for_no_booking(p, s):
    ghost = copy.deepcopy(alloc(p, "kr0"))
    ghost.update(booking="ghost", batch="ghost-batch", legs=[])
    p["allocations"].append(ghost)


@mutation("unknown_booking", "fdg", "unserved ghost")
def unserved_entry_for_no_booking(p, s):
    p["unserved"].append({**p["unserved"][0], "booking": "ghost"})


@mutation("served_and_unserved", "fdg", "booking A")
def served_booking_also_listed_unserved(p, s):
    p["unserved"].append({**p["unserved"][0], "booking": "A", "hospital": "near"})


@mutation("mismatch", "chain", "allocation kr0")
def allocation_of_another_product(p, s):
    alloc(p, "kr0")["product"] = "lu-bulk"


@mutation("mismatch", "chain", "allocation kr0")
def allocation_of_another_nuclide(p, s):
    alloc(p, "kr0")["nuclide"] = "Lu-177m"


@mutation("mismatch", "chain", "allocation kr0")
def allocation_administered_a_minute_late(p, s):
    a = alloc(p, "kr0")
    a["administration_utc"] = shift(a["administration_utc"], 60)


@mutation("mismatch", "chain", "allocation kr0")
def allocation_eop_off_its_batch(p, s):
    # 0.1 s: beyond the 1 ms slack on instants, far below the decay tolerance (1.2e-7)
    a = alloc(p, "kr0")
    a["end_of_production_utc"] = shift(a["end_of_production_utc"], 0.1)


@mutation("mismatch", "chain", "allocation kr0")
def allocation_claims_another_site(p, s):
    alloc(p, "kr0")["site"] = "reactor"


@mutation("mismatch", "fdg", "unserved C")
def unserved_entry_at_another_hospital(p, s):
    p["unserved"][0]["hospital"] = "far"


@mutation("decay_mismatch", "chain", "allocation jp0")
def activity_at_administration_misstated(p, s):
    alloc(p, "jp0")["activity_admin_bq"] *= 1.01


@mutation("dose_out_of_tolerance", "chain", "allocation kr0")
def prescription_raised(p, s):
    booking_data(s, "kr0")["activity"] = "8 GBq"  # 7.4 GBq is 7.5 % short, tolerance 5 %


@mutation("before_production", "chain", "allocation kr0")
def administered_before_eop(p, s):
    a = alloc(p, "kr0")
    when = shift(a["end_of_production_utc"], -1.0)
    booking_data(s, "kr0")["administration"] = when
    a["administration_utc"] = when
    # one second before EOP the dose holds 2^(1 s / T1/2) of its EOP activity
    a["activity_admin_bq"] = a["activity_eop_bq"] * 2.0 ** (1.0 / LU177_HALF_LIFE_S)


@mutation("expired", "chain", "allocation jp")
def drug_shelf_life_shorter_than_the_flight(p, s):
    s["products"][1]["shelf_life"] = "6 h"  # Japanese doses are given 10 h after EOP


@mutation("expired", "chain", "run label")
def bulk_shelf_life_shorter_than_its_wait(p, s):
    s["products"][0]["shelf_life"] = "1 d"  # labelled 30 h after the reactor's EOP


@mutation("expired", "generators", "generator")
def generator_eluted_after_its_shelf_life(p, s):
    s["products"][0]["shelf_life"] = "1 d"  # first elution 30 h after calibration


@mutation("order_cutoff", "chain", ("allocation kr0", "after the cut-off of batch label@"))
def booking_ordered_after_the_labelling_cut_off(p, s):
    # the Wednesday labelling run starts 06:00-06:30; with a 2-day cut-off orders closed on
    # Monday morning, and kr0 was ordered on Tuesday
    process_data(s, "label")["order_cutoff"] = "2 d"
    booking = next(b for b in s["demand"]["bookings"] if b["id"] == "kr0")
    booking["ordered"] = "2025-08-05T00:00:00Z"


@mutation("replaced", "generators", ("generator", "eluted after its replacement (1 d after"))
def generator_replaced_a_day_after_it_arrives(p, s):
    # arrives Monday 02:00, eluted Tuesday and Wednesday 06:00: Wednesday's comes after
    process_data(s, "elute")["replace_every"] = "1 d"


@mutation("elution_skipped", "generators", ("generator", "at every slot in service; 5 skipped"))
def routine_elutes_every_day_but_the_plan_only_two(p, s):
    # arrives Monday 02:00: the routine elutes Monday to Sunday 06:00, the plan Tue and Wed
    process_data(s, "elute")["elute_every_slot"] = True


@mutation("not_approved", "chain", "allocation kr")
def drug_not_approved_in_korea(p, s):
    s["policies"]["approvals"][0]["countries"] = ["JP"]


@mutation("gmp", "chain", "allocation jp")
def cdmo_loses_its_japanese_gmp(p, s):
    site_data(s, "cdmo")["gmp_markets"] = ["KR"]


@mutation("no_licence", "chain", ("allocation jp", "no licence for lu-psma in JP"))
def cdmo_licensed_for_korea_only(p, s):
    site_data(s, "cdmo")["licences"] = [{"product": "lu-psma", "countries": ["KR"]}]


@mutation("outside_service_area", "chain", ("allocation jp", "onc-jp is outside"))
def cdmo_serves_the_korean_hospital_only(p, s):
    site_data(s, "cdmo")["service_area"] = ["hosp-kr"]


@mutation("unknown_batch", "chain", "allocation kr0")
def allocation_from_a_batch_never_made(p, s):
    alloc(p, "kr0")["batch"] = "label@never"


# --------------------------------------------------------------------------- routes


@mutation("broken_route", "chain", ("allocation jp1", "route ends at hub"))
def route_stops_at_the_hub(p, s):
    alloc(p, "jp1")["legs"].pop()
    take_package_off(p, "jp-road", "jp1")


@mutation("broken_route", "chain", ("allocation jp1", "jp-road leaves hub, not cdmo"))
def route_skips_the_flight(p, s):
    alloc(p, "jp1")["legs"].pop(0)
    take_package_off(p, "kr-jp", "jp1")
    s["policies"]["exclusive_distribution"] = []  # a relaxation: the hub is no longer due


@mutation("leg_order", "chain", ("allocation kr0", "before it departs"))
def leg_arrives_before_it_departs(p, s):
    (leg,) = alloc(p, "kr0")["legs"]
    leg["arrive_utc"] = shift(leg["depart_utc"], -3600)


@mutation("leg_order", "chain", ("allocation jp", "before the previous leg arrives"))
def road_leg_leaves_the_hub_before_the_flight_lands(p, s):
    # the on-demand road leg moved to 13:00, half an hour before the flight lands at 13:30
    retime(p, "jp-road", "2025-08-06T13:30:00Z", "2025-08-06T13:00:00Z", "2025-08-06T14:00:00Z")


@mutation("too_early", "chain", "allocation kr0", "allocation kr1")
def road_lane_needs_handling(p, s):
    # handling 30 min longer than the longest wait between a batch's release and its van
    release = {r["batch"]: _instant(r["release_utc"]) for r in p["runs"]}
    wait = max(
        _instant(leg["depart_utc"]) - release[a["batch"]]
        for a in p["allocations"]
        for leg in a["legs"][:1]
        if leg["lane"] == "kr-road"
    )
    lane_data(s, "kr-road")["handling"] = f"{wait / 60 + 30:.0f} min"


def _instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@mutation("not_in_timetable", "chain", "input")
def flight_moved_in_the_timetable(p, s):
    lane_data(s, "au-kr")["timetable"][0]["time"] = "15:00"


@mutation("transit_mismatch", "chain", ("allocation kr0", "kr-road arrives"), "shipment kr-road")
def road_lane_is_faster(p, s):
    lane_data(s, "kr-road")["transit"] = "50 min"


@mutation("transit_mismatch", "chain", "shipment kr-jp")
def shipment_record_lands_late(p, s):
    sh = shipment(p, "kr-jp")
    sh["arrive_utc"] = shift(sh["arrive_utc"], 600)


@mutation("late", "chain", "allocation kr")
def hospital_dispenses_for_longer(p, s):
    site_data(s, "hosp-kr")["dispensing_buffer"] = "5 h"  # van arrives 4 h before


@mutation("class7_refused", "chain", "allocation kr")
def road_carrier_refuses_class7(p, s):
    lane_data(s, "kr-road")["accepts_class7"] = False


@mutation("export_restricted", "chain", "input")
def australia_restricts_exports_now(p, s):
    s["policies"]["export_restrictions"][0]["start"] = vc.MONDAY


@mutation("lane_closed", "chain", "allocation kr")
def road_closed_over_the_week(p, s):
    lane_data(s, "kr-road")["closures"] = [{"start": vc.MONDAY, "reason": "road works"}]


@mutation("contract_excludes", "chain", "allocation kr")
def distributor_rights_extend_to_korea(p, s):
    s["policies"]["exclusive_distribution"][0]["countries"] = ["JP", "KR"]


@mutation("unknown_lane", "chain", ("allocation kr0", "kr-bus"), "shipment kr-bus")
def lane_renamed(p, s):
    for g in [*all_legs(p), *p["shipments"]]:
        if g["lane"] == "kr-road":
            g["lane"] = "kr-bus"


# --------------------------------------------------------------------------- runs


@mutation("unknown_process", "fdg", "run fdg-run@2025-08-05T07")
def run_of_an_unknown_process(p, s):
    runs_at(p, "2025-08-05T07:00:00Z")["process"] = "fdg-synth"


@mutation("mismatch", "chain", ("run label", "nuclide Lu-177m"))
def run_of_another_nuclide(p, s):
    run_of(p, "label")["nuclide"] = "Lu-177m"


@mutation(
    "mismatch",
    "chain",
    ("run label", "process label makes lu-psma"),
    ("allocation kr0", "batch makes lu-bulk"),
)
def run_claims_another_product(p, s):
    run_of(p, "label")["product"] = "lu-bulk"


@mutation("mismatch", "fdg", ("run fdg-run", "takes no activity input"))
def synthesis_listed_with_an_input(p, s):
    first, second = p["runs"]
    second["inputs"] = [
        {
            "batch": first["batch"],
            "product": "fdg",
            "activity_eop_bq": 0.0,
            "arrive_utc": first["release_utc"],
            "legs": [],
        }
    ]


@mutation("mismatch", "chain", ("run label", "input irradiate@2025-08-04T00:00:00Z is lu-psma"))
def input_of_another_product(p, s):
    (inp,) = run_of(p, "label")["inputs"]
    inp["product"] = "lu-psma"


@mutation("unknown_batch", "chain", ("run label", "input irradiate@never"))
def empty_input_from_a_batch_never_made(p, s):
    label = run_of(p, "label")
    ghost = {**label["inputs"][0], "batch": "irradiate@never", "activity_eop_bq": 0.0, "legs": []}
    label["inputs"].append(ghost)


@mutation("duration", "fdg", "run fdg-run")
def synthesis_takes_longer(p, s):
    s["processes"][0]["duration"] = "70 min"


@mutation("qc_release", "fdg", "run fdg-run")
def quality_control_is_shorter(p, s):
    s["processes"][0]["qc_release"] = "20 min"


@mutation("outside_window", "fdg", "run fdg-run")
def window_moves_to_late_morning(p, s):
    s["processes"][0]["availability"]["windows"] = [{"start": "10:00", "end": "12:00"}]


@mutation("site_unavailable", "fdg", "run fdg-run@2025-08-05T05")
def outage_during_the_first_run(p, s):
    s["processes"][0]["availability"]["outages"] = [
        {"start": "2025-08-05T05:30:00Z", "end": "2025-08-05T06:30:00Z"}
    ]


@mutation("batches_per_day", "fdg", "run fdg-run")
def one_batch_a_day(p, s):
    s["processes"][0]["max_batches_per_day"] = 1


@mutation("stock_exceeded", "fdg", ("site cyc", "of o18-water in week 1"))
def o18_water_stock_below_what_the_runs_use(p, s):
    # each run now takes 2.5 mL of O-18 water, and the cyclotron site holds less than the
    # plan's runs use in the week (one run's worth short)
    s["products"].append(
        {"id": "o18-water", "stage": "target_material", "nuclide": "O-18", "unit": "mL"}
    )
    s["processes"][0]["inputs"] = [{"product": "o18-water", "per_batch": 2.5}]
    site = next(x for x in s["sites"] if x["id"] == s["processes"][0]["site"])
    site["stocks"] = [{"product": "o18-water", "per_week": 2.5 * (len(p["runs"]) - 1)}]


@mutation("overlap", "fdg", "run fdg-run@phantom")
def empty_run_overlapping_another(p, s):
    # a second, empty batch of the same cyclotron starting half-way through the first
    first = runs_at(p, "2025-08-05T05:00:00Z")
    phantom = copy.deepcopy(first)
    phantom.update(
        batch="fdg-run@phantom",
        start_utc="2025-08-05T05:30:00Z",
        end_of_production_utc="2025-08-05T06:30:00Z",
        release_utc="2025-08-05T07:00:00Z",
        activity_eop_bq=0.0,
        activity_allocated_bq=0.0,
        variable_cost=0.0,
    )
    p["runs"].append(phantom)


@mutation("batch_max", "chain", "run irradiate")
def reactor_batch_limit_lowered(p, s):
    process_data(s, "irradiate")["batch_max"] = "60 GBq"  # the batch is 63.8 GBq


@mutation("batch_min", "chain", "run irradiate")
def reactor_batch_minimum_raised(p, s):
    process_data(s, "irradiate")["batch_min"] = "70 GBq"


@mutation("overdrawn", "fdg", "run fdg-run@2025-08-05T07")
def dose_takes_more_than_its_batch_made(p, s):
    a = alloc(p, "A")  # the 07:00 batch makes exactly A's dose
    a["activity_eop_bq"] *= 1.03
    a["activity_admin_bq"] *= 1.03  # still within the 10 % tolerance


@mutation("input_short", "chain", "run label")
def labelling_yield_lower(p, s):
    process_data(s, "label")["yield_fraction"] = 0.8


@mutation("mismatch", "chain", "run label")
def input_arrival_misstated(p, s):
    (inp,) = run_of(p, "label")["inputs"]
    inp["arrive_utc"] = shift(inp["arrive_utc"], -3600)


# --------------------------------------------------------------------------- generators


@mutation("sizes", "generators", "generator")
def generator_size_not_offered(p, s):
    gen = p["generators"][0]
    assert sorted(gen["sizes_bq"]) == [5e9, 10e9]
    gen["sizes_bq"] = [7e9, 8e9]  # same total, same number of packages


@mutation("sizes", "generators", "generator")
def generator_sizes_do_not_add_up(p, s):
    p["generators"][0]["sizes_bq"] = [5e9, 5e9]  # 10 GBq of 15 GBq delivered


@mutation("elution_mismatch", "generators", "generator")
def elution_yield_misstated(p, s):
    p["generators"][0]["elutions"][0]["daughter_bq"] *= 1.01


@mutation("elution_mismatch", "generators", "elution elute@2025-08-05")
def eluate_larger_than_the_generators_give(p, s):
    runs_at(p, "2025-08-05T06:00:00Z")["activity_eop_bq"] *= 1.01


@mutation("elution_before_arrival", "generators", "generator")
def van_arrives_after_the_first_elution(p, s):
    gen = p["generators"][0]
    assert gen["elutions"][0]["time_utc"] == "2025-08-05T06:00:00Z"
    (leg,) = gen["legs"]
    retime(p, "van", leg["depart_utc"], "2025-08-05T05:00:00Z", "2025-08-05T07:00:00Z")
    gen["arrive_utc"] = "2025-08-05T07:00:00Z"


@mutation("mismatch", "generators", ("generator", "efficiency 0.95"))
def generator_efficiency_misstated(p, s):
    p["generators"][0]["efficiency"] = 0.95


@mutation("mismatch", "generators", ("generator", "differs from its route"))
def generator_arrival_misstated(p, s):
    gen = p["generators"][0]
    gen["arrive_utc"] = shift(gen["arrive_utc"], 3600)


@mutation("mismatch", "generators", ("generator", "Mo-99 -> Tc-99"))
def generator_daughter_misstated(p, s):
    p["generators"][0]["daughter"] = "Tc-99"


def empty_generator(p: Data, batch: str) -> Data:
    """A generator record of ``batch`` holding nothing, sent nowhere and never eluted."""
    return {
        **p["generators"][0],
        "batch": batch,
        "activity_calibration_bq": 0.0,
        "sizes_bq": [],
        "elutions": [],
        "legs": [],
    }


@mutation("unknown_batch", "generators", ("generator assemble@never", "not in the plan"))
def empty_generator_from_a_batch_never_made(p, s):
    p["generators"].append(empty_generator(p, "assemble@never"))


@mutation("mismatch", "generators", ("generator elute@2025-08-05", "not a generator"))
def empty_generator_from_an_eluate(p, s):
    p["generators"].append(empty_generator(p, "elute@2025-08-05T06:00:00Z"))


@mutation("mismatch", "generators", ("generator assemble", "not a site of the scenario"))
def empty_generator_sent_nowhere(p, s):
    gen = empty_generator(p, p["generators"][0]["batch"])
    gen["site"] = "nowhere"
    p["generators"].append(gen)


@mutation("overdrawn", "generators", ("elution elute@2025-08-06", "dispensed"))
def eluate_dispensed_beyond_its_yield(p, s):
    # Wednesday's doses raised to 1.2 GBq each: 7.2 GBq from a 6.8 GBq eluate
    for booking in ("d4", "d5", "d6", "d7"):
        booking_data(s, booking)["activity"] = "1.2 GBq"
        a = alloc(p, booking)
        a["activity_eop_bq"] *= 1.2
        a["activity_admin_bq"] *= 1.2


# --------------------------------------------------------------------------- shipments


@mutation("shipment_missing", "chain", "departure jp-road")
def shipment_record_dropped(p, s):
    p["shipments"] = [sh for sh in p["shipments"] if sh["lane"] != "jp-road"]


@mutation("shipment_contents", "chain", "shipment kr-road")
def shipment_lists_a_dose_it_does_not_carry(p, s):
    sh = shipment(p, "kr-road")
    sh["bookings"] = ["kr0", "jp0"]


@mutation("shipment_contents", "chain", "shipment au-kr")
def departure_listed_twice(p, s):
    p["shipments"].append(copy.deepcopy(shipment(p, "au-kr")))


@mutation("shipment_contents", "generators", "shipment van")
def generator_shipment_lists_no_batch(p, s):
    p["shipments"][0]["batches"] = []


@mutation("mismatch", "chain", "shipment kr-road")
def shipment_record_from_another_site(p, s):
    shipment(p, "kr-road")["origin"] = "hub"


@mutation("lane_capacity", "chain", "shipment kr-road")
def road_van_takes_one_package(p, s):
    lane_data(s, "kr-road")["capacity_packages"] = 1


@mutation("transport_index", "chain", "shipment kr-road")
def road_van_transport_index_limit(p, s):
    lane_data(s, "kr-road")["capacity_ti"] = 0.5  # two doses of 7.6 GBq at 0.05 / GBq


@mutation("agreement_max", "chain", "agreement au-supply")
def supply_agreement_maximum_lowered(p, s):
    s["policies"]["supply_agreements"][0]["max_per_week"] = "50 GBq"  # 59.6 GBq delivered


# --------------------------------------------------------------------------- costs


@mutation("cost_mismatch", "chain", "run label")
def run_fixed_cost_misstated(p, s):
    run_of(p, "label")["fixed_cost"] += 1.0


@mutation("cost_mismatch", "chain", "run irradiate")
def run_variable_cost_misstated(p, s):
    run_of(p, "irradiate")["variable_cost"] *= 1.001


@mutation("cost_mismatch", "generators", "run elute")
def elution_run_charged(p, s):
    runs_at(p, "2025-08-05T06:00:00Z")["fixed_cost"] = 10.0


@mutation("cost_mismatch", "chain", "shipment au-kr")
def shipment_cost_misstated(p, s):
    shipment(p, "au-kr")["cost"] += 1.0


@mutation("cost_mismatch", "chain", "shipment kr-road")
def shipment_package_count_misstated(p, s):
    shipment(p, "kr-road")["packages"] = 3


@mutation("cost_mismatch", "generators", "shipment van")
def generators_counted_as_one_package(p, s):
    van = p["shipments"][0]
    van["packages"] = 1
    van["cost"] = vc.VAN[0] + vc.VAN[1]  # priced consistently with the wrong count


@mutation("cost_mismatch", "chain", "kpis cost.transport")
def transport_total_misstated(p, s):
    p["kpis"]["cost"]["transport"] += 1.0


@mutation("revenue_mismatch", "orders", "kpis revenue.total")
def revenue_misstated(p, s):
    p["kpis"]["revenue"]["total"] += 1.0


@mutation("revenue_mismatch", "fdg", "kpis margin")
def margin_misstated(p, s):
    p["kpis"]["margin"] += 1.0


@mutation("revenue_mismatch", "chain", "kpis revenue.total", "kpis margin")
def doses_priced_after_planning(p, s):
    """The scenario now prices its doses; the plan's revenue and margin do not say so."""
    products = sorted({a["product"] for a in p["allocations"]})
    s.setdefault("demand", {})["prices"] = [{"product": x, "per_dose": 100.0} for x in products]


@mutation("cost_mismatch", "chain", "kpis cost.purchases")
def purchases_total_misstated(p, s):
    p["kpis"]["cost"]["purchases"] *= 1.01


@mutation("cost_mismatch", "chain", "kpis cost.total")
def grand_total_misstated(p, s):
    p["kpis"]["cost"]["total"] += 1.0


@mutation("cost_mismatch", "chain", "kpis cost.production_fixed")
def process_fixed_cost_changed(p, s):
    process_data(s, "irradiate")["fixed_cost"] = 6000.0


@mutation("cost_mismatch", "chain", "shipment au-kr")
def package_price_changed(p, s):
    lane_data(s, "au-kr")["cost_per_package"] = 50.0


@mutation("cost_mismatch", "chain", "kpis cost.purchases")
def agreement_price_changed(p, s):
    s["policies"]["supply_agreements"][0]["price_per_gbq"] = 25.0


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("base", ["chain", "generators", "fdg", "orders"])
def test_unmutated_round_trip_verifies(planned, base):
    assert codes_after(planned, base, lambda p, s: None) == []


@pytest.mark.parametrize("case", MUTATIONS, ids=lambda m: f"{m.code}-{m.name}")
def test_mutation_is_reported_as_its_rule_alone(planned, case):
    found = codes_after(planned, case.base, case.edit)
    report = "\n".join(map(str, found))
    assert {v.code for v in found} == {case.code}, report
    for subject, detail in case.expect:
        assert any(subject in v.subject and detail in v.detail for v in found), report
    assert all(v.detail for v in found)


def emitted_codes() -> set[str]:
    """Codes passed to ``self.bad`` anywhere in the package (every module of it)."""
    modules = sorted(Path(verify_module.__file__).parent.glob("*.py"))
    assert len(modules) > 1, modules
    source = "\n".join(m.read_text(encoding="utf-8") for m in modules)
    return set(re.findall(r'self\.bad\(\s*"([a-z0-9_]+)"', source))


def test_codes_listed_in_the_module_are_the_codes_it_emits():
    assert set(CODES) == emitted_codes()
    assert len(emitted_codes()) >= 40


@pytest.mark.parametrize("code", sorted(emitted_codes()))
def test_every_code_has_a_mutation_test(code):
    assert code in {m.code for m in MUTATIONS}


def test_every_mutation_names_a_real_code():
    assert {m.code for m in MUTATIONS} <= emitted_codes()


# --------------------------------------------------------------------------- named cases


def test_plan_with_its_allocations_removed_is_rejected(planned):
    def edit(p, s):
        p["allocations"] = []

    found = codes_after(planned, "chain", edit)
    missing = {v.subject for v in found if v.code == "booking_missing"}
    assert missing == {"booking kr0", "booking kr1", "booking jp0", "booking jp1"}


def test_leg_arriving_before_it_departs_is_rejected(planned):
    found = codes_after(planned, "chain", leg_arrives_before_it_departs)
    assert [v.code for v in found] == ["leg_order"]
    assert "before it departs" in found[0].detail


def test_negative_package_count_is_rejected(planned):
    found = codes_after(planned, "chain", negative_package_count)
    plan, _ = planned["chain"]
    index = next(i for i, sh in enumerate(plan.shipments) if sh.lane == "kr-road")
    assert [(v.code, v.subject) for v in found] == [
        ("negative", f"plan.shipments[{index}].packages")
    ]


def test_plan_naming_another_scenario_is_rejected(planned):
    found = codes_after(planned, "fdg", plan_names_another_scenario)
    assert [v.code for v in found] == ["scenario_mismatch"]
    assert "apac-2025" in found[0].detail
    assert "fdg" in found[0].detail


def test_elutions_listed_out_of_time_order_are_still_sound(planned):
    def edit(p, s):
        p["generators"][0]["elutions"].reverse()

    assert codes_after(planned, "generators", edit) == []
