"""The HTML report in a real browser (Debian chromium, headless), offline.

Checks that every chart and table renders, that the decay-curve select redraws the chart,
that no script error is logged, and that no request leaves the machine: every request is
recorded, and anything but ``file://``, ``data:``, ``blob:`` or loopback is aborted and
reported as a failure.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from isoflow.adapters.report import render_report
from isoflow.units import to_iso

CHROMIUM = shutil.which("chromium")
try:
    from playwright.sync_api import Page, Request, Route, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs playwright
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install chromium); .ci/run installs it",
    ),
    pytest.mark.skipif(
        sync_playwright is None, reason="playwright is not installed (pip install -e '.[dev]')"
    ),
]

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _local(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in LOCAL_SCHEMES or (u.hostname or "") in LOOPBACK


@pytest.fixture(scope="module")
def browser_page(small_plan, small_scenario, tmp_path_factory):
    """The small plan's report opened in chromium, plus what the page did on the way."""
    path = render_report(small_plan, small_scenario, tmp_path_factory.mktemp("report") / "r.html")
    seen = {"requests": [], "blocked": [], "errors": [], "console": []}

    def route(r: Route, request: Request) -> None:
        if _local(request.url):
            r.continue_()
        else:
            seen["blocked"].append(request.url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("console", lambda m: seen["console"].append((m.type, m.text)))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        yield page, seen, path
        context.close()
        browser.close()


def _count(page: Page, selector: str) -> int:
    return page.locator(selector).count()


def test_every_part_renders(browser_page, small_plan, small_scenario):
    page, seen, _ = browser_page
    for chart in ("map", "gantt", "timeline", "decay"):
        assert _count(page, f"#{chart} .main-svg") >= 1, chart
    # map: land, borders, one line per lane, arrows on used lanes, one trace per site kind
    kinds = {s.kind[0] for s in small_scenario.sites}
    map_traces = page.evaluate("document.getElementById('map').data.length")
    used = len(
        {leg.lane for a in small_plan.allocations for leg in a.legs}
        | {leg.lane for r in small_plan.runs for i in r.inputs for leg in i.legs}
    )
    assert map_traces == 2 + len(small_scenario.lanes) + used + len(kinds)
    sites_drawn = page.evaluate(
        "document.getElementById('map').data.filter(t => t.mode && t.mode.includes('markers')"
        " && t.text && t.customdata).reduce((n, t) => n + t.x.length, 0)"
    )
    assert sites_drawn == len(small_scenario.sites)
    assert _count(page, "#map .scatterlayer .trace") == map_traces
    # Gantt: one production bar per run (+ QC bars); timeline: one bar per shipment
    qc = sum(1 for r in small_plan.runs if to_iso(r.release_utc) > to_iso(r.end_of_production_utc))
    assert _count(page, "#gantt .barlayer .point") == len(small_plan.runs) + qc
    assert _count(page, "#timeline .barlayer .point") == len(small_plan.shipments)
    # KPI tables
    for key in ("doses", "by_priority", "by_country", "by_product", "activity", "cost"):
        assert _count(page, f"#kpi-{key} tbody tr") >= 1, key
    assert _count(page, "#kpi-unserved tbody tr") == len(small_plan.unserved)
    assert _count(page, "#kpi-by_country tbody tr") == len(small_plan.kpis["by_country"])
    assert seen["errors"] == []
    assert [m for m in seen["console"] if m[0] in ("error", "warning")] == []


def test_decay_select_switches_the_curve(browser_page, small_plan):
    page, seen, _ = browser_page
    allocations = small_plan.allocations
    assert len(allocations) >= 2
    options = page.locator("#decay-select option")
    assert options.count() == len(allocations)
    for i in (1, 0):
        a = allocations[i]
        page.select_option("#decay-select", str(i))
        page.wait_for_selector(f"#decay[data-booking='{a.booking}']", timeout=10_000)
        y = page.evaluate("document.getElementById('decay').data[0].y")
        assert y[0] == pytest.approx(a.activity_eop_bq / 1e9, rel=1e-9)
        assert y[-1] == pytest.approx(a.activity_admin_bq / 1e9, rel=1e-9)
        assert a.booking in (page.locator("#decay .gtitle").text_content() or "")
    assert seen["errors"] == []


def test_map_width_switch_redraws(browser_page):
    page, seen, _ = browser_page
    widths = "document.getElementById('map').data.filter(t => t.meta).map(t => t.line.width)"
    before = page.evaluate(widths)
    page.select_option("#map-width", "consignments")
    page.wait_for_function(f"JSON.stringify({widths}) !== {before!r}".replace("'", '"'))
    assert page.evaluate(widths) != before
    page.select_option("#map-width", "activity")
    assert seen["errors"] == []


def test_no_request_leaves_the_machine(browser_page, tmp_path_factory):
    page, seen, path = browser_page
    page.screenshot(path=str(tmp_path_factory.mktemp("shot") / "report.png"), full_page=True)
    assert seen["blocked"] == []
    assert seen["requests"], "the page itself should have been requested"
    assert [u for u in seen["requests"] if not _local(u)] == []
    assert seen["requests"][0] == Path(path).as_uri()
