from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from isoflow.adapters.cli.app import _register, app
from isoflow.scenario.load import load_scenario

runner = CliRunner()
_register()


def _run(*args: str):
    return runner.invoke(app, ["scenario", "generate", *args])


def test_writes_valid_file_byte_identical(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    args = ["--sites", "4", "--hospitals", "6", "--days", "2", "--seed", "9"]
    r1 = _run(*args, "--out", str(a))
    r2 = _run(*args, "--out", str(b))
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0
    assert "wrote" in r1.output
    assert "bookings" in r1.output
    assert a.read_bytes() == b.read_bytes()
    s = load_scenario(a)
    assert len([x for x in s.sites if "hospital" in x.kind]) == 6
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--sites", "-1"],
            "option '--sites': expected a whole number between 1 and 1,000, got -1",
        ),
        (
            ["--hospitals", "0"],
            "option '--hospitals': expected a whole number between 1 and 10,000, got 0",
        ),
        (["--days", "-3"], "option '--days': expected a whole number between 1 and 366, got -3"),
        (
            ["--hospitals", "5000", "--days", "7"],
            "option '--hospitals x --days': expected a number of hospital-days between 1 and "
            "20,000, got 5000 x 7",
        ),
        (["--seed", "-2"], "option '--seed': expected a whole number between 0 and"),
    ],
)
def test_bad_sizes_exit_2(tmp_path, args, message):
    r = _run(*args, "--out", str(tmp_path / "x.yaml"))
    assert r.exit_code == 2
    assert message in r.output


def test_unwritable_path_exits_2(tmp_path):
    r = _run("--out", str(tmp_path / "missing" / "x.yaml"))
    assert r.exit_code == 2
    assert "cannot write" in r.output
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        r = _run("--out", str(locked / "x.yaml"))
        assert r.exit_code == 2
        locked.chmod(0o700)


def test_writes_a_csv_folder_and_refuses_other_folders(tmp_path):
    args = ["--sites", "4", "--hospitals", "6", "--days", "2", "--seed", "9"]
    yaml_file, folder = tmp_path / "a.yaml", tmp_path / "net"
    assert _run(*args, "--out", str(yaml_file)).exit_code == 0
    r = _run(*args, "--out", str(folder))
    assert r.exit_code == 0, r.output
    assert (folder / "scenario.yaml").is_file()
    assert (folder / "sites.csv").is_file()
    assert load_scenario(folder) == load_scenario(yaml_file)
    # written again in place: a scenario folder is replaced as a whole
    assert _run(*args, "--out", str(folder)).exit_code == 0
    other = tmp_path / "photos"
    other.mkdir()
    (other / "keep.jpg").write_bytes(b"x")
    r = _run(*args, "--out", str(other))
    assert r.exit_code == 2
    assert "it exists and is not a scenario folder" in r.output
    assert (other / "keep.jpg").read_bytes() == b"x"
    r = _run(*args, "--out", str(tmp_path / "x.txt"))
    assert r.exit_code == 2
    assert "--out must name a .yaml or .yml file or a folder" in r.output


def test_demand_at_real_volume_into_a_folder(tmp_path):
    folder = tmp_path / "real"
    r = runner.invoke(app, ["scenario", "demand", "--seed", "3", "--out", str(folder)])
    assert r.exit_code == 0, r.output
    real = load_scenario(folder)
    assert real.demand.orders
    assert real.demand.rates
    assert sum(o.doses for o in real.demand.orders) > 10_000
