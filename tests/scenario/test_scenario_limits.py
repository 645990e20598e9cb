"""Bounded loading: files beyond a limit are refused early, with file, line and field.

Each limit gets a hostile file of its own. The alias bomb and the huge numbers must be turned
away fast and without memory: they run under tracemalloc with a bound of 200 MB on the peak
(an unbounded reader took 60-70 s and 2.9 GB on the bomb).
"""

from __future__ import annotations

import itertools
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from isoflow.scenario import limits
from isoflow.scenario.load import SCENARIO_FILE, load_scenario, save_scenario
from isoflow.scenario.validate import ValidationReport, validate

PEAK_BYTES = 200 * 1024 * 1024
"""Memory any hostile file may cost while it is refused."""

NUMBER = "9" * 5000
NUMBER_MESSAGE = (
    "a number of 5,000 characters; numbers may have at most 100 (write large values with an "
    "exponent, e.g. 2.5e12)"
)


def _line(text: str, mark: str) -> int:
    return text[: text.index(mark)].count("\n") + 1


@pytest.fixture
def bounded() -> Iterator[Callable[[Path], ValidationReport]]:
    """Validate under a watch: at most 5 s and :data:`PEAK_BYTES` of Python allocations."""
    tracemalloc.start()
    started = time.perf_counter()
    yield validate
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - started < 5.0
    assert peak < PEAK_BYTES, f"peak {peak / 1e6:.0f} MB"


def _errors(report: ValidationReport) -> list[str]:
    assert not report.ok
    return [str(i) for i in report.errors]


# --------------------------------------------------------------------------- aliases


