"""``GET /runs/{id}/decay`` and ``GET /runs/{id}/event-form`` over the real service.

The curve is checked against the stored plan JSON and the scenario file: the activities are
recomputed here in closed form from the published half-lives (``A_eop · 2^(-Δt/T½)``), the
times from the plan's own records, the prescribed dose and its band from the scenario's
booking or product as the YAML states them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml
from dash_cases import SMALL, Dash

HALF_LIFE_S = {"F-18": 109.77 * 60, "Lu-177": 6.647 * 86400}
"""ICRP-107 half-lives of the nuclides the small plan's doses carry."""
UNITS = {"MBq": 1e6, "GBq": 1e9}
DOSE_TOLERANCE = 0.1
"""A product dose's tolerance when the scenario states none (the scenario reference)."""
EVENT_KINDS = {
    "site_down", "lane_closed", "departure_cancelled", "shipment_delayed", "run_failed",
    "export_restriction", "booking_added", "order_added", "demand_cancelled", "demand_changed",
}  # fmt: skip
"""The event kinds of ``docs/replanning.md``."""


def _get(dash: Dash, path: str, who: str | None = "bob", **params: Any) -> httpx.Response:
    headers = dash.headers[who] if who else {}
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        return c.get(path, headers=headers, params=params)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _bq(text: str) -> float:
    value, unit = text.split()
    return float(value) * UNITS[unit]


def _at(a: dict[str, Any], when: str) -> float:
    dt = (_time(when) - _time(a["end_of_production_utc"])).total_seconds()
    return float(a["activity_eop_bq"] * 2 ** (-dt / HALF_LIFE_S[a["nuclide"]]))


def _prescribed(booking: str) -> tuple[float, float]:
    scenario = yaml.safe_load(SMALL.read_text())
    b = next(x for x in scenario["demand"]["bookings"] if x["id"] == booking)
    dose = next(p for p in scenario["products"] if p["id"] == b["product"]).get("dose", {})
    activity = b.get("activity", dose.get("activity"))
    return _bq(activity), float(b.get("tolerance", dose.get("tolerance", DOSE_TOLERANCE)))


@pytest.mark.parametrize("booking", ["b1", "b3"])
def test_the_curve_decays_from_end_of_production_to_administration(
    dash: Dash, booking: str
) -> None:
    plan = dash.stored_plan()
    a = next(x for x in plan["allocations"] if x["booking"] == booking)
    r = _get(dash, f"/runs/{dash.run_id}/decay", allocation=booking, points=25)
    assert r.status_code == 200, r.text
    c = r.json()
    assert (c["batch"], c["nuclide"], c["hospital"]) == (a["batch"], a["nuclide"], a["hospital"])
    assert c["half_life_s"] == pytest.approx(HALF_LIFE_S[a["nuclide"]], rel=1e-4)
    eop, admin = _time(a["end_of_production_utc"]), _time(a["administration_utc"])
    times = [_time(p["time_utc"]) for p in c["points"]]
    assert len(times) == 25
    assert times[0] == eop
    assert times[-1] == admin
    step = (admin - eop) / 24
    for i, (t, p) in enumerate(zip(times, c["points"], strict=True)):
        assert abs(t - (eop + i * step)) < timedelta(milliseconds=1)
        assert p["activity_bq"] == pytest.approx(_at(a, p["time_utc"]), rel=1e-4)
    assert c["points"][0]["activity_bq"] == pytest.approx(a["activity_eop_bq"], rel=1e-12)
    assert c["points"][-1]["activity_bq"] == pytest.approx(a["activity_admin_bq"], rel=1e-4)
    prescribed, tolerance = _prescribed(booking)
    assert c["prescribed_bq"] == pytest.approx(prescribed)
    assert c["tolerance"] == pytest.approx(tolerance)
    assert c["band_low_bq"] == pytest.approx(prescribed * (1 - tolerance))
    assert c["band_high_bq"] == pytest.approx(prescribed * (1 + tolerance))
    assert c["band_low_bq"] <= c["points"][-1]["activity_bq"] * (1 + 1e-9)
    assert c["points"][-1]["activity_bq"] <= c["band_high_bq"] * (1 + 1e-9)


def test_the_curve_marks_release_legs_and_administration(dash: Dash) -> None:
    plan = dash.stored_plan()
    a = next(x for x in plan["allocations"] if x["booking"] == "b1")
    run = next(r for r in plan["runs"] if r["batch"] == a["batch"])
    want = [("end_of_production", a["end_of_production_utc"]), ("release", run["release_utc"])]
    for leg in a["legs"]:
        want += [("departure", leg["depart_utc"]), ("arrival", leg["arrive_utc"])]
    want.append(("administration", a["administration_utc"]))
    assert len(want) >= 5
    c = _get(dash, f"/runs/{dash.run_id}/decay", allocation="b1").json()
    got = [(m["kind"], m["time_utc"]) for m in c["markers"]]
    assert [(k, _time(t)) for k, t in got] == [(k, _time(t)) for k, t in want]
    for m in c["markers"]:
        assert m["activity_bq"] == pytest.approx(_at(a, m["time_utc"]), rel=1e-4)
    assert [m["lane"] for m in c["markers"] if m["kind"] == "departure"] == [
        leg["lane"] for leg in a["legs"]
    ]
    assert len(c["points"]) == 121


