"""Orders are validated like bookings: references, dose products, sites, horizon, unique ids."""

from __future__ import annotations

from pathlib import Path

from isoflow.scenario.demand import demand_items
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


# --------------------------------------------------------------------------- exports

MARKET = (
    "  - {id: eu-ams, name: Europe via AMS, country: NL, lat: 52.31, lon: 4.76,"
    " timezone: Europe/Amsterdam, kind: [market]}\nprocesses:\n"
)


def _with_market(small_text: str, kinds: str = "[market]") -> str:
    """The small scenario with a sixth site (sites.5), the market ``eu-ams``."""
    assert small_text.count("processes:\n") == 1
    return small_text.replace("processes:\n", MARKET.replace("[market]", kinds), 1)


def _with_export(small_text: str, order: str) -> str:
    """The small scenario with the market and ``order`` (demand.orders.0)."""
    marker = "  bookings:\n"
    return _with_market(small_text).replace(marker, f"  orders:\n    - {order}\n{marker}", 1)


def test_an_export_of_bulk_isotope_at_a_market_validates(tmp_path: Path, small_text: str) -> None:
    text = _with_export(
        small_text,
        "{id: x1, hospital: eu-ams, product: lu177-nca, calibration: '2025-08-06T12:00:00Z', "
        "doses: 4, activity: 500 GBq}",
    )
    report = validate(_write(tmp_path, text))
    assert report.errors == ()
    sc = load_scenario(_write(tmp_path, text))
    (item,) = [i for i in demand_items(sc) if i.id == "x1"]
    assert item.export
    assert not item.is_patient


def test_an_export_without_activity_names_its_line_and_field(
    tmp_path: Path, small_text: str
) -> None:
    text = _with_export(
        small_text,
        "{id: x1, hospital: eu-ams, product: lu177-nca, calibration: '2025-08-06T12:00:00Z', "
        "doses: 4}",
    )
    assert [str(i) for i in validate(_write(tmp_path, text)).errors] == [
        f"small.yaml:{_line(text, '- {id: x1')}: demand.orders.0.activity: export order 'x1' "
        "(at market 'eu-ams') needs 'activity', the activity of each unit at calibration "
        "(e.g. '500 GBq'); an export has no patient dose to default to"
    ]


def test_an_export_of_bulk_isotope_at_a_hospital_is_refused(
    tmp_path: Path, small_text: str
) -> None:
    text = _with_export(
        small_text,
        "{id: x1, hospital: hosp-seoul, product: lu177-nca, calibration: '2025-08-06T12:00:00Z',"
        " doses: 4, activity: 500 GBq}",
    )
    assert [str(i) for i in validate(_write(tmp_path, text)).errors] == [
        f"small.yaml:{_line(text, '- {id: x1')}: demand.orders.0.product: product 'lu177-nca' "
        "is bulk isotope; an order is of a dose product (stage 'drug_product' or 'generator'); "
        "an export of it is an order at a site of kind 'market'"
    ]


def test_an_export_of_target_material_is_refused(tmp_path: Path, small_text: str) -> None:
    text = _with_export(
        small_text,
        "{id: x1, hospital: eu-ams, product: o18-water, calibration: '2025-08-06T12:00:00Z', "
        "doses: 4, activity: 1 GBq}",
    )
    assert [str(i) for i in validate(_write(tmp_path, text)).errors] == [
        f"small.yaml:{_line(text, '- {id: x1')}: demand.orders.0.product: product 'o18-water' "
        "is target material; an export is of bulk isotope, a generator or a drug product"
    ]


def test_a_market_takes_no_bookings(tmp_path: Path, small_text: str) -> None:
    text = _with_market(small_text).replace(
        "{id: b4, hospital: hosp-seoul", "{id: b4, hospital: eu-ams"
    )
    assert [str(i) for i in validate(_write(tmp_path, text)).errors] == [
        f"small.yaml:{_line(text, '- {id: b4')}: demand.bookings.3.hospital: site 'eu-ams' is "
        "market; a booking needs a site of kind 'hospital' or 'radiopharmacy' (a market takes "
        "orders, not bookings)"
    ]


def test_a_market_is_no_hospital(tmp_path: Path, small_text: str) -> None:
    text = _with_market(small_text, "[market, hospital]")
    assert [str(i) for i in validate(_write(tmp_path, text)).errors] == [
        f"small.yaml:{_line(text, '- {id: eu-ams')}: sites.5.kind: site 'eu-ams' is a market "
        "and a hospital; a market is export demand outside the region (no patients): make the "
        "hospital a site of its own"
    ]


def test_an_export_without_activity_in_a_csv_folder_names_its_row(
    tmp_path: Path, small_text: str
) -> None:
    text = _with_export(
        small_text,
        "{id: x1, hospital: eu-ams, product: lu177-nca, calibration: '2025-08-06T12:00:00Z', "
        "doses: 4, activity: 500 GBq}",
    )
    folder = save_scenario(load_scenario(_write(tmp_path, text)), tmp_path / "folder")
    table = folder / "orders.csv"
    table.write_text(table.read_text(encoding="utf-8").replace("500 GBq", ""), encoding="utf-8")
    (error,) = [str(i) for i in validate(folder).errors]
    assert error.startswith("orders.csv:2: demand.orders.0.activity: export order 'x1'")


def test_an_id_used_three_times_names_its_first_use_twice(tmp_path: Path, small_text: str) -> None:
    text = _with_order(small_text, order_id="b1")
    marker = "  orders:\n"
    second = "    - {id: b1, hospital: hosp-seoul, product: f18-fdg, calibration: 'X', doses: 3}\n"
    text = text.replace(marker, marker + second.replace("'X'", "'2025-08-05T01:30:00Z'"), 1)
    errors = [i for i in validate(_write(tmp_path, text)).errors if i.code == "duplicate_id"]
    assert [(e.path, e.message) for e in errors] == [
        (
            ("demand", "orders", n, "id"),
            "duplicate id 'b1' (already used by demand.bookings.0); ids of bookings and "
            "orders must be unique",
        )
        for n in (0, 1)
    ]
