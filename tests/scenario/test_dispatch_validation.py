"""Order cut-offs, order times and generator routines are validated with file, line and field."""

from __future__ import annotations

from pathlib import Path

from isoflow.scenario.validate import validate

B1 = "- {id: b1, hospital: hosp-sydney, product: lu177-psma, administration: 2025-08-06T01:00:00Z"


def _line(text: str, mark: str) -> int:
    return text[: text.index(mark)].count("\n") + 1


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(i) for i in validate(path).errors]


def test_a_booking_ordered_after_its_administration_names_its_line(
    tmp_path: Path, small_text: str
) -> None:
    mark = B1
    assert mark in small_text
    text = small_text.replace(mark, mark + ", ordered: 2025-08-07T00:00:00Z")
    (error,) = _errors(tmp_path, text)
    assert error.startswith(f"small.yaml:{_line(text, mark)}: demand.bookings.0")
    assert "'ordered' 2025-08-07T00:00:00+00:00 is after the administration" in error


def test_an_order_time_before_the_administration_is_valid(tmp_path: Path, small_text: str) -> None:
    mark = B1
    text = small_text.replace(mark, mark + ", ordered: 2025-07-30T12:00:00Z")
    assert _errors(tmp_path, text) == []


def test_a_cut_off_on_bulk_isotope_is_refused(tmp_path: Path, small_text: str) -> None:
    mark = "    kind: irradiation\n"
    text = small_text.replace(mark, mark + "    order_cutoff: 5 d\n", 1)
    (error,) = _errors(tmp_path, text)
    assert error.startswith(
        f"small.yaml:{_line(text, 'order_cutoff: 5 d')}: processes.0.order_cutoff"
    )
    assert "bulk isotope" in error


def test_a_replacement_interval_on_a_labelling_process_is_refused(
    tmp_path: Path, small_text: str
) -> None:
    mark = "    kind: labelling\n"
    text = small_text.replace(mark, mark + "    replace_every: 7 d\n", 1)
    (error,) = _errors(tmp_path, text)
    assert "processes.1" in error
    assert "'replace_every' is for processes of kind 'elution' only" in error
