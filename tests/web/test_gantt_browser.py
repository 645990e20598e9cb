"""The dashboard's map kind filter and the Gantt's runs in a real browser (Debian chromium).

Signed in as the planner over the real service with the small scenario planned
(``dash_cases``): the site-kind filter leaves the markers of that kind only (counted here
from the scenario file), and clicking a run's bar lists exactly the allocations of that
batch in the stored plan JSON; the per-order rows draw each allocation's batch, legs and
administration as the plan states them. Every request is recorded; anything not to 127.0.0.1 is
aborted and fails the last test.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import yaml
from browser_cases import SKIP_WITHOUT_BROWSER, is_local, signed_in_page
from dash_cases import PASSWORD, SMALL, Dash, wait_final

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SKIP_WITHOUT_BROWSER

MARKERS = (
    "document.getElementById('map').data.filter(t => t.meta && t.meta.sites)"
    ".reduce((n, t) => n + t.x.length, 0)"
)


@pytest.fixture(scope="module")
def gantt_page(dash: Dash) -> Any:
    """The dashboard signed in as bob (planner) with the plan open."""
    with signed_in_page(dash.url, "bob", PASSWORD) as (page, seen):
        page.wait_for_selector(f"#runs tr[data-run='{dash.run_id}']", timeout=15_000)
        _open(page, dash.run_id)
        yield page, seen


def _open(page: Page, run_id: str) -> None:
    page.click(f"#runs tr[data-run='{run_id}'] button.open")
    page.wait_for_selector(f"#run-view[data-run='{run_id}'][data-ready='1']", timeout=15_000)


def test_the_kind_filter_shows_only_that_kinds_markers(gantt_page: Any) -> None:
    page, _ = gantt_page
    sites = yaml.safe_load(SMALL.read_text())["sites"]
    kinds = sorted({k for s in sites for k in s["kind"]})
    offered = page.locator("#filter-kind option").all_text_contents()
    assert offered == ["all", *kinds]
    for kind in kinds:
        ids = sorted(s["id"] for s in sites if kind in s["kind"])
        page.select_option("#filter-kind", kind)
        page.wait_for_function(f"{MARKERS} === {len(ids)}")
        shown = page.evaluate(
            "document.getElementById('map').data.filter(t => t.meta && t.meta.sites)"
            ".flatMap(t => t.text)"
        )
        assert sorted(shown) == ids, kind
        assert page.locator("#map .scatterlayer .point").count() == len(ids)
    page.select_option("#filter-kind", "")
    page.wait_for_function(f"{MARKERS} === {len(sites)}")


def test_clicking_a_runs_bar_lists_the_doses_of_that_batch(gantt_page: Any, dash: Dash) -> None:
    page, _ = gantt_page
    plan = dash.stored_plan()
    bars = page.locator("#gantt .barlayer .trace").nth(0).locator(".point")
    assert bars.count() == len(plan["runs"])
    served = [r for r in plan["runs"] if any(a["batch"] == r["batch"] for a in plan["allocations"])]
    assert served
    for run in served:
        i = plan["runs"].index(run)
        # plotly's own click event for that bar (plotly finds the bar under a pointer; a
        # pixel click on a bar a few pixels wide lands on its neighbour as often as not)
        page.evaluate(
            "i => document.getElementById('gantt')"
            ".emit('plotly_click', {points: [{curveNumber: 0, pointNumber: i}]})",
            i,
        )
        page.wait_for_selector(
            f"#run-doses[data-batch='{run['batch']}'][data-ready='1']", timeout=5_000
        )
        mine = [a for a in plan["allocations"] if a["batch"] == run["batch"]]
        rows = page.locator("#run-doses-table tbody tr")
        assert rows.count() == len(mine)
        for j, a in enumerate(mine):
            row = rows.nth(j)
            cells = row.locator("td").all_text_contents()
            assert row.get_attribute("data-booking") == a["booking"]
            assert cells[:3] == [a["booking"], a["hospital"], a["product"]]
            assert cells[3] == a["administration_utc"].replace("T", " ")[:16]
            assert float(row.get_attribute("data-activity-bq") or "nan") == a["activity_admin_bq"]
            assert cells[5] == str(a.get("doses", 1))


def _plotly_time(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", "")


def test_per_order_rows_show_each_orders_way(gantt_page: Any, dash: Dash) -> None:
    page, _ = gantt_page
    plan = dash.stored_plan()
    runs = {r["batch"]: r for r in plan["runs"]}
    page.select_option("#gantt-rows", "order")
    page.wait_for_selector("#gantt[data-rows='order']")
    data = page.evaluate("document.getElementById('gantt').data")
    production, qc, legs, _, admin = data
    allocations = plan["allocations"]
    assert admin["meta"]["bookings"] == [a["booking"] for a in allocations]
    assert admin["x"] == [_plotly_time(a["administration_utc"]) for a in allocations]
    assert production["base"] == [_plotly_time(runs[a["batch"]]["start_utc"]) for a in allocations]
    ends = [_utc(runs[a["batch"]]["end_of_production_utc"]) for a in allocations]
    starts = [_utc(runs[a["batch"]]["start_utc"]) for a in allocations]
    assert production["x"] == [
        (e - s).total_seconds() * 1000 for s, e in zip(starts, ends, strict=True)
    ]
    want_legs = [(a["booking"], leg) for a in allocations for leg in a["legs"]]
    assert legs["base"] == [_plotly_time(leg["depart_utc"]) for _, leg in want_legs]
    assert [y.split(" · ")[0] for y in legs["y"]] == [b for b, _ in want_legs]
    with_qc = [
        a
        for a in allocations
        if runs[a["batch"]]["release_utc"] > runs[a["batch"]]["end_of_production_utc"]
    ]
    assert len(qc["x"]) == len(with_qc)
    hospital = allocations[0]["hospital"]
    page.select_option("#gantt-hospital", hospital)
    page.wait_for_function(
        "h => document.getElementById('gantt').data[4].y.every(y => y.split(' · ')[1] === h)",
        arg=hospital,
    )
    shown = page.evaluate("document.getElementById('gantt').data[4].meta.bookings")
    assert shown == [a["booking"] for a in allocations if a["hospital"] == hospital]
    # a production bar of this view lists the doses of its batch, as in the per-site view
    page.evaluate(
        "document.getElementById('gantt')"
        ".emit('plotly_click', {points: [{curveNumber: 0, pointNumber: 0}]})"
    )
    first = next(a for a in allocations if a["hospital"] == hospital)
    page.wait_for_selector(f"#run-doses[data-batch='{first['batch']}'][data-ready='1']")
    page.select_option("#gantt-hospital", "")
    page.select_option("#gantt-rows", "site")
    page.wait_for_selector("#gantt[data-rows='site']")


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_a_revision_shows_its_freeze_line_and_pinned_runs(gantt_page: Any, dash: Dash) -> None:
    page, _ = gantt_page
    plan = dash.stored_plan()
    ship = next(s for s in plan["shipments"] if s["lane"] == "cyc-hosp")
    event = {"kind": "shipment_delayed", "lane": "cyc-hosp", "departure": ship["depart_utc"],
             "arrival": "2025-08-05T03:00:00Z"}  # fmt: skip
    body = {"kind": "replan", "scenario_id": dash.scenario_id,
            "options": {"plan_run_id": dash.run_id, "events": [event]}}  # fmt: skip
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        run = c.post("/runs", json=body, headers=dash.headers["bob"]).json()
        assert wait_final(c, run["run_id"], dash.headers["bob"])["state"] in ("optimal", "feasible")
    rev_plan = dash.stored_plan(run["run_id"])
    rev = rev_plan["revision"]
    freeze = _utc(rev["now_utc"]) + timedelta(seconds=rev["freeze_s"])
    hold = freeze if rev["mode"] == "hard" else _utc(rev["now_utc"])
    page.click("#refresh")
    page.wait_for_selector(f"#runs tr[data-run='{run['run_id']}'] button.open")
    _open(page, run["run_id"])
    shown = page.get_attribute("#gantt-freeze", "data-freeze") or ""
    assert _utc(shown) == freeze
    lines = page.evaluate("document.getElementById('gantt').layout.shapes.map(s => s.x0)")
    assert freeze.strftime("%Y-%m-%d %H:%M:%S") in [str(x)[:19] for x in lines]
    pinned = page.evaluate(
        "document.getElementById('gantt').data.filter(t => t.meta && t.meta.pinned)[0].meta.pinned"
    )
    assert pinned == [r["batch"] for r in rev_plan["runs"] if _utc(r["start_utc"]) < hold]
    assert pinned  # the Lu-177 irradiation started before the revision's now
    assert f"{len(pinned)} run(s) pinned" in (page.text_content("#gantt-freeze") or "")
    _open(page, dash.run_id)  # a plan that is no revision has no freeze line
    assert page.text_content("#gantt-freeze") == ""
    assert page.get_attribute("#gantt-freeze", "data-freeze") == ""


def test_no_request_left_the_machine(
    gantt_page: Any, dash: Dash, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page, seen = gantt_page
    page.screenshot(path=str(tmp_path_factory.mktemp("screens") / "gantt.png"), full_page=True)
    assert seen["blocked"] == []
    assert [u for u in seen["requests"] if not is_local(u)] == []
    assert seen["errors"] == []
    assert [m for m in seen["console"] if m[0] in ("error", "warning")] == []
