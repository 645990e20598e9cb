"""Generator waste accounting on a hand-solved week of a Mo-99/Tc-99m generator.

The generator case of :mod:`test_hand_solved` (generators of 5 and 10 GBq Mo-99 assembled
Monday 00:00, a 2 h van, 90 % elution efficiency, doses of 1 GBq ± 10 % at 08, 09, 10 and
11 h) run as a hospital's fixed routine: eluted every day at 06:00 from its arrival
(``elute_every_slot``), the first elution discarded, replaced a week after it arrives
(``replace_every: 7 d``: next Monday 02:00, before that day's elution). Doses are booked
Tuesday to Friday only, so:

* Monday 06:00 (6 h after calibration) is the discarded first elution;
* Tuesday to Friday (30, 54, 78, 102 h) are dispensed from, the rest of each eluate is left
  over;
* Saturday and Sunday (126, 150 h) give no doses: the weekend's eluate is waste;
* at the replacement (170 h) the column holds the Tc-99m grown in since Sunday's elution
  (and 10 % of what that left), and the Mo-99 left.

Everything is derived by hand (two-member Bateman between elutions, :func:`tc99m_eluted`,
Mo-99 65.94 h, Tc-99m 6.015 h, branching 0.8773): the generator is sized to the tightest of
Tuesday to Friday, then eluted, dispensed and wasted activity follow.
"""

from __future__ import annotations

import csv
import math

import pytest
from test_hand_solved import (
    HOUR,
    MO99_HALF_LIFE_S,
    MO_TO_TCM,
    TC99M_HALF_LIFE_S,
    generator_case,
    growth,
    tc99m_eluted,
)

from isoflow.adapters.cli.plan_cmds import generator_line
from isoflow.adapters.plan_files import write_plan_files
from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.verify import verify
from isoflow.units import to_iso

SCHEDULE_H = [6.0, 30.0, 54.0, 78.0, 102.0, 126.0, 150.0]
REPLACED_H = 170.0
DAYS = ["04", "05", "06", "07", "08", "09", "10"]


def weekly_routine():
    base, _ = generator_case(["5 GBq", "10 GBq"])
    bookings = [
        {
            "id": f"d{day}-{hour}",
            "hospital": "hosp",
            "product": "tc-dose",
            "administration": f"2025-08-{day}T{hour:02d}:00:00Z",
        }
        for day in ("05", "06", "07", "08")
        for hour in (8, 9, 10, 11)
    ]
    data = base.model_dump(mode="json", exclude_defaults=True)
    data["meta"]["horizon"] = "8 d"
    data["demand"] = {"bookings": bookings}
    for p in data["processes"]:
        if p["id"] == "elute":
            p.update(discard_first_elution=True, elute_every_slot=True, replace_every="7 d")
    return type(base).model_validate(data)


def left_at_replacement() -> tuple[float, float]:
    """Tc-99m and Mo-99 [Bq] per 1 Bq Mo-99 at calibration, at 170 h (after Sunday's)."""
    lp, ld = math.log(2) / MO99_HALF_LIFE_S, math.log(2) / TC99M_HALF_LIFE_S
    n_p, n_d, now = 1.0 / lp, 0.0, 0.0
    for hours in [*SCHEDULE_H, REPLACED_H]:
        dt = hours * HOUR - now
        n_d = n_d * math.exp(-ld * dt) + MO_TO_TCM * lp * n_p / (ld - lp) * (
            math.exp(-lp * dt) - math.exp(-ld * dt)
        )
        n_p *= math.exp(-lp * dt)
        now = hours * HOUR
        if hours != REPLACED_H:
            n_d *= 1 - 0.9
    return ld * n_d, lp * n_p


@pytest.fixture(scope="module")
def planned():
    sc = weekly_routine()
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert verify(plan, sc) == []
    return sc, plan


def expected():
    eluted = tc99m_eluted(SCHEDULE_H, 0.9)
    need_per_day = sum(1e9 * growth(TC99M_HALF_LIFE_S, (h - 6) * HOUR) for h in (8, 9, 10, 11))
    size = math.ceil(max(need_per_day / y for y in eluted[1:5]) / 5e9) * 5e9
    return eluted, need_per_day, size


def test_the_routine_elutes_every_day_until_the_replacement(planned):
    _, plan = planned
    (gen,) = plan.generators
    assert [to_iso(e.time_utc) for e in gen.elutions] == [f"2025-08-{d}T06:00:00Z" for d in DAYS]
    eluted, _, size = expected()
    assert gen.activity_calibration_bq == pytest.approx(size, rel=1e-9)
    assert len(plan.allocations) == 16
    # Saturday and Sunday: eluted, to nobody
    for e, y in zip(gen.elutions[5:], eluted[5:], strict=True):
        assert e.daughter_bq == pytest.approx(y * size, rel=1e-6)


