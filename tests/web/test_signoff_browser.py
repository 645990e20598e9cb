"""The sign-off view in a real browser (Debian chromium, headless) over the real service.

Over the session's service (``dash_cases``): bob plans the small scenario once more, rhea
(planner) reviews it through the API, and quentin (approver, Europe/Vienna) signs it as
approved in the page, after one refused attempt with a wrong password. The page's
signatures must equal ``GET /plans/{id}/signatures``, with the local time derived here from
the UTC instant and the signer's zone; a viewer sees the signatures but no sign buttons,
and the server refuses the viewer's signature anyway. Editing the stored plan shows its
signatures VOID. Every request is recorded; anything not to 127.0.0.1 is aborted.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from browser_cases import ARGS, CHROMIUM, SKIP_WITHOUT_BROWSER, is_local, sync_playwright
from dash_cases import PASSWORD, Dash, login, wait_final

from isoflow.adapters.storage.artefacts import FileArtefactStore

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route
    from playwright.sync_api import Request as PwRequest

pytestmark = SKIP_WITHOUT_BROWSER

STAFF = (
    ("rhea", "Rhea Reviewer", "planner", "UTC"),
    ("quentin", "Quentin Approver", "approver", "Europe/Vienna"),
)


def local_text(utc_iso: str, zone: str) -> str:
    """How the page states a signing time: local date, time, UTC offset and zone name."""
    at = datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    offset = at.strftime("%z")
    return at.strftime("%Y-%m-%d %H:%M:%S") + offset[:3] + ":" + offset[3:] + " " + zone


@pytest.fixture(scope="module")
def plan(dash: Dash) -> str:
    """A plan of bob's, reviewed by rhea; quentin (approver, Vienna) has not signed it."""
    with httpx.Client(base_url=dash.url, timeout=30) as c:
        admin = dash.headers["alice"]
        for name, full, role, tz in STAFF:
            new = {"username": name, "full_name": full, "roles": [role], "reason": "sign-off",
                   "password": PASSWORD, "time_zone": tz}  # fmt: skip
            assert c.post("/auth/users", json=new, headers=admin).status_code == 201
        bob = {**dash.headers["bob"], "X-Reason": "plan for sign-off"}
        r = c.post("/runs", json={"kind": "plan", "scenario_id": dash.scenario_id}, headers=bob)
        run_id = str(r.json()["run_id"])
        assert wait_final(c, run_id, bob)["state"] == "optimal"
        body = {"password": PASSWORD, "reason": "checked against the orders"}
        rhea = login(c, "acme", "rhea", PASSWORD)
        assert c.post(f"/plans/{run_id}/review", json=body, headers=rhea).status_code == 201
        dash.headers["quentin"] = login(c, "acme", "quentin", PASSWORD)
    return run_id


