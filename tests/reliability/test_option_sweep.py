"""Every option of every command beyond its bounds, found from the command tree itself.

For each command (its arguments filled with the small scenario or its plan), each option
that takes a value gets values no option accepts (NaN, infinity, 400 digits, text where a
number goes, nothing): exit 2, one line naming the flag, no traceback, nothing in ``--out``.
Text options (names, lists, times) get only what no text option accepts. The values at the
bounds are in ``tests/cli/test_cli_bounds.py``; options added later are swept too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from harness import SMALL, Ran, no_crash

NOT_A_NUMBER = ("nan", "inf", "-1e309", "9" * 400, "-" + "9" * 40, "abc", "", "1.5.2")
NOT_TEXT = ("", "x" * 10_000)
TEXT_OPTIONS = {
    "--start", "--elute", "--daughter", "--by", "--kinds", "--currency", "--process",
    "--host", "--init-admin", "--cors", "--before", "--reason",
}  # fmt: skip
SKIPPED = {
    "--out", "-o", "--plan", "--scenario", "--inputs", "--scheduler", "--event", "--db",
    "--tokens", "--checkpoint", "--public-key", "--exports", "--export-dir",
}  # fmt: skip
"""Paths (their faults are other tests') and a dask address (a hostname would be looked up)."""

BASE: dict[str, list[str]] = {
    "decay": ["decay", "Lu-177=7.4GBq", "--after", "1d"],
    "generator": ["generator", "Mo-99=10GBq", "--daughter", "Tc-99m"],
    "nuclide": ["nuclide", "Tc-99m"],
    "validate": ["validate", str(SMALL)],
    "plan": ["plan", str(SMALL), "--time-limit", "10s"],
    "verify": ["verify", "{plan}", "--scenario", str(SMALL)],
    "replan": [
        "replan",
        "{plan}",
        "--event",
        str(Path(__file__).parent / "data" / "cancel_b1.yaml"),
        "--scenario",
        str(SMALL),
        "--time-limit",
        "10s",
    ],
    "simulate": ["simulate", str(SMALL), "--plan", "{plan}", "--replications", "2"],
    "compare": ["compare", "{plan}", "{plan}"],
    "scenario generate": [
        "scenario",
        "generate",
        "--sites",
        "2",
        "--hospitals",
        "2",
        "--days",
        "1",
    ],
    "scenario demand": ["scenario", "demand", str(SMALL), "--days", "1"],
    "analyze capacity": ["analyze", "capacity", str(SMALL), "--from", "2025", "--to", "2026"],
    "analyze contingency": ["analyze", "contingency", str(SMALL), "--time-limit", "10s"],
    "analyze self-sufficiency": ["analyze", "self-sufficiency", str(SMALL), "--year", "2025"],
    "analyze make-or-buy": ["analyze", "make-or-buy"],
    "serve": ["serve", "--port", "0"],
    "audit purge": [
        "audit",
        "purge",
        str(SMALL),
        "--before",
        "2020-01-01",
        "--reason",
        "r",
        "--by",
        "q",
        "--export-dir",
        "{out}",
    ],
}
OUT = {"schema", "validate", "verify", "nuclide", "decay", "generator", "serve", "audit purge"}
"""Commands without ``--out`` (they print)."""
EXTRA = {("analyze make-or-buy", "--process"): ["--scenario", str(SMALL)]}
"""Arguments a flag needs beside it (without ``--scenario``, ``--process`` plans the
built-in scenario)."""


def _commands() -> dict[str, Any]:
    from isoflow.adapters.cli.app import _register, app

    _register()
    found: dict[str, Any] = {}

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found[" ".join(path)] = command

    walk(typer.main.get_command(app), [])
    return found


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for name, command in _commands().items():
        for param in command.params:
            opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
            if "Option" not in type(param).__name__ or param.is_flag or not opts:
                continue
            flag = opts[0]
            if flag in SKIPPED or flag == "--help":
                continue
            values = NOT_TEXT if flag in TEXT_OPTIONS else NOT_A_NUMBER
            cases += [(name, flag, value) for value in values]
    return cases


FAST = {"nan", "9" * 400, "abc", "x" * 10_000}
"""The values of the default run; ``deep`` runs every value."""

CASES = _cases()


def test_every_command_is_swept() -> None:
    swept = {name for name, _, _ in CASES}
    assert swept <= set(BASE), swept - set(BASE)  # a new command needs its BASE line
    assert len(CASES) > 200


def _short(value: str) -> str:
    return value if len(value) <= 12 else f"{value[:6]}...{len(value)}"


@pytest.mark.parametrize(
    ("name", "flag", "value"),
    [
        pytest.param(n, f, v, id=f"{n}{f}={_short(v)}", marks=() if v in FAST else pytest.mark.deep)
        for n, f, v in CASES
    ],
)
def test_beyond_the_bounds_is_one_line_naming_the_flag(
    cli: Callable[..., Ran], tmp_path: Path, small_plan: Path, name: str, flag: str, value: str
) -> None:
    out = tmp_path / ("out.yaml" if name.startswith("scenario") else "out")
    args = [a.replace("{plan}", str(small_plan)).replace("{out}", str(out)) for a in BASE[name]]
    if name not in OUT:
        args += ["--out", str(out)]
    ran = cli(*args, *EXTRA.get((name, flag), []), flag, value)
    no_crash(ran)
    if ran.code == 0 and (flag in TEXT_OPTIONS or value == ""):
        return  # some text is a valid name (a currency code); nothing is "not given"
    assert ran.code == 2, ran.text
    lines = [ln for ln in ran.err.splitlines() if ln.strip()]
    assert len(lines) == 1, ran.err
    assert flag in lines[0], lines[0]
    assert not out.exists()
