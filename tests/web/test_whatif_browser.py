"""The dashboard's decay curve and what-if re-plan in a real browser (Debian chromium).

Signed in as the planner over the real service with the small scenario planned
(``dash_cases``): a dose's curve ends where ``GET /runs/{id}/decay`` says it does, with its
markers and band; a shipment delay injected from the form is re-planned, and the diff on
screen is the revision's diff in the re-plan's result. Every request is recorded; anything
not to 127.0.0.1 is aborted and fails the last test.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from browser_cases import SKIP_WITHOUT_BROWSER, is_local, signed_in_page
from dash_cases import PASSWORD, Dash

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SKIP_WITHOUT_BROWSER

DELAY_LANE = "cyc-hosp"
"""The road from the cyclotron to the Seoul hospital: the F-18 dose b3 travels it."""
LATE_ARRIVAL = "2025-08-05T03:00:00Z"
"""Past b3's administration (00:30 UTC): the planned consignment no longer serves it."""


def _api(dash: Dash, path: str, **params: Any) -> Any:
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        r = c.get(path, headers=dash.headers["bob"], params=params)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def whatif_page(dash: Dash, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The dashboard signed in as bob (planner) with the plan open."""
    with signed_in_page(dash.url, "bob", PASSWORD) as (page, seen):
        page.click(f"#runs tr[data-run='{dash.run_id}'] button.open", timeout=15_000)
        page.wait_for_selector(f"#whatif-view[data-run='{dash.run_id}'][data-ready='1']")
        yield page, seen, tmp_path_factory.mktemp("whatif-screens")


def _shot(page: Page, folder: Any, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_doses_curve_ends_where_the_api_says(whatif_page: Any, dash: Dash) -> None:
    page, _, shots = whatif_page
    plan = dash.stored_plan()
    rows = page.locator("#doses tbody tr")
    assert rows.count() == len(plan["allocations"])
    page.click("#doses tbody tr[data-booking='b3']")
    page.wait_for_selector("#decay[data-booking='b3'][data-ready='1']")
    a = next(x for x in plan["allocations"] if x["booking"] == "b3")
    api = _api(dash, f"/runs/{dash.run_id}/decay", allocation="b3", batch=a["batch"])
    line = page.evaluate(
        "(() => { const d = document.getElementById('decay').data;"
        " return {x: d[0].x, bq: d[0].customdata, y: d[0].y, kinds: d[1].meta.kinds}; })()"
    )
    assert line["bq"][0] == api["points"][0]["activity_bq"]
    assert line["bq"][-1] == api["points"][-1]["activity_bq"]
    assert line["x"][0] == api["points"][0]["time_utc"].replace("T", " ").rstrip("Z")
    assert line["x"][-1] == api["points"][-1]["time_utc"].replace("T", " ").rstrip("Z")
    assert line["y"][-1] == pytest.approx(a["activity_admin_bq"] / 1e6, rel=1e-6)  # in MBq
    assert line["kinds"] == [m["kind"] for m in api["markers"]]
    assert line["kinds"][0] == "end_of_production"
    assert line["kinds"][-1] == "administration"
    band = page.evaluate("document.getElementById('decay').layout.shapes[0]")
    assert band["y0"] == pytest.approx(api["band_low_bq"] / 1e6)
    assert band["y1"] == pytest.approx(api["band_high_bq"] / 1e6)
    assert page.locator("#decay .scatterlayer .trace").count() == 2
    _shot(page, shots, "decay")


def test_a_bulk_inputs_curve_ends_where_the_api_says(whatif_page: Any, dash: Dash) -> None:
    page, _, shots = whatif_page
    plan = dash.stored_plan()
    inputs = [(i, r) for r in plan["runs"] for i in r["inputs"]]
    rows = page.locator("#consignments tbody tr[data-kind='input']")
    assert rows.count() == len(inputs) == 1
    inp, user = inputs[0]
    page.click(f"#consignments tbody tr[data-batch='{inp['batch']}'][data-to='{user['batch']}']")
    page.wait_for_selector(
        f"#decay[data-consignment='input:{inp['batch']}:{user['batch']}'][data-ready='1']"
    )
    api = _api(dash, f"/runs/{dash.run_id}/consignment-decay", kind="input",
               batch=inp["batch"], to=user["batch"])  # fmt: skip
    line = page.evaluate(
        "(() => { const d = document.getElementById('decay').data;"
        " return {bq: d[0].customdata, kinds: d[1].meta.kinds}; })()"
    )
    assert line["bq"][0] == api["points"][0]["activity_bq"] == inp["activity_eop_bq"]
    assert line["bq"][-1] == api["points"][-1]["activity_bq"]
    assert line["kinds"] == [m["kind"] for m in api["markers"]]
    assert line["kinds"][-1] == "use"
    _shot(page, shots, "consignment")


def test_a_delay_replanned_shows_the_revisions_diff(whatif_page: Any, dash: Dash) -> None:
    page, _, shots = whatif_page
    plan = dash.stored_plan()
    departure = next(s["depart_utc"] for s in plan["shipments"] if s["lane"] == DELAY_LANE)
    page.select_option("#whatif-kind", "shipment_delayed")
    page.select_option("#whatif-field-lane", DELAY_LANE)
    page.select_option("#whatif-field-departure", departure)
    page.fill("#whatif-field-arrival", LATE_ARRIVAL)
    page.fill("#whatif-reason", "the road is blocked")
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-diff[data-ready='1']", timeout=60_000)
    run_id = page.get_attribute("#whatif-diff", "data-run")
    assert page.get_attribute("#whatif-progress", "data-state") in ("optimal", "feasible")
    res = _api(dash, f"/runs/{run_id}/result")
    assert res["run"]["kind"] == "replan"
    assert res["run"]["options"]["plan_run_id"] == dash.run_id
    rev = res["result"]["revision"]
    assert rev["events"][-1]["kind"] == "shipment_delayed"
    assert rev["events"][-1]["lane"] == DELAY_LANE
    assert rev["events"][-1]["note"] == "the road is blocked"  # the reason, as its note
    diff = rev["diff"]
    assert "b3" in diff["moved"] or "b3" in [x["booking"] for x in diff["lost"]]
    for key in ("moved", "withdrawn", "gained", "runs_added", "runs_removed",
                "shipments_added", "shipments_removed"):  # fmt: skip
        shown = page.locator(f"#whatif-diff ul[data-diff='{key}'] li").all_text_contents()
        assert shown == list(diff[key]), key
    lost = page.locator("#whatif-diff ul[data-diff='lost'] li").all_text_contents()
    assert [x.split(":")[0] for x in lost] == [x["booking"] for x in diff["lost"]]
    shifted = page.locator("#whatif-diff ul[data-diff='runs_shifted'] li").all_text_contents()
    assert [x.split(" → ")[0] for x in shifted] == [s["before"] for s in diff["runs_shifted"]]
    kept = page.locator("#whatif-diff [data-diff='kept']").text_content() or ""
    assert kept.startswith(f"{diff['kept']} ")
    for figure in ("doses_served", "doses_unserved", "runs", "shipments"):
        cells = page.locator(f"#diff-figures tr[data-figure='{figure}'] td").all_text_contents()
        assert cells[1:3] == [str(diff["before"][figure]), str(diff["after"][figure])], figure
    _shot(page, shots, "whatif-diff")
    page.click("#whatif-diff button.open-revision")
    page.wait_for_selector(f"#whatif-view[data-run='{run_id}'][data-ready='1']")
    page.click("#doses tbody tr[data-booking='b3']")  # the revision's curve: b3 as re-planned
    page.wait_for_selector("#decay[data-booking='b3'][data-ready='1']")
    moved = next(a for a in res["result"]["allocations"] if a["booking"] == "b3")
    api = _api(dash, f"/runs/{run_id}/decay", allocation="b3")
    bq = page.evaluate("document.getElementById('decay').data[0].customdata")
    assert bq[-1] == api["points"][-1]["activity_bq"]
    assert (
        api["markers"][1:-1] == [m for m in api["markers"] if m["kind"] != "end_of_production"][:-1]
    )
    departs = [m["time_utc"] for m in api["markers"] if m["kind"] == "departure"]
    assert departs == [leg["depart_utc"] for leg in moved["legs"]]


def test_an_event_the_service_refuses_ends_the_replan_failed(whatif_page: Any) -> None:
    page, _, _ = whatif_page
    booking = {"id": "u1", "hospital": "nowhere", "product": "f18-fdg",
               "administration": "2025-08-05T08:00:00Z"}  # fmt: skip
    page.select_option("#whatif-kind", "booking_added")
    page.fill("#whatif-field-booking", json.dumps(booking))
    page.fill("#whatif-reason", "an urgent patient")
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-progress[data-state='failed']", timeout=30_000)
    assert "nowhere" in (page.locator("#whatif-progress").text_content() or "")
    assert page.locator("#whatif-diff").inner_html() == ""


def test_a_viewer_sees_the_curve_but_no_what_if_form(whatif_page: Any, dash: Dash) -> None:
    page, seen, _ = whatif_page
    viewer = page.context.new_page()
    viewer.on("pageerror", lambda e: seen["errors"].append(str(e)))
    viewer.on("request", lambda r: seen["requests"].append(r.url))
    try:
        viewer.goto(dash.url + "/")
        viewer.wait_for_selector("body[data-ready='1']")
        viewer.fill("#login-org", "acme")
        viewer.fill("#login-user", "vic")
        viewer.fill("#login-password", PASSWORD)
        viewer.click("#login-form button[type=submit]")
        viewer.click(f"#runs tr[data-run='{dash.run_id}'] button.open")
        viewer.wait_for_selector(f"#whatif-view[data-run='{dash.run_id}'][data-ready='1']")
        assert viewer.locator("#whatif-form").count() == 0
        viewer.click("#doses tbody tr[data-booking='b1']")
        viewer.wait_for_selector("#decay[data-booking='b1'][data-ready='1']")
    finally:
        viewer.close()


def test_no_request_left_the_machine(whatif_page: Any, dash: Dash) -> None:
    page, seen, shots = whatif_page
    _shot(page, shots, "revision")
    assert seen["blocked"] == []
    assert seen["requests"][0] == dash.url + "/"
    assert [u for u in seen["requests"] if not is_local(u)] == []
    assert seen["errors"] == []
    noise = [m for m in seen["console"] if m[0] in ("error", "warning")]
    assert noise == []
