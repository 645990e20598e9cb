"""Two runs side by side, a re-plan's own settings, and a simulation, in a real browser.

Signed in as the planner over the real service with the small scenario planned
(``dash_cases``) and a baseline run of it: the comparison table on screen holds the figures
of both runs' results as the API states them, the second map draws the baseline's flows on
the first map's scale; a re-plan submitted with settings carries them to the service and
its revision; a simulation submitted from the page puts its Monte Carlo band on the plan's
tiles (the baseline's: the shared plan stays without a simulation). Every request is
recorded; anything not to 127.0.0.1 is aborted and fails the last test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
from browser_cases import SKIP_WITHOUT_BROWSER, is_local, signed_in_page
from dash_cases import PASSWORD, Dash, wait_final

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = SKIP_WITHOUT_BROWSER

DELAY_LANE = "cyc-hosp"
"""The road from the cyclotron to the Seoul hospital (the F-18 dose b3 travels it)."""
WIDEST = 1.5 + 10.0
"""Line width of the flow delivering the most activity on screen (charts.js: 1.5 + 10·√1)."""


def _get(dash: Dash, path: str) -> Any:
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        r = c.get(path, headers=dash.headers["bob"])
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def baseline_id(dash: Dash) -> str:
    """A baseline run of the small scenario (nearest supplier), submitted through the API."""
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        body = {"kind": "baseline", "scenario_id": dash.scenario_id, "reason": "compare"}
        r = c.post("/runs", json=body, headers=dash.headers["bob"])
        assert r.status_code == 202, r.text
        run = wait_final(c, r.json()["run_id"], dash.headers["bob"])
    assert run["result_sha256"], run
    return str(run["run_id"])


@pytest.fixture(scope="module")
def page_open(dash: Dash, baseline_id: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The dashboard signed in as bob with the plan open (the baseline listed)."""
    with signed_in_page(dash.url, "bob", PASSWORD) as (page, seen):
        page.wait_for_selector(f"#runs tr[data-run='{baseline_id}']", timeout=15_000)
        page.click(f"#runs tr[data-run='{dash.run_id}'] button.open")
        page.wait_for_selector(f"#whatif-view[data-run='{dash.run_id}'][data-ready='1']")
        yield page, seen, tmp_path_factory.mktemp("compare-screens")


