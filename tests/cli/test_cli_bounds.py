"""Every command's options at and beyond their bounds: one line naming the flag, exit 2.

Each case below once ended in a traceback, ran on for minutes or exited 0 (issue 16).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from isoflow import bounds
from isoflow.adapters.cli.app import _register, app

SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")


@pytest.fixture(scope="module")
def command():
    _register()
    return typer.main.get_command(app)


@pytest.fixture(scope="module")
def cli():
    _register()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    return invoke


def one_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


HORIZON = "expected a duration between 1 h and 366 d"
YEAR = "expected a year between 1950 and 2150"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["plan", SMALL, "--horizon", "1e300d"],
            f"error: option '--horizon': {HORIZON}, got 1e300d",
        ),
        (
            ["plan", SMALL, "--horizon", "99999y"],
            f"error: option '--horizon': {HORIZON}, got 99999y",
        ),
        (
            ["plan", SMALL, "--start", "9999-12-31T00:00Z"],
            "error: option '--start': expected a time with an offset in the years 1970 to "
            "2199, got 9999-12-31T00:00Z",
        ),
        (
            ["plan", SMALL, "--lead", "1e300y"],
            "error: option '--lead': expected a duration between 0 s and 366 d, got 1e300y",
        ),
        (
            ["plan", SMALL, "--threads", "100000"],
            "error: option '--threads': expected a whole number between 1 and 256, got 100000",
        ),
        (
            ["plan", SMALL, "--time-limit", "0s"],
            "error: option '--time-limit': expected a duration greater than 0 s and at most "
            "30 d, got 0s",
        ),
        (
            ["analyze", "capacity", SMALL, "--from", "-5"],
            f"error: option '--from': {YEAR}, got -5",
        ),
        (
            ["analyze", "capacity", SMALL, "--to", "1000000"],
            f"error: option '--to': {YEAR}, got 1000000",
        ),
        (
            ["analyze", "make-or-buy", "--lifetime", "100000000"],
            "error: option '--lifetime': expected a number of years between 1 and 100, "
            "got 100000000",
        ),
        (
            ["analyze", "make-or-buy", "--growth", "1e6"],
            "error: option '--growth': expected a growth rate per year between -0.5 and 1 "
            "(a fraction: 0.15 is +15 % a year; -0.5 halves demand each year, 1 doubles it), "
            "got 1e+06",
        ),
        (
            ["simulate", SMALL, "--replications", "99999999999999999999"],
            "error: option '--replications': expected a whole number between 1 and 1,000,000, "
            "got 99999999999999999999",
        ),
        (
            ["simulate", SMALL, "--workers", "100000"],
            "error: option '--workers': expected a whole number between 1 and 256, got 100000",
        ),
        (
            ["analyze", "contingency", SMALL, "--top", "-1"],
            "error: option '--top': expected a whole number between 1 and 100,000, got -1",
        ),
        (
            ["analyze", "self-sufficiency", SMALL, "--year", "0"],
            f"error: option '--year': {YEAR}, got 0",
        ),
        (
            ["analyze", "self-sufficiency", SMALL, "--year", "99999"],
            f"error: option '--year': {YEAR}, got 99999",
        ),
        (
            ["analyze", "self-sufficiency", SMALL, "--year", "-2025"],
            f"error: option '--year': {YEAR}, got -2025",
        ),
        (
            ["compare", SMALL, SMALL, "--gap", "2"],
            "error: option '--gap': expected a relative gap from 0 to below 1, got 2",
        ),
    ],
)
def test_out_of_bounds_is_one_line_naming_the_flag(cli, tmp_path, args, line):
    result = cli(*args, "--out", str(tmp_path / "out"))
    assert one_line(result) == line
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_huge_capex_is_refused_before_any_file_is_written(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("analyze", "make-or-buy", "--capex", "1e308", "--out", str(out))
    assert one_line(result) == (
        "error: option '--capex': expected an amount between 0 and 1,000,000,000,000, got 1e+308"
    )
    assert not out.exists()


def test_inputs_file_errors_name_the_file_and_its_key(cli, tmp_path):
    spec = tmp_path / "inputs.yaml"
    spec.write_text("lifetime_years: 1000\n", encoding="utf-8")
    result = cli("analyze", "make-or-buy", "--inputs", str(spec), "--out", str(tmp_path / "o"))
    assert one_line(result) == (
        f"error: option '--inputs': {spec}:1: lifetime_years: expected a number of years "
        "between 1 and 100, got 1000"
    )


def test_inputs_that_are_not_utf8_are_one_line(cli, tmp_path):
    spec = tmp_path / "inputs.yaml"
    spec.write_bytes(b"capex: 1\n\xff\xfe: 2\n")
    result = cli("analyze", "make-or-buy", "--inputs", str(spec), "--out", str(tmp_path / "o"))
    assert one_line(result) == (
        f"error: option '--inputs': {spec} is not UTF-8 text (byte 0xff at offset 9)"
    )


def test_schema_onto_a_folder_is_one_line(cli, tmp_path):
    result = cli("schema", "--out", str(tmp_path))
    assert one_line(result) == (
        f"error: option '--out': {tmp_path} is a folder; give a file, e.g. "
        f"{tmp_path / 'scenario.schema.json'}"
    )
    assert list(tmp_path.iterdir()) == []


def test_schema_is_written_whole_with_no_temporary_file_left(cli, tmp_path):
    out = tmp_path / "scenario.schema.json"
    result = cli("schema", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("{")
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.schema.json"]


def test_values_at_the_bounds_are_accepted(cli, tmp_path):
    result = cli(
        "analyze", "make-or-buy", "--lifetime", "100", "--capex", "1e12", "--growth", "1",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "make_or_buy.json").exists()


def _option(command, flag: str):
    return next(p for p in command.params if flag in getattr(p, "opts", ()))


@pytest.mark.parametrize(
    ("path", "flag", "bound"),
    [
        (["plan"], "--horizon", bounds.HORIZON),
        (["plan"], "--lead", bounds.LEAD),
        (["plan"], "--time-limit", bounds.TIME_LIMIT),
        (["plan"], "--gap", bounds.MIP_GAP),
        (["plan"], "--threads", bounds.THREADS),
        (["simulate"], "--replications", bounds.REPLICATIONS),
        (["simulate"], "--weeks", bounds.WEEKS),
        (["simulate"], "--seed", bounds.SEED),
        (["simulate"], "--workers", bounds.WORKERS),
        (["simulate"], "--chunk-size", bounds.CHUNK_SIZE),
        (["simulate"], "--replan-every", bounds.REPLAN_EVERY),
        (["analyze", "capacity"], "--from", bounds.YEAR),
        (["analyze", "capacity"], "--to", bounds.YEAR),
        (["analyze", "capacity"], "--reserve", bounds.RESERVE),
        (["analyze", "capacity"], "--growth-scale", bounds.GROWTH_SCALE),
        (["analyze", "contingency"], "--n2", bounds.N2_TOP),
        (["analyze", "contingency"], "--top", bounds.ROWS),
        (["analyze", "contingency"], "--workers", bounds.WORKERS),
        (["analyze", "contingency"], "--time-limit", bounds.TIME_LIMIT),
        (["analyze", "self-sufficiency"], "--year", bounds.YEAR),
        (["analyze", "make-or-buy"], "--capex", bounds.MONEY),
        (["analyze", "make-or-buy"], "--lifetime", bounds.LIFETIME),
        (["analyze", "make-or-buy"], "--ramp-up", bounds.RAMP_UP),
        (["analyze", "make-or-buy"], "--discount-rate", bounds.DISCOUNT_RATE),
        (["analyze", "make-or-buy"], "--growth", bounds.GROWTH_RATE),
        (["analyze", "make-or-buy"], "--swing", bounds.SWING),
        (["compare"], "--gap", bounds.MIP_GAP),
        (["scenario", "generate"], "--sites", bounds.SITES),
        (["scenario", "generate"], "--days", bounds.DAYS),
        (["scenario", "generate"], "--hospitals", bounds.HOSPITAL_DAYS),
    ],
)
def test_help_states_each_flags_bounds(command, path, flag, bound):
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert bound.text in _option(command, flag).help


def test_make_or_buy_flags_cover_every_input_with_its_engine_bound(command):
    from isoflow.adapters.cli.makeorbuy_cmd import MAKE_OR_BUY_FLAGS
    from isoflow.engines.analysis.makeorbuy import BOUNDS

    assert set(MAKE_OR_BUY_FLAGS) == set(BOUNDS)
    make_or_buy = command.commands["analyze"].commands["make-or-buy"]
    for field, flag in MAKE_OR_BUY_FLAGS.items():
        assert BOUNDS[field].text in _option(make_or_buy, flag).help, flag
