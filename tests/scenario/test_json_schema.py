"""The JSON Schema printed by ``isoflow schema`` accepts what the loader accepts.

The schema is taken from the command itself and checked with the ``jsonschema`` package
(Draft 2020-12): the built-in scenario and the small test scenario validate against it, wrong
values are rejected, and for every case the verdict of the schema is compared with the verdict
written here by hand and with the loader's (``Scenario.model_validate``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from typer.testing import CliRunner

from isoflow.adapters.cli import scenario_cmds
from isoflow.scenario.load import load_scenario
from isoflow.scenario.quantities import MAX_ACTIVITY_BQ, MAX_DURATION_S
from isoflow.scenario.schema import Scenario
from isoflow.units import ACTIVITY_UNITS as LOADER_ACTIVITY_UNITS
from isoflow.units import TIME_UNITS as LOADER_TIME_UNITS

SMALL = Path(__file__).parent / "data" / "small.yaml"

# where each kind of value sits in small.yaml (no cross-field rule applies to these fields)
BATCH_MAX = ("processes", 0, "batch_max")  # PositiveActivity, "2 TBq"
PER_PACKAGE = ("products", 3, "transport", "max_activity_per_package")  # Activity | None
TRANSIT = ("lanes", 0, "transit")  # PositiveDuration, "8 h"
HANDLING = ("lanes", 0, "handling")  # Duration, "2 h"
QC_FAILURE = ("processes", 0, "qc_failure_prob")  # Fraction
FIXED_COST = ("processes", 0, "fixed_cost")  # Money
START = ("meta", "start")  # UtcTime
DEPARTURE = ("lanes", 0, "timetable", 0, "time")  # LocalClock, "10:30"

# The unit tables of isoflow.units, typed in again: case-sensitive, "atoms" is not an activity.
ACTIVITY_UNITS = {
    "Bq": 1.0,
    "kBq": 1e3,
    "MBq": 1e6,
    "GBq": 1e9,
    "TBq": 1e12,
    "PBq": 1e15,
    "pCi": 3.7e-2,
    "nCi": 3.7e1,
    "uCi": 3.7e4,
    "µCi": 3.7e4,
    "μCi": 3.7e4,
    "mCi": 3.7e7,
    "Ci": 3.7e10,
    "kCi": 3.7e13,
}
TIME_UNITS = {
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "wk": 604800.0,
    "y": 365.2422 * 86400.0,
    "yr": 365.2422 * 86400.0,
    "a": 365.2422 * 86400.0,
}
NOT_UNITS = ["", "gbq", "mbq", "GBQ", "parsecs", "atoms", "H", "hours", "m", "Bq s"]


class _TextTimestamps(SafeConstructor):
    """YAML 1.2 safe construction, except that a timestamp stays the text written.

    JSON has no timestamp type: an editor validates ``start: 2025-08-04T00:00:00Z`` as the
    string it is, so that is what the schema must accept.
    """


_TextTimestamps.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def parse_yaml(text: str) -> Any:
    """Plain data from YAML as an editor sees it: YAML 1.2, as the loader reads it (so
    ``on:`` is a key and ``23:59`` a string, unlike YAML 1.1's ``yaml.safe_load``), with
    timestamps left as text."""
    reader = YAML(typ="safe", pure=True)
    reader.Constructor = _TextTimestamps
    return reader.load(text)


def read_yaml(path: Path) -> Any:
    return parse_yaml(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The JSON Schema as ``isoflow schema`` prints it."""
    root, scenario = typer.Typer(), typer.Typer()
    root.add_typer(scenario, name="scenario")
    scenario_cmds.register(root, scenario)
    result = CliRunner().invoke(root, ["schema"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return read_yaml(SMALL)


def place(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with ``value`` at ``path``."""
    out = copy.deepcopy(data)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def loader_accepts(data: dict[str, Any]) -> bool:
    try:
        Scenario.model_validate(data)
    except ValidationError:
        return False
    return True


def verdicts(validator: Draft202012Validator, data: dict[str, Any]) -> tuple[bool, bool]:
    return validator.is_valid(data), loader_accepts(data)


def error_paths(validator: Draft202012Validator, data: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {tuple(e.absolute_path) for e in validator.iter_errors(data)}


def subschemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object in a JSON Schema document (not data such as defaults)."""
    if not isinstance(node, dict):
        return
    yield node
    for key, value in node.items():
        if key in ("properties", "$defs", "patternProperties"):
            for sub in value.values():
                yield from subschemas(sub)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for sub in value:
                yield from subschemas(sub)
        elif key in ("items", "additionalProperties", "not", "if", "then", "else", "contains"):
            yield from subschemas(value)


# --------------------------------------------------------------------------- the schema itself

KEYWORDS = {
    # core, applicator and validation vocabularies of Draft 2020-12 ...
    *("$schema", "$id", "$ref", "$defs", "$comment", "$anchor"),
    *("type", "enum", "const", "anyOf", "oneOf", "allOf", "not"),
    *("properties", "additionalProperties", "required", "patternProperties"),
    *("items", "prefixItems", "minItems", "maxItems", "uniqueItems"),
    *("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf"),
    *("minLength", "maxLength", "pattern", "format"),
    # ... and annotations
    *("title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"),
}


def test_schema_is_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["title"] == "Scenario"


def test_only_json_schema_keywords(schema: dict[str, Any]) -> None:
    """No pydantic ``ge``/``gt``/``le``/``lt`` (which JSON Schema would silently ignore)."""
    unknown = {key for sub in subschemas(schema) for key in sub} - KEYWORDS
    assert not unknown


def test_quantity_fields_are_number_or_unit_string(schema: dict[str, Any]) -> None:
    process = schema["$defs"]["Process"]["properties"]
    number, text = process["batch_max"]["anyOf"]
    assert number == {"type": "number", "exclusiveMinimum": 0, "maximum": 1e21}
    assert text["type"] == "string"
    number, text = process["duration"]["anyOf"]
    assert number == {"type": "number", "minimum": 0, "maximum": 1000 * 365.2422 * 86400}
    assert text["type"] == "string"
    fraction = process["qc_failure_prob"]
    assert (fraction["type"], fraction["minimum"], fraction["maximum"]) == ("number", 0, 1)


# --------------------------------------------------------------------------- whole scenarios


def test_builtin_scenario_validates(validator: Draft202012Validator, apac_yaml: Path) -> None:
    """The built-in (a CSV folder) written as one YAML file meets the published schema."""
    data = read_yaml(apac_yaml)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors[:10]


def test_small_scenario_validates(validator: Draft202012Validator, small: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(small)]
    assert not errors
    assert loader_accepts(small)


# --------------------------------------------------------------------------- wrong values


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (BATCH_MAX, "9 parsecs"),
        (BATCH_MAX, "9"),  # a string needs a unit; a bare number is written as a number
        (BATCH_MAX, "9 gbq"),  # units are case-sensitive
        (BATCH_MAX, "1e20 atoms"),  # an amount, not an activity
        (BATCH_MAX, 0),
        (BATCH_MAX, "0 GBq"),
        (BATCH_MAX, 1e22),  # above the largest activity, 1e21 Bq
        (BATCH_MAX, True),
        (BATCH_MAX, "inf GBq"),
        (PER_PACKAGE, -1.0),
        (PER_PACKAGE, "-5 MBq"),
        (TRANSIT, -3600),
        (TRANSIT, "-1 h"),
        (TRANSIT, "0 h"),
        (TRANSIT, "9 GBq"),
        (HANDLING, -0.5),
        (HANDLING, "-2 h"),
        (HANDLING, "2 hours"),
        (QC_FAILURE, 1.5),
        (QC_FAILURE, -0.1),
        (FIXED_COST, -1),
        (START, "2025-08-04T00:00"),  # no UTC offset
        (START, "2025-08-04"),  # a date, not an instant
        (START, "2025-08-04T24:00Z"),
        (START, "next monday"),
        (DEPARTURE, "24:00"),
        (DEPARTURE, "6:30"),
        (DEPARTURE, "10:30 am"),
    ],
)
def test_wrong_values_rejected_by_schema_and_loader(
    validator: Draft202012Validator,
    small: dict[str, Any],
    path: tuple[str | int, ...],
    value: Any,
) -> None:
    data = place(small, path, value)
    assert verdicts(validator, data) == (False, False)
    assert path in error_paths(validator, data)


def test_unknown_field_rejected(validator: Draft202012Validator, small: dict[str, Any]) -> None:
    for path in [("sites", 0, "colour"), ("colour",), ("processes", 0, "availability", "x")]:
        data = place(small, path, "red")
        assert verdicts(validator, data) == (False, False), path
        (error,) = validator.iter_errors(data)
        assert error.validator == "additionalProperties"
        assert tuple(error.absolute_path) == path[:-1]


def test_missing_required_field_rejected(
    validator: Draft202012Validator, small: dict[str, Any]
) -> None:
    data = copy.deepcopy(small)
    del data["processes"][0]["batch_max"]
    assert verdicts(validator, data) == (False, False)


# --------------------------------------------------------------------------- right values


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (BATCH_MAX, "9 GBq"),
        (BATCH_MAX, 9e9),
        (BATCH_MAX, 9_000_000_000),
        (BATCH_MAX, "9e9 Bq"),
        (BATCH_MAX, " 243 mCi "),
        (BATCH_MAX, "5 µCi"),  # micro sign
        (BATCH_MAX, "5 μCi"),  # Greek mu
        (PER_PACKAGE, 0),
        (PER_PACKAGE, "0 GBq"),
        (PER_PACKAGE, None),
        (TRANSIT, "24 h"),
        (TRANSIT, "24h"),
        (TRANSIT, 86400),
        (TRANSIT, ".5 d"),
        (HANDLING, 0),
        (HANDLING, "0 h"),
        (HANDLING, "90 min"),
        (QC_FAILURE, 0.5),
        (QC_FAILURE, 1),
        (FIXED_COST, 12000.5),
        (START, "2025-08-04T06:00Z"),
        (START, "2025-08-04T06:00+09:00"),
        (START, "2025-08-04 06:00:00.250-05:30"),
        (START, "20250804T0600Z"),
        (DEPARTURE, "00:00"),
        (DEPARTURE, "23:59"),
    ],
)
def test_right_values_accepted_by_schema_and_loader(
    validator: Draft202012Validator,
    small: dict[str, Any],
    path: tuple[str | int, ...],
    value: Any,
) -> None:
    assert verdicts(validator, place(small, path, value)) == (True, True)


