"""What the dashboard reads: ``GET /runs/{id}/network``, ``GET /auth/me`` and its static files,
over the real service.

The flows are checked against the stored plan JSON and the scenario file, recomputed here
with the published half-lives (not the service's nuclide data).
"""

from __future__ import annotations

import math
from collections import defaultdict
from importlib.resources import files

import httpx
import pytest
import yaml
from dash_cases import SMALL, Dash

HALF_LIFE_S = {"F-18": 109.77 * 60, "Lu-177": 6.647 * 86400}
"""ICRP-107 half-lives of the nuclides the small plan ships."""


def _get(dash: Dash, path: str, who: str | None = "bob") -> httpx.Response:
    headers = dash.headers[who] if who else {}
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        return c.get(path, headers=headers)


def _activity(eop_bq: float, nuclide: str, eop: str, at: str) -> float:
    seconds = (_time(at) - _time(eop)).total_seconds()
    return eop_bq * math.exp(-math.log(2) / HALF_LIFE_S[nuclide] * seconds)


def _time(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_network_states_sites_lanes_and_flows_of_the_stored_plan(dash: Dash) -> None:
    r = _get(dash, f"/runs/{dash.run_id}/network")
    assert r.status_code == 200, r.text
    net = r.json()
    scenario = yaml.safe_load(SMALL.read_text())
    assert [(s["id"], s["lat"], s["lon"]) for s in net["sites"]] == [
        (s["id"], s["lat"], s["lon"]) for s in scenario["sites"]
    ]
    assert [x["id"] for x in net["lanes"]] == [x["id"] for x in scenario["lanes"]]
    assert net["countries"] == sorted({s["country"] for s in scenario["sites"]})
    assert net["borders"]["lon"]
    assert net["land"]["lon"]
    plan = dash.stored_plan()
    want: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for a in plan["allocations"]:
        for leg in a["legs"]:
            w = want[(leg["lane"], a["product"])]
            eop_bq = a["activity_eop_bq"] * a.get("doses", 1)
            w[0] += a.get("doses", 1)
            w[1] += eop_bq
            w[2] += _activity(eop_bq, a["nuclide"], a["end_of_production_utc"], leg["depart_utc"])
            w[3] += _activity(eop_bq, a["nuclide"], a["end_of_production_utc"], leg["arrive_utc"])
    runs = {r["batch"]: r for r in plan["runs"]}
    for run in plan["runs"]:
        for inp in run["inputs"]:
            src = runs[inp["batch"]]
            for leg in inp["legs"]:
                w = want[(leg["lane"], inp["product"])]
                eop, nuc = src["end_of_production_utc"], src["nuclide"]
                w[1] += inp["activity_eop_bq"]
                w[2] += _activity(inp["activity_eop_bq"], nuc, eop, leg["depart_utc"])
                w[3] += _activity(inp["activity_eop_bq"], nuc, eop, leg["arrive_utc"])
    got = {(f["lane"], f["product"]): f for f in net["flows"]}
    assert set(got) == set(want)
    assert len(want) >= 3
    for key, (doses, eop_bq, departed, delivered) in want.items():
        f = got[key]
        assert f["doses"] == doses, key
        assert f["activity_eop_bq"] == pytest.approx(eop_bq, rel=1e-9)
        assert f["activity_departed_bq"] == pytest.approx(departed, rel=1e-3)
        assert f["activity_delivered_bq"] == pytest.approx(delivered, rel=1e-3)
        assert f["decay_lost_share"] == pytest.approx(1 - delivered / eop_bq, rel=1e-3)
    assert sorted(net["products"]) == sorted({p for _, p in want})


def test_network_is_role_checked_and_kept_within_the_organisation(dash: Dash) -> None:
    path = f"/runs/{dash.run_id}/network"
    assert _get(dash, path, None).status_code == 401
    assert _get(dash, path, "vic").status_code == 200
    assert _get(dash, path, "eve").status_code == 404
    missing = _get(dash, "/runs/no-such-run/network")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_network_of_a_run_without_a_plan_is_refused(dash: Dash) -> None:
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        bob = dash.headers["bob"]
        body = {"kind": "plan", "scenario_id": dash.scenario_id, "options": {"time_limit_s": 30}}
        run = c.post("/runs", json=body, headers=bob).json()
        early = c.get(f"/runs/{run['run_id']}/network", headers=bob)
        assert early.status_code == 422, early.text
        assert c.delete(f"/runs/{run['run_id']}", headers=bob).json()["state"] == "cancelled"
        late = c.get(f"/runs/{run['run_id']}/network", headers=bob)
        assert late.status_code == 422
        assert "no plan" in late.json()["detail"]


def test_the_page_and_its_files_are_served_without_sign_in(dash: Dash) -> None:
    page = _get(dash, "/", None)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "connect-src 'self'" in csp
    for name in ("dashboard.js", "charts.js", "dashboard.css"):
        assert f"/static/{name}" in page.text
        assert _get(dash, f"/static/{name}", None).status_code == 200
    plotly = _get(dash, "/static/plotly.min.js", None)
    vendored = files("isoflow.adapters.report").joinpath("assets", "plotly.min.js").read_bytes()
    assert plotly.content == vendored
    assert _get(dash, "/static/..%2Fpages.py", None).status_code == 404
    assert _get(dash, "/static/index.html", None).status_code == 404


def test_me_states_the_callers_roles_and_what_the_role_table_allows(dash: Dash) -> None:
    bob = _get(dash, "/auth/me").json()
    assert bob["name"] == "Bob"
    assert bob["roles"] == ["planner"]
    assert {"runs:submit", "scenarios:upload", "runs:cancel"} <= set(bob["allowed"])
    vic = _get(dash, "/auth/me", "vic").json()
    assert vic["roles"] == ["viewer"]
    assert vic["org_id"] == bob["org_id"] != _get(dash, "/auth/me", "eve").json()["org_id"]
    assert sorted(vic["allowed"]) == ["plans:read", "runs:read", "scenarios:read"]
    assert _get(dash, "/auth/me", None).status_code == 401
    with httpx.Client(base_url=dash.url, timeout=30) as c:  # the server refuses anyway
        body = {"kind": "plan", "scenario_id": dash.scenario_id}
        assert c.post("/runs", json=body, headers=dash.headers["vic"]).status_code == 403
