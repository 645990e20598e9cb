"""The dashboard in a real browser (Debian chromium, headless) over the real service.

The service runs in this process on 127.0.0.1 with the small scenario planned
(``dash_cases``). The page is signed in as a planner and checked against the stored plan:
the run list, the KPI tiles (served/total counted here from the plan JSON), one map marker
per site, one Gantt bar per run, a rejected upload's file/line/field, cancelling a run, and
Monte Carlo bands only once a simulation of the plan exists. Every request is recorded;
anything not to 127.0.0.1 is aborted and fails the last test.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import yaml
from browser_cases import SKIP_WITHOUT_BROWSER, is_local, signed_in_page
from dash_cases import PASSWORD, SMALL, Dash, wait_final

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SKIP_WITHOUT_BROWSER


@pytest.fixture(scope="module")
def browser_page(dash: Dash) -> Any:
    """The dashboard signed in as bob (planner), plus what the page did on the way."""
    with signed_in_page(dash.url, "bob", PASSWORD) as (page, seen):
        page.wait_for_selector(f"#runs tr[data-run='{dash.run_id}']", timeout=15_000)
        yield page, seen


def _open(page: Page, run_id: str) -> None:
    page.click(f"#runs tr[data-run='{run_id}'] button.open")
    page.wait_for_selector(f"#run-view[data-run='{run_id}'][data-ready='1']", timeout=15_000)


def test_the_run_list_shows_the_planned_run(browser_page: Any, dash: Dash) -> None:
    page, _ = browser_page
    row = page.locator(f"#runs tr[data-run='{dash.run_id}']")
    assert row.get_attribute("data-state") == "optimal"
    assert "optimal" in (row.text_content() or "")
    assert "small" in (page.locator("#scenarios tbody").text_content() or "")


def test_kpi_tiles_show_the_stored_plans_figures(browser_page: Any, dash: Dash) -> None:
    page, _ = browser_page
    _open(page, dash.run_id)
    plan = dash.stored_plan()
    served = sum(a.get("doses", 1) for a in plan["allocations"])
    total = served + sum(u.get("doses", 1) for u in plan["unserved"])
    assert page.locator("[data-kpi='doses'] .value").text_content() == f"{served} / {total}"
    assert page.locator("[data-kpi='status'] .value").text_content() == "optimal"
    cost = page.locator("[data-kpi='cost'] .value").text_content() or ""
    assert cost == f"{round(plan['kpis']['cost']['total']):,} {plan['kpis']['cost']['currency']}"
    assert page.locator("[data-kpi='mc-missed']").count() == 0  # no simulation: no bands
    rows = page.locator("#unserved tbody tr")
    assert rows.count() == len(plan["unserved"]) >= 1
    for i, u in enumerate(plan["unserved"]):
        text = rows.nth(i).text_content() or ""
        assert u["booking"] in text
        assert u["reason"] in text


def test_the_map_draws_one_marker_per_site(browser_page: Any, dash: Dash) -> None:
    page, seen = browser_page
    _open(page, dash.run_id)
    n_sites = len(yaml.safe_load(SMALL.read_text())["sites"])
    net = httpx.get(f"{dash.url}/runs/{dash.run_id}/network", headers=dash.headers["bob"]).json()
    drawn = page.evaluate(
        "document.getElementById('map').data.filter(t => t.meta && t.meta.sites)"
        ".reduce((n, t) => n + t.x.length, 0)"
    )
    assert drawn == n_sites
    assert page.locator("#map .scatterlayer .point").count() == n_sites
    flows = "document.getElementById('map').data.filter(t => t.meta && t.meta.flow).length"
    assert page.evaluate(flows) == len(net["flows"])
    page.select_option("#filter-product", "f18-fdg")
    page.wait_for_function(f"{flows} === 1")
    page.select_option("#filter-product", "")
    page.select_option("#filter-country", "AU")
    au = [f for f in net["flows"] if "sydney" in f["destination"] or "sydney" in f["origin"]]
    page.wait_for_function(f"{flows} === {len(au)}")
    page.select_option("#filter-country", "")
    assert seen["errors"] == []


def test_the_gantt_draws_one_bar_per_run(browser_page: Any, dash: Dash) -> None:
    page, _ = browser_page
    _open(page, dash.run_id)
    plan = dash.stored_plan()
    traces = page.locator("#gantt .barlayer .trace")
    assert traces.nth(0).locator(".point").count() == len(plan["runs"])
    assert traces.nth(2).locator(".point").count() == len(plan["shipments"])
    bases = page.evaluate("document.getElementById('gantt').data[0].base")
    assert sorted(bases) == sorted(r["start_utc"].replace("T", " ")[:-1] for r in plan["runs"])
    assert page.locator("#gantt .shapelayer path").count() >= 1  # the "now" line


def test_an_invalid_upload_shows_file_line_and_field(browser_page: Any, tmp_path: Path) -> None:
    page, _ = browser_page
    lines = SMALL.read_text().splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.strip() == "lat: 37.57")
    lines[line] = lines[line].replace("37.57", "137.57")
    bad = tmp_path / "broken.yaml"
    bad.write_text("".join(lines))
    page.fill("#reason", "try a broken file")
    page.set_input_files("#upload-file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-errors tbody tr", timeout=15_000)
    cells = page.locator("#upload-errors tbody tr").first.locator("td").all_text_contents()
    assert cells[:3] == ["scenario.yaml", str(line + 1), "sites.0.lat"]
    assert "90" in cells[3]


def test_a_run_is_cancelled_from_the_list(browser_page: Any, dash: Dash) -> None:
    page, _ = browser_page
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        body = {"kind": "plan", "scenario_id": dash.scenario_id}
        run = c.post("/runs", json=body, headers=dash.headers["bob"]).json()
        page.click("#refresh")
        page.fill("#reason", "no longer needed")
        page.click(f"#runs tr[data-run='{run['run_id']}'] button.cancel", timeout=10_000)
        page.wait_for_selector(f"#runs tr[data-run='{run['run_id']}'][data-state='cancelled']")
        assert c.get(f"/runs/{run['run_id']}", headers=dash.headers["bob"]).json()["state"] == (
            "cancelled"
        )


def test_monte_carlo_bands_appear_once_a_simulation_exists(browser_page: Any, dash: Dash) -> None:
    page, _ = browser_page
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        bob = dash.headers["bob"]
        body = {"kind": "simulate", "scenario_id": dash.scenario_id,
                "options": {"plan_run_id": dash.run_id, "replications": 20}}  # fmt: skip
        sim = c.post("/runs", json=body, headers=bob).json()
        assert wait_final(c, sim["run_id"], bob)["state"] == "succeeded"
        missed = c.get(f"/runs/{sim['run_id']}/result", headers=bob).json()["result"]["tails"]
    page.click("#refresh")
    page.wait_for_selector(f"#runs tr[data-run='{sim['run_id']}']")
    _open(page, dash.run_id)
    m = missed["missed_per_week"]
    value = page.locator("[data-kpi='mc-missed'] .value").text_content() or ""
    shown = [float(x) for x in value.split(" / ")]
    assert shown == [round(m[p], 1) for p in ("p5", "p50", "p95")]
    sub = page.locator("[data-kpi='mc-missed'] .sub").text_content() or ""
    assert "20 replications" in sub


def test_a_viewer_sees_no_controls_to_change_anything(browser_page: Any, dash: Dash) -> None:
    page, seen = browser_page
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
        viewer.wait_for_selector(f"#runs tr[data-run='{dash.run_id}']")
        assert "viewer" in (viewer.locator("#who").text_content() or "")
        assert viewer.locator("#upload-form").is_hidden()
        assert viewer.locator("#reason-box").is_hidden()
        assert viewer.locator("#scenarios button.plan").count() == 0
        assert viewer.locator("#runs button.cancel").count() == 0
        assert viewer.locator(f"#runs tr[data-run='{dash.run_id}'] button.open").count() == 1
        assert page.locator("#scenarios button.plan").count() >= 1  # the planner has them
    finally:
        viewer.close()


def test_no_request_left_the_machine(
    browser_page: Any, dash: Dash, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page, seen = browser_page
    shot = tmp_path_factory.mktemp("screens") / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    time.sleep(0.2)
    assert seen["blocked"] == []
    assert seen["requests"][0] == dash.url + "/"
    assert [u for u in seen["requests"] if not is_local(u)] == []
    assert seen["errors"] == []
    # the refused upload's 422 is the one failed load chromium reports, as it should
    refused = "the server responded with a status of 422"
    noise = [m for m in seen["console"] if m[0] in ("error", "warning") and refused not in m[1]]
    assert noise == []
    assert sum(refused in m[1] for m in seen["console"]) == 1