def _bomb(levels: int = 9) -> str:
    """The "billion laughs": each anchor a list of nine aliases of the one before."""
    lines = ["  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    names = "abcdefghijklmnopqrstuvwxyz"
    for prev, name in itertools.pairwise(names[:levels]):
        lines.append(f"  {name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_under_a_duplicated_key(
    tmp_path: Path, small_text: str, bounded: Callable[[Path], ValidationReport]
) -> None:
    text = small_text.replace("  currency: USD\n", "  currency: USD\n  title: again\n")
    text = text.replace("disruptions:\n", "bomb:\n" + _bomb() + "disruptions:\n")
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    assert _errors(bounded(path)) == [
        f'bomb.yaml:{_line(text, "  title: again")}: meta.title: duplicate key "title" in one '
        "mapping; each key may appear once",
        # a..e add 9 + 81 + ... + 59,049 values; f's first alias passes 100,000
        f"bomb.yaml:{_line(text, '  f: &f')}: bomb.f.0: YAML aliases add more than 100,000 "
        "values to the file, the limit (an alias bomb?); write the values out or alias less",
    ]


def test_aliases_within_the_limit_are_read(tmp_path: Path, small_text: str) -> None:
    """A few aliases for shared values stay fine (5 levels add 66,420 values)."""
    text = small_text.replace("disruptions:\n", "x_shared:\n" + _bomb(5) + "disruptions:\n")
    path = tmp_path / "shared.yaml"
    path.write_text(text, encoding="utf-8")
    assert _errors(validate(path)) == [
        f"shared.yaml:{_line(text, 'x_shared:')}: x_shared: unknown field 'x_shared' (allowed: "
        "meta, sources, products, sites, processes, lanes, demand, policies, disruptions)"
    ]


def test_recursive_alias(tmp_path: Path, small_text: str) -> None:
    text = small_text.replace("  currency: USD\n", "  sources: &s [a, *s]\n")
    path = tmp_path / "loop.yaml"
    path.write_text(text, encoding="utf-8")
    assert _errors(validate(path)) == [
        f"loop.yaml:{_line(text, '  sources:')}: meta.sources.1: alias *s is inside its own anchor"
    ]


# --------------------------------------------------------------------------- numbers


def test_huge_integer_in_yaml(
    tmp_path: Path, small_text: str, bounded: Callable[[Path], ValidationReport]
) -> None:
    text = small_text.replace("max_batches_per_day: 3", f"max_batches_per_day: {NUMBER}")
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    line = _line(text, "max_batches_per_day:")
    assert _errors(bounded(path)) == [
        f"big.yaml:{line}: processes.2.max_batches_per_day: {NUMBER_MESSAGE}"
    ]


@pytest.mark.parametrize(
    ("old", "new", "path", "length"),
    [
        ("lat: 37.57", f"lat: {NUMBER}.5", "sites.0.lat", "5,002"),
        ("lat: 37.57", f"lat: 1.{NUMBER}e3", "sites.0.lat", "5,004"),
        ("batch_max: 2 TBq", f"batch_max: {NUMBER} GBq", "processes.0.batch_max", "5,000"),
        ("batch_max: 2 TBq", f'batch_max: "{NUMBER}"', "processes.0.batch_max", "5,000"),
    ],
)
def test_huge_float_and_quantity_in_yaml(
    tmp_path: Path, small_text: str, old: str, new: str, path: str, length: str
) -> None:
    text = small_text.replace(old, new)
    file = tmp_path / "big.yaml"
    file.write_text(text, encoding="utf-8")
    errors = _errors(validate(file))
    head = f"big.yaml:{_line(text, new)}: {path}: {NUMBER_MESSAGE.replace('5,000', length)}"
    assert len(errors) == 1
    assert errors[0] == head or errors[0].startswith(head + " (got '99999")


def test_huge_integer_in_json(
    tmp_path: Path, small_path: Path, bounded: Callable[[Path], ValidationReport]
) -> None:
    path = save_scenario(load_scenario(small_path), tmp_path / "big.json")
    text = path.read_text(encoding="utf-8").replace('"priority": 1', f'"priority": {NUMBER}')
    path.write_text(text, encoding="utf-8")
    assert _errors(bounded(path)) == [
        f"big.json:{_line(text, NUMBER)}: demand.bookings.1.priority: {NUMBER_MESSAGE}"
    ]


def test_huge_integer_in_a_csv_cell(tmp_path: Path, small_path: Path) -> None:
    folder = save_scenario(load_scenario(small_path), tmp_path / "folder")
    table = folder / "bookings.csv"
    rows = table.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = rows[2].split(",")
    cells[header.index("priority")] = NUMBER
    rows[2] = ",".join(cells)
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _errors(validate(folder)) == [
        f"bookings.csv:3: demand.bookings.1.priority: column 'priority': {NUMBER_MESSAGE}"
    ]


# --------------------------------------------------------------------------- nesting


def test_deep_nesting_in_yaml(tmp_path: Path, small_text: str) -> None:
    text = small_text.replace("  title: Small test network", "  title: " + "[" * 40 + "]" * 40)
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    # the root, meta and 30 lists are open when the 33rd level begins
    assert _errors(validate(path)) == [
        f"deep.yaml:{_line(text, '  title:')}: meta.title{'.0' * 30}: nested deeper than 32 "
        "levels, the limit (a scenario needs seven)"
    ]


@pytest.mark.parametrize("name", ["deep.yaml", "deep.json"])
def test_very_deep_nesting(
    tmp_path: Path, name: str, bounded: Callable[[Path], ValidationReport]
) -> None:
    """100,000 levels: no RecursionError; LibYAML's own bound (1,000) stops the reading."""
    path = tmp_path / name
    path.write_text('{"meta": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    assert _errors(bounded(path)) == [
        f"{name}:1: nested deeper than 32 levels, the limit (a scenario needs seven)"
    ]


def test_deep_nesting_in_json(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{\n  "meta": {\n    "title": ' + "[" * 40 + "]" * 40 + "\n  }\n}\n")
    assert _errors(validate(path)) == [
        f"deep.json:3: meta.title{'.0' * 30}: nested deeper than 32 levels, the limit (a "
        "scenario needs seven)"
    ]


# --------------------------------------------------------------------------- size


SIZE_MESSAGE = (
    "the file is 200.0 MiB; scenario files may be at most 200 MiB (put bulk lists in CSV "
    "tables of a scenario folder)"
)


@pytest.mark.parametrize("name", ["huge.yaml", "huge.json"])
def test_file_above_the_size_limit(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as handle:  # sparse: nothing is written, nothing must be read
        handle.truncate(limits.MAX_FILE_BYTES + 1)
    tracemalloc.start()
    report = validate(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert _errors(report) == [f"{name}: {SIZE_MESSAGE}"]
    assert peak < 10 * 1024 * 1024


def test_csv_table_above_the_size_limit(tmp_path: Path, small_path: Path) -> None:
    folder = save_scenario(load_scenario(small_path), tmp_path / "folder")
    with (folder / "bookings.csv").open("r+b") as handle:
        handle.truncate(limits.MAX_FILE_BYTES + 1)
    assert _errors(validate(folder)) == [f"bookings.csv: {SIZE_MESSAGE}"]


def test_endless_stream_stops_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A device that never ends (``/dev/zero``) is read up to the limit only."""
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 3 * 1024 * 1024)
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    errors = _errors(validate(path))
    assert errors == [
        "zero.yaml: the file is more than 3 MiB; scenario files may be at most 3 MiB (put bulk "
        "lists in CSV tables of a scenario folder)"
    ]


def test_scenario_yaml_of_a_folder_is_bounded_too(tmp_path: Path, small_path: Path) -> None:
    folder = save_scenario(load_scenario(small_path), tmp_path / "folder")
    yaml_file = folder / SCENARIO_FILE
    text = yaml_file.read_text(encoding="utf-8").replace(
        "  name: small\n", f"  name: small\n  seed: {NUMBER}\n"
    )
    yaml_file.write_text(text, encoding="utf-8")
    assert _errors(validate(folder)) == [
        f"scenario.yaml:{_line(text, '  seed:')}: meta.seed: {NUMBER_MESSAGE}"
    ]