def test_hand_checks_of_single_fields(schema: dict[str, Any]) -> None:
    """``9 GBq`` and ``9e9`` are activities, ``24 h`` is a duration, and not the other way."""
    process = schema["$defs"]["Process"]["properties"]
    lane = schema["$defs"]["Lane"]["properties"]
    activity = Draft202012Validator(process["batch_max"])
    duration = Draft202012Validator(lane["transit"])
    assert activity.is_valid("9 GBq")
    assert activity.is_valid(9e9)
    assert not activity.is_valid("24 h")
    assert not activity.is_valid("9 parsecs")
    assert duration.is_valid("24 h")
    assert duration.is_valid(9e9)  # seconds, below 1000 years
    assert not duration.is_valid("9 GBq")
    assert not duration.is_valid(-1)


def test_yaml_timestamps_written_unquoted(validator: Draft202012Validator, tmp_path: Path) -> None:
    """YAML timestamps that the loader takes unquoted, e.g. a one-digit offset ``+9``."""
    text = SMALL.read_text(encoding="utf-8")
    for written, utc in [
        ("2025-8-4 0:00:00 +9", "2025-08-03T15:00:00+00:00"),
        ("2025-08-04 00:00:00 Z", "2025-08-04T00:00:00+00:00"),
        ("2025-08-04t00:00:00z", "2025-08-04T00:00:00+00:00"),
    ]:
        changed = text.replace("start: 2025-08-04T00:00:00Z", f"start: {written}", 1)
        assert changed != text
        data = parse_yaml(changed)
        assert data["meta"]["start"] == written
        assert validator.is_valid(data), written
        path = tmp_path / "start.yaml"
        path.write_text(changed, encoding="utf-8")
        assert load_scenario(path).meta.start.isoformat() == utc


