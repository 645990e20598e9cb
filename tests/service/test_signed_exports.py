"""The signed report and the export through the app ``isoflow serve`` builds (SQLite store).

Acme's people: ``bob`` (planner, author), ``rita`` (planner in America/New_York, reviews),
``quinn`` (approver in Europe/Vienna, approves), ``mallory`` (planner whose printed name is
HTML) and ``vic`` (viewer); ``eve`` is the admin of another organisation. The server's clock
is the test's: signatures are made at instants set here, and the expected UTC and local
times are written out by hand (New York is UTC-5 and Vienna UTC+1 on 2 March 2026).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from service_cases import TINY
from signoff_cases import PASSWORD, World, expected_hash, serving

from isoflow.adapters.cli.serve_cmd import build_app
from isoflow.adapters.report.html import render_html
from isoflow.records.plan import Plan

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
REVIEWED_AT = T0 + timedelta(minutes=5, seconds=7)  # 09:05:07 UTC, 04:05:07 in New York
APPROVED_AT = T0 + timedelta(minutes=10, seconds=11)  # 09:10:11 UTC, 10:10:11 in Vienna
EVIL = '<script>alert("x")</script> & <b>Mal</b>'
EVIL_REASON = "<img src=x onerror=alert(1)> looks fine"
PEOPLE = {
    "bob": (["planner"], "UTC", "Bob Example"),
    "rita": (["planner"], "America/New_York", "Rita Example"),
    "quinn": (["approver"], "Europe/Vienna", "Quinn Example"),
    "mallory": (["planner"], "UTC", EVIL),
    "vic": (["viewer"], "UTC", "Vic Example"),
}
TABLES = {f"{t}.csv" for t in ("allocations", "runs", "shipments", "unserved", "generators",
                               "generator_use")}  # fmt: skip


class TestClock:
    """The server's clock: stands still at ``at`` until the test moves it."""

    __test__ = False

    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


class Rows(HTMLParser):
    """The cells of the report's signature table (by cell class) and the approval state."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str]] = []
        self.state = ""
        self.sha = ""
        self._cell: str | None = None
        self._in_table = False
        self._grab: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "signatures":
            self._in_table = True
        elif self._in_table and tag == "tr" and "data-valid" in a:
            self.rows.append({"valid": str(a["data-valid"])})
        elif self._in_table and tag == "td" and self.rows:
            self._cell = a.get("class") or ""
            self.rows[-1][self._cell] = ""
        elif a.get("id") in ("approval-state", "plan-sha256"):
            self._grab = a["id"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif tag == "td":
            self._cell = None
        elif tag in ("b", "code"):
            self._grab = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self.rows[-1][self._cell] += data
        elif self._grab == "approval-state":
            self.state += data
        elif self._grab == "plan-sha256":
            self.sha += data


def parsed(page: str) -> Rows:
    rows = Rows()
    rows.feed(page)
    return rows


@pytest.fixture(scope="module")
def clock() -> TestClock:
    return TestClock()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, clock: TestClock) -> Iterator[World]:
    db = tmp_path_factory.mktemp("exports") / "db" / "isoflow.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ISOFLOW_INIT_ADMIN_PASSWORD", PASSWORD)
        build_app(db, None, 1, "eve@other", clock=clock)
        app = build_app(db, None, 1, "alice@acme", clock=clock)
    with serving(app) as client:
        w = World(db, client, {})
        admin = {**w.login("alice"), "X-Reason": "staff"}
        for name, (roles, tz, full) in PEOPLE.items():
            new = {"username": name, "full_name": full, "roles": roles, "reason": "staff",
                   "password": PASSWORD, "time_zone": tz}  # fmt: skip
            r = client.post("/auth/users", json=new, headers=admin)
            assert r.status_code == 201, r.text
        w.headers = {name: w.login(name) for name in PEOPLE}
        yield w


def sign(world: World, who: str, plan: str, step: str, reason: str) -> None:
    body = {"password": PASSWORD, "reason": reason}
    r = world.client.post(f"/plans/{plan}/{step}", json=body, headers=world.headers[who])
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def approved(world: World, clock: TestClock) -> str:
    """Bob's plan, reviewed by rita at 09:05:07 UTC and approved by quinn at 09:10:11 UTC."""
    plan = world.plan("bob")
    clock.at = REVIEWED_AT
    sign(world, "rita", plan, "review", "doses checked against the bookings")
    clock.at = APPROVED_AT
    sign(world, "quinn", plan, "approve", "released for week 10")
    return plan


def get(world: World, path: str, who: str = "vic") -> Any:
    r = world.client.get(path, headers=world.headers[who])
    assert r.status_code == 200, r.text
    return r


def export(world: World, plan: str) -> zipfile.ZipFile:
    r = get(world, f"/runs/{plan}/export")
    assert r.headers["content-type"] == "application/zip"
    assert f'filename="plan-{plan}.zip"' in r.headers["content-disposition"]
    return zipfile.ZipFile(io.BytesIO(r.content))


