"""A corpus of broken scenario files, one fault each: the message names the field and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from isoflow.errors import ScenarioError
from isoflow.scenario.load import load_scenario
from isoflow.scenario.validate import validate

SMALL = Path(__file__).parent / "data" / "small.yaml"


@dataclass(frozen=True)
class Fault:
    """Replace ``old`` (must occur once) by ``new``; expect ``path`` on the line of ``mark``."""

    name: str
    old: str
    new: str
    path: str
    words: str
    mark: str = ""

    def text(self) -> str:
        source = SMALL.read_text(encoding="utf-8")
        assert source.count(self.old) == 1, f"{self.name}: {self.old!r} is not unique"
        return source.replace(self.old, self.new)

    def line(self, text: str) -> int:
        mark = self.mark or self.new.strip().splitlines()[0]
        before, found, _ = text.partition(mark)
        assert found, f"{self.name}: marker {mark!r} not in the file"
        return before.count("\n") + 1


SCHEMA_FAULTS = [
    Fault("enum typo", "kind: [cyclotron]", "kind: [cyclotrn]", "sites.0.kind.0", "'cyclotrn'"),
    Fault(
        "unknown key",
        "    carrier: KE\n",
        "    carrier: KE\n    p_cancle: 0.1\n",
        "lanes.0.p_cancle",
        "unknown field 'p_cancle'",
        mark="p_cancle",
    ),
    Fault("nan", "transit: 8 h", "transit: .nan", "lanes.0.transit", "finite"),
    Fault("inf", "lat: 1.35", "lat: .inf", "sites.2.lat", "finite"),
    Fault(
        "bool for float",
        "per_batch: 0.01",
        "per_batch: true",
        "processes.0.inputs.0.per_batch",
        "boolean",
        mark="per_batch: true",
    ),
    Fault(
        "huge activity",
        "dose: {activity: 370 MBq}",
        "dose: {activity: 1e300 GBq}",
        "products.4.dose.activity",
        "too large",
    ),
    Fault(
        "subnormal",
        "ti_per_gbq: 0.05",
        "ti_per_gbq: 5e-324",
        "products.3.transport.ti_per_gbq",
        "subnormal",
        mark="transport:",
    ),
    Fault(
        "missing field",
        "    transit: 1 h\n",
        "",
        "lanes.3.transit",
        "missing required field",
        mark="- id: cyc-hosp",
    ),
    Fault(
        "negative duration",
        "    handling: 2 h\n    border: {customs_delay: 4 h}",
        "    handling: -2 h\n    border: {customs_delay: 4 h}",
        "lanes.0.handling",
        "non-negative",
    ),
    Fault(
        "unknown unit",
        "batch_max: 2 TBq",
        "batch_max: 2 TQ",
        "processes.0.batch_max",
        "unknown activity unit",
    ),
    Fault(
        "bad time zone",
        "timezone: Asia/Singapore",
        "timezone: Asia/Singapur",
        "sites.2.timezone",
        "IANA",
    ),
    Fault("bad country", "country: AU", "country: Australia", "sites.4.country", "pattern"),
    Fault(
        "no utc offset",
        "start: 2025-08-04T00:00:00Z",
        'start: "2025-08-04T00:00:00"',
        "meta.start",
        "no UTC offset",
    ),
    Fault(
        "unknown nuclide",
        "nuclide: F-18",
        "nuclide: Fl-18",
        "products.4.nuclide",
        "unknown nuclide",
    ),
    Fault(
        "generator without daughter",
        "    daughter: Tc-99m\n",
        "",
        "products.5",
        "needs a 'daughter'",
        mark="- id: mo99-gen",
    ),
    Fault(
        "dose both ways",
        "dose: {activity: 370 MBq}",
        "dose: {activity: 370 MBq, per_kg: 5 MBq}",
        "products.4.dose",
        "exactly one",
    ),
    Fault(
        "window reversed",
        'end: "18:00"',
        'end: "05:00"',
        "processes.1.availability.windows.0",
        "later than start",
        mark="- {days: [Mon, Tue",
    ),
    Fault(
        "bad clock",
        'time: "10:30"',
        'time: "25:30"',
        "lanes.0.timetable.0.time",
        "HH:MM",
        mark="- {days: [Mon, Thu]",
    ),
    Fault(
        "priority range",
        "priority: 1}",
        "priority: 9}",
        "demand.bookings.1.priority",
        "less than or equal to 5",
        mark="- {id: b2",
    ),
    Fault(
        "probability range",
        "cancel_prob: 0.02",
        "cancel_prob: 1.5",
        "disruptions.lanes.0.cancel_prob",
        "less than or equal to 1",
        mark="- {lane: kr-sg",
    ),
    Fault(
        "scalar for model",
        "border: {customs_delay: 2 h}",
        "border: yes",
        "lanes.2.border",
        "expected a mapping",
    ),
    Fault(
        "mode enum",
        "    mode: road\n    transit: 1 h",
        "    mode: truck\n    transit: 1 h",
        "lanes.3.mode",
        "'truck'",
    ),
    Fault("bad id", "{id: b3,", '{id: "b 3",', "demand.bookings.2.id", "pattern"),
    Fault(
        "batch min above max",
        "    batch_max: 50 GBq\n",
        "    batch_min: 200 GBq\n    batch_max: 50 GBq\n",
        "processes.3",
        "must not exceed",
        mark="- id: gen-assembly",
    ),
    Fault("currency case", "currency: USD", "currency: usd", "meta.currency", "pattern"),
    Fault(
        "bool for int",
        "max_batches_per_day: 3",
        "max_batches_per_day: true",
        "processes.2.max_batches_per_day",
        "boolean",
    ),
    Fault(
        "fractional int",
        "max_batches_per_day: 3",
        "max_batches_per_day: 2.5",
        "processes.2.max_batches_per_day",
        "fractional part",
    ),
    Fault(
        "outage reversed",
        "end: 2025-08-07T00:00:00Z",
        "end: 2025-08-05T00:00:00Z",
        "processes.0.availability.outages.0",
        "after 'start'",
        mark="- {start: 2025-08-06",
    ),
    Fault(
        "zero yield",
        "yield_fraction: 0.9",
        "yield_fraction: 0",
        "processes.1.yield_fraction",
        "greater than 0",
    ),
    Fault("text for number", "lat: 37.57", "lat: north", "sites.0.lat", "'north'"),
    Fault(
        "schema version",
        "  name: small\n",
        "  name: small\n  schema_version: 2\n",
        "meta.schema_version",
        "1",
        mark="schema_version: 2",
    ),
    Fault("zero horizon", "horizon: 7 d", "horizon: 0 h", "meta.horizon", "greater than 0"),
    Fault(
        "date without time",
        "administration: 2025-08-06T01:00:00Z",
        "administration: 2025-08-06",
        "demand.bookings.0.administration",
        "without a time",
        mark="- {id: b1",
    ),
    Fault(
        "unknown top-level key",
        "disruptions:\n",
        "disruption_list: 1\ndisruptions:\n",
        "disruption_list",
        "did you mean 'disruptions'?",
    ),
    Fault(
        "unknown nested key",
        "dose: {activity: 7.4 GBq, tolerance: 0.1}",
        "dose: {activity: 7.4 GBq, tolerence: 0.1}",
        "products.3.dose.tolerence",
        "did you mean 'tolerance'?",
    ),
    Fault("list for scalar", "carrier: KE", "carrier: [KE, OZ]", "lanes.0.carrier", "valid string"),
    Fault("empty kinds", "kind: [cdmo]", "kind: []", "sites.2.kind", "at least 1 item"),
]


def _schema_issues(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.source == str(path)
    return info.value.issues


@pytest.mark.parametrize("fault", SCHEMA_FAULTS, ids=lambda f: f.name)
def test_schema_fault_names_field_and_line(tmp_path: Path, fault: Fault) -> None:
    text = fault.text()
    issues = _schema_issues(tmp_path, text)
    assert len(issues) == 1, issues
    head = f"small.yaml:{fault.line(text)}: {fault.path}: "
    assert issues[0].startswith(head), (head, issues[0])
    assert fault.words in issues[0]


SYNTAX_FAULTS = [
    Fault(
        "unclosed flow list",
        "kind: [cyclotron]",
        "kind: [cyclotron",
        "",
        "YAML syntax error",
        mark="- id: reactor-kr",
    ),
    Fault(
        "duplicate key",
        "  title: Small test network\n",
        "  title: Small test network\n  title: again\n",
        "",
        'duplicate key "title"',
        mark="  title: again",
    ),
    Fault(
        "tab indentation",
        "    name: Seoul cyclotron\n",
        "\tname: Seoul cyclotron\n",
        "",
        "YAML syntax error",
        mark="\tname",
    ),
]


@pytest.mark.parametrize("fault", SYNTAX_FAULTS, ids=lambda f: f.name)
def test_yaml_syntax_fault_has_line(tmp_path: Path, fault: Fault) -> None:
    text = fault.text()
    issues = _schema_issues(tmp_path, text)
    assert len(issues) == 1, issues
    assert issues[0].startswith(f"small.yaml:{fault.line(text)}: "), issues[0]
    assert fault.words in issues[0]


def test_non_utf8_byte_reports_line(tmp_path: Path) -> None:
    raw = SMALL.read_bytes().replace(b"Seoul hospital", b"Seoul \xff hospital")
    path = tmp_path / "small.yaml"
    path.write_bytes(raw)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    offset = raw.index(b"\xff")
    line = raw[:offset].count(b"\n") + 1
    assert info.value.issues == [
        f"small.yaml:{line}: the file is not valid UTF-8 (byte 0xff at offset "
        f"{offset}); save it as UTF-8"
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "a list"), ("", "empty"), ("42\n", "the value 42"), ("# only\n", "empty")],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, found: str) -> None:
    issues = _schema_issues(tmp_path, text)
    assert issues == [
        f"small.yaml:1: the top level is {found}; expected a mapping with keys meta, sources, "
        "products, sites, processes, lanes, demand, policies, disruptions"
    ]


def test_all_problems_reported_in_one_pass(tmp_path: Path) -> None:
    text = (
        SCHEMA_FAULTS[0]
        .text()
        .replace("lat: 1.35", "lat: .inf")
        .replace("currency: USD", "currency: usd")
    )
    issues = _schema_issues(tmp_path, text)
    assert [i.split(": ")[1] for i in issues] == ["meta.currency", "sites.0.kind.0", "sites.2.lat"]


# --------------------------------------------------------------------------- cross-references


REFERENCE_FAULTS = [
    Fault(
        "short stock of an unknown site",
        "    - {lane: kr-sg, cancel_prob: 0.02}\n",
        "    - {lane: kr-sg, cancel_prob: 0.02}\n  stocks:\n"
        "    - {site: cyc-seol, product: o18-water, short_prob: 0.1}\n",
        "disruptions.stocks.0.site",
        "unknown site 'cyc-seol'; did you mean 'cyc-seoul'?",
        mark="- {site: cyc-seol",
    ),
    Fault(
        "short stock of an unknown product",
        "    - {lane: kr-sg, cancel_prob: 0.02}\n",
        "    - {lane: kr-sg, cancel_prob: 0.02}\n  stocks:\n"
        "    - {site: cyc-seoul, product: o18-watr, short_prob: 0.1}\n",
        "disruptions.stocks.0.product",
        "unknown product 'o18-watr'",
        mark="- {site: cyc-seoul",
    ),
    Fault(
        "short stock the site does not hold",
        "    - {lane: kr-sg, cancel_prob: 0.02}\n",
        "    - {lane: kr-sg, cancel_prob: 0.02}\n  stocks:\n"
        "    - {site: cyc-seoul, product: o18-water, short_prob: 0.1}\n",
        "disruptions.stocks.0.product",
        "site 'cyc-seoul' holds no stock of 'o18-water' (its stocks: none)",
        mark="- {site: cyc-seoul",
    ),
    Fault(
        "unknown lane origin",
        "origin: cyc-seoul",
        "origin: cyc-seol",
        "lanes.3.origin",
        "unknown site 'cyc-seol'; did you mean 'cyc-seoul'?",
    ),
    Fault(
        "unknown booking product",
        "product: f18-fdg,",
        "product: f18-fgd,",
        "demand.bookings.2.product",
        "unknown product 'f18-fgd'",
        mark="- {id: b3",
    ),
    Fault(
        "unknown process site",
        "    site: cyc-seoul\n",
        "    site: cyc-busan\n",
        "processes.2.site",
        "unknown site 'cyc-busan'",
    ),
    Fault(
        "unknown disruption lane",
        "{lane: kr-sg,",
        "{lane: kr-sgp,",
        "disruptions.lanes.0.lane",
        "unknown lane 'kr-sgp'",
    ),
    Fault(
        "unknown approval product",
        "{product: lu177-psma, countries",
        "{product: lu177-psm, countries",
        "policies.approvals.0.product",
        "unknown product",
    ),
    Fault(
        "duplicate site id",
        "processes:\n",
        "  - {id: hosp-seoul, name: Copy, country: KR, lat: 37.5, lon: 127.0,"
        " timezone: Asia/Seoul, kind: [hospital]}\nprocesses:\n",
        "sites.5.id",
        "duplicate id 'hosp-seoul' (already used by sites.3)",
    ),
    Fault(
        "lane to nowhere",
        "    destination: hosp-seoul\n    mode: road\n    transit: 3 h",
        "    destination: reactor-kr\n    mode: road\n    transit: 3 h",
        "lanes.4.destination",
        "goes nowhere",
        mark="    destination: reactor-kr",
    ),
    Fault(
        "drug product not produced",
        "    output: f18-fdg\n",
        "    output: lu177-nca\n",
        "products.4.stage",
        "made by no process",
        mark="stage: drug_product\n    nuclide: F-18",
    ),
    Fault(
        "booking at a reactor",
        "{id: b4, hospital: hosp-seoul",
        "{id: b4, hospital: reactor-kr",
        "demand.bookings.3.hospital",
        "kind 'hospital' or 'radiopharmacy'",
    ),
    Fault(
        "overlapping outages",
        "reason: maintenance}",
        "reason: maintenance}\n        - {start: 2025-08-06T12:00:00Z, end: 2025-08-08T00:00:00Z}",
        "processes.0.availability.outages.1",
        "overlaps outage 0",
        mark="- {start: 2025-08-06T12",
    ),
    Fault(
        "daughter not descendant",
        "daughter: Tc-99m",
        "daughter: Ga-68",
        "products.5.daughter",
        "not a decay product of Mo-99",
    ),
    Fault(
        "input nobody makes",
        "    output: lu177-nca\n",
        "    output: lu176-target\n",
        "processes.1.inputs.0.product",
        "made by no process",
        mark="- {product: lu177-nca",
    ),
    Fault(
        "unknown substitute",
        "    shelf_life: 14 d\n",
        "    shelf_life: 14 d\n    substitutes: [tc99m-gen]\n",
        "products.5.substitutes.0",
        "unknown product 'tc99m-gen'",
        mark="substitutes:",
    ),
]


UNSERVABLE_BOOKINGS = [
    Fault(
        "not approved",
        "countries: [KR, AU, SG]",
        "countries: [KR, SG]",
        "demand.bookings.0.product",
        "listed as unserved (not_approved)",
        mark="- {id: b1",
    ),
    Fault(
        "shelf life too short",
        "shelf_life: 10 h",
        "shelf_life: 30 min",
        "demand.bookings.2.product",
        "shorter than the fastest route",
        mark="- {id: b3",
    ),
]
"""A booking no plan can serve is a warning (the planner lists it with its reason)."""


@pytest.mark.parametrize("fault", UNSERVABLE_BOOKINGS, ids=lambda f: f.name)
def test_unservable_booking_is_a_warning_naming_field_and_line(
    tmp_path: Path, fault: Fault
) -> None:
    text = fault.text()
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    report = validate(path)
    assert report.ok
    warnings = [str(i) for i in report.warnings]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"small.yaml:{fault.line(text)}: {fault.path}: warning: ")
    assert fault.words in warnings[0]


@pytest.mark.parametrize("fault", REFERENCE_FAULTS, ids=lambda f: f.name)
def test_reference_fault_names_field_and_line(tmp_path: Path, fault: Fault) -> None:
    text = fault.text()
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    report = validate(path)
    assert not report.ok
    errors = [str(i) for i in report.errors]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"small.yaml:{fault.line(text)}: {fault.path}: "), errors[0]
    assert fault.words in errors[0]


def test_booking_outside_horizon_is_a_warning(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace(
        "administration: 2025-08-08T00:00:00Z", "administration: 2025-09-08T00:00:00Z"
    )
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    report = validate(path)
    assert report.ok
    line = text[: text.index("- {id: b4")].count("\n") + 1
    assert [str(i) for i in report.warnings] == [
        f"small.yaml:{line}: demand.bookings.3.administration: warning: administration "
        "2025-09-08T00:00:00+00:00 is outside the horizon 2025-08-04T00:00:00+00:00 .. "
        "2025-08-11T00:00:00+00:00; it will be ignored"
    ]


def test_valid_small_scenario_has_no_issue(small_path: Path) -> None:
    report = validate(small_path)
    assert report.issues == ()
    assert report.summary().endswith(
        "valid (5 sites, 6 products, 4 processes, 5 lanes, 4 bookings; 0 error(s), 0 warning(s))"
    )


def test_a_short_stock_the_site_holds_is_valid(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    text = text.replace(
        "    kind: [cyclotron]\n",
        "    kind: [cyclotron]\n    stocks: [{product: o18-water, per_week: 25}]\n",
        1,
    ).replace(
        "    - {lane: kr-sg, cancel_prob: 0.02}\n",
        "    - {lane: kr-sg, cancel_prob: 0.02}\n  stocks:\n"
        "    - {site: cyc-seoul, product: o18-water, short_prob: 0.1, delivered_fraction: 0.4}\n",
    )
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    report = validate(path)
    assert report.ok, [str(i) for i in report.errors]
    assert report.scenario is not None
    (short,) = report.scenario.disruptions.stocks
    assert (short.site, short.product, short.short_prob, short.delivered_fraction) == (
        "cyc-seoul",
        "o18-water",
        0.1,
        0.4,
    )
