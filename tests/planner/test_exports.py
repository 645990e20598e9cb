"""Export demand at a market takes part of a reactor's batch; patients get what is left.

The network is :mod:`export_cases` (two reactors, Europe as a market, one hospital). By hand,
with exact decay ``A(t) = A0 · 2^(−t/T½)``, T½ = 6.647 d:

* an export unit of 10 GBq on Wednesday 12:00, 1.5 d after the Tuesday 00:00 EOP, needs
  ``10 · 2^(1.5/6.647) = 11.693 GBq`` at EOP; HFR's 30 GBq holds 2 units (23.39 GBq; 3 would
  be 35.08), so OPAL gives the other 3: 35.08 GBq of its 100 GBq;
* OPAL's remaining 64.92 GBq is ``64.92 · 2^(−3.5/6.647) = 45.07 GBq`` on Friday 12:00, 3.5 d
  after EOP (labelling loses nothing): 6 doses of 7.4 GBq (44.4 GBq; a 7th needs 51.8). The
  hospital gets 6 of its 10 doses; without the export, ``100 · 2^(−3.5/6.647) = 69.42 GBq``
  would make 9;
* the export (priority 1, weight 5/3 a unit) goes first: a unit of it displaces at most
  ``11.693 · 2^(−3.5/6.647) / 7.4 = 1.10`` doses of priority 3 (weight 2/3 each).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from export_cases import GBQ, LU177_HALF_LIFE_D, two_reactors
from typer.testing import CliRunner

from isoflow.adapters.cli.app import _register, app
from isoflow.adapters.report.kpis import kpi_tables
from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.simulate.montecarlo import SimOptions, build_model, kpis, simulate
from isoflow.engines.simulate.output import write_results
from isoflow.engines.verify import verify
from isoflow.records.plan import Plan, PlanAllocation, PlanLeg
from isoflow.scenario.load import save_scenario
from isoflow.scenario.schema import Scenario

OPTIONS = PlanOptions(lead_s=0.0)


def grow(days: float) -> float:
    """Activity needed ``days`` earlier per unit wanted: 2^(days / T½)."""
    return 2.0 ** (days / LU177_HALF_LIFE_D)


PER_UNIT_EOP = 10 * GBQ * grow(1.5)  # 11.693 GBq
DOSE_EOP = 7.4 * GBQ * grow(3.5)  # 10.660 GBq of OPAL's EOP per Friday dose


@pytest.fixture(scope="module")
def solved() -> tuple[Scenario, Plan]:
    sc = two_reactors()
    return sc, make_plan(sc, OPTIONS)


def test_the_hand_derived_numbers() -> None:
    assert pytest.approx(11.693e9, rel=1e-4) == PER_UNIT_EOP
    assert 2 * PER_UNIT_EOP <= 30 * GBQ < 3 * PER_UNIT_EOP
    left = 100 * GBQ - 3 * PER_UNIT_EOP
    assert left / grow(3.5) == pytest.approx(45.07e9, rel=1e-3)
    assert 6 * DOSE_EOP <= left < 7 * DOSE_EOP
    assert 9 * DOSE_EOP <= 100 * GBQ < 10 * DOSE_EOP


def test_the_export_takes_part_of_opals_batch_and_limits_the_hospital(
    solved: tuple[Scenario, Plan],
) -> None:
    sc, plan = solved
    assert verify(plan, sc) == []
    units = {a.batch.split("@")[0]: a.doses for a in plan.allocations if a.booking == "eu-lu"}
    assert units == {"hfr-irr": 2, "opal-irr": 3}
    for a in plan.allocations:
        if a.booking == "eu-lu":
            assert a.activity_eop_bq == pytest.approx(PER_UNIT_EOP, rel=1e-6)
            assert a.activity_admin_bq == pytest.approx(10 * GBQ, rel=1e-6)
    assert sum(a.doses for a in plan.allocations if a.booking == "psma") == 6
    ((code, short),) = [(u.reason, u.doses) for u in plan.unserved]
    assert (code, short) == ("capacity_exhausted", 4)
    runs = {r.process: r.activity_eop_bq for r in plan.runs}
    assert runs["opal-irr"] == pytest.approx(3 * PER_UNIT_EOP + 6 * DOSE_EOP, rel=1e-6)
    assert runs["hfr-irr"] == pytest.approx(2 * PER_UNIT_EOP, rel=1e-6)


def test_without_the_export_the_hospital_gets_nine_doses() -> None:
    sc = two_reactors(export_units=0)
    plan = make_plan(sc, OPTIONS)
    assert verify(plan, sc) == []
    assert plan.kpis["doses"]["served"] == 9
    assert "exports" not in plan.kpis


def test_export_units_are_counted_apart_from_patient_doses(solved: tuple[Scenario, Plan]) -> None:
    _, plan = solved
    k = plan.kpis.model_dump()
    assert k["doses"] == {"total": 10, "served": 6, "unserved": 4, "served_share": 0.6}
    assert k["orders"] == {"total": 1, "served": 0, "part_served": 1, "unserved": 0}
    assert k["by_country"] == {"AU": {"total": 10, "served": 6}}
    assert k["by_product"] == {"lu-psma": {"total": 10, "served": 6}}
    assert k["unserved_by_reason"] == {"capacity_exhausted": 4}
    assert k["activity"]["administered_bq"] == pytest.approx(6 * 7.4 * GBQ, rel=1e-6)
    x = k["exports"]
    assert x["units"] == {"total": 5, "served": 5, "unserved": 0, "served_share": 1.0}
    assert x["orders"] == {"total": 1, "served": 1, "part_served": 0, "unserved": 0}
    assert x["activity_requested_bq"] == pytest.approx(50 * GBQ, rel=1e-12)
    assert x["activity_served_bq"] == pytest.approx(50 * GBQ, rel=1e-6)
    assert x["dispensed_eop_bq"] == pytest.approx(5 * PER_UNIT_EOP, rel=1e-6)
    assert set(x["by_product"]) == {"lu177"}
    assert set(x["by_market"]) == {"eu"}
    # the exported bulk is used, not waste
    assert k["activity"]["waste_eop_bq"] == pytest.approx(0.0, abs=1e3)


def _with_allocation(plan: Plan, changed: PlanAllocation) -> Plan:
    """``plan`` with its export allocation from OPAL replaced by ``changed``."""
    allocations = tuple(
        changed if a.booking == "eu-lu" and a.site == "opal" else a for a in plan.allocations
    )
    return plan.model_copy(update={"allocations": allocations})


def test_verify_rejects_an_export_served_from_a_batch_of_another_product(
    solved: tuple[Scenario, Plan],
) -> None:
    sc, plan = solved
    (export,) = [a for a in plan.allocations if a.booking == "eu-lu" and a.site == "opal"]
    (label,) = [r for r in plan.runs if r.process == "label"]
    bad = export.model_copy(
        update={
            "batch": label.batch,
            "site": "cdmo",
            "end_of_production_utc": label.end_of_production_utc,
        }
    )
    codes = {v.code: v.detail for v in verify(_with_allocation(plan, bad), sc)}
    assert codes["mismatch"] == "batch makes lu-psma, not lu177"


def test_verify_rejects_an_export_along_a_lane_its_site_has_not(
    solved: tuple[Scenario, Plan],
) -> None:
    sc, plan = solved
    (export,) = [a for a in plan.allocations if a.booking == "eu-lu" and a.site == "opal"]
    leg = PlanLeg(
        lane="hfr-eu", depart_utc="2025-08-05T00:00:00Z", arrive_utc="2025-08-05T02:00:00Z"
    )
    violations = verify(_with_allocation(plan, export.model_copy(update={"legs": (leg,)})), sc)
    assert [str(v) for v in violations if v.code == "broken_route"] == [
        "broken_route: allocation eu-lu: hfr-eu leaves hfr, not opal"
    ]


def test_verify_rejects_an_export_beyond_what_hfr_can_make(solved: tuple[Scenario, Plan]) -> None:
    # three units from HFR's batch: 35.08 GBq at EOP of a 23.39 GBq run (30 GBq at most)
    sc, plan = solved
    allocations = tuple(
        a.model_copy(update={"doses": 3}) if a.booking == "eu-lu" and a.site == "hfr" else a
        for a in plan.allocations
    )
    violations = verify(plan.model_copy(update={"allocations": allocations}), sc)
    assert "overdrawn" in {v.code for v in violations}


def test_the_simulator_counts_export_units_apart(tmp_path: Path) -> None:
    # HFR's batch always fails QC: its 2 export units are missed every week (OPAL's spare,
    # 100 - 99.04 GBq, cannot carry them), 20 GBq at calibration; the hospital still misses
    # only the 4 doses the plan leaves short
    plan = make_plan(two_reactors(), OPTIONS)
    model, _ = build_model(two_reactors(hfr_qc_failure=1.0), plan)
    result = simulate(model, SimOptions(replications=4, chunk_size=2))
    k = kpis(result)
    assert k["doses_per_week"] == 10
    assert k["missed_per_week"]["mean"] == 4
    assert k["p_missed"]["mean"] == pytest.approx(0.4, rel=1e-12)
    assert set(k["missed_per_week_by_country"]) == {"AU"}
    assert set(k["missed_per_week_by_product"]) == {"lu-psma"}
    assert sum(k["outcomes"].values()) == 4 * 10
    x = k["exports"]
    assert (x["units_per_week"], x["activity_bq_per_week"]) == (5, pytest.approx(50 * GBQ))
    assert x["missed_per_week"]["mean"] == 2
    assert x["served_per_week"]["mean"] == 3
    assert x["p_missed"]["mean"] == pytest.approx(0.4, rel=1e-12)
    assert x["missed_activity_bq_per_week"]["mean"] == pytest.approx(20 * GBQ, rel=1e-9)
    write_results(result, tmp_path)
    with (tmp_path / "bookings.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["booking"]: r["kind"] for r in rows} == {"eu-lu": "export", "psma": "order"}
    # OPAL's 3 units served in all 4 replications, HFR's 2 missed in all 4
    exports = sorted((int(r["doses"]), int(r["missed"])) for r in rows if r["kind"] == "export")
    assert exports == [(2, 8), (3, 0)]
    # the order's 6 planned doses served, its 4 short ones missed
    assert sum(int(r["missed"]) for r in rows if r["kind"] == "order") == 16


def test_the_report_lists_exports_in_their_own_table(solved: tuple[Scenario, Plan]) -> None:
    _, plan = solved
    (table,) = [t for t in kpi_tables(plan) if t.key == "exports"]
    assert table.rows == [("lu177", "5", "5", "50.000", "50.000", "100.0 %")]
    doses = next(t for t in kpi_tables(plan) if t.key == "doses")
    assert doses.rows == [("10", "6", "4", "60.0 %")]


def test_the_plan_command_prints_exports_on_their_own_line(tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    folder = save_scenario(two_reactors(), tmp_path / "exports.yaml")
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(folder), "--out", str(out), "--lead", "0 h"])
    assert res.exit_code == 0, res.output
    assert "doses served: 6 of 10 (60.0%)" in res.output
    assert "exports (not patient doses): 5 of 5 units served (100.0%), 50 GBq of 50 GBq" in (
        res.output
    )
    kpis_ = json.loads((out / "plan.json").read_text(encoding="utf-8"))["kpis"]
    assert kpis_["exports"]["units"]["served"] == 5
    allocations = (out / "allocations.csv").read_text(encoding="utf-8")
    assert allocations.count("eu-lu,eu,lu177") == 2
    res = runner.invoke(app, ["verify", str(out), "--scenario", str(folder)])
    assert res.exit_code == 0, res.output
