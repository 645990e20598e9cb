"""Orders are validated like bookings: references, dose products, sites, horizon, unique ids."""

from __future__ import annotations

from pathlib import Path

from isoflow.scenario.load import load_scenario, save_scenario
from isoflow.scenario.validate import validate

ORDERS = """  orders:
    - {id: o1, hospital: SITE, product: PRODUCT, calibration: 'WHEN', doses: 12}
"""


def _with_order(
    small_text: str,
    *,
    site: str = "hosp-seoul",
    product: str = "f18-fdg",
    when: str = "2025-08-05T00:30:00Z",
    order_id: str = "o1",
) -> str:
    """The small scenario with one order appended to its demand section."""
    marker = "  bookings:\n"
    assert marker in small_text
    order = (
        ORDERS.replace("SITE", site)
        .replace("PRODUCT", product)
        .replace("WHEN", when)
        .replace("o1", order_id)
    )
    return small_text.replace(marker, order + marker, 1)


def _line(text: str, mark: str) -> int:
    return text[: text.index(mark)].count("\n") + 1


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_sound_order_validates_and_is_counted(tmp_path: Path, small_text: str) -> None:
    report = validate(_write(tmp_path, _with_order(small_text)))
    assert report.ok, [str(i) for i in report.issues]
    assert "1 orders" in report.summary()


def test_an_order_for_an_unknown_site_names_its_line_and_field(
    tmp_path: Path, small_text: str
) -> None:
    text = _with_order(small_text, site="hosp-nowhere")
    errors = [str(i) for i in validate(_write(tmp_path, text)).errors]
    assert len(errors) == 1
    assert errors[0].startswith(
        f"small.yaml:{_line(text, '- {id: o1')}: demand.orders.0.hospital: "
    )
    assert "hosp-nowhere" in errors[0]


def test_an_order_of_bulk_isotope_is_refused(tmp_path: Path, small_text: str) -> None:
    text = _with_order(small_text, product="lu177-nca")
    assert [str(i) for i in validate(_write(tmp_path, text)).errors] == [
        f"small.yaml:{_line(text, '- {id: o1')}: demand.orders.0.product: product 'lu177-nca' "
        "is bulk isotope; an order is of a dose product (stage 'drug_product' or 'generator'); "
        "an export of it is an order at a site of kind 'market'"
    ]


def test_an_order_outside_the_horizon_is_a_warning_on_its_calibration(
    tmp_path: Path, small_text: str
) -> None:
    text = _with_order(small_text, when="2030-01-01T08:00:00Z")
    report = validate(_write(tmp_path, text))
    assert report.ok
    (warning,) = [i for i in report.warnings if i.code == "outside_horizon"]
    assert warning.path == ("demand", "orders", 0, "calibration")


def test_an_order_may_not_reuse_a_booking_id(tmp_path: Path, small_text: str) -> None:
    text = _with_order(small_text, order_id="b1")
    errors = [str(i) for i in validate(_write(tmp_path, text)).errors]
    # bookings come first in the id space: the order is the duplicate
    assert errors == [
        f"small.yaml:{_line(text, '- {id: b1, hospital: hosp-seoul, product: f18-fdg, calib')}: "
        "demand.orders.0.id: duplicate id 'b1' (already used by demand.bookings.0); ids of "
        "bookings and orders must be unique"
    ]


def test_orders_round_trip_through_a_csv_folder(tmp_path: Path, small_text: str) -> None:
    original = load_scenario(_write(tmp_path, _with_order(small_text)))
    assert len(original.demand.orders) == 1
    folder = save_scenario(original, tmp_path / "folder")
    assert (
        (folder / "orders.csv")
        .read_text(encoding="utf-8")
        .splitlines()[0]
        .startswith("id,hospital,product,calibration,doses")
    )
    assert load_scenario(folder) == original
