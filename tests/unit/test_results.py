"""``adapters.results``: a result set replaces its command's files at once or not at all."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
from pathlib import Path

import pytest

from isoflow.adapters import results
from isoflow.adapters.results import MANIFEST, Run, result_set


def write(out: Path, command: str, files: dict[str, str], **kwargs) -> results.ResultSet:
    with result_set(out, Run(command), **kwargs) as rs:
        for name, text in files.items():
            (rs.folder / name).write_text(text, encoding="utf-8")
            rs.add([rs.folder / name])
    return rs


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")}


def manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


def hidden(out: Path) -> list[str]:
    return [p.name for d in (out.parent, out) for p in d.iterdir() if p.name.startswith(".")]


def test_a_new_folder_is_one_rename_with_the_usual_mode(tmp_path):
    out = tmp_path / "a" / "out"
    rs = write(out, "x", {"one.csv": "1\n", "two.json": "{}\n"})
    assert rs.written == [out / "one.csv", out / "two.json", out / MANIFEST]
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
    files = manifest(out)["files"]
    assert files["one.csv"] == {
        "bytes": 2,
        "sha256": hashlib.sha256(b"1\n").hexdigest(),
        "command": "x",
    }
    assert hidden(out) == []


def test_a_rerun_replaces_its_own_files_and_removes_those_it_no_longer_writes(tmp_path):
    out = tmp_path / "out"
    write(out, "x", {"a.csv": "1", "b.csv": "2"})
    write(out, "y", {"c.csv": "3"})
    rs = write(out, "x", {"a.csv": "10"})
    assert rs.removed == ["b.csv"]
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "c.csv", MANIFEST]
    m = manifest(out)
    assert {n: f["command"] for n, f in m["files"].items()} == {"a.csv": "x", "c.csv": "y"}
    assert m["commands"]["y"]["files"] == ["c.csv"]
    assert (out / "a.csv").read_text() == "10"


def test_optional_files_go_from_a_folder_without_a_manifest(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("old report")
    (out / "mine.txt").write_text("kept")
    rs = write(out, "plan", {"plan.json": "{}"}, optional=["report.html"])
    assert rs.removed == ["report.html"]
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "mine.txt", "plan.json"]
    assert set(manifest(out)["files"]) == {"plan.json"}  # the user's file is not isoflow's


def test_an_unreadable_manifest_is_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text("{not json")
    write(out, "x", {"a.csv": "1"})
    assert set(manifest(out)["files"]) == {"a.csv"}


@pytest.mark.parametrize("failing_call", [1, 3, 5])
def test_a_rename_failing_mid_swap_is_undone(tmp_path, monkeypatch, failing_call):
    out = tmp_path / "out"
    write(out, "x", {"a.csv": "1", "b.csv": "2"})
    write(out, "y", {"c.csv": "3"})
    before = snapshot(out)
    real = os.rename
    calls = [0]

    def rename(src, dst):
        calls[0] += 1
        if calls[0] == failing_call:
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(results.os, "rename", rename)
    with pytest.raises(OSError, match="Input/output error"):
        write(out, "x", {"a.csv": "10", "d.csv": "4"})
    assert snapshot(out) == before
    assert hidden(out) == []


def test_a_signal_during_the_swap_waits_until_it_is_done(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write(out, "x", {"a.csv": "1", "b.csv": "2"})
    real = os.rename
    committed = []

    def rename(src, dst):
        if not committed and not getattr(rename, "sent", False):
            rename.sent = True  # type: ignore[attr-defined]
            os.kill(os.getpid(), signal.SIGINT)
        real(src, dst)

    monkeypatch.setattr(results.os, "rename", rename)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            write(out, "x", {"a.csv": "10", "b.csv": "20"}, on_commit=lambda: committed.append(1))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert committed == [1]
    assert (out / "a.csv").read_text() == "10"
    assert (out / "b.csv").read_text() == "20"
    files = manifest(out)["files"]
    assert files["b.csv"]["sha256"] == hashlib.sha256(b"20").hexdigest()
    assert hidden(out) == []


def test_a_folder_named_like_a_result_is_never_moved(tmp_path):
    out = tmp_path / "out"
    (out / "a.csv").mkdir(parents=True)
    (out / "a.csv" / "inside").write_text("user data")
    with pytest.raises(IsADirectoryError):
        write(out, "x", {"a.csv": "1"})
    assert (out / "a.csv" / "inside").read_text() == "user data"
    assert hidden(out) == []


def test_out_being_a_file_is_an_error(tmp_path):
    out = tmp_path / "out"
    out.write_text("x")
    with pytest.raises(NotADirectoryError):
        write(out, "x", {"a.csv": "1"})
    assert out.read_text() == "x"


def test_the_set_is_staged_inside_out_when_its_parent_is_not_writable(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(results.os, "access", lambda path, mode: False)
    with result_set(out, Run("x")) as rs:
        assert rs.folder.parent == out
        (rs.folder / "a.csv").write_text("1")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]