def _shot(page: Page, folder: Any, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _figures(run: dict[str, Any], plan: dict[str, Any]) -> dict[str, float | None]:
    k = plan["kpis"]
    return {
        "doses_served": k["doses"]["served"],
        "doses_total": k["doses"]["total"],
        "served_share": 100 * k["doses"]["served_share"],
        "unserved": len(plan["unserved"]),
        "cost": k["cost"]["total"],
        "production": k["cost"]["production_fixed"] + k["cost"]["production_variable"],
        "transport": k["cost"]["transport"],
        "runs": len(plan["runs"]),
        "shipments": len(plan["shipments"]),
        "gap": None if run["gap"] is None else 100 * run["gap"],
    }


def _flow_widths(page: Page, div: str) -> list[float]:
    return list(
        page.evaluate(
            f"document.getElementById('{div}').data.filter(t => t.meta && t.meta.flow)"
            ".map(t => t.line.width)"
        )
    )


def test_two_runs_side_by_side_state_both_results(
    page_open: Any, dash: Dash, baseline_id: str
) -> None:
    page, _, shots = page_open
    assert page.locator("#map-b").is_hidden()
    page.select_option("#compare-with", baseline_id)
    page.wait_for_selector(f"#compare-table[data-run='{baseline_id}'][data-ready='1']")
    a, b = _get(dash, f"/runs/{dash.run_id}/result"), _get(dash, f"/runs/{baseline_id}/result")
    want_a, want_b = _figures(a["run"], a["result"]), _figures(b["run"], b["result"])
    for key in want_a:
        row = page.locator(f"#compare-table tr[data-figure='{key}']")
        for side, want in (("a", want_a[key]), ("b", want_b[key])):
            shown = row.get_attribute(f"data-{side}")
            if want is None:
                assert shown == "", key
            else:
                assert shown is not None, key
                assert float(shown) == pytest.approx(want, rel=1e-12), key
    # both maps drawn, each with its own run's flows, on one scale
    assert page.locator("#map-b").is_visible()
    net_a = _get(dash, f"/runs/{dash.run_id}/network")
    net_b = _get(dash, f"/runs/{baseline_id}/network")
    widths_a, widths_b = _flow_widths(page, "map"), _flow_widths(page, "map-b")
    assert len(widths_a) == len(net_a["flows"])
    assert len(widths_b) == len(net_b["flows"])
    assert max(widths_a + widths_b) == pytest.approx(WIDEST)
    most = max(f["activity_delivered_bq"] for f in net_a["flows"] + net_b["flows"])
    lightest = min(net_b["flows"], key=lambda f: f["activity_delivered_bq"])
    assert min(widths_b) == pytest.approx(
        1.5 + 10 * (lightest["activity_delivered_bq"] / most) ** 0.5
    )
    cmax = page.evaluate(
        "['map', 'map-b'].map(id => document.getElementById(id).data"
        ".find(t => t.name === 'decay scale').marker.cmax)"
    )
    assert cmax[0] == cmax[1]
    _shot(page, shots, "compare")
    page.select_option("#compare-with", "")
    page.wait_for_selector("#map-b", state="hidden")
    assert page.locator("#compare-table").is_hidden()


def test_a_replan_carries_its_settings(page_open: Any, dash: Dash) -> None:
    page, _, shots = page_open
    plan = dash.stored_plan()
    departure = next(s["depart_utc"] for s in plan["shipments"] if s["lane"] == DELAY_LANE)
    page.select_option("#whatif-kind", "shipment_delayed")
    page.select_option("#whatif-field-lane", DELAY_LANE)
    page.select_option("#whatif-field-departure", departure)
    page.fill("#whatif-field-arrival", "2025-08-05T03:00:00Z")
    page.fill("#whatif-reason", "the road is blocked")
    page.fill("#whatif-set-freeze", "-1")  # refused on the page: nothing is submitted
    page.click("#whatif-form button[type=submit]")
    assert "freeze [h] must be a number of at least 0" in (
        page.locator("#whatif-progress").text_content() or ""
    )
    assert page.get_attribute("#whatif-progress", "data-run") is None
    page.select_option("#whatif-set-mode", "hard")
    page.fill("#whatif-set-now", plan["start_utc"])
    page.fill("#whatif-set-freeze", "1.5")
    page.fill("#whatif-set-time-limit", "20")
    page.click("#whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-diff[data-ready='1']", timeout=60_000)
    run_id = page.get_attribute("#whatif-diff", "data-run")
    res = _get(dash, f"/runs/{run_id}/result")
    options = res["run"]["options"]
    assert options["mode"] == "hard"
    assert options["freeze_s"] == pytest.approx(5400.0)
    assert options["time_limit_s"] == pytest.approx(20.0)
    rev = res["result"]["revision"]
    assert rev["mode"] == "hard"
    assert rev["freeze_s"] == pytest.approx(5400.0)
    assert rev["now_utc"].replace("+00:00", "Z") == plan["start_utc"].replace("+00:00", "Z")
    _shot(page, shots, "replan-settings")


def _sims(dash: Dash, plan_run: str) -> list[dict[str, Any]]:
    runs = _get(dash, "/runs")
    return [
        r for r in runs if r["kind"] == "simulate" and r["options"].get("plan_run_id") == plan_run
    ]


def test_a_simulation_from_the_page_bands_the_tiles(
    page_open: Any, dash: Dash, baseline_id: str
) -> None:
    page, _, shots = page_open  # the baseline's plan is simulated (the shared plan stays bare)
    page.click(f"#runs tr[data-run='{baseline_id}'] button.open")
    page.wait_for_selector(f"#whatif-view[data-run='{baseline_id}'][data-ready='1']")
    assert page.locator("#kpis [data-kpi='mc-missed']").count() == 0
    page.fill("#sim-replications", "0")
    page.fill("#sim-reason", "how robust is the week")
    page.click("#sim-form button[type=submit]")
    assert "at least 1" in (page.locator("#sim-progress").text_content() or "")
    before = {r["run_id"] for r in _sims(dash, baseline_id)}
    page.fill("#sim-replications", "12")
    page.fill("#sim-seed", "3")
    page.click("#sim-form button[type=submit]")
    page.wait_for_selector("#kpis [data-kpi='mc-missed']", timeout=120_000)
    sims = [r for r in _sims(dash, baseline_id) if r["run_id"] not in before]
    assert len(sims) == 1, sims
    assert sims[0]["state"] == "succeeded", sims
    assert sims[0]["options"]["replications"] == 12
    assert sims[0]["options"]["seed"] == 3
    result = _get(dash, f"/runs/{sims[0]['run_id']}/result")["result"]
    band = result["tails"]["missed_per_week"]
    tile = page.locator("#kpis [data-kpi='mc-missed']")
    shown = [float(x) for x in (tile.locator(".value").text_content() or "").split(" / ")]
    assert shown == pytest.approx([band["p5"], band["p50"], band["p95"]], abs=0.05)
    sub = tile.locator(".sub").text_content() or ""
    assert f"{result['replications']} replications" in sub
    assert sims[0]["run_id"] in sub
    _shot(page, shots, "simulated")


def test_no_request_left_the_machine(page_open: Any) -> None:
    _, seen, _ = page_open
    assert seen["blocked"] == []
    assert [u for u in seen["requests"] if not is_local(u)] == []
    assert seen["errors"] == []
    noise = [m for m in seen["console"] if m[0] in ("error", "warning")]
    assert noise == []
