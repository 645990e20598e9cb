"""The whole dashboard flow on the built-in apac-2025 week, in a real browser.

On a service of its own (``dash_cases.running``, a fresh store): bob (planner) uploads the
built-in scenario (its CSV folder as a tar archive) through the page, plans it, opens the
plan (map and Gantt), injects a shipment delay and re-plans, and reads the diff; rhea
(planner) signs the revision as reviewed and quentin (approver) as approved, both in the
page; vic (viewer) sees the signatures and no sign button. What the page shows is checked
against the API's JSON for the same runs. A plan and a re-plan of the built-in week: about
40 s on 2 cores (``slow``).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_cases import SKIP_WITHOUT_BROWSER, is_local, signed_in_page
from dash_cases import PASSWORD, Dash, running

from isoflow.scenario.examples import builtin_path

pytestmark = [*SKIP_WITHOUT_BROWSER, pytest.mark.slow]

PLAN_S = 180_000
"""Longest wait [ms] for a plan or re-plan of the built-in week (its time limit is 60 s)."""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dash]:
    folder = tmp_path_factory.mktemp("builtin-flow")
    with running(folder) as dash, httpx.Client(base_url=dash.url, timeout=30) as c:
        for name, role in (("rhea", "planner"), ("quentin", "approver")):
            new = {"username": name, "full_name": name.title(), "roles": [role],
                   "reason": "sign-off", "password": PASSWORD}  # fmt: skip
            assert c.post("/auth/users", json=new, headers=dash.headers["alice"]).status_code == 201
        yield dash


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in scenario's CSV folder as a tar archive, as a user would upload it."""
    folder = builtin_path("apac-2025")
    out = tmp_path_factory.mktemp("upload") / "apac-2025.tar"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                tar.add(f, arcname=str(f.relative_to(folder)))
    out.write_bytes(buf.getvalue())
    return out


def _get(dash: Dash, path: str) -> Any:
    with httpx.Client(base_url=dash.url, timeout=60) as c:
        r = c.get(path, headers=dash.headers["bob"])
        assert r.status_code == 200, r.text
        return r.json()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sign(dash: Dash, user: str, run_id: str, meaning: str) -> None:
    with signed_in_page(dash.url, user, PASSWORD) as (page, seen):
        page.click(f"#runs tr[data-run='{run_id}'] button.open", timeout=15_000)
        page.wait_for_selector(f"#signoff[data-run='{run_id}'][data-ready='1']", timeout=30_000)
        button = page.locator(f"#signoff button[data-sign='{meaning}']")
        assert button.count() == 1, page.locator("#signoff").text_content()
        button.click()
        page.fill("#sign-password", PASSWORD)
        page.fill("#sign-reason", f"{meaning} for the week")
        page.click("#sign-confirm")
        state = "reviewed" if meaning == "review" else "approved"
        page.wait_for_selector(f"#signoff[data-state='{state}'][data-ready='1']", timeout=30_000)
        assert [u for u in seen["requests"] if not is_local(u)] == []
        assert seen["errors"] == []


