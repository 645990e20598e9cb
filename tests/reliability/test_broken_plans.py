"""Broken plan files given to ``verify``, ``simulate --plan`` and ``compare`` (issue 16, item 6).

From the small scenario's plan (planned once a session): each text fault of
:data:`planfaults.TEXT_FAULTS` (cut short, not UTF-8, nested too deep...) and seeded
mutations of its data. A file that is no plan exits 1 with one line ``file:line: ...``; a
plan that reads exits 0 or 1 (it holds or not); never a traceback, never exit 70 (internal
error), nothing written in ``--out`` on a refusal. ``deep`` runs 20 times as many seeds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import SMALL, Ran, count, no_crash
from planfaults import TEXT_FAULTS, dump, mutate

COMMANDS: dict[str, Callable[[Path, Path, Path], list[str | Path]]] = {
    "verify": lambda plan, out, good: ["verify", plan, "--scenario", SMALL],
    "simulate": lambda plan, out, good: [
        "simulate",
        SMALL,
        "--plan",
        plan,
        "--replications",
        "2",
        "--out",
        out,
    ],
    "compare": lambda plan, out, good: ["compare", good, plan, "--out", out],
}


def _run(cli: Callable[..., Ran], tmp_path: Path, command: str, data: bytes, good: Path) -> Ran:
    """``command`` on a plan file holding ``data`` (``compare`` sets it beside ``good``)."""
    tmp_path.mkdir(exist_ok=True)
    plan = tmp_path / "plan.json"
    plan.write_bytes(data)
    out = tmp_path / "out"
    ran = cli(*COMMANDS[command](plan, out, good))
    no_crash(ran)
    assert ran.code in (0, 1), ran.text
    if ran.code == 1 and command != "verify":
        assert not out.exists(), ran.text  # refused: nothing written
    file_errors = [ln for ln in ran.errors if f"{plan}" in ln]
    for line in file_errors:  # a fault of the file: its name, a line, what is wrong
        assert re.match(rf"error: {re.escape(str(plan))}:\d+: \S", line), line
    return ran


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("fault", sorted(TEXT_FAULTS))
def test_a_file_that_is_no_plan_is_one_line_with_file_and_line(
    cli: Callable[..., Ran], tmp_path: Path, small_plan: Path, command: str, fault: str
) -> None:
    data = TEXT_FAULTS[fault](small_plan.read_text(encoding="utf-8"))
    ran = _run(cli, tmp_path, command, data, small_plan)
    if fault == "bom":  # a byte-order mark is allowed, as in scenario files
        assert ran.code == 0, ran.text
        return
    assert ran.code == 1, ran.text
    (line,) = ran.errors
    assert line.startswith(f"error: {tmp_path / 'plan.json'}:"), line


def _mutations(cli: Callable[..., Ran], tmp: Path, plan: Path, seeds: range) -> dict[int, int]:
    base = json.loads(plan.read_text(encoding="utf-8"))
    codes: dict[int, int] = {}
    for seed in seeds:
        data, changes = mutate(base, seed)
        for command in COMMANDS:
            where = tmp / f"{seed}-{command}"
            where.mkdir()
            ran = _run(cli, where, command, dump(data), plan)
            codes[ran.code] = codes.get(ran.code, 0) + 1
            assert ran.code == 1 or command != "verify" or not ran.errors, (changes, ran.text)
    return codes


def test_mutated_plans_exit_0_or_1_with_file_and_line(
    cli: Callable[..., Ran], tmp_path: Path, small_plan: Path
) -> None:
    codes = _mutations(cli, tmp_path, small_plan, range(count(12)))
    assert codes.get(1, 0) > 0


@pytest.mark.deep
def test_many_mutated_plans_exit_0_or_1_with_file_and_line(
    cli: Callable[..., Ran], tmp_path: Path, small_plan: Path
) -> None:
    codes = _mutations(cli, tmp_path, small_plan, range(1000, 1000 + count(250)))
    assert codes.get(1, 0) > 0


KPI_JUNK = ("x", [], {"total": [1], "served": "many", "currency": 7})


@pytest.mark.parametrize("command", ["simulate", "compare"])
@pytest.mark.parametrize("junk", [0, *(pytest.param(i, marks=pytest.mark.deep) for i in (1, 2))])
def test_junk_kpis_are_refused_in_one_line_or_ignored(
    cli: Callable[..., Ran], tmp_path: Path, small_plan: Path, command: str, junk: int
) -> None:
    """The plan's ``kpis`` are free-form in the model; those the commands read once crashed."""
    base = json.loads(small_plan.read_text(encoding="utf-8"))
    for key in sorted(base["kpis"]):
        data = json.loads(small_plan.read_text(encoding="utf-8"))
        data["kpis"][key] = KPI_JUNK[junk]
        ran = _run(cli, tmp_path / key, command, dump(data), small_plan)
        assert ran.code == 0 or len(ran.errors) == 1, (key, ran.text)


