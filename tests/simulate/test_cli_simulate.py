"""`isoflow simulate`: a run on the small scenario, and one clear line with exit 2 for bad
options."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from isoflow.adapters.cli import simulate_cmd

SMALL = "tests/scenario/data/small.yaml"


@pytest.fixture(scope="module")
def run():
    app = typer.Typer()
    simulate_cmd.register(app, typer.Typer())
    app.command("noop")(lambda: None)  # keep 'simulate' a sub-command
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["simulate", *args])

    return invoke


def test_simulate_small_writes_records_and_kpis(run, tmp_path):
    out = tmp_path / "sim"
    res = run(SMALL, "--replications", "120", "--weeks", "2", "--seed", "3", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "P(booking missed)" in res.stdout
    assert "wrote 4 files" in res.stdout
    k = json.loads((out / "kpis.json").read_text())
    assert (k["replications"], k["weeks"], k["scenario"]) == (120, 2, "small")
    rows = (out / "replications.csv").read_text().splitlines()
    assert len(rows) == 121
    # the same seed again: the same bytes
    again = run(
        SMALL, "--replications", "120", "--weeks", "2", "--seed", "3", "--out", str(out / "b")
    )
    assert again.exit_code == 0
    for name in ("replications.csv", "bookings.csv", "exceptions.csv", "kpis.json"):
        assert (out / name).read_bytes() == (out / "b" / name).read_bytes()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--replications", "0"], "'--replications'"),
        (["--weeks", "0"], "'--weeks'"),
        (["--seed", "-1"], "'--seed'"),
        (["--workers", "0"], "'--workers'"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
        (["no-such-scenario"], "no such scenario"),
        (["--plan", "/nonexistent/plan.json"], "'--plan'"),
    ],
)
def test_bad_options_exit_2_with_one_line(run, args, needle):
    res = run(*args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert needle in lines[0]
