"""The entry point's last resort: usage errors in one line, internal errors with a crash log."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from isoflow.adapters.cli import guard
from isoflow.adapters.cli.app import run
from isoflow.processes import children


def stderr_lines(capsys) -> list[str]:
    return [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]


def test_an_unexpected_exception_is_one_line_and_a_crash_log(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken() -> dict[str, object]:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("isoflow.scenario.docs.json_schema", broken)
    assert run(["schema"]) == 70
    (line,) = stderr_lines(capsys)
    (log,) = (tmp_path / "state" / "isoflow").iterdir()
    assert line == f"error: internal error: RuntimeError: boom second line; details in {log}"
    assert log.name.startswith("isoflow-crash-")
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: boom\nsecond line" in text
    assert "in broken" in text


def test_the_crash_log_goes_to_the_temp_folder_when_the_state_folder_is_unusable(
    capsys, monkeypatch, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def broken() -> dict[str, object]:
        raise MemoryError

    monkeypatch.setattr("isoflow.scenario.docs.json_schema", broken)
    assert run(["schema"]) == 70
    (line,) = stderr_lines(capsys)
    (log,) = (tmp_path / "tmp").iterdir()
    assert line == f"error: internal error: MemoryError; details in {log}"


def test_a_long_message_is_cut_on_the_line_but_whole_in_the_log(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    def broken() -> dict[str, object]:
        raise ValueError("x" * 1000)

    monkeypatch.setattr("isoflow.scenario.docs.json_schema", broken)
    assert run(["schema"]) == 70
    (line,) = stderr_lines(capsys)
    assert line.startswith("error: internal error: ValueError: " + "x" * 300 + "...; details")
    (log,) = (tmp_path / "isoflow").iterdir()
    assert "x" * 1000 in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["simulate", "--threads", "100000"],
            "error: No such option: --threads (see 'isoflow simulate --help')",
        ),
        (["nuclide"], "error: Missing argument 'NUCLIDE'. (see 'isoflow nuclide --help')"),
    ],
)
def test_usage_errors_are_one_line_exit_2(capsys, args, line):
    assert run(args) == 2
    assert stderr_lines(capsys) == [line]


def test_a_command_that_works_exits_0(capsys):
    assert run(["nuclide", "Lu-177", "--json"]) == 0
    assert '"nuclide": "Lu-177"' in capsys.readouterr().out


def test_the_interrupted_line_says_what_was_stopped_and_kept():
    received = guard.Received(signal.SIGTERM, stopped=2)
    guard.outcome.kept = "nothing was written"
    assert guard.interrupted_line(received) == (
        "interrupted by SIGTERM, stopped the solver and worker processes, removed the "
        "temporary folders; nothing was written"
    )
    guard.outcome.kept = f"{Path('out')} may hold partly written results"
    assert guard.interrupted_line(guard.Received(signal.SIGINT)) == (
        "interrupted by SIGINT, removed the temporary folders; out may hold partly written results"
    )


def test_a_signal_during_a_command_stops_children_and_exits_128_plus_the_signal(
    capsys, monkeypatch
):
    """In process: the handler stops the registry and raises in the command."""
    seen: list[bool] = []

    def interrupted() -> dict[str, object]:
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            seen.append(children.stopping)
        raise AssertionError("the handler raises first")

    monkeypatch.setattr("isoflow.scenario.docs.json_schema", interrupted)
    before = signal.getsignal(signal.SIGTERM)
    assert run(["schema"]) == 143
    assert stderr_lines(capsys) == [
        "interrupted by SIGTERM, removed the temporary folders; nothing was written"
    ]
    assert seen == [True]  # stopped while the command ran
    assert not children.stopping  # and ready again once it returned
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def test_with_keep_best_a_signal_winds_down_and_a_second_one_stops(capsys, monkeypatch):
    """In process: the first signal in a windable block raises nothing, the second stops."""
    seen: list[tuple[bool, bool]] = []

    def interrupted() -> dict[str, object]:
        children.graceful = True
        with children.windable():
            signal.raise_signal(signal.SIGINT)
            seen.append((children.winding_down, children.stopping))
            try:
                signal.raise_signal(signal.SIGTERM)
            finally:
                seen.append((children.winding_down, children.stopping))
        raise AssertionError("the second signal raises")

    monkeypatch.setattr("isoflow.scenario.docs.json_schema", interrupted)
    assert run(["schema"]) == 130  # the first signal's code
    assert stderr_lines(capsys) == [
        "interrupted by SIGINT, removed the temporary folders; nothing was written"
    ]
    assert seen == [(True, False), (True, True)]
    assert not children.winding_down
    assert not children.graceful


def test_with_keep_best_the_command_words_the_line_of_what_it_kept(capsys, monkeypatch):
    def kept() -> dict[str, object]:
        children.graceful = True
        with children.windable():
            signal.raise_signal(signal.SIGTERM)
        guard.outcome.line = "stopped: kept the best plan so far (...) in out"
        return {}

    monkeypatch.setattr("isoflow.scenario.docs.json_schema", kept)
    assert run(["schema"]) == 143
    assert stderr_lines(capsys) == ["stopped: kept the best plan so far (...) in out"]