FAR_TIMES = ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00")


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("when", FAR_TIMES)
@pytest.mark.parametrize(
    "where", [("runs", 0, "start_utc"), ("allocations", 0, "end_of_production_utc")]
)
def test_a_plan_time_far_outside_the_plan_years_names_file_line_and_field(
    cli: Callable[..., Ran],
    tmp_path: Path,
    small_plan: Path,
    command: str,
    when: str,
    where: tuple[str, int, str],
) -> None:
    """A valid ISO time in the year 9999 or 1 once overflowed verify's arithmetic (exit 70)."""
    data = json.loads(small_plan.read_text(encoding="utf-8"))
    data[where[0]][where[1]][where[2]] = when
    ran = _run(cli, tmp_path, command, dump(data), small_plan)
    assert ran.code == 1, ran.text
    (line,) = ran.errors
    field = ".".join(map(str, where))
    assert re.search(rf"plan\.json:\d+: {field}: (expected a time with an offset|time )", line)


EXTREMES: tuple[object, ...] = (
    10**30, -1, 1e308, 0, -1e308, 2**63,
    "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00+14:00",
)  # fmt: skip


def _extreme_cases(
    small_plan: Path, tables: tuple[str, ...], values: tuple[object, ...]
) -> list[tuple[str, str, object]]:
    first = json.loads(small_plan.read_text(encoding="utf-8"))
    return [
        (table, field, value)
        for table in tables
        for field, old in first[table][0].items()
        if not isinstance(old, dict | list)
        for value in values
        if isinstance(value, str) == isinstance(old, str)
    ]


def _extremes(
    cli: Callable[..., Ran],
    tmp: Path,
    small_plan: Path,
    tables: tuple[str, ...],
    values: tuple[object, ...] = EXTREMES,
) -> int:
    runs = 0
    for i, (table, field, value) in enumerate(_extreme_cases(small_plan, tables, values)):
        data = json.loads(small_plan.read_text(encoding="utf-8"))
        data[table][0][field] = value
        for command in COMMANDS:
            _run(cli, tmp / f"{i}-{command}", command, dump(data), small_plan)
            runs += 1
    return runs


def test_extreme_values_in_a_plans_first_allocation_exit_0_or_1(
    cli: Callable[..., Ran], tmp_path: Path, small_plan: Path
) -> None:
    """Each field of the first allocation at an extreme (10^30, -1, the year 9999)."""
    values = (10**30, -1, "9999-12-31T23:59:59Z")
    assert _extremes(cli, tmp_path, small_plan, ("allocations",), values) > 20


@pytest.mark.deep
def test_extreme_values_in_every_table_of_a_plan_exit_0_or_1(
    cli: Callable[..., Ran], tmp_path: Path, small_plan: Path
) -> None:
    tables = ("allocations", "runs", "shipments", "unserved")
    assert _extremes(cli, tmp_path, small_plan, tables) > 100
