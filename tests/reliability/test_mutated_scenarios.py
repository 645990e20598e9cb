"""Seeded mutations of the small scenario through ``isoflow validate`` (issue 16, item 6).

Its data (as YAML and JSON: a key deleted, a value replaced by junk, ...) and the bytes of
its CSV folder (a quote, a NUL, a cell cut, a line break inserted...): exit 0 or 1, never a
traceback, and every problem printed as ``file:line: ...``. ``deep`` runs 25 times as many
seeds; ``ISOFLOW_RELIABILITY_COUNT`` multiplies both.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import csv_files
from harness import SMALL, Ran, count, no_crash
from planfaults import mutate

CHUNKS = (
    b",", b'"', b"\n", b"\r", b";", b"[", b"{", b"\xff", b"\x00", b"  ", b"1e999", b"-",
    b"nan", b"", b"\xef\xbb\xbf", b"\\", b"'", b"9" * 200,
)  # fmt: skip


def _every_problem_has_a_line(ran: Ran, target: Path, names: str) -> None:
    no_crash(ran)
    assert ran.code in (0, 1), ran.text
    for line in ran.out.splitlines():
        if not line.strip() or line.startswith((str(target), "  ")):
            continue  # the summary line, and the indented context of a problem
        assert re.match(rf"({names}):\d+: ", line), line


def _scenario_data() -> dict[str, object]:
    from isoflow.scenario.load import load_scenario

    data: dict[str, object] = json.loads(json.dumps(load_scenario(SMALL).model_dump(mode="json")))
    return data


def _data_cases(cli: Callable[..., Ran], tmp: Path, seeds: range) -> None:
    from isoflow.scenario.load import dump_yaml

    base = _scenario_data()
    for seed in seeds:
        data, _ = mutate(base, seed)
        for form, text in (
            ("yaml", dump_yaml(json.loads(json.dumps(data)))),
            ("json", json.dumps(data, indent=1, allow_nan=True)),
        ):
            path = tmp / f"{seed}.{form}"
            path.write_text(text, encoding="utf-8")
            _every_problem_has_a_line(cli("validate", path), path, re.escape(path.name))


def _csv_cases(cli: Callable[..., Ran], tmp: Path, seeds: range) -> None:
    files = dict(csv_files())
    for seed in seeds:
        rng = random.Random(seed)
        name = rng.choice(sorted(files))
        raw = bytearray(files[name])
        for _ in range(rng.randint(1, 4)):
            at, chunk = rng.randrange(max(len(raw), 1)), rng.choice(CHUNKS)
            op = rng.choice(["insert", "delete", "replace"])
            if op == "insert":
                raw[at:at] = chunk
            elif op == "delete":
                del raw[at : at + rng.randint(1, 20)]
            else:
                raw[at : at + len(chunk)] = chunk
        folder = tmp / f"csv-{seed}"
        folder.mkdir()
        for other, data in files.items():
            (folder / other).write_bytes(bytes(raw) if other == name else data)
        _every_problem_has_a_line(cli("validate", folder), folder, r"[\w.]+\.(csv|yaml)")


def test_mutated_scenario_data_is_valid_or_every_problem_has_a_line(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    _data_cases(cli, tmp_path, range(count(10)))


def test_corrupted_csv_folders_are_valid_or_every_problem_has_a_line(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    _csv_cases(cli, tmp_path, range(count(25)))


@pytest.mark.deep
def test_many_mutated_scenarios_are_valid_or_every_problem_has_a_line(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    _data_cases(cli, tmp_path, range(1000, 1000 + count(250)))
    _csv_cases(cli, tmp_path, range(1000, 1000 + count(600)))
