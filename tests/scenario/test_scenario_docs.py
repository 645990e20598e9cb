"""docs/scenario.md is generated from the models and must match them."""

from __future__ import annotations

from pathlib import Path

from isoflow.scenario.docs import DOCS_PATH, render
from isoflow.scenario.schema import Lane, Scenario

ROOT = Path(__file__).resolve().parents[2]


def test_committed_reference_is_up_to_date() -> None:
    committed = (ROOT / DOCS_PATH).read_text(encoding="utf-8")
    assert committed == render(), "run: python scripts/gen_docs.py"


def test_reference_lists_every_field() -> None:
    text = render()
    for name in Lane.model_fields:
        assert f"| `{name}` |" in text
    assert "| `transit` | `PositiveDuration` | s | **required** |" in text
    assert f"### {Scenario.__name__}" in text