# --------------------------------------------------------------------------- number and unit


def test_unit_tables_typed_here_match_the_loader() -> None:
    """A unit added to isoflow.units must be added (and checked) here too."""
    for mine, loaders in ((ACTIVITY_UNITS, LOADER_ACTIVITY_UNITS), (TIME_UNITS, LOADER_TIME_UNITS)):
        assert mine.keys() == loaders.keys()
        assert mine == pytest.approx(dict(loaders), rel=1e-15)


# (text, a decimal number?, zero?) of the number part, by construction
_DIGITS = st.text("0123456789", min_size=1, max_size=3)
_MANTISSAS = st.one_of(
    st.builds(lambda a, b: (f"{a}.{b}", True, set(a + b) == {"0"}), _DIGITS, _DIGITS),
    st.builds(lambda a: (f"{a}.", True, set(a) == {"0"}), _DIGITS),
    st.builds(lambda b: (f".{b}", True, set(b) == {"0"}), _DIGITS),
    st.builds(lambda a: (a, True, set(a) == {"0"}), _DIGITS),
    st.sampled_from(
        [(bad, False, False) for bad in ("inf", "nan", "0x10", "1_0", "", ".", "1.2.3", "½")]
    ),
)
_EXPONENTS = st.one_of(
    st.just(("", True)),
    st.builds(
        lambda e, n: (f"{e}{n}", True), st.sampled_from(["e", "E", "e+", "e-"]), st.integers(0, 3)
    ),
    st.sampled_from([("e", False), ("e+", False), ("e1.5", False)]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sign=st.sampled_from(["", "+", "-"]),
    mantissa=_MANTISSAS,
    exponent=_EXPONENTS,
    blank=st.sampled_from(["", " ", "  "]),
    pad=st.sampled_from(["", " ", "\t"]),
    unit=st.sampled_from([*ACTIVITY_UNITS, *TIME_UNITS, *NOT_UNITS]),
    where=st.sampled_from([BATCH_MAX, PER_PACKAGE, TRANSIT, HANDLING]),
)
def test_schema_and_loader_agree_on_number_unit_text(
    validator: Draft202012Validator,
    small: dict[str, Any],
    sign: str,
    mantissa: tuple[str, bool, bool],
    exponent: tuple[str, bool],
    blank: str,
    pad: str,
    unit: str,
    where: tuple[str | int, ...],
) -> None:
    """The string pattern and the unit parser are separate code: both must give the verdict
    of the rule stated here, except on magnitudes (``1e3 kCi``), which only the number branch
    of the schema can bound (those cases are left out)."""
    digits, is_number, is_zero = mantissa
    power, is_exponent = exponent
    units = ACTIVITY_UNITS if where in (BATCH_MAX, PER_PACKAGE) else TIME_UNITS
    largest = MAX_ACTIVITY_BQ if units is ACTIVITY_UNITS else MAX_DURATION_S
    if is_number and is_exponent:
        size = float(f"{digits}{power}") * units.get(unit, 1.0)
        assume(size <= largest)
    text = f"{pad}{sign}{digits}{power}{blank}{unit}{pad}"
    positive_field = where in (BATCH_MAX, TRANSIT)
    expected = (
        is_number
        and is_exponent
        and unit in units
        and (sign != "-" or is_zero)
        and not (positive_field and is_zero)
    )
    assert verdicts(validator, place(small, where, text)) == (expected, expected), text
