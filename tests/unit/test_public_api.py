"""The curated public API at ``isoflow``'s top level: its names resolve, its examples run."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest

import isoflow
import isoflow.records.kpis
import isoflow.records.plan


@pytest.mark.parametrize("module", [isoflow, isoflow.records.plan, isoflow.records.kpis])
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_name_resolves() -> None:
    for name in isoflow.__all__:
        assert getattr(isoflow, name) is not None, name
    assert isoflow.Plan is isoflow.records.plan.Plan
    assert set(isoflow.__all__) <= set(dir(isoflow))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = isoflow.no_such_thing  # type: ignore[attr-defined]


def test_import_isoflow_leaves_the_engines_and_records_unloaded() -> None:
    code = (
        "import sys, isoflow; "
        "print(sorted(m for m in sys.modules if m.startswith(('isoflow.engines', "
        "'isoflow.records', 'isoflow.adapters'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
