"""CSV folders: lossless round trip, atomic saving and row numbers in messages."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from isoflow.errors import ScenarioError
from isoflow.scenario.load import load_scenario, save_scenario
from isoflow.scenario.validate import validate


@pytest.fixture
def folder(tmp_path: Path, small_path: Path) -> Path:
    return save_scenario(load_scenario(small_path), tmp_path / "small")


def test_round_trip_yaml_csv_folder_yaml(small_path: Path, tmp_path: Path) -> None:
    original = load_scenario(small_path)
    via_csv = load_scenario(save_scenario(original, tmp_path / "folder"))
    assert via_csv == original
    assert load_scenario(save_scenario(via_csv, tmp_path / "again.yaml")) == original
    assert load_scenario(save_scenario(original, tmp_path / "s.json")) == original


def test_folder_layout(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [
        "approvals.csv",
        "bookings.csv",
        "lane_departures.csv",
        "lane_disruptions.csv",
        "lanes.csv",
        "orders.csv",
        "process_inputs.csv",
        "process_outages.csv",
        "process_windows.csv",
        "processes.csv",
        "products.csv",
        "rates.csv",
        "scenario.yaml",
        "site_disruptions.csv",
        "sites.csv",
    ]
    lanes = (folder / "lanes.csv").read_text(encoding="utf-8").splitlines()
    assert lanes[0].split(",")[:4] == ["id", "origin", "destination", "mode"]
    assert "border.customs_delay" in lanes[0]
    sites = (folder / "sites.csv").read_text(encoding="utf-8")
    assert "reactor;generator_maker" in sites


def test_saving_replaces_folder_atomically(folder: Path, small_path: Path) -> None:
    (folder / "stale.csv").write_text("x\n", encoding="utf-8")
    save_scenario(load_scenario(small_path), folder)
    assert not (folder / "stale.csv").exists()
    assert [p.name for p in folder.parent.iterdir()] == ["small"]


def test_failed_folder_save_keeps_old_folder(
    folder: Path, small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    calls: list[str] = []

    def broken(items: object, model: type, **options: object) -> str:
        calls.append(model.__name__)
        if len(calls) == 3:
            raise OSError("disk full")
        return "id\n"

    monkeypatch.setattr("isoflow.scenario.save.write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        save_scenario(load_scenario(small_path), folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == ["small"]


def test_failed_file_save_keeps_old_file(
    tmp_path: Path, small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("old\n", encoding="utf-8")

    def broken(text: str, dst: object) -> None:
        raise OSError("rename failed")

    monkeypatch.setattr("isoflow.scenario.save.os.replace", broken)
    with pytest.raises(OSError, match="rename failed"):
        save_scenario(load_scenario(small_path), target)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _issues(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    return info.value.issues


def test_bad_cell_reports_row(folder: Path) -> None:
    _edit(
        folder / "bookings.csv",
        "b2,hosp-seoul,lu177-psma,2025-08-07T02:00:00Z,,,1,",
        "b2,hosp-seoul,lu177-psma,2025-08-07T02:00:00Z,,,7,",
    )
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0].startswith("bookings.csv:3: demand.bookings.1.priority: Input should be less")


def test_unit_in_cell_and_number_in_cell(folder: Path) -> None:
    _edit(
        folder / "lanes.csv",
        "cyc-hosp,cyc-seoul,hosp-seoul,road,,0.0,1 h,",
        "cyc-hosp,cyc-seoul,hosp-seoul,road,,0.0,90 min,",
    )
    scenario = load_scenario(folder)
    assert scenario.lanes[3].transit == 5400.0
    _edit(folder / "lanes.csv", "road,,0.0,90 min,", "road,,0.0,5400,")
    assert load_scenario(folder).lanes[3].transit == 5400.0


def test_unknown_column_reports_header(folder: Path) -> None:
    _edit(folder / "sites.csv", "id,name,operator", "id,name,oprator")
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0].startswith("sites.csv:1: sites: unknown column 'oprator'; did you mean")


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Put ``value`` in ``column`` of data row ``row`` (1 = first), adding the column."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if column not in rows[0]:
        rows[0].append(column)
        for cells in rows[1:]:
            cells.append("")
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_bad_json_cell_reports_row(folder: Path) -> None:
    _set_cell(folder / "lanes.csv", 2, "timetable", '[{"days": ["Mon", "Thu"]')
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0].startswith("lanes.csv:3: lanes.1.timetable: invalid JSON in column")


def test_nan_cell_reports_row(folder: Path) -> None:
    _edit(folder / "sites.csv", "37.57", "nan")
    issues = _issues(folder)
    assert issues == ["sites.csv:2: sites.0.lat: got .nan; expected a finite number"]


def test_cross_reference_reports_row(folder: Path) -> None:
    _edit(folder / "bookings.csv", "b3,hosp-seoul,f18-fdg", "b3,hosp-seol,f18-fdg")
    report = validate(folder)
    assert [str(i) for i in report.errors] == [
        "bookings.csv:4: demand.bookings.2.hospital: unknown site 'hosp-seol'; did you mean "
        "'hosp-seoul'? (expected an id from 'sites')"
    ]


def test_section_in_both_places(folder: Path) -> None:
    with (folder / "scenario.yaml").open("a", encoding="utf-8") as handle:
        handle.write("lanes: []\n")
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0].endswith("lanes: given both in lanes.csv and in scenario.yaml; keep one")


def test_folder_without_yaml(folder: Path) -> None:
    (folder / "scenario.yaml").unlink()
    issues = _issues(folder)
    assert "scenario.yaml: the folder has no scenario.yaml; it must hold at least 'meta'" in issues


def test_non_utf8_csv_reports_line(folder: Path) -> None:
    raw = (folder / "sites.csv").read_bytes().replace(b"Sydney hospital", b"Sydney \xe9 hospital")
    (folder / "sites.csv").write_bytes(raw)
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0].startswith("sites.csv:6: the file is not valid UTF-8 (byte 0xe9")


def test_json_cell_accepted_for_scalar_list(folder: Path) -> None:
    _edit(
        folder / "sites.csv",
        "reactor;generator_maker",
        json.dumps(["reactor"]).replace('"', '""').join('""'),
    )
    assert [str(k) for k in load_scenario(folder).sites[1].kind] == ["reactor"]


def test_unterminated_quote_reports_the_row_it_opens(folder: Path) -> None:
    """An open quote runs to the end of the file: the error names the row where it began."""
    _edit(folder / "bookings.csv", "b2,hosp-seoul", 'b2,"hosp-seoul')
    assert _issues(folder) == [
        "bookings.csv:3: demand.bookings: CSV syntax error: unexpected end of data"
    ]


def test_an_unreadable_parent_table_does_not_orphan_its_child_rows(tmp_path: Path) -> None:
    """Rows after an open quote in lanes.csv are missing: the departures of those lanes in
    lane_departures.csv are not errors of their own (one error, not one per departure)."""
    import shutil
    from importlib.resources import files

    folder = tmp_path / "apac"
    shutil.copytree(str(files("isoflow.scenario") / "builtin" / "apac-2025"), folder)
    lines = (folder / "lanes.csv").read_text(encoding="utf-8").split("\n")
    assert (folder / "lane_departures.csv").is_file()
    lines[2] = lines[2].replace(",", ',"', 1)  # row 2 (line 3) opens a quote it never closes
    (folder / "lanes.csv").write_text("\n".join(lines), encoding="utf-8")
    issues = _issues(folder)
    assert len(issues) == 1
    assert issues[0].startswith("lanes.csv:3: lanes: CSV syntax error")


def test_deep_json_cell_reports_row(folder: Path) -> None:
    _set_cell(folder / "lanes.csv", 2, "timetable", "[" * 40 + "]" * 40)
    assert _issues(folder) == [
        "lanes.csv:3: lanes.1.timetable: invalid JSON in column 'timetable': nested deeper "
        "than 32 levels, the limit (a scenario needs seven); expected JSON or a ';'-separated "
        "list"
    ]
