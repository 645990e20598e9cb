"""The simulator with re-planning as recourse (``SimOptions(recourse="replan")``).

The hand case (``supply_case`` with a backup): supplier A's Monday batch (start 06:00-07:00,
1 h, 1 h QC: released by 09:00 Monday) serves two Friday Lu-177 bookings; supplier B, dear
(fixed 1e6), may run only on Tuesday 06:00-07:00, and its batch (shelf life 5 d) can serve
both. Here A always fails QC and B never does, so in every replication:

* the heuristic takes B as the alternative once A's failure is known (Monday ~08:59):
  both doses served by an alternative batch;
* re-planning at each disruption re-plans at A's release, B's Tuesday window still ahead:
  both served by B (an alternative batch), nothing missed;
* re-planning every 12 h re-plans at Monday 12:00: the same;
* re-planning every 48 h re-plans first at Wednesday 00:00, after B's window: both doses
  missed, by the QC failure.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from sim_cases import every_disruption, supply_case
from typer.testing import CliRunner

from isoflow.adapters.cli import simulate_cmd
from isoflow.engines.simulate import ModelOptions, SimOptions, build_model, kpis, simulate
from isoflow.engines.simulate.fast import draw
from isoflow.engines.simulate.model import C_QC
from isoflow.engines.simulate.montecarlo import chunks
from isoflow.engines.simulate.replanning import fates, lateness, simulate_replan, world_events
from isoflow.errors import OptionError, SimulationError
from isoflow.scenario.schema import Scenario

HOUR = 3600.0


def backup_case() -> Scenario:
    data = supply_case(0.0, backup=True, bookings=2).model_dump(mode="json", exclude_defaults=True)
    data["processes"][0]["qc_failure_prob"] = 1.0  # A always fails, B never
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def case():  # type: ignore[no-untyped-def]
    sc = backup_case()
    model, plan = build_model(sc)
    assert {a.batch.split("@")[0] for a in plan.allocations} == {"make-a"}
    return sc, model, plan


def _replan(case, every: float | None, reps: int = 2):  # type: ignore[no-untyped-def]
    sc, model, plan = case
    opts = SimOptions(replications=reps, seed=5, recourse="replan", replan_every_s=every)
    return kpis(simulate_replan(sc, plan, model, opts))


def test_heuristic_takes_the_backup(case) -> None:  # type: ignore[no-untyped-def]
    _sc, model, _plan = case
    k = kpis(simulate(model, SimOptions(replications=2, seed=5)))
    assert k["recourse"] == "heuristic"
    assert k["missed_per_week"]["mean"] == 0.0
    assert k["outcomes"]["alternative"] == 4


@pytest.mark.parametrize("every", [None, 12 * HOUR])
def test_replanning_in_time_serves_both_by_the_backup(case, every) -> None:  # type: ignore[no-untyped-def]
    k = _replan(case, every)
    assert (k["recourse"], k["replan_every_s"]) == ("replan", every)
    assert k["missed_per_week"]["mean"] == 0.0
    assert k["outcomes"]["alternative"] == 4
    assert k["outcomes"]["missed"] == 0


def test_replanning_too_late_misses_both_by_qc(case) -> None:  # type: ignore[no-untyped-def]
    k = _replan(case, 48 * HOUR)
    assert k["missed_per_week"]["mean"] == 2.0
    assert k["outcomes"]["missed"] == 4
    assert k["missed_by_cause"]["qc_failure"]["total"] == 4


def test_same_seed_same_disruptions_in_both_modes() -> None:
    """Every kind of disruption: the drawn world and doses are the same in both modes."""
    sc = every_disruption(supply_case(0.2, backup=True, bookings=2), outages=20, shocks=20)
    model, plan = build_model(sc)
    heur = simulate(model, SimOptions(replications=3, seed=11))
    opts = SimOptions(replications=3, seed=11, recourse="replan")
    rep = simulate_replan(sc, plan, model, opts)
    for name in ("doses", "cancelled", "extra", "lost_activity_bq"):
        assert np.array_equal(heur.column(name), rep.column(name)), name
    assert rep.summary.shape == heur.summary.shape
    seed, n, _ = chunks(opts)[0]
    worlds = [draw(model, seed, n) for _ in range(2)]
    for r in range(n):
        a, b = (world_events(model, s, t, r, sc, plan, 86400.0) for s, t in worlds)
        assert a == b
        assert fates(model, worlds[0][0], r) == fates(model, worlds[1][0], r)
        assert lateness(model, worlds[0][0], r) == lateness(model, worlds[1][0], r)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recourse": "oracle"}, "recourse"),
        ({"recourse": "replan", "replan_every_s": 10.0}, "replan_every_s"),
        ({"replan_every_s": 12 * HOUR}, "replan_every_s"),
        ({"recourse": "replan", "model": ModelOptions(weeks=2)}, "recourse"),
    ],
)
def test_option_bounds(changes, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError) as exc:
        SimOptions(**changes)
    assert exc.value.field == field


def test_simulate_refuses_replan_options(case) -> None:  # type: ignore[no-untyped-def]
    _sc, model, _plan = case
    with pytest.raises(SimulationError):
        simulate(model, SimOptions(replications=1, recourse="replan"))


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    app = typer.Typer()
    simulate_cmd.register(app, typer.Typer())
    app.command("noop")(lambda: None)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["simulate", *args])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--recourse", "oracle"], "'--recourse'"),
        (["--recourse", "replan", "--replan-every", "10s"], "'--replan-every'"),
        (["--recourse", "replan", "--replan-every", "soon"], "'--replan-every'"),
        (["--replan-every", "12h"], "'--replan-every'"),
        (["--recourse", "replan", "--weeks", "2"], "'--recourse'"),
        (["--recourse", "replan", "--workers", "2"], "'--recourse'"),
    ],
)
def test_bad_flags_exit_2_with_one_line(run, args, needle) -> None:  # type: ignore[no-untyped-def]
    res = run(*args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error:")
    assert needle in lines[0]


def test_cli_replan_records_the_recourse(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from isoflow.scenario.load import save_scenario

    path = save_scenario(backup_case(), tmp_path / "backup.yaml")
    out = tmp_path / "sim"
    args = ["--replications", "2", "--seed", "5", "--out", str(out)]
    res = run(str(path), *args, "--recourse", "replan", "--replan-every", "48h")
    assert res.exit_code == 0, res.output
    assert "recourse replan every 2 d" in res.stdout
    k = json.loads((out / "kpis.json").read_text())
    assert (k["recourse"], k["replan_every_s"]) == ("replan", 48 * HOUR)
    assert k["outcomes"]["missed"] == 4


def test_events_of_a_hand_set_world(case) -> None:  # type: ignore[no-untyped-def]
    """A's QC failure is known at its release; doses cancelled and extra become demand events."""
    from sim_cases import order_case

    sc, model, plan = case
    s, t = draw(model, chunks(SimOptions(replications=1, seed=5))[0][0], 1)
    (run,) = plan.runs
    release = run.release_utc.timestamp()
    assert fates(model, s, 0) == {("make-a", round(run.start_utc.timestamp())): (release, C_QC)}
    t.cancelled[0, 0], t.extras[0, 1] = 1, 2
    kinds = [
        (e["kind"], e.get("id") or e.get("booking", {}).get("id"))
        for _, e in world_events(model, s, t, 0, sc, plan, 86400.0)
    ]
    assert kinds == [
        ("demand_cancelled", "b0"),
        ("booking_added", "b1-extra1"),
        ("booking_added", "b1-extra2"),
    ]
    orders = order_case(0.0)
    om, oplan = build_model(orders)
    s, t = draw(om, chunks(SimOptions(replications=1, seed=5))[0][0], 1)
    rows = [b for b, bid in enumerate(om.book_id) if bid == "split"]
    t.cancelled[0, rows] = om.book_doses[rows]
    t.extras[0, rows[0]] = 3
    events = [e for _, e in world_events(om, s, t, 0, orders, oplan, 86400.0)]
    assert events[0] == {"kind": "demand_cancelled", "id": "split"}
    assert (events[1]["kind"], events[1]["order"]["id"], events[1]["order"]["doses"]) == (
        "order_added",
        "split-extra",
        3,
    )