def test_the_curve_is_refused_for_what_the_plan_does_not_serve(dash: Dash) -> None:
    path = f"/runs/{dash.run_id}/decay"
    unserved = dash.stored_plan()["unserved"][0]["booking"]
    r = _get(dash, path, allocation=unserved)
    assert r.status_code == 422
    assert "serves no" in r.json()["detail"]
    assert _get(dash, path, allocation="b1", batch="no-such-batch").status_code == 422
    assert _get(dash, path, allocation="b1", points=1).status_code == 422
    assert _get(dash, path, None, allocation="b1").status_code == 401
    assert _get(dash, path, "vic", allocation="b1").status_code == 200
    assert _get(dash, path, "eve", allocation="b1").status_code == 404
    assert _get(dash, path).status_code == 422  # no allocation named


def test_the_event_form_lists_every_event_kind_with_the_plans_values(dash: Dash) -> None:
    r = _get(dash, f"/runs/{dash.run_id}/event-form")
    assert r.status_code == 200, r.text
    kinds = {k["kind"]: {f["name"]: f for f in k["fields"]} for k in r.json()["kinds"]}
    assert set(kinds) == EVENT_KINDS
    scenario = yaml.safe_load(SMALL.read_text())
    plan = dash.stored_plan()
    delayed = kinds["shipment_delayed"]
    assert delayed["lane"]["choices"] == [x["id"] for x in scenario["lanes"]]
    assert delayed["arrival"]["input"] == "time"
    departures: dict[str, list[datetime]] = {}
    for s in plan["shipments"]:
        departures.setdefault(s["lane"], []).append(_time(s["depart_utc"]))
    by = delayed["departure"]["choices_by"]
    assert {k: sorted(map(_time, v)) for k, v in by.items()} == {
        k: sorted(v) for k, v in departures.items()
    }
    assert kinds["run_failed"]["batch"]["choices"] == [x["batch"] for x in plan["runs"]]
    assert kinds["run_failed"]["shortfall"]["input"] == "number"
    assert kinds["site_down"]["site"]["choices"] == [s["id"] for s in scenario["sites"]]
    assert kinds["booking_added"]["booking"]["input"] == "json"
    assert kinds["export_restriction"]["products"]["input"] == "list"
    assert {f for f, spec in kinds["lane_closed"].items() if spec["required"]} == {"lane", "start"}


def test_a_bulk_inputs_curve_runs_from_its_source_to_its_use(dash: Dash) -> None:
    plan = dash.stored_plan()
    (user,) = [r for r in plan["runs"] if r["inputs"]]
    (inp,) = user["inputs"]
    source = next(r for r in plan["runs"] if r["batch"] == inp["batch"])
    r = _get(dash, f"/runs/{dash.run_id}/consignment-decay", kind="input", batch=inp["batch"],
             to=user["batch"], points=7)  # fmt: skip
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["nuclide"] == source["nuclide"] == "Lu-177"
    assert _time(c["start_utc"]) == _time(source["end_of_production_utc"])
    assert _time(c["end_utc"]) == _time(user["start_utc"])
    t0 = _time(source["end_of_production_utc"])
    for p in c["points"]:
        dt = (_time(p["time_utc"]) - t0).total_seconds()
        closed = inp["activity_eop_bq"] * 2.0 ** (-dt / HALF_LIFE_S["Lu-177"])
        assert p["activity_bq"] == pytest.approx(closed, rel=1e-4)
    assert len(c["points"]) == 7
    marks = [(m["kind"], _time(m["time_utc"])) for m in c["markers"]]
    legs = [x for leg in inp["legs"] for x in (("departure", _time(leg["depart_utc"])),
                                               ("arrival", _time(leg["arrive_utc"])))]  # fmt: skip
    assert marks == [
        ("end_of_production", t0),
        ("release", _time(source["release_utc"])),
        *legs,
        ("use", _time(user["start_utc"])),
    ]
    missing = _get(dash, f"/runs/{dash.run_id}/consignment-decay", kind="input", batch="nope",
                   to=user["batch"])  # fmt: skip
    assert missing.status_code == 422
    assert "takes no input from batch 'nope'" in missing.text
    bad_kind = _get(dash, f"/runs/{dash.run_id}/consignment-decay", kind="dose", batch="x", to="y")
    assert bad_kind.status_code == 422
    assert _get(dash, f"/runs/{dash.run_id}/consignment-decay", who=None, kind="input",
                batch=inp["batch"], to=user["batch"]).status_code == 401  # fmt: skip
