"""Lines of fields found without the round-trip reader agree with it, and stay fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from isoflow.scenario.fastyaml import read_fast
from isoflow.scenario.issues import Path as FieldPath
from isoflow.scenario.items import item_hooks
from isoflow.scenario.jsonpos import JsonLocator
from isoflow.scenario.load import load_scenario, save_scenario
from isoflow.scenario.schema import Scenario
from isoflow.scenario.validate import validate, validate_scenario
from isoflow.scenario.yamlpos import StreamLocator, parse_yaml, yaml_locator

SMALL = Path(__file__).parent / "data" / "small.yaml"


def _paths(data: Any, here: FieldPath = (), seen: set[int] | None = None) -> Iterator[FieldPath]:
    """Every key and item path in plain data, plus one missing key below each mapping.

    Below an alias (a mapping or list met a second time) the round-trip reader gives the
    lines of the anchor, the text reader the line of the alias: those paths are left out.
    """
    seen = set() if seen is None else seen
    yield here
    if isinstance(data, dict | list):
        if id(data) in seen:
            return
        seen.add(id(data))
    if isinstance(data, dict):
        yield (*here, "no_such_key")
        for key, value in data.items():
            yield from _paths(value, (*here, key), seen)
    elif isinstance(data, list):
        yield (*here, len(data))  # one past the end
        for i, value in enumerate(data):
            yield from _paths(value, (*here, i), seen)


def test_yaml_lines_agree_with_the_round_trip_reader(yaml_file: Path) -> None:
    path = yaml_file
    text = path.read_text(encoding="utf-8")
    tree, _ = parse_yaml(text, path.name)
    slow = yaml_locator(tree, path.name)
    paths = list(_paths(tree))
    reading = read_fast(text, path.name, item_hooks())
    assert reading.spans  # the bulk lists are block lists: their items' text is known
    one_pass = StreamLocator(text, path.name)
    one_pass.prefetch(paths)
    by_item = StreamLocator(text, path.name, reading.spans)
    by_item.prefetch(paths)
    for p in paths:
        assert one_pass(p) == slow(p), p
        assert by_item(p) == slow(p), p


def test_json_lines_agree_with_the_round_trip_reader(tmp_path: Path) -> None:
    path = save_scenario(load_scenario(SMALL), tmp_path / "small.json")
    text = path.read_text(encoding="utf-8")
    tree, _ = parse_yaml(text, path.name)  # ruamel reads JSON too, with lines
    slow = yaml_locator(tree, path.name)
    paths = list(_paths(tree))
    walked = JsonLocator(text, path.name)
    walked.prefetch(paths)
    for p in paths:
        assert walked(p) == slow(p), p


def test_json_locator_falls_back_on_unexpected_text() -> None:
    text = '{"a": [1, 2,\n 3]}'
    locate = JsonLocator(text.replace("3]", "3"), "x.json")  # not JSON any more
    assert locate(("a", 2)).file == "x.json"


def _large(tmp_path: Path, bookings: int, fault_at: int | None) -> tuple[Path, str]:
    lines = SMALL.read_text(encoding="utf-8").split("  rates:\n")[0].splitlines(keepends=True)
    head = "".join(line for line in lines if "- {id: b" not in line)
    body = []
    for i in range(bookings):
        hospital = "hosp-nowhere" if i == fault_at else "hosp-seoul"
        body.append(
            f"    - {{id: b{i}, hospital: {hospital}, product: f18-fdg, "
            f"administration: 2025-08-05T00:30:00Z}}\n"
        )
    text = head + "".join(body)
    path = tmp_path / ("fault.yaml" if fault_at is not None else "clean.yaml")
    path.write_text(text, encoding="utf-8")
    return path, text


def test_reference_error_in_a_large_file_costs_no_second_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line of a bad booking comes from that booking's text: the round-trip reader (a
    second, slow reading of the whole file) is never called, with or without the fault."""
    n = 20_000
    clean, _ = _large(tmp_path, n, None)
    fault, text = _large(tmp_path, n, n - 10)
    calls: list[str] = []

    def counted(text: str, file: str) -> Any:
        calls.append(file)
        return parse_yaml(text, file)

    monkeypatch.setattr("isoflow.scenario.load.parse_yaml", counted)
    assert validate(clean).ok
    report = validate(fault)
    assert calls == []
    line = text.index("hosp-nowhere")
    assert [str(i) for i in report.issues] == [
        f"fault.yaml:{text[:line].count(chr(10)) + 1}: demand.bookings.{n - 10}.hospital: "
        "unknown site 'hosp-nowhere'; did you mean 'hosp-sydney'? (expected an id from 'sites')"
    ]


@pytest.mark.parametrize("form", ["yaml", "json", "folder"])
def test_items_validated_as_read_give_the_same_scenario(
    tmp_path: Path, yaml_file: Path, form: str
) -> None:
    """Items turned into models one by one (and sharing values) change nothing: the same
    scenario as validating the whole file at once, with the same fields given."""
    path = yaml_file
    tree, _ = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    whole = Scenario.model_validate(tree)
    target = path
    if form == "json":
        target = save_scenario(whole, tmp_path / "s.json")
        whole = Scenario.model_validate(json.loads(target.read_text(encoding="utf-8")))
    elif form == "folder":
        target = save_scenario(whole, tmp_path / "folder")
    loaded = load_scenario(target)
    assert loaded == whole
    if form != "folder":  # a folder has no whole-file reading to compare with
        assert loaded.model_dump(exclude_unset=True) == whole.model_dump(exclude_unset=True)


def test_bookings_share_equal_values(tmp_path: Path) -> None:
    path, _ = _large(tmp_path, 50, None)
    first, second = load_scenario(path).demand.bookings[:2]
    assert first.hospital is second.hospital
    assert first.administration is second.administration
    assert first.model_fields_set is second.model_fields_set
    assert first.id is not second.id


def test_many_bad_references_are_hinted_within_bounds(tmp_path: Path) -> None:
    """Each unknown value is matched once, and at most 200 values are: the 201st distinct
    misspelling is reported without a hint (a thousand ids cost up to 15 ms a match)."""
    scenario = load_scenario(SMALL)
    booking = scenario.demand.bookings[2]
    bad = [
        booking.model_copy(update={"id": f"x{i}", "hospital": "hosp-seoull"}) for i in range(500)
    ]
    bad += [
        booking.model_copy(update={"id": f"y{i}", "hospital": f"hosp-seoul-{i:03d}"})
        for i in range(250)
    ]
    demand = scenario.demand.model_copy(update={"bookings": tuple(bad)})
    report = validate_scenario(scenario.model_copy(update={"demand": demand}))
    messages = [i.message for i in report.errors]
    assert len(messages) == 750
    assert set(messages[:500]) == {
        "unknown site 'hosp-seoull'; did you mean 'hosp-seoul'? (expected an id from 'sites')"
    }
    assert messages[500] == (
        "unknown site 'hosp-seoul-000'; did you mean 'hosp-seoul'? (expected an id from 'sites')"
    )
    assert messages[500 + 198].endswith(
        "-198'; did you mean 'hosp-seoul'? (expected an id from 'sites')"
    )
    assert messages[500 + 199] == "unknown site 'hosp-seoul-199' (expected an id from 'sites')"
