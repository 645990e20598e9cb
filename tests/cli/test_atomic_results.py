"""Results are put into ``--out`` at once and described by ``manifest.json`` (issue 16, item 3).

For ``plan`` (with its report), ``simulate`` and ``analyze capacity`` on the small scenario:
the manifest lists exactly the files written, with sizes and SHA-256 recomputed here with
hashlib; a full disk (ENOSPC) or a KeyboardInterrupt while the 2nd file is written leaves the
previous run's folder byte for byte and no temporary folder, with one error line, no
traceback. Each run takes well under a second (baseline planner, 20 replications).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from isoflow.adapters.cli.app import _register, app, run

SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")

PLAN_FILES = {
    "plan.json",
    "allocations.csv",
    "runs.csv",
    "shipments.csv",
    "unserved.csv",
    "generators.csv",
    "generator_use.csv",
    "report.html",
}
SIM_FILES = {"replications.csv", "bookings.csv", "exceptions.csv", "kpis.json"}
CAPACITY_FILES = {
    "capacity_rows.csv",
    "capacity_summary.csv",
    "capacity_processes.csv",
    "capacity_requirements.csv",
    "capacity_weeks.csv",
    "capacity.json",
    "capacity.svg",
}


@pytest.fixture(scope="module")
def cli() -> Callable[..., Any]:
    _register()
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture(scope="module")
def plan_dir(cli, tmp_path_factory) -> Path:
    """A baseline plan of the small scenario, for ``simulate --plan`` (no solve per run)."""
    out = tmp_path_factory.mktemp("baseline")
    assert cli("plan", SMALL, "--baseline", "--out", str(out)).exit_code == 0
    return out


# command, its files, the options of a first run and of a second (different) run, and the
# function that writes its 2nd file (the one a test makes fail)
CASES = {
    "plan": (
        "plan",
        PLAN_FILES,
        ["plan", SMALL, "--baseline", "--report"],
        ["plan", SMALL, "--baseline", "--report", "--lead", "5d"],
        "isoflow.adapters.plan_files._write_csv",
    ),
    "simulate": (
        "simulate",
        SIM_FILES,
        ["simulate", SMALL, "--replications", "20", "--seed", "1"],
        ["simulate", SMALL, "--replications", "20", "--seed", "2"],
        "isoflow.engines.simulate.output._rows",
    ),
    "capacity": (
        "analyze capacity",
        CAPACITY_FILES,
        ["analyze", "capacity", SMALL, "--from", "2025", "--to", "2027"],
        ["analyze", "capacity", SMALL, "--from", "2025", "--to", "2030"],
        "isoflow.adapters.cli.analyze_cmds._write_table",
    ),
}


def args_of(case: str, which: int, out: Path, plan_dir: Path) -> list[str]:
    args = list(CASES[case][2 + which])
    if case == "simulate":
        args += ["--plan", str(plan_dir)]
    return [*args, "--out", str(out)]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) by relative path: its SHA-256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Temporary folders beside ``out`` or inside it."""
    places = [out.parent, *([out] if out.is_dir() else [])]
    return [p.name for place in places for p in place.iterdir() if p.name.startswith(".")]


