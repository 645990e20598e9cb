"""Empty arguments and missing overlays are usage errors (exit 2), and write nothing.

``Path("")`` is ``.``: before, ``plan --out ""`` wrote its eight files into the working folder
and ``validate ""`` validated it; a missing overlay exited 1 as if the scenario were invalid.
"""

from __future__ import annotations

import pytest

from isoflow.adapters.cli.app import run


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["validate", ""], "error: argument: an empty value"),
        (["plan", "apac-2025", "--out", ""], "error: option '--out': an empty value"),
        (["plan", "apac-2025", "--out="], "error: option '--out': an empty value"),
        (["simulate", "apac-2025", "--out", "  "], "error: option '--out': an empty value"),
    ],
)
def test_an_empty_value_is_refused_before_anything_runs(args, line, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [line]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["validate", "plan", "simulate"])
def test_a_missing_overlay_is_a_usage_error(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run([command, "apac-2025+no-such-overlay"]) == 2
    err = capsys.readouterr().err
    assert "no overlay 'no-such-overlay' for 'apac-2025'" in err
    assert "opal-down-4w" in err  # the overlays it has are named
    assert list(tmp_path.iterdir()) == []


def test_a_huge_value_is_not_echoed_whole(tmp_path, monkeypatch, capsys):
    # a 100,000-character nuclide name: the error shows the first 80 characters of each word
    # holding it (the quote included) and the word's length, on one line
    monkeypatch.chdir(tmp_path)
    name = "X" * 100_000
    assert run(["decay", f"{name}=1GBq", "--after", "1h"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert len(err[0]) < 500
    assert "'" + "X" * 79 + "…(100,0" in err[0]
    assert "X" * 81 not in err[0]
