"""Validator gaps closed: bookings only of dose products, empty demand, files cut short."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from isoflow.adapters.cli import scenario_cmds
from isoflow.scenario.load import load_scenario, save_scenario
from isoflow.scenario.validate import validate


def _line(text: str, mark: str) -> int:
    return text[: text.index(mark)].count("\n") + 1


def _write(tmp_path: Path, text: str, name: str = "small.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- dose products


@pytest.mark.parametrize(
    ("product", "stage"),
    [("lu177-nca", "bulk isotope"), ("o18-water", "target material")],
)
def test_booking_of_a_product_that_is_not_a_dose(
    tmp_path: Path, small_text: str, product: str, stage: str
) -> None:
    text = small_text.replace("product: mo99-gen, administration", f"product: {product}, adm")
    text = text.replace(f"product: {product}, adm", f"product: {product}, administration")
    report = validate(_write(tmp_path, text))
    assert [str(i) for i in report.errors] == [
        f"small.yaml:{_line(text, '- {id: b4')}: demand.bookings.3.product: product "
        f"{product!r} is {stage}; a booking is of a dose product (stage 'drug_product' or "
        "'generator')"
    ]


def test_bookings_of_drug_products_and_generators_are_fine(small_path: Path) -> None:
    report = validate(small_path)  # b1-b3 drug products, b4 a generator
    assert report.ok
    assert report.issues == ()


def test_booking_of_bulk_isotope_in_a_csv_folder(tmp_path: Path, small_path: Path) -> None:
    folder = save_scenario(load_scenario(small_path), tmp_path / "folder")
    table = folder / "bookings.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace("mo99-gen", "lu177-nca"), encoding="utf-8"
    )
    assert [str(i) for i in validate(folder).errors] == [
        "bookings.csv:5: demand.bookings.3.product: product 'lu177-nca' is bulk isotope; a "
        "booking is of a dose product (stage 'drug_product' or 'generator')"
    ]


# --------------------------------------------------------------------------- empty demand

EMPTY = (
    "warning: the demand section is empty (no bookings, orders or rates): there is nothing to "
    "plan or simulate; add bookings, orders or rates, or leave the section out"
)


def _without_demand(text: str, replacement: str) -> str:
    start, end = text.index("demand:\n"), text.index("policies:\n")
    return text[:start] + replacement + text[end:]


@pytest.mark.parametrize(
    ("section", "mark", "path"),
    [
        ("demand:\n", "demand:", "demand"),
        ("demand: {}\n", "demand:", "demand"),
        ("demand:\n  bookings: []\n", "  bookings:", "demand.bookings"),
        ("demand:\n  bookings: []\n  rates: []\n", "  bookings:", "demand.bookings"),
    ],
)
def test_empty_demand_is_a_warning(
    tmp_path: Path, small_text: str, section: str, mark: str, path: str
) -> None:
    text = _without_demand(small_text, section)
    report = validate(_write(tmp_path, text))
    assert report.ok
    assert [str(i) for i in report.issues] == [f"small.yaml:{_line(text, mark)}: {path}: {EMPTY}"]


def test_no_demand_section_is_no_warning(tmp_path: Path, small_text: str) -> None:
    report = validate(_write(tmp_path, _without_demand(small_text, "")))
    assert report.ok
    assert report.issues == ()


def test_rates_alone_are_demand(tmp_path: Path, small_text: str) -> None:
    rates = "demand:\n  rates:\n    - {country: KR, product: lu177-psma, doses_per_week: 40}\n"
    report = validate(_write(tmp_path, _without_demand(small_text, rates)))
    assert report.issues == ()


def test_empty_bookings_table_is_a_warning(tmp_path: Path, small_path: Path) -> None:
    folder = save_scenario(load_scenario(small_path), tmp_path / "folder")
    (folder / "bookings.csv").write_text("id,hospital,product,administration\n", encoding="utf-8")
    (folder / "rates.csv").unlink()
    report = validate(folder)
    assert report.ok
    assert [str(i) for i in report.issues] == [f"bookings.csv:1: demand.bookings: {EMPTY}"]


# --------------------------------------------------------------------------- cut short

CUT = "with no line break; it may have been cut short (a complete file ends with a line break)"


def test_file_cut_mid_number_is_a_warning(tmp_path: Path, small_text: str) -> None:
    """Cut inside ``transit: 3 h`` of the last lane: valid, no bookings, but a warning."""
    text = small_text[: small_text.index("    transit: 3 h") + len("    transit: 3")]
    report = validate(_write(tmp_path, text))
    assert report.ok
    assert report.summary().endswith("5 lanes, 0 bookings; 0 error(s), 1 warning(s))")
    assert [str(i) for i in report.issues] == [
        f"small.yaml:{text.count(chr(10)) + 1}: lanes.4.transit: warning: the file ends in the "
        f"middle of a line ('transit: 3') {CUT}"
    ]


def test_file_cut_after_a_key(tmp_path: Path, small_text: str) -> None:
    text = small_text[: small_text.index("demand:") + len("demand:")]
    report = validate(_write(tmp_path, text))
    assert [str(i) for i in report.issues] == [
        f"small.yaml:{text.count(chr(10)) + 1}: demand: warning: the file ends in the middle of "
        f"a line ('demand:') {CUT}",
        f"small.yaml:{text.count(chr(10)) + 1}: demand: {EMPTY}",
    ]


def test_file_cut_mid_structure_is_an_error_saying_so(tmp_path: Path, small_text: str) -> None:
    cut = small_text.index("cancel_prob: 0.02") + len("cancel_prob: 0.0")
    text = small_text[:cut]
    report = validate(_write(tmp_path, text))
    assert [str(i) for i in report.issues] == [
        f"small.yaml:{text.count(chr(10)) + 1}: YAML syntax error: did not find expected ',' or "
        "'}' (while parsing a flow mapping); the file ends before it is closed (cut short?)"
    ]


def test_cut_short_warning_comes_with_the_errors(tmp_path: Path, small_text: str) -> None:
    text = small_text[: small_text.index("    mode: air\n    carrier")] + "    mode: ai"
    report = validate(_write(tmp_path, text))
    assert not report.ok
    line = text.count("\n") + 1
    assert [str(i) for i in report.issues][-2:] == [
        f"small.yaml:{line}: lanes.0.mode: warning: the file ends in the middle of a line "
        f"('mode: ai') {CUT}",
        f"small.yaml:{line}: lanes.0.mode: Input should be 'road', 'air' or 'charter' (got 'ai')",
    ]


@pytest.mark.parametrize(
    "ending",
    ["    - {lane: kr-sg, cancel_prob: 0.02}", "    - {lane: kr-sg, cancel_prob: 0.02}  # end"],
)
def test_complete_file_without_final_line_break_is_fine(
    tmp_path: Path, small_text: str, ending: str
) -> None:
    """A closed structure or a comment last: the parser cannot tell it was cut, no warning."""
    text = small_text.rstrip("\n")
    text = text[: text.rindex("\n") + 1] + ending
    assert validate(_write(tmp_path, text)).issues == ()


def test_cli_prints_the_warning_and_exits_0(tmp_path: Path, small_text: str) -> None:
    root, scenario = typer.Typer(), typer.Typer()
    root.add_typer(scenario, name="scenario")
    scenario_cmds.register(root, scenario)
    text = small_text[: small_text.index("    transit: 3 h") + len("    transit: 3")]
    result = CliRunner().invoke(root, ["validate", str(_write(tmp_path, text))])
    assert result.exit_code == 0, result.output
    line = text.count("\n") + 1
    assert f"small.yaml:{line}: lanes.4.transit: warning: the file ends in the middle" in (
        result.output.replace("\n", " ")
    )


# --------------------------------------------------------------------------- meta bounds


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"),
    [
        ("horizon: 7 d", "horizon: 99999 d", "meta.horizon", "from 1 h to 366 d, got 99999 d"),
        ("horizon: 7 d", "horizon: 10 min", "meta.horizon", "from 1 h to 366 d"),
        ("start: ", "start: 9999-12-31T00:00Z\n  # was: ", "meta.start", "from 1950 to 2150"),
    ],
)
def test_meta_out_of_bounds_is_one_error_with_its_line(
    tmp_path: Path, small_text: str, old: str, new: str, field: str, expected: str
) -> None:
    assert old in small_text
    text = small_text.replace(old, new, 1)
    report = validate(_write(tmp_path, text))
    (error,) = report.errors
    line = _line(text, new.split("\n")[0])
    assert str(error).startswith(f"small.yaml:{line}: {field}: ")
    assert expected in str(error)
