"""The planner's, re-planner's and simulator's options through ``isoflow --server URL``.

Each remote command with options other than the defaults gives what the local command gives
(the same plan, revision or KPIs, apart from timings), and the options reach the engine: the
plan's horizon is the one asked for, and holds the bookings that fall in it (by hand:
``small.yaml``'s b1 at 08-06T01:00 and b3 at 08-05T00:30 lie in [08-05, 08-07); b2 at
08-07T02:00 and b4 at 08-08 do not). The service refuses an option outside the engine's bound
with 422 naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_cases import Server, module_server
from test_remote_cli import SMALL, cli, untimed

from isoflow.adapters.remote import Remote, RemoteError, scenario_upload

AT = ("--token", "tok-a")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from module_server(tmp_path_factory, "remote-options")


def _plan(folder: Path) -> dict[str, object]:
    return dict(json.loads((folder / "plan.json").read_text()))


def _kpis(folder: Path) -> dict[str, object]:
    return dict(json.loads((folder / "kpis.json").read_text()))


def test_a_remote_plan_takes_the_horizon_and_lead(server: Server, tmp_path, capsys) -> None:
    flags = ("--start", "2025-08-05T00:00:00Z", "--horizon", "2d", "--lead", "3d",
             "--time-limit", "20s")  # fmt: skip
    remote, local = tmp_path / "remote", tmp_path / "local"
    code, _, err = cli(capsys, "--server", server.url, *AT, "plan", SMALL, "--out", remote, *flags)
    assert code == 0, err
    code, _, err = cli(capsys, "plan", SMALL, "--out", local, *flags)
    assert code == 0, err
    theirs, mine = _plan(remote), _plan(local)
    assert untimed(theirs) == untimed(mine)
    assert theirs["start_utc"] == "2025-08-05T00:00:00Z"
    assert theirs["end_utc"] == "2025-08-07T00:00:00Z"
    rows = [*theirs["allocations"], *theirs["unserved"]]  # type: ignore[misc]
    assert {row["booking"] for row in rows} == {"b1", "b3"}


def test_a_remote_soft_replan_at_now_is_the_local_one(server: Server, tmp_path, capsys) -> None:
    week = tmp_path / "week"
    code, _, err = cli(capsys, "--server", server.url, *AT, "plan", SMALL, "--out", week,
                       "--time-limit", "20s")  # fmt: skip
    assert code == 0, err
    down = tmp_path / "down.yaml"
    down.write_text(
        "events:\n  - kind: site_down\n    site: cyc-seoul\n"
        "    start: 2025-08-04T12:00:00Z\n    end: 2025-08-12T00:00:00Z\n"
    )
    flags = ("--event", down, "--scenario", SMALL, "--now", "2025-08-04T06:00:00Z",
             "--mode", "soft", "--stability", "500", "--time-limit", "20s")  # fmt: skip
    code, _, err = cli(capsys, "--server", server.url, *AT, "replan", week, *flags,
                       "--out", tmp_path / "remote")  # fmt: skip
    assert code == 0, err
    code, _, err = cli(capsys, "replan", week, *flags, "--out", tmp_path / "local")
    assert code == 0, err
    theirs, mine = _plan(tmp_path / "remote"), _plan(tmp_path / "local")
    assert untimed(theirs) == untimed(mine)
    revision = theirs["revision"]
    assert isinstance(revision, dict)
    assert (revision["mode"], revision["now_utc"], revision["stability"]) == (
        "soft",
        "2025-08-04T06:00:00Z",
        500.0,
    )


URGENT = (
    "events:\n  - kind: booking_added\n    booking:\n"
    "      id: u1\n      hospital: hosp-seoul\n      product: f18-fdg\n"
    "      administration: 2025-08-05T02:00:00Z\n      activity: 350 MBq\n"
)


def _no_seconds(table: str) -> str:
    return re.sub(r"\(\d+\.\d s\)", "(s)", table)


def test_a_remote_recommendation_is_the_local_one(server: Server, tmp_path, capsys) -> None:
    week = tmp_path / "week"
    code, _, err = cli(capsys, "--server", server.url, *AT, "plan", SMALL, "--out", week,
                       "--time-limit", "20s")  # fmt: skip
    assert code == 0, err
    urgent = tmp_path / "urgent.yaml"
    urgent.write_text(URGENT)
    flags = ("--event", urgent, "--scenario", SMALL, "--mode", "recommend", "--top", "2",
             "--now", "2025-08-04T00:00:00Z", "--time-limit", "20s")  # fmt: skip
    code, theirs, err = cli(capsys, "--server", server.url, *AT, "replan", week, *flags)
    assert code == 0, err
    code, mine, err = cli(capsys, "replan", week, *flags)
    assert code == 0, err
    assert "Ways to serve u1" in theirs
    assert "cyc-seoul" in theirs
    assert _no_seconds(theirs.split("Ways to serve", 1)[1]) == _no_seconds(
        mine.split("Ways to serve", 1)[1]
    )
    assert " ok " in theirs  # every way verified on the service


def test_a_recommendation_needs_one_new_demand_and_a_bounded_top(server: Server, tmp_path) -> None:
    remote = Remote(server.url, "tok-a", "test")
    data, fmt = scenario_upload(SMALL)
    sid = str(remote.upload(data, fmt, str(SMALL))["scenario_id"])
    plan = remote.follow(remote.submit("plan", sid, {"time_limit_s": 20.0})["run_id"], print)
    assert plan["state"] == "optimal"
    with pytest.raises(RemoteError, match="top") as caught:
        remote.submit("recommend", sid, {"plan_run_id": plan["run_id"], "top": 0})
    assert caught.value.status == 422
    down = {"kind": "site_down", "site": "cyc-seoul", "start": "2025-08-04T12:00:00Z",
            "end": "2025-08-12T00:00:00Z"}  # fmt: skip
    run = remote.submit("recommend", sid, {"plan_run_id": plan["run_id"], "events": [down]})
    ended = remote.follow(run["run_id"], print)
    assert ended["state"] == "failed"
    assert "one booking_added or order_added" in ended["message"]


def _simulated_both_ways(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: tuple[str, ...]
) -> tuple[dict[str, object], dict[str, object]]:
    """``isoflow simulate`` with ``flags`` on the server and here: the two KPI files.

    The summaries printed are the same but for the folder each names; without ``--plan``
    the doses the server's own plan serves come back in the run's manifest.
    """
    code, theirs, err = cli(capsys, "--server", server.url, *AT, "simulate", SMALL, *flags,
                            "--out", tmp_path / "remote")  # fmt: skip
    assert code == 0, err
    code, mine, err = cli(capsys, "simulate", SMALL, *flags, "--out", tmp_path / "local")
    assert code == 0, err
    head, *rest = theirs.replace(str(tmp_path / "remote"), str(tmp_path / "local")).splitlines()
    mine_head, *mine_rest = mine.splitlines()
    assert rest == mine_rest
    assert head == mine_head
    assert "plan serves ? of ?" not in head
    return _kpis(tmp_path / "remote"), _kpis(tmp_path / "local")


def test_a_remote_simulation_over_two_weeks_is_the_local_one(server: Server, tmp_path, capsys):
    flags = ("--replications", "12", "--weeks", "2", "--seed", "5")
    theirs, mine = _simulated_both_ways(server, tmp_path, capsys, flags)
    assert theirs["weeks"] == 2
    assert untimed(theirs) == untimed(mine)
    remote, local = tmp_path / "remote", tmp_path / "local"
    tables = ("replications.csv", "bookings.csv", "exceptions.csv")
    assert {p.name for p in remote.iterdir()} == {p.name for p in local.iterdir()}
    for name in tables:  # the same records, row for row
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name
    rows = (remote / "replications.csv").read_text().splitlines()
    assert len(rows) == 1 + 12  # a header and one row per replication


def test_the_run_options_sent_are_read_back_as_given() -> None:
    """The command line's options, as the service's run options, give the same engine
    options back (the two sides of the wire agree on every field)."""
    from datetime import UTC, datetime

    from isoflow.adapters.cli import remote_cmds
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.engines.planner.solve import SolveOptions
    from isoflow.engines.simulate import ModelOptions, SimOptions
    from isoflow.records.revision import ReplanMode
    from isoflow.service.execute import plan_options, replan_options, sim_options

    at = datetime(2025, 8, 5, tzinfo=UTC)
    plan = PlanOptions(start=at, horizon_s=7200.0, lead_s=3600.0,
                       solve=SolveOptions(time_limit_s=12.0, mip_gap=0.02, threads=2))  # fmt: skip
    assert plan_options(remote_cmds.plan_run_options(plan)) == plan
    replan = ReplanOptions(now=at, mode=ReplanMode.SOFT, freeze_s=60.0, stability=5.0,
                           plan=PlanOptions(solve=SolveOptions(time_limit_s=9.0)))  # fmt: skip
    assert replan_options(remote_cmds.replan_run_options(replan)) == replan
    sim = SimOptions(replications=7, seed=3, model=ModelOptions(weeks=1), recourse="replan",
                     replan_every_s=3600.0)  # fmt: skip
    assert sim_options(remote_cmds.sim_run_options(sim)) == sim


def test_the_service_refuses_an_option_outside_the_engines_bound(server: Server) -> None:
    remote = Remote(server.url, "tok-a", "test")
    data, fmt = scenario_upload(SMALL)
    stored = remote.upload(data, fmt, str(SMALL))
    for options, field in (({"horizon_s": 60.0}, "horizon_s"), ({"weeks": 0}, "weeks"),
                           ({"now": "2025-08-04T06:00:00"}, "now")):  # fmt: skip
        with pytest.raises(RemoteError) as caught:
            remote.submit("plan", str(stored["scenario_id"]), options)
        assert caught.value.status == 422
        assert field in str(caught.value)


def test_a_remote_simulation_re_plans_as_its_recourse(server: Server, tmp_path, capsys):
    """``--recourse replan`` reaches the simulator through ``isoflow.simulate`` on the server
    (the same KPIs as here, where the command calls the re-planning simulation itself)."""
    flags = ("--replications", "4", "--seed", "5", "--recourse", "replan")
    theirs, mine = _simulated_both_ways(server, tmp_path, capsys, flags)
    assert theirs["recourse"] == "replan"
    assert untimed(theirs) == untimed(mine)


def test_a_plan_made_here_is_uploaded_and_worked_on_remotely(server: Server, tmp_path, capsys):
    """verify, simulate --plan and replan of a local plan: the service gets the plan itself
    and gives what the local commands give."""
    week = tmp_path / "week"
    code, _, err = cli(capsys, "plan", SMALL, "--out", week, "--time-limit", "20s")
    assert code == 0, err
    at = ("--server", server.url, *AT)
    code, out, err = cli(capsys, *at, "verify", week, "--scenario", SMALL)
    assert code == 0, err
    assert "uploading the plan" in err
    assert out.startswith("plan OK")
    flags = ("--plan", week, "--replications", "8", "--seed", "3")
    code, _, err = cli(capsys, *at, "simulate", SMALL, *flags, "--out", tmp_path / "rsim")
    assert code == 0, err
    code, _, err = cli(capsys, "simulate", SMALL, *flags, "--out", tmp_path / "lsim")
    assert code == 0, err
    assert untimed(_kpis(tmp_path / "rsim")) == untimed(_kpis(tmp_path / "lsim"))
    down = tmp_path / "down.yaml"
    down.write_text(
        "events:\n  - kind: site_down\n    site: cyc-seoul\n"
        "    start: 2025-08-01T00:00:00Z\n    end: 2025-08-12T00:00:00Z\n"
    )
    flags = ("--event", down, "--scenario", SMALL, "--time-limit", "20s")
    code, _, err = cli(capsys, *at, "replan", week, *flags, "--out", tmp_path / "remote")
    assert code == 0, err
    code, _, err = cli(capsys, "replan", week, *flags, "--out", tmp_path / "local")
    assert code == 0, err
    assert untimed(_plan(tmp_path / "remote")) == untimed(_plan(tmp_path / "local"))


def test_an_uploaded_plan_is_checked(server: Server, tmp_path, capsys) -> None:
    """Not a plan.json, a plan for a plan run, or a plan with plan_run_id: 422 naming why."""
    week = tmp_path / "week"
    code, _, err = cli(capsys, "plan", SMALL, "--out", week, "--time-limit", "20s")
    assert code == 0, err
    plan = _plan(week)
    remote = Remote(server.url, "tok-a", "test")
    data, fmt = scenario_upload(SMALL)
    scenario_id = str(remote.upload(data, fmt, str(SMALL))["scenario_id"])
    broken = {**plan, "allocations": "none"}
    cases = (("verify", {}, broken, "allocations"), ("plan", {}, plan, "take no plan"),
             ("verify", {"plan_run_id": "x"}, plan, "not both"))  # fmt: skip
    for kind, options, given, said in cases:
        with pytest.raises(RemoteError) as caught:
            remote.submit(kind, scenario_id, options, given)
        assert caught.value.status == 422, caught.value
        assert said in str(caught.value)