def fail_on_second_file(monkeypatch, target: str, exc: BaseException) -> list[int]:
    """Make ``target`` (a writer of one file) write part of the 2nd file, then raise ``exc``.

    ``plan.json`` is written otherwise, so the plan's CSV writer fails at once; the others
    write the 1st file and fail on the 2nd. Returns the call counter.
    """
    module_name, name = target.rsplit(".", 1)
    module = __import__(module_name, fromlist=[name])
    real = getattr(module, name)
    calls = [0]
    first_fails = target.endswith("plan_files._write_csv")  # plan.json was written before

    def writer(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1 and not first_fails:
            return real(*args, **kwargs)
        path = next(a for a in args if isinstance(a, Path))
        path.write_bytes(b"half a fi")  # the disk filled up midway through the file
        raise exc

    monkeypatch.setattr(target, writer)
    return calls


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_manifest_lists_exactly_the_files_written_with_sizes_and_hashes(
    cli, plan_dir, tmp_path, case
):
    command, files, *_ = CASES[case]
    out = tmp_path / "out"
    result = cli(*args_of(case, 0, out, plan_dir))
    assert result.exit_code == 0, result.output
    on_disk = {p.name for p in out.iterdir()}
    assert on_disk == files | {"manifest.json"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "isoflow-results/1"
    assert set(manifest["files"]) == files
    for name, entry in manifest["files"].items():
        data = (out / name).read_bytes()
        assert entry == {
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "command": command,
        }
    record = manifest["commands"][command]
    assert set(record["files"]) == files
    assert record["scenario"] == "small"
    small = Path(SMALL).read_bytes()
    assert record["inputs"]["scenario"]["files"]["small.yaml"] == {
        "bytes": len(small),
        "sha256": hashlib.sha256(small).hexdigest(),
    }
    assert record["isoflow_version"] == manifest["isoflow_version"]
    assert record["written_utc"].endswith("Z")
    assert record["options"]["out"] == str(out)
    if case == "simulate":
        assert record["options"]["seed"] == 1
        assert "plan" in record["inputs"]
    # the message names every file written, the manifest last
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("wrote "))
    listed = line.split(": ", 1)[1].split(", ")
    assert line.startswith(f"wrote {len(files) + 1} files to {out}/")
    assert set(listed) == files | {"manifest.json"}
    assert listed[-1] == "manifest.json"
    assert leftovers(out) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_full_disk_midway_leaves_the_previous_results_byte_for_byte(
    cli, plan_dir, tmp_path, monkeypatch, case
):
    out = tmp_path / "out"
    assert cli(*args_of(case, 0, out, plan_dir)).exit_code == 0
    before = snapshot(out)
    calls = fail_on_second_file(
        monkeypatch, CASES[case][4], OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    )
    result = cli(*args_of(case, 1, out, plan_dir))
    assert calls[0] >= 1
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert [ln for ln in result.stderr.splitlines() if ln.strip()] == [
        f"error: option '--out': cannot write to {out}: No space left on device"
    ]
    assert "wrote" not in result.stdout
    assert snapshot(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_keyboard_interrupt_midway_leaves_no_temporary_folder(
    cli, plan_dir, tmp_path, monkeypatch, capsys, case
):
    out = tmp_path / "out"
    assert cli(*args_of(case, 0, out, plan_dir)).exit_code == 0
    before = snapshot(out)
    fail_on_second_file(monkeypatch, CASES[case][4], KeyboardInterrupt())
    assert run(args_of(case, 1, out, plan_dir)) == 130
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_sigint_midway_says_the_previous_results_were_kept(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["plan", SMALL, "--baseline", "--out", str(out)]) == 0
    before = snapshot(out)
    capsys.readouterr()

    def ctrl_c(*args: Any) -> Path:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the file is written
        time.sleep(30)  # the handler raises here
        raise AssertionError("the signal did not stop the write")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("isoflow.adapters.plan_files._write_csv", ctrl_c)
        assert run(["plan", SMALL, "--baseline", "--out", str(out)]) == 130
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert lines == [
        "interrupted by SIGINT, removed the temporary folders; "
        f"the previous results in {out} were kept"
    ]
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_commands_sharing_a_folder_keep_each_others_files(cli, plan_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "drafts").mkdir()
    (out / "drafts" / "a.yaml").write_text("x: 1\n", encoding="utf-8")
    assert cli(*args_of("plan", 0, out, plan_dir)).exit_code == 0
    assert cli(*args_of("capacity", 0, out, plan_dir)).exit_code == 0
    capacity = {n: snapshot(out)[n] for n in CAPACITY_FILES}
    # the plan again, without --report: its report of the previous plan goes, the rest stays
    result = cli("plan", SMALL, "--baseline", "--lead", "5d", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "removed the previous run's report.html" in result.stdout
    names = {p.name for p in out.iterdir()}
    assert names == (PLAN_FILES - {"report.html"}) | CAPACITY_FILES | {
        "manifest.json",
        "notes.txt",
        "drafts",
    }
    assert {n: snapshot(out)[n] for n in CAPACITY_FILES} == capacity
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "drafts" / "a.yaml").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    owners = {name: entry["command"] for name, entry in manifest["files"].items()}
    assert owners == {
        **dict.fromkeys(PLAN_FILES - {"report.html"}, "plan"),
        **dict.fromkeys(CAPACITY_FILES, "analyze capacity"),
    }
    assert sorted(manifest["commands"]) == ["analyze capacity", "plan"]
    assert manifest["commands"]["plan"]["options"]["lead"] == "5d"
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert leftovers(out) == []
