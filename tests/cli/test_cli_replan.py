"""`isoflow replan` end to end on the small scenario: a revision, its diff, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from isoflow.adapters.cli.app import COMMAND_MODULES, _register, app

SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")


@pytest.fixture(scope="module")
def cli():  # type: ignore[no-untyped-def]
    assert "replan_cmd" in COMMAND_MODULES
    _register()
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture(scope="module")
def planned(cli, tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("base") / "week"
    result = cli("plan", SMALL, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_replan_writes_a_revision_that_verifies(cli, planned, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The F-18 dose's cyclotron is down for the week: that booking is lost to the event,
    the others are kept, and the revision lands beside the plan as ``week-r1``."""
    ev = write(
        tmp_path / "down.yaml",
        "events:\n  - kind: site_down\n    site: cyc-seoul\n"
        "    start: 2025-08-01T00:00:00Z\n    end: 2025-08-12T00:00:00Z\n",
    )
    result = cli("replan", str(planned), "--event", str(ev), "--scenario", SMALL)
    assert result.exit_code == 0, result.output
    out = planned.parent / "week-r1"
    data = json.loads((out / "plan.json").read_text())
    rev = data["revision"]
    assert rev["number"] == 1
    assert rev["events"][0]["kind"] == "site_down"
    assert [x["booking"] for x in rev["diff"]["lost"]] == ["b3"]
    assert rev["diff"]["lost"][0]["cause"] == "site_down"
    assert "revision 1 of sha256:" in result.output
    check = cli("verify", str(out), "--scenario", SMALL)
    assert check.exit_code == 0, check.output


def test_a_bad_event_file_names_its_line(cli, planned, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ev = write(
        tmp_path / "bad.yaml",
        "events:\n  - kind: lane_closed\n    lane: nowhere\n    start: 2025-08-04T00:00:00Z\n",
    )
    result = cli(
        "replan",
        str(planned),
        "--event",
        str(ev),
        "--scenario",
        SMALL,
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 1
    assert "bad.yaml:3: events.0.lane: unknown lane 'nowhere'" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--mode", "sideways"), "option '--mode'"),
        (("--top", "0"), "option '--top'"),
        (("--now", "yesterday"), "--now"),
    ],
)
def test_bad_options_are_usage_errors(cli, planned, tmp_path, args, text) -> None:  # type: ignore[no-untyped-def]
    ev = write(tmp_path / "none.yaml", "events:\n  - kind: demand_cancelled\n    id: b1\n")
    result = cli("replan", str(planned), "--event", str(ev), "--scenario", SMALL, *args)
    assert result.exit_code == 2, result.output
    assert text in result.output
    assert "Traceback" not in result.output


def test_recommend_lists_ways_for_one_new_booking(cli, planned, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ev = write(
        tmp_path / "urgent.yaml",
        "events:\n  - kind: booking_added\n    booking:\n"
        "      id: u1\n      hospital: hosp-seoul\n      product: f18-fdg\n"
        "      administration: 2025-08-05T02:00:00Z\n      activity: 350 MBq\n",
    )
    result = cli(
        "replan",
        str(planned),
        "--event",
        str(ev),
        "--scenario",
        SMALL,
        "--mode",
        "recommend",
        "--top",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert "Ways to serve u1" in result.output
    assert "cyc-seoul" in result.output