def test_waste_by_cause_follows_bateman_by_hand(planned):
    _, plan = planned
    eluted, need_per_day, a = expected()
    rows = plan.generator_use
    assert [r.event for r in rows] == ["elution"] * 7 + ["replacement"]
    assert [r.cause for r in rows] == [
        "first_elution",
        *["left_over"] * 4,
        "no_doses",
        "no_doses",
        "in_generator",
    ]
    for r, y in zip(rows, eluted, strict=False):
        assert r.eluted_bq == pytest.approx(y * a, rel=1e-6)
    for r in rows[1:5]:
        assert r.dispensed_bq == pytest.approx(need_per_day, rel=1e-9)
    tc_left, mo_left = left_at_replacement()
    assert to_iso(rows[-1].time_utc) == "2025-08-11T02:00:00Z"
    assert rows[-1].waste_bq == pytest.approx(tc_left * a, rel=1e-6)
    assert rows[-1].parent_left_bq == pytest.approx(mo_left * a, rel=1e-9)
    assert mo_left == pytest.approx(2.0 ** (-170 * HOUR / MO99_HALF_LIFE_S), rel=1e-12)

    k = plan.kpis["generator_use"]
    first = eluted[0] * a
    weekend = (eluted[5] + eluted[6]) * a
    left_over = sum(y * a - need_per_day for y in eluted[1:5])
    total = sum(eluted) * a
    assert k["eluted_bq"] == pytest.approx(total, rel=1e-6)
    assert k["dispensed_bq"] == pytest.approx(4 * need_per_day, rel=1e-9)
    assert k["waste_bq"]["first_elution"] == pytest.approx(first, rel=1e-6)
    assert k["waste_bq"]["no_doses"] == pytest.approx(weekend, rel=1e-6)
    assert k["waste_bq"]["left_over"] == pytest.approx(left_over, rel=1e-5)
    share = (first + weekend + left_over) / total
    assert k["waste_share_of_eluted"] == pytest.approx(share, rel=1e-6)
    assert k["waste_share_of_eluted"] == pytest.approx(1 - 4 * need_per_day / total, rel=1e-6)
    assert k["in_generator_bq"] == pytest.approx(tc_left * a, rel=1e-6)
    line = generator_line(k)
    assert line.startswith(f"generator waste: {100 * share:.1f} % of eluted")
    assert f"first elution {100 * first / total:.1f} %" in line
    assert f"no-dose elutions {100 * weekend / total:.1f} %" in line


def test_the_accounting_is_written_as_a_csv_table(planned, tmp_path):
    _, plan = planned
    write_plan_files(plan, tmp_path)
    with (tmp_path / "generator_use.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["cause"] for r in rows] == [r.cause for r in plan.generator_use]
    assert [float(r["waste_bq"]) for r in rows] == [r.waste_bq for r in plan.generator_use]


def test_without_the_routine_nothing_is_eluted_at_the_weekend():
    base = weekly_routine()
    data = base.model_dump(mode="json", exclude_defaults=True)
    for p in data["processes"]:
        if p["id"] == "elute":
            p.pop("elute_every_slot")
    sc = type(base).model_validate(data)
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert verify(plan, sc) == []
    (gen,) = plan.generators
    assert [to_iso(e.time_utc)[:10] for e in gen.elutions] == [f"2025-08-{d}" for d in DAYS[:5]]
    rows = plan.generator_use
    assert "no_doses" not in {r.cause for r in rows}
    # the weekend's Tc-99m is not eluted: more is left in the generator at its replacement
    assert rows[-1].waste_bq > 0


def test_isoflow_plan_prints_the_waste_line_and_writes_the_table(tmp_path):
    from typer.testing import CliRunner

    from isoflow.adapters.cli.app import _register, app
    from isoflow.scenario.load import save_scenario

    path = save_scenario(weekly_routine(), tmp_path / "week.yaml")
    _register()
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["plan", str(path), "--lead", "0h", "--out", str(out)])
    assert res.exit_code == 0, res.output
    eluted, need_per_day, a = expected()
    share = 1 - 4 * need_per_day / (sum(eluted) * a)
    assert f"generator waste: {100 * share:.1f} % of eluted" in " ".join(res.output.split())
    assert (out / "generator_use.csv").read_text(encoding="utf-8").count("\n") == 1 + 8


def test_the_report_shows_the_waste_table(planned):
    from isoflow.adapters.report.kpis import kpi_tables

    _, plan = planned
    eluted, _, a = expected()
    table = {t.key: t for t in kpi_tables(plan)}["generator_use"]
    rows = {r[0]: r for r in table.rows}
    assert rows["eluted"][1] == f"{sum(eluted) * a / 1e9:,.3f}"
    weekend = (eluted[5] + eluted[6]) / sum(eluted)
    assert rows["waste: elutions no dose is taken from"][2] == f"{100 * weekend:.1f} %"
