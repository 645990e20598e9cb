"""Recommend on the built-in week's base plan (every recommend on it was infeasible).

The plan holds its rows only within the solver's tolerance; pinned as written, the Indian
Tc-99m chain (a generator line run started before the week, fed by pinned Mo-99, its
generators feeding pinned doses) missed the exact rows by 1.4e-7 GBq.
"""

from __future__ import annotations

from functools import cache

from isoflow.engines.planner.recommend import Recommendation, recommend
from isoflow.engines.verify import verify
from isoflow.scenario.events import BookingAdded, parse_events
from isoflow.scenario.schema import Scenario

from .base_week import apac, base_plan

URGENT = {
    "kind": "booking_added",
    "booking": {
        "id": "urgent-1",
        "hospital": "jp_ncc",
        "product": "f18-fdg",
        "administration": "2025-08-06T02:00:00Z",
    },
}


@cache
def _recommended() -> Recommendation:
    (new,) = parse_events({"events": [URGENT]}).events
    assert isinstance(new, BookingAdded)
    return recommend(apac(), base_plan(), new, top=2)


def _with_urgent() -> Scenario:
    booking = BookingAdded.model_validate(URGENT).booking
    demand = apac().demand.model_copy(update={"bookings": (*apac().demand.bookings, booking)})
    return apac().model_copy(update={"demand": demand})


def test_recommend_finds_ways_for_an_urgent_fdg_dose_in_tokyo() -> None:
    rec = _recommended()
    assert len(rec.ways) == 2
    assert all(w.site.startswith("jp_") for w in rec.ways)  # FDG cannot travel far
    assert rec.ways[0].cost_delta <= rec.ways[1].cost_delta
    kept = {a.booking for a in base_plan().allocations}
    assert kept | {"urgent-1"} == {a.booking for a in rec.ways[0].plan.allocations}


def test_the_recommended_plan_verifies() -> None:
    """The parent's generator deliveries stay as delivered (an unsized Tc-99m delivery was
    free and came back 1.1e-6 of an elution short of its pinned doses: 'overdrawn')."""
    assert verify(_recommended().ways[0].plan, _with_urgent()) == []


def test_bookings_the_parent_leaves_unserved_keep_its_reasons() -> None:
    """Candidates are generated for the new booking alone; the others keep the parent's
    plan, and those it does not serve the reason it gave."""
    parent = {u.booking: (u.reason, u.detail, u.doses) for u in base_plan().unserved}
    assert parent, "the base week leaves bookings unserved"
    plan = _recommended().ways[0].plan
    assert {u.booking: (u.reason, u.detail, u.doses) for u in plan.unserved} == parent


def test_the_ways_are_those_of_the_model_with_every_booking_s_candidates(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The model over every booking's candidates (all but the new one's barred or pinned)
    finds the same ways at the same cost: the restricted one loses nothing it needs."""
    from isoflow.engines.planner import recommend as module
    from isoflow.engines.planner.replan import prepare

    def whole(scenario, parent, new, demand_id, now, options):  # type: ignore[no-untyped-def]
        return prepare(scenario, parent, (new,), now, options)

    monkeypatch.setattr(module, "_prepare", whole)
    (new,) = parse_events({"events": [URGENT]}).events
    assert isinstance(new, BookingAdded)
    full = recommend(apac(), base_plan(), new, top=2)
    mine = _recommended()
    assert [(w.site, w.batch) for w in full.ways] == [(w.site, w.batch) for w in mine.ways]
    for a, b in zip(full.ways, mine.ways, strict=True):
        assert abs(a.cost_delta - b.cost_delta) <= 1e-6 * max(1.0, abs(a.cost_delta))