class Pages:
    """One headless chromium; pages signed in as a user, each request checked to be local."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.browser = browser
        self.url = url
        self.seen: dict[str, list[Any]] = {"blocked": [], "errors": [], "console": []}

    def route(self, r: Route, request: PwRequest) -> None:
        if is_local(request.url):
            r.continue_()
        else:
            self.seen["blocked"].append(request.url)
            r.abort()

    def signed_in(self, user: str) -> Page:
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", self.route)
        page = context.new_page()
        page.on("pageerror", lambda e: self.seen["errors"].append(str(e)))
        page.on("console", lambda m: self.seen["console"].append((m.type, m.text)))
        _sign_in(page, self.url, user)
        return page


@pytest.fixture(scope="module")
def pages(dash: Dash) -> Iterator[Pages]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield Pages(b, dash.url)
        b.close()


@pytest.fixture(scope="module")
def approver(pages: Pages, plan: str) -> Iterator[Page]:
    """The dashboard signed in as quentin (approver), for the tests in order."""
    page = pages.signed_in("quentin")
    yield page
    page.context.close()


def _sign_in(page: Page, url: str, user: str) -> None:
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.fill("#login-org", "acme")
    page.fill("#login-user", user)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")


def _open(page: Page, run_id: str) -> None:
    page.click(f"#runs tr[data-run='{run_id}'] button.open", timeout=15_000)
    page.wait_for_selector(f"#signoff[data-run='{run_id}'][data-ready='1']", timeout=15_000)


def _api_signatures(dash: Dash, run_id: str) -> dict[str, Any]:
    r = httpx.get(f"{dash.url}/plans/{run_id}/signatures", headers=dash.headers["vic"])
    assert r.status_code == 200, r.text
    return dict(r.json())


def _cells(page: Page, meaning: str) -> dict[str, str]:
    row = page.locator(f"#signatures tr[data-meaning='{meaning}']")
    names = ("signer", "when", "when-utc", "meaning", "reason", "status")
    return {n: row.locator(f"td.{n}").text_content() or "" for n in names}


def test_a_viewer_sees_signatures_but_no_sign_buttons(pages: Pages, dash: Dash, plan: str) -> None:
    page = pages.signed_in("vic")
    _open(page, plan)
    # reviewed: the approver sees "Sign as approved" here (next test), the viewer nothing
    assert page.locator("#signoff").get_attribute("data-state") == "reviewed"
    assert page.locator("#signoff button.sign").count() == 0
    assert page.locator("#signatures tbody tr").count() == len(
        _api_signatures(dash, plan)["signatures"]
    )
    assert "approvers and admins" in (page.locator("#signoff").text_content() or "")
    page.context.close()
    body = {"password": PASSWORD, "reason": "a viewer tries"}
    for step in ("review", "approve"):
        r = httpx.post(f"{dash.url}/plans/{plan}/{step}", json=body, headers=dash.headers["vic"])
        assert r.status_code == 403


def test_an_approver_signs_in_the_page(
    approver: Page, dash: Dash, plan: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page = approver
    _open(page, plan)
    assert page.locator("#signoff").get_attribute("data-state") == "reviewed"
    assert page.locator("#signoff button.sign").count() == 1
    page.click("#signoff button[data-sign='approve']")
    page.fill("#sign-password", "a-wrong-password-here")
    page.fill("#sign-reason", "released for the week")
    page.click("#sign-confirm")
    page.wait_for_selector("#sign-error:not(:empty)", timeout=15_000)
    assert "refused" in (page.locator("#sign-error").text_content() or "")
    assert page.locator("#workspace").is_visible()  # still signed in
    page.fill("#sign-password", PASSWORD)
    page.click("#sign-confirm")
    page.wait_for_selector("#signoff[data-state='approved'][data-ready='1']", timeout=15_000)

    api = _api_signatures(dash, plan)
    assert api["state"] == "approved"
    approved = next(s for s in api["signatures"] if s["meaning"] == "approved")
    reviewed = next(s for s in api["signatures"] if s["meaning"] == "reviewed")
    assert approved["signer"] == "Quentin Approver"
    assert approved["time_zone"] == "Europe/Vienna"
    assert approved["reason"] == "released for the week"
    shown = _cells(page, "approved")
    assert shown["signer"] == approved["signer"]
    assert shown["when"] == local_text(approved["signed_at_utc"], "Europe/Vienna")
    assert shown["when"].startswith(approved["signed_at_local"][:19].replace("T", " "))
    assert shown["meaning"] == "approved"
    assert shown["reason"] == approved["reason"]
    assert shown["status"] == "valid"
    assert _cells(page, "reviewed")["signer"] == reviewed["signer"] == "Rhea Reviewer"
    assert _cells(page, "reviewed")["when"] == local_text(reviewed["signed_at_utc"], "UTC")
    audit = page.locator("#plan-audit tbody tr").all_text_contents()
    assert any("plan.approve" in t and "released for the week" in t for t in audit)
    assert any("run.submit" in t and "plan for sign-off" in t for t in audit)
    shot = tmp_path_factory.mktemp("screens") / "signoff.png"
    page.locator("#signoff").screenshot(path=str(shot))
    print(f"sign-off view: {shot}")


def test_the_signed_report_and_export_download(approver: Page, dash: Dash, plan: str) -> None:
    page = approver
    _open(page, plan)
    with page.expect_download() as got:
        page.click("#signed-export")
    assert got.value.suggested_filename == f"plan-{plan}.zip"
    with zipfile.ZipFile(got.value.path()) as archive:
        assert json.loads(archive.read("signatures.json")) == _api_signatures(dash, plan)
    with page.expect_download() as got:
        page.click("#signed-report")
    assert got.value.suggested_filename == f"report-{plan}.html"
    report = Path(got.value.path()).read_text(encoding="utf-8")
    assert 'id="section-signatures"' in report
    assert "Quentin Approver" in report
    assert "Rhea Reviewer" in report
    assert page.locator("#signed-files-error").text_content() == ""


def test_an_edited_plan_shows_its_signatures_void(approver: Page, dash: Dash, plan: str) -> None:
    run = httpx.get(f"{dash.url}/runs/{plan}", headers=dash.headers["vic"]).json()
    store = FileArtefactStore(dash.db.parent / f"{dash.db.name}.artefacts")
    path = store.root / run["result_sha256"][:2] / run["result_sha256"]
    original = path.read_bytes()
    data = json.loads(original)
    data["allocations"][0]["doses"] += 1
    path.chmod(0o644)
    try:
        path.write_text(json.dumps(data))
        page = approver
        _open(page, plan)
        rows = page.locator("#signatures tbody tr")
        assert rows.count() == 2
        assert [rows.nth(i).get_attribute("data-valid") for i in range(2)] == ["0", "0"]
        assert page.locator("#signatures td.status").all_text_contents() == ["VOID", "VOID"]
        assert page.locator("#signoff").get_attribute("data-state") == "draft"
        assert [s["valid"] for s in _api_signatures(dash, plan)["signatures"]] == [False, False]
    finally:  # identical plans share one content-addressed artefact
        path.write_bytes(original)


def test_nothing_left_the_machine_and_no_script_failed(pages: Pages) -> None:
    seen = pages.seen
    assert seen["blocked"] == []
    assert seen["errors"] == []
    refused = "the server responded with a status of 401"  # the wrong password, as it should
    noise = [m for m in seen["console"] if m[0] in ("error", "warning") and refused not in m[1]]
    assert noise == []
