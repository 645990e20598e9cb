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
        (["--sites", "-1"], "--sites must be at least 1"),
        (["--hospitals", "0"], "--hospitals must be at least 1"),
        (["--days", "-3"], "--days must be at least 1"),
        (["--seed", "-2"], "--seed must be non-negative"),
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