def test_the_report_shows_both_signatures(world: World, approved: str) -> None:
    r = get(world, f"/runs/{approved}/report")
    assert r.headers["content-type"].startswith("text/html")
    page = parsed(r.text)
    assert page.state == "approved"
    assert page.sha == expected_hash(world.artefact(approved))
    assert page.rows == [
        {"valid": "1", "signer": "Rita Example", "meaning": "reviewed",
         "when-utc": "2026-03-02 09:05:07 UTC",
         "when": "2026-03-02 04:05:07-05:00 America/New_York (EST)",
         "reason": "doses checked against the bookings", "status": "valid"},
        {"valid": "1", "signer": "Quinn Example", "meaning": "approved",
         "when-utc": "2026-03-02 09:10:11 UTC",
         "when": "2026-03-02 10:10:11+01:00 Europe/Vienna (CET)",
         "reason": "released for week 10", "status": "valid"},
    ]  # fmt: skip
    assert "VOID" not in r.text
    assert 'id="section-map"' in r.text  # the whole report, not only the signatures


def test_the_export_holds_plan_report_tables_and_signatures(world: World, approved: str) -> None:
    archive = export(world, approved)
    names = set(archive.namelist())
    assert names == {"plan.json", "report.html", "signatures.json", "signatures.txt"} | TABLES
    stored = world.artefact(approved).read_bytes()
    assert archive.read("plan.json") == stored
    shown = get(world, f"/plans/{approved}/signatures").json()
    assert json.loads(archive.read("signatures.json")) == shown
    signed_hash = expected_hash(world.artefact(approved))
    assert [s["plan_sha256"] for s in shown["signatures"]] == [signed_hash, signed_hash]
    assert shown["plan_sha256"] == signed_hash
    text = archive.read("signatures.txt").decode()
    assert text.splitlines() == [
        f"Plan {approved} ({signed_hash}): approved",
        "Reviewed by Rita Example on 2026-03-02T09:05:07Z (2026-03-02T04:05:07-05:00 "
        "America/New_York): doses checked against the bookings",
        "Approved by Quinn Example on 2026-03-02T09:10:11Z (2026-03-02T10:10:11+01:00 "
        "Europe/Vienna): released for week 10",
    ]
    plan = json.loads(stored)
    allocations = list(csv.DictReader(io.StringIO(archive.read("allocations.csv").decode())))
    assert [a["booking"] for a in allocations] == [a["booking"] for a in plan["allocations"]]
    assert set(allocations[0]) == set(plan["allocations"][0])
    report = parsed(archive.read("report.html").decode())
    assert [row["signer"] for row in report.rows] == ["Rita Example", "Quinn Example"]


def test_a_changed_plan_reports_its_signatures_void(world: World, approved: str) -> None:
    path = world.artefact(approved)
    signed_hash = expected_hash(path)
    original = path.read_bytes()
    data = json.loads(original)
    data["allocations"][0]["doses"] += 1  # one more dose than was signed for
    path.chmod(0o644)
    try:
        path.write_text(json.dumps(data))
        r = get(world, f"/runs/{approved}/report")
        page = parsed(r.text)
        assert page.state == "draft"
        assert page.sha == expected_hash(path) != signed_hash
        assert [row["valid"] for row in page.rows] == ["0", "0"]
        assert all(row["status"].startswith("VOID") for row in page.rows)
        assert all(signed_hash in row["status"] for row in page.rows)
        assert 'id="signatures-void"' in r.text
        archive = export(world, approved)
        assert archive.read("plan.json") == path.read_bytes()
        signatures = json.loads(archive.read("signatures.json"))
        assert [s["valid"] for s in signatures["signatures"]] == [False, False]
        lines = archive.read("signatures.txt").decode().splitlines()
        assert all(line.endswith("[VOID: the plan changed after signing]") for line in lines[1:])
    finally:  # identical plans share one content-addressed artefact
        path.write_bytes(original)
    page = parsed(get(world, f"/runs/{approved}/report").text)
    assert [row["valid"] for row in page.rows] == ["1", "1"]


def test_a_signer_name_and_reason_are_escaped(world: World, clock: TestClock) -> None:
    plan = world.plan("bob")
    clock.at = APPROVED_AT + timedelta(minutes=1)  # the audit trail's clock never goes back
    sign(world, "mallory", plan, "review", EVIL_REASON)
    page = get(world, f"/runs/{plan}/report").text
    assert EVIL not in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Mal&lt;/b&gt;" in page
    assert page.count("<script") == 3  # the report's data, plotly.js and its own script
    rows = parsed(page).rows
    assert [(row["signer"], row["reason"]) for row in rows] == [(EVIL, EVIL_REASON)]
    plain = get(world, f"/runs/{plan}/export").content
    signatures = json.loads(zipfile.ZipFile(io.BytesIO(plain)).read("signatures.json"))
    assert signatures["signatures"][0]["signer"] == EVIL


def test_other_readers_are_refused(world: World, approved: str) -> None:
    body = {"org": "other", "username": "eve", "password": PASSWORD}
    r = world.client.post("/auth/login", json=body)
    eve = {"Authorization": f"Bearer {r.json()['access_token']}"}
    for path in ("report", "export"):
        assert world.client.get(f"/runs/{approved}/{path}", headers=eve).status_code == 404
        assert world.client.get(f"/runs/{approved}/{path}").status_code == 401
        missing = world.client.get(f"/runs/no-such-run/{path}", headers=world.headers["vic"])
        assert missing.status_code == 404


def test_the_plain_report_has_no_signature_section(world: World, approved: str) -> None:
    plan = Plan.model_validate_json(world.artefact(approved).read_bytes())
    page = render_html(plan, TINY)  # what ``isoflow plan --report`` writes
    assert "section-signatures" not in page
    assert "#section-signatures" not in page
    assert page.rstrip().endswith("</html>")
    assert "Times in UTC.</footer>" in page
