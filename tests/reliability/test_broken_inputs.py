"""Broken ``analyze make-or-buy --inputs`` files: exit 2 (a bad option value), one line with
the file and the line of the fault, no traceback, nothing in ``--out``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from harness import Ran, no_crash

INPUTS = {
    "out_of_bounds": ("capex: 1e6\nlifetime_years: 1000\n", 2, "lifetime_years: expected"),
    "wrong_type": ("capex: 1e6\nlifetime_years: many\n", 2, "lifetime_years: "),
    "unknown_key": ("capex: 1e6\nwhat: 3\n", 2, "what: unknown make-or-buy input"),
    "syntax": ("capex: 1e6\nx: [1\n", 3, "YAML syntax error"),
    "duplicate_key": ("capex: 1e6\ncapex: 3\n", 2, 'duplicate key "capex"'),
    "huge_number": ("capex: " + "9" * 400 + "\n", 1, ""),
    "not_utf8": ("capex: \udcff\n", None, "is not UTF-8 text"),
    "list": ("- capex\n", None, "must hold a mapping"),
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_a_broken_inputs_file_is_one_line_with_its_line(
    cli: Callable[..., Ran], tmp_path: Path, name: str
) -> None:
    text, line, words = INPUTS[name]
    spec = tmp_path / "inputs.yaml"
    spec.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    out = tmp_path / "out"
    ran = cli("analyze", "make-or-buy", "--inputs", spec, "--out", out)
    no_crash(ran)
    assert ran.code == 2, ran.text
    (message,) = [ln for ln in ran.err.splitlines() if ln.strip()]
    where = f"{spec}:{line}: " if line else f"{spec}"
    assert message.startswith(f"error: option '--inputs': {where}"), message
    assert words in message
    assert not out.exists()
