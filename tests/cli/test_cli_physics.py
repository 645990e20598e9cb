"""`isoflow decay`, `isoflow generator`, `isoflow nuclide`: JSON against closed forms, and
one clear stderr line with exit code 2 for every kind of bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from isoflow.adapters.cli import physics

H = 3600.0
DAY = 86400.0


@pytest.fixture(scope="module")
def run():
    app = typer.Typer()
    physics.register(app)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    return invoke


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_decay_after_json_against_closed_form(run, ref):
    lam = ref.lam(ref.T_LU177)
    t = 180 * DAY
    out = _json(run("decay", "Lu-177=7.4GBq", "--after", "180d", "--json"))
    assert list(out) == ["elapsed_s", "activities_bq", "atoms"]
    assert out["elapsed_s"] == t
    assert list(out["activities_bq"]) == ["Lu-177", "Hf-177"]
    assert list(out["atoms"]) == ["Lu-177", "Hf-177"]
    assert out["activities_bq"]["Lu-177"] == pytest.approx(
        7.4e9 * 2 ** (-t / ref.T_LU177), rel=1e-12
    )
    assert out["activities_bq"]["Hf-177"] == 0.0
    n0 = 7.4e9 / lam
    assert out["atoms"]["Hf-177"] == pytest.approx(n0 * -math.expm1(-lam * t), rel=1e-12)


def test_decay_with_isomer_ingrowth_and_atoms_unit(run, ref):
    l_m, l_g = ref.lam(ref.T_LU177M), ref.lam(ref.T_LU177)
    t = 180 * DAY
    n_m = 0.74e6 / l_m
    out = _json(run("decay", "Lu-177=7.4GBq", f"177mLu={n_m!r}atoms", "--after", "180d", "--json"))
    assert list(out["activities_bq"]) == ["Lu-177m", "Lu-177", "Hf-177"]
    grown = ref.bateman([l_m, l_g], t, n_m, ref.B_LU177M_LU177)
    expected = 7.4e9 * math.exp(-l_g * t) + l_g * grown
    assert out["activities_bq"]["Lu-177"] == pytest.approx(expected, rel=1e-9)
    assert out["activities_bq"]["Lu-177m"] == pytest.approx(0.74e6 * math.exp(-l_m * t), rel=1e-12)


def test_the_same_nuclide_twice_adds_up(run, ref):
    out = _json(run("decay", "Lu-177=1GBq", "lu177=2000MBq", "--after", "0s", "--json"))
    assert out["activities_bq"]["Lu-177"] == pytest.approx(3e9, rel=1e-14)
    curies = _json(run("decay", "Lu-177=200mCi", "Lu-177=5uCi", "--after", "0s", "--json"))
    assert curies["activities_bq"]["Lu-177"] == pytest.approx((0.2 + 5e-6) * 3.7e10, rel=1e-14)


def test_decay_before_json_is_the_exponential_back_calculation(run, ref):
    out = _json(run("decay", "Lu-177=7.4GBq", "--before", "72h", "--json"))
    assert list(out) == ["elapsed_s", "activities_bq", "atoms"]
    assert out["elapsed_s"] == 72 * H
    assert list(out["activities_bq"]) == ["Lu-177"]  # listed nuclides only
    expected = 7.4e9 * 2 ** (72 * H / ref.T_LU177)
    assert out["activities_bq"]["Lu-177"] == pytest.approx(expected, rel=1e-12)
    assert out["atoms"]["Lu-177"] == pytest.approx(expected / ref.lam(ref.T_LU177), rel=1e-12)


def test_json_floats_are_not_rounded(run, ref):
    out = run("decay", "F-18=1GBq", "--after", "1h", "--json")
    value = json.loads(out.stdout)["activities_bq"]["F-18"]
    assert repr(value) in out.stdout  # shortest round-trip repr, all 17 significant digits
    assert value == pytest.approx(1e9 * 2 ** (-3600 / ref.T_F18), rel=1e-14)


def test_decay_table_output(run):
    result = run("decay", "Ra-224=1MBq", "--after", "1d")
    assert result.exit_code == 0
    for name in ("Ra-224", "Pb-212", "Tl-208", "Pb-208"):
        assert name in result.stdout


def test_generator_json_against_hand_derived_elutions(run, ref):
    lp, lm = ref.lam(ref.T_MO99), ref.lam(ref.T_TC99M)
    n0 = 100e9 / lp
    b = ref.B_MO99_TC99M
    out = _json(
        run(
            "generator",
            "Mo-99=100GBq",
            "--daughter",
            "Tc-99m",
            "--elute",
            "24h,48h",
            "--efficiency",
            "0.9",
            "--until",
            "54h",
            "--json",
        )
    )
    assert list(out) == ["t_max_s", "elutions", "activities_bq", "atoms", "until_s"]
    assert out["t_max_s"] == pytest.approx(math.log(lm / lp) / (lm - lp), rel=1e-9)
    assert out["until_s"] == 54 * H
    first, second = out["elutions"]
    assert list(first) == ["time_s", "activities_bq", "atoms"]
    assert list(first["activities_bq"]) == ["Tc-99m", "Tc-99"]
    m24 = ref.bateman([lp, lm], 24 * H, n0, b)
    assert first["time_s"] == 24 * H
    assert first["atoms"]["Tc-99m"] == pytest.approx(0.9 * m24, rel=1e-9)
    m48 = 0.1 * m24 * math.exp(-lm * 24 * H) + ref.bateman(
        [lp, lm], 24 * H, n0 * math.exp(-lp * 24 * H), b
    )
    assert second["activities_bq"]["Tc-99m"] == pytest.approx(0.9 * lm * m48, rel=1e-9)
    m54 = 0.1 * m48 * math.exp(-lm * 6 * H) + ref.bateman(
        [lp, lm], 6 * H, n0 * math.exp(-lp * 48 * H), b
    )
    assert out["atoms"]["Tc-99m"] == pytest.approx(m54, rel=1e-9)
    assert out["activities_bq"]["Mo-99"] == pytest.approx(100e9 * math.exp(-lp * 54 * H), rel=1e-12)
    assert list(out["activities_bq"]) == ["Mo-99", "Tc-99m", "Tc-99", "Ru-99"]


def test_generator_defaults(run, ref):
    lp, lm = ref.lam(ref.T_MO99), ref.lam(ref.T_TC99M)
    t_max = math.log(lm / lp) / (lm - lp)
    out = _json(run("generator", "Mo-99=100GBq", "--daughter", "99mTc", "--json"))
    assert out["elutions"] == []
    assert out["until_s"] == out["t_max_s"]
    assert out["t_max_s"] == pytest.approx(t_max, rel=1e-9)
    grown = ref.bateman([lp, lm], out["t_max_s"], 100e9 / lp, ref.B_MO99_TC99M)
    assert out["atoms"]["Tc-99m"] == pytest.approx(grown, rel=1e-9)
    # default efficiency 1 and default --until = the last elution: no technetium left
    out = _json(
        run("generator", "Mo-99=100GBq", "--daughter", "Tc-99m", "--elute", "24h", "--json")
    )
    assert out["until_s"] == 24 * H
    assert out["atoms"]["Tc-99m"] == 0.0
    assert out["atoms"]["Tc-99"] == 0.0


def test_generator_table_output(run):
    result = run("generator", "Ra-224=1GBq", "--daughter", "Pb-212", "--elute", "24h")
    assert result.exit_code == 0
    assert "Pb-212" in result.stdout
    assert "Pb-208" in result.stdout


def test_nuclide_json(run, ref):
    out = _json(run("nuclide", "ac225", "--json"))
    assert out["nuclide"] == "Ac-225"
    assert out["half_life_s"] == ref.T_AC225
    assert out["half_life"] == "10.0 d"
    assert out["stable"] is False
    assert out["decay_modes"] == [{"mode": "α", "daughter": "Fr-221", "fraction": 1.0}]
    links = {(c["parent"], c["daughter"]): (c["fraction"], c["mode"]) for c in out["chain"]}
    assert links[("Bi-213", "Tl-209")] == (ref.B_BI213_TL209, "α")
    assert links[("At-217", "Bi-213")][0] == ref.B_AT217_BI213
    assert ("Pb-209", "Bi-209") in links
    assert out["chain"][0]["parent"] == "Ac-225"


def test_nuclide_json_for_a_stable_nuclide(run):
    out = _json(run("nuclide", "Pb-208", "--json"))
    assert out["half_life_s"] is None
    assert out["stable"] is True
    assert out["decay_modes"] == []
    assert out["chain"] == []


def test_nuclide_tree_output(run):
    result = run("nuclide", "Ac-225")
    assert result.exit_code == 0
    for text in ("10.0 d", "Fr-221", "Bi-213", "Tl-209", "Bi-209", "atomic mass"):
        assert text in result.stdout


@pytest.mark.parametrize(
    ("args", "argument", "expected"),
    [
        (["decay", "Lu-999=1GBq", "--after", "1d"], "Lu-999=1GBq", "unknown nuclide 'Lu-999'"),
        (["decay", "Lu-177=1GBx", "--after", "1d"], "Lu-177=1GBx", "unknown activity unit"),
        (["decay", "Lu-177=-1GBq", "--after", "1d"], "Lu-177=-1GBq", "non-negative"),
        (["decay", "Lu-177=1e999GBq", "--after", "1d"], "Lu-177=1e999GBq", "finite"),
        (["decay", "Lu-177=nanGBq", "--after", "1d"], "Lu-177=nanGBq", "finite"),
        (["decay", "Lu-177=1e308atoms", "Lu-177=1e308atoms", "--after", "1d"], None, "too large"),
        (["decay", "Po-212=1e305atoms", "--after", "0s"], "NUCLIDE=AMOUNT", "overflows"),
        (["decay", "Lu-177", "--after", "1d"], "Lu-177", "NUCLIDE=AMOUNT"),
        (["decay", "Lu-177=", "--after", "1d"], "Lu-177=", "NUCLIDE=AMOUNT"),
        (["decay", "Lu-177=1GBq"], "--after/--before", "exactly one"),
        (
            ["decay", "Lu-177=1GBq", "--after", "1d", "--before", "1d"],
            "--after/--before",
            "exactly one",
        ),
        (["decay", "Lu-177=1GBq", "--after", "-5h"], "--after", "non-negative"),
        (["decay", "Lu-177=1GBq", "--after", "5x"], "--after", "unknown time unit"),
        (["decay", "Lu-177=1GBq", "--before", "1e999d"], "--before", "finite"),
        (["decay", "F-18=1GBq", "--before", "10y"], "--before", "overflows"),
        (["decay", "Pb-208=1GBq", "--after", "1d"], "Pb-208=1GBq", "stable"),
        (["decay", "Pb-208=1e20atoms", "--before", "1d"], "Pb-208=1e20atoms", "stable"),
        (
            ["generator", "Mo-99=1GBq", "--daughter", "Tc-99m", "--efficiency", "1.5"],
            "--efficiency",
            "between 0 and 1",
        ),
        (
            ["generator", "Mo-99=1GBq", "--daughter", "Tc-99m", "--efficiency", "-0.1"],
            "--efficiency",
            "between 0 and 1",
        ),
        (
            ["generator", "Mo-99=1GBq", "--daughter", "Tc-99m", "--efficiency", "abc"],
            "--efficiency",
            "between 0 and 1",
        ),
        (["generator", "Mo-99=1GBq", "--daughter", "Lu-177"], "--daughter", "not a decay product"),
        (["generator", "Mo-99=1GBq", "--daughter", "Tc-99x"], "--daughter", "did you mean"),
        (
            ["generator", "Mo-99=1GBq", "--daughter", "Tc-99m", "--elute", "48h,24h"],
            "--elute",
            "non-decreasing",
        ),
        (
            ["generator", "Mo-99=1GBq", "--daughter", "Tc-99m", "--elute", "24h,,48h"],
            "--elute",
            "comma-separated",
        ),
        (
            ["generator", "Mo-99=1GBq", "--daughter", "Tc-99m", "--until", "-1h"],
            "--until",
            "non-negative",
        ),
        (["nuclide", "Xx-12"], "Xx-12", "unknown nuclide"),
    ],
)
def test_bad_input_is_one_line_naming_the_argument_exit_2(run, args, argument, expected):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("error: argument ")
    if argument is not None:
        assert line.startswith(f"error: argument {argument!r}: ")
    assert expected in line
    assert "Traceback" not in result.output


def test_unknown_nuclide_message_suggests_names(run):
    result = run("decay", "Lu177x=1GBq", "--after", "1d")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: argument 'Lu177x=1GBq': unknown nuclide 'Lu177x'; "
        "did you mean Lu-177, Lu-177m, Lu-179?"
    )


def test_impossible_back_calculation_exits_1(run):
    result = run("decay", "Lu-177m=1GBq", "Lu-177=1kBq", "--before", "100d")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no starting inventory")
    assert "Lu-177" in lines[0]


def test_installed_command_end_to_end(ref):
    """Through the real entry point, in a fresh process."""
    exe = Path(sys.executable).with_name("isoflow")
    if not exe.exists():
        pytest.skip("isoflow entry point not installed in this environment")
    done = subprocess.run(
        [str(exe), "decay", "Lu-177=7.4GBq", "--before", "72h", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["activities_bq"]["Lu-177"] == pytest.approx(
        7.4e9 * 2 ** (72 * H / ref.T_LU177), rel=1e-12
    )