def test_the_builtin_week_from_upload_to_approval(service: Dash, archive: Path) -> None:
    dash = service
    with signed_in_page(dash.url, "bob", PASSWORD) as (page, seen):
        page.wait_for_selector("#workspace:not([hidden])", timeout=15_000)
        page.fill("#reason", "the week's plan")
        page.set_input_files("#upload-file", str(archive))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#upload-result .ok", timeout=120_000)
        scenarios = _get(dash, "/scenarios")
        (sid,) = [s["scenario_id"] for s in scenarios if s["name"] == "apac-2025"]
        row = page.locator("#scenarios tbody tr", has_text=sid)
        row.locator("button.plan").click()
        page.wait_for_selector("#notice:has-text('submitted')", timeout=30_000)
        runs = _get(dash, "/runs")
        (plan_id,) = [r["run_id"] for r in runs if r["scenario_id"] == sid and r["kind"] == "plan"]
        page.wait_for_selector(
            f"#runs tr[data-run='{plan_id}'][data-state='optimal'], "
            f"#runs tr[data-run='{plan_id}'][data-state='feasible']",
            timeout=PLAN_S,
        )
        page.click(f"#runs tr[data-run='{plan_id}'] button.open")
        page.wait_for_selector(f"#run-view[data-run='{plan_id}'][data-ready='1']", timeout=30_000)
        result = _get(dash, f"/runs/{plan_id}/result")
        plan = result["result"]
        net = _get(dash, f"/runs/{plan_id}/network")
        sites = page.evaluate(
            "document.getElementById('map').data.filter(t => t.meta && t.meta.sites)"
            ".reduce((n, t) => n + t.x.length, 0)"
        )
        assert sites == len(net["sites"])
        flows = page.evaluate(
            "document.getElementById('map').data.filter(t => t.meta && t.meta.flow).length"
        )
        assert flows == len(net["flows"])
        bars = page.evaluate("document.getElementById('gantt').data[0].x.length")
        assert bars == len(plan["runs"])
        served = page.locator("[data-kpi='doses'] .value").text_content()
        kpis = plan["kpis"]["doses"]
        assert served == f"{kpis['served']} / {kpis['total']}"
        # a shipment six hours late, re-planned from the page
        ship = max(plan["shipments"], key=lambda s: (len(s["bookings"]), s["depart_utc"]))
        late = _iso(_time(ship["arrive_utc"]) + timedelta(hours=6))
        page.wait_for_selector(f"#whatif-view[data-run='{plan_id}'][data-ready='1']")
        page.select_option("#whatif-kind", "shipment_delayed")
        page.select_option("#whatif-field-lane", ship["lane"])
        page.select_option("#whatif-field-departure", ship["depart_utc"])
        page.fill("#whatif-field-arrival", late)
        page.fill("#whatif-reason", "the flight is six hours late")
        page.click("#whatif-form button[type=submit]")
        page.wait_for_selector("#whatif-diff[data-ready='1']", timeout=PLAN_S)
        replan_id = page.get_attribute("#whatif-diff", "data-run")
        assert replan_id
        state = page.get_attribute("#whatif-progress", "data-state")
        assert state in ("optimal", "feasible"), page.locator("#whatif-progress").text_content()
        diff = _get(dash, f"/runs/{replan_id}/result")["result"]["revision"]["diff"]
        for figure in ("doses_served", "doses_unserved", "runs", "shipments"):
            cells = page.locator(f"#diff-figures tr[data-figure='{figure}'] td").all_text_contents()
            assert [float(x.replace(",", "")) for x in cells[1:3]] == [
                diff["before"][figure],
                diff["after"][figure],
            ], figure
        touched = set(diff["moved"]) | {x["booking"] for x in diff["lost"]}
        assert touched & set(ship["bookings"])  # the delayed consignment's bookings changed
        assert [u for u in seen["requests"] if not is_local(u)] == []
        assert seen["errors"] == []
    _sign(dash, "rhea", replan_id, "review")
    _sign(dash, "quentin", replan_id, "approve")
    with signed_in_page(dash.url, "vic", PASSWORD) as (page, _):
        page.click(f"#runs tr[data-run='{replan_id}'] button.open", timeout=15_000)
        page.wait_for_selector(f"#signoff[data-run='{replan_id}'][data-ready='1']", timeout=30_000)
        assert page.locator("#signoff").get_attribute("data-state") == "approved"
        assert page.locator("#signoff button.sign").count() == 0
        assert page.locator("#whatif-form").count() == 0
    signed = _get(dash, f"/plans/{replan_id}/signatures")
    assert signed["state"] == "approved"
    assert [s["meaning"] for s in signed["signatures"]] == ["reviewed", "approved"]
    assert all(s["valid"] for s in signed["signatures"])
