"""Child tables, the sources table, provenance checks and derived values of CSV folders."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.errors import ScenarioError
from isoflow.scenario.derive import air_transit, great_circle_km, road_cost, road_transit
from isoflow.scenario.load import load_scenario, save_scenario
from isoflow.scenario.tables import with_unit
from isoflow.scenario.validate import validate
from isoflow.units import parse_activity, parse_duration

R = 6371.0  # km, the sphere of the haversine


@pytest.fixture
def folder(tmp_path: Path, small_path: Path) -> Path:
    return save_scenario(load_scenario(small_path), tmp_path / "small")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _issues(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    return info.value.issues


def _errors(folder: Path) -> list[str]:
    return [str(i) for i in validate(folder).errors]


# --------------------------------------------------------------------------- child tables


def test_nested_lists_are_child_tables(folder: Path, small_path: Path) -> None:
    inputs = (folder / "process_inputs.csv").read_text(encoding="utf-8").splitlines()
    assert inputs[0].startswith("process,product,per_batch,activity_feed")
    assert inputs[1].startswith("irr-lu177,lu176-target,0.01,false")
    assert "inputs" not in (folder / "processes.csv").read_text(encoding="utf-8").split("\n")[0]
    windows = (folder / "process_windows.csv").read_text(encoding="utf-8").splitlines()
    assert windows[1].startswith("label-psma,Mon;Tue;Wed;Thu;Fri,06:00,18:00")
    assert load_scenario(folder) == load_scenario(small_path)


def test_child_rows_keep_their_order_and_parent(folder: Path) -> None:
    _append(folder / "process_inputs.csv", "irr-lu177,o18-water,3,false,,,estimate,")
    process = load_scenario(folder).processes[0]
    assert [(i.product, i.per_batch) for i in process.inputs] == [
        ("lu176-target", 0.01),
        ("o18-water", 3.0),
    ]


def test_bad_child_cell_reports_its_own_line(folder: Path) -> None:
    _append(folder / "process_inputs.csv", "irr-lu177,o18-water,-3,false,,,estimate,")
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0].startswith("process_inputs.csv:5: processes.0.inputs.1.per_batch:")


def test_child_row_of_unknown_parent(folder: Path) -> None:
    _append(folder / "process_inputs.csv", "no-such-run,o18-water,3,false,,,estimate,")
    assert _issues(folder) == [
        "process_inputs.csv:5: processes.inputs: process 'no-such-run' is not a row of "
        "processes.csv"
    ]


def test_child_row_without_parent_id(folder: Path) -> None:
    _append(folder / "process_inputs.csv", ",o18-water,3,false,,,estimate,")
    issues = _issues(folder)
    assert issues == [
        "process_inputs.csv:5: processes.inputs: column 'process' is empty; expected the id of "
        "a row of processes.csv"
    ]


def test_list_given_in_cell_and_child_table(folder: Path) -> None:
    text = (folder / "processes.csv").read_text(encoding="utf-8").splitlines()
    text[0] += ",inputs"
    text[1] += ',"[{""product"": ""o18-water""}]"'
    text[2:] = [line + "," for line in text[2:]]
    (folder / "processes.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0] == (
        "process_inputs.csv:2: processes: inputs of 'irr-lu177' is given both in processes.csv "
        "and in process_inputs.csv; keep one"
    )


def test_child_table_without_parent_table(folder: Path) -> None:
    (folder / "lanes.csv").unlink()
    issues = _issues(folder)
    assert (
        "lane_departures.csv:1: lanes: lane_departures.csv lists items of lanes.csv, which "
        in (issues[0])
    )


# --------------------------------------------------------------------------- sources


SOURCES = "id,citation,where,note\nnea-2022,Frontiers in Chemistry 2022 Table 4,,\n"


def test_cited_source_must_exist(folder: Path) -> None:
    (folder / "sources.csv").write_text(SOURCES, encoding="utf-8")
    _edit(folder / "lanes.csv", ",,estimate,\nsg-syd", ",nea-2022;nea-2033,medium,\nsg-syd")
    assert _errors(folder) == [
        "lanes.csv:2: lanes.0.provenance.source_id.1: unknown source 'nea-2033'; expected an "
        "id of the sources table"
    ]


def test_high_confidence_row_must_cite_a_source(folder: Path) -> None:
    _edit(folder / "lanes.csv", ",,estimate,\nsg-syd", ",,high,\nsg-syd")
    assert _errors(folder) == [
        "lanes.csv:2: lanes.0.provenance.source_id: confidence is high but no source is "
        "cited; give source_id (an id of the sources table) or lower the confidence"
    ]
    (folder / "sources.csv").write_text(SOURCES, encoding="utf-8")
    _edit(folder / "lanes.csv", ",,high,\nsg-syd", ",nea-2022,high,\nsg-syd")
    assert _errors(folder) == []


def test_duplicate_source_id(folder: Path) -> None:
    (folder / "sources.csv").write_text(SOURCES + "nea-2022,again,,\n", encoding="utf-8")
    assert _errors(folder) == ["sources.csv:3: sources.1.id: duplicate source id 'nea-2022'"]


# --------------------------------------------------------------------------- derived values


def test_great_circle_by_hand() -> None:
    # along the equator: arc = R * angle; pole to pole through the centre line: pi * R
    assert great_circle_km(0, 0, 0, 10) == pytest.approx(R * math.pi / 18, rel=1e-12)
    assert great_circle_km(90, 0, -90, 0) == pytest.approx(R * math.pi, rel=1e-12)
    # one degree of latitude anywhere on a meridian
    assert great_circle_km(-34, 151, -35, 151) == pytest.approx(R * math.pi / 180, rel=1e-12)


def test_transit_and_cost_formulas_by_hand() -> None:
    km = R * math.pi / 18  # 1111.95 km
    # 1111.95 * 1.05 / 830 + 0.6 = 2.0067 h -> 2 h; with one connection 5.0067 h -> 5 h
    assert air_transit(km, 0) == 2 * 3600
    assert air_transit(km, 1) == 5 * 3600
    # 100 km by road: 100 * 1.25 / 80 + 0.3 = 1.8625 h -> 1.75 h; 150 + 150 = 300
    assert road_transit(100.0) == 1.75 * 3600
    assert road_cost(100.0) == 300.0


def test_derived_values_that_disagree(folder: Path) -> None:
    scenario = load_scenario(folder)
    lane = next(x for x in scenario.lanes if x.id == "cyc-hosp")
    a, b = scenario.site(lane.origin), scenario.site(lane.destination)
    km = great_circle_km(a.lat, a.lon, b.lat, b.lon)
    row = "cyc-hosp,cyc-seoul,hosp-seoul,road,,0.0,1 h,0.0,0.0,0.0,50,50.0,true,,,0.0,,,estimate,"
    _edit(folder / "lanes.csv", row + "\n", row + "road\n")
    hours = (km * 1.25 / 80 + 0.3) // 0.25 * 0.25  # by hand, rounded to the quarter hour
    if (km * 1.25 / 80 + 0.3) - hours > 0.125:
        hours += 0.25
    assert _errors(folder) == [
        f"lanes.csv:5: lanes.3.transit: road gives {hours:g} h over {km:,.0f} km; the row says "
        "1 h (update the value or clear derived_by)",
        f"lanes.csv:5: lanes.3.cost_per_shipment: road gives {round(150 + 1.5 * km):g} over "
        f"{km:,.0f} km; the row says 0 (update the value or clear derived_by)",
    ]
    fixed = f"{row[: row.index(',1 h,')]},{hours:g} h,0.0,{round(150 + 1.5 * km)}{row[-37:]}"
    _edit(folder / "lanes.csv", row + "road\n", fixed + "road\n")
    assert _errors(folder) == []


def test_unknown_deriver(folder: Path) -> None:
    _edit(folder / "lanes.csv", ",,estimate,\nsg-syd", ",,estimate,by_hand\nsg-syd")
    assert _errors(folder) == [
        "lanes.csv:2: lanes.0.provenance.derived_by: unknown deriver 'by_hand'; expected one "
        "of air_transit, road"
    ]


def test_air_deriver_needs_its_connections(folder: Path) -> None:
    _edit(folder / "lanes.csv", ",,estimate,\nsg-syd", ",,estimate,air_transit:one\nsg-syd")
    assert _errors(folder) == [
        "lanes.csv:2: lanes.0.provenance.derived_by: expected air_transit:N with N connections "
        "(0, 1, 2...), got 'air_transit:one'"
    ]


# --------------------------------------------------------------------------- units in cells


def test_quantities_are_written_with_units() -> None:
    assert with_unit(7.4e9, "activity") == "7.4 GBq"
    assert with_unit(300e12, "activity") == "300 TBq"
    assert with_unit(56700.0, "duration") == "15.75 h"
    assert with_unit(5 * 86400.0, "duration") == "5 d"
    assert with_unit(90 * 60.0, "duration") == "1.5 h"
    assert with_unit(45 * 60.0, "duration") == "45 min"
    assert with_unit(0.0, "duration") == "0.0"


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e20, allow_nan=False, allow_infinity=False))
def test_quantities_read_back_exactly(value: float) -> None:
    """Read as the CSV reader does: a plain number in SI, else a number with its unit."""
    for kind, parse in (("activity", parse_activity), ("duration", parse_duration)):
        text = with_unit(value, kind)
        assert (float(text) if " " not in text else parse(text)) == value
