"""What-if overlays: SCENARIO+NAME merges a variant into a scenario, checked like any file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from isoflow.errors import ScenarioError
from isoflow.scenario.load import load_scenario, resolve, save_scenario
from isoflow.scenario.validate import validate

OUTAGE = """\
overlay:
  title: Seoul cyclotron down
processes:
  - id: fdg
    availability:
      outages:
        - {start: 2025-08-05T00:00:00Z, end: 2025-08-06T00:00:00Z, reason: what-if}
lanes:
  - id: sg-sel
    transit: 9 h
  - id: sel-sel
    origin: cyc-seoul
    destination: hosp-seoul
    mode: road
    transit: 2 h
remove:
  lanes: [reactor-hosp]
policies:
  export_restrictions:
    - {country: SG, start: 2025-08-04T00:00:00Z}
"""


@pytest.fixture
def folder(tmp_path: Path, small_path: Path) -> Path:
    path = save_scenario(load_scenario(small_path), tmp_path / "small")
    (path / "overlays").mkdir()
    (path / "overlays" / "down.yaml").write_text(OUTAGE, encoding="utf-8")
    return path


def test_overlay_patches_appends_and_removes(folder: Path) -> None:
    base = load_scenario(folder)
    variant = load_scenario(f"{folder}+down")
    assert variant.meta.name == f"{base.meta.name}:down"
    assert variant.meta.title.endswith(" + Seoul cyclotron down")
    fdg = next(p for p in variant.processes if p.id == "fdg")
    assert [(o.start, o.end) for o in fdg.availability.outages] == [
        (datetime(2025, 8, 5, tzinfo=UTC), datetime(2025, 8, 6, tzinfo=UTC))
    ]
    # everything else of the process is the base's
    base_fdg = next(p for p in base.processes if p.id == "fdg")
    assert fdg.model_copy(update={"availability": base_fdg.availability}) == base_fdg
    lanes = {lane.id: lane for lane in variant.lanes}
    assert lanes["sg-sel"].transit == 9 * 3600
    assert lanes["sg-sel"].border == next(x for x in base.lanes if x.id == "sg-sel").border
    assert lanes["sel-sel"].transit == 2 * 3600
    assert "reactor-hosp" not in lanes
    assert len(variant.lanes) == len(base.lanes)  # one removed, one added
    (restriction,) = variant.policies.export_restrictions
    assert restriction.country == "SG"
    assert resolve(f"{folder}+down") == folder


def test_overlays_apply_in_order(folder: Path) -> None:
    (folder / "overlays" / "slower.yaml").write_text(
        "lanes:\n  - {id: sg-sel, transit: 11 h}\n", encoding="utf-8"
    )
    lanes = {x.id: x for x in load_scenario(f"{folder}+down+slower").lanes}
    assert lanes["sg-sel"].transit == 11 * 3600
    lanes = {x.id: x for x in load_scenario(f"{folder}+slower+down").lanes}
    assert lanes["sg-sel"].transit == 9 * 3600


def _issues(ref: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(ref)
    return info.value.issues


def test_unknown_overlay_names_the_ones_there(folder: Path) -> None:
    assert _issues(f"{folder}+nope") == [f"no overlay 'nope' for '{folder}' (its overlays: down)"]


def test_bad_value_is_reported_at_the_overlay_line(folder: Path) -> None:
    text = OUTAGE.replace("transit: 9 h", "transit: -9 h")
    (folder / "overlays" / "down.yaml").write_text(text, encoding="utf-8")
    (issue,) = _issues(f"{folder}+down")
    assert issue.startswith("down.yaml:10: lanes.2.transit:")


def test_cross_reference_error_in_an_added_item(folder: Path) -> None:
    text = OUTAGE.replace("origin: cyc-seoul", "origin: cyc-busan")
    (folder / "overlays" / "down.yaml").write_text(text, encoding="utf-8")
    errors = [str(i) for i in validate(f"{folder}+down").errors]
    assert len(errors) == 1
    # reactor-hosp removed first, sel-sel appended as the last lane
    last = len(load_scenario(folder).lanes) - 1
    assert errors[0].startswith(f"down.yaml:12: lanes.{last}.origin: unknown site 'cyc-busan'")


def test_removing_an_unknown_id_and_unknown_keys(folder: Path) -> None:
    text = OUTAGE.replace("[reactor-hosp]", "[reactor-hosp, no-such-lane]") + "sights: []\n"
    (folder / "overlays" / "down.yaml").write_text(text, encoding="utf-8")
    assert _issues(f"{folder}+down") == [
        "down.yaml:17: remove.lanes.1: no item with id 'no-such-lane' in lanes to remove",
        f"down.yaml:{text.count(chr(10))}: sights: unknown key 'sights' in an overlay "
        "(allowed: overlay, remove, meta, sources, products, sites, processes, lanes, demand, "
        "policies, disruptions)",
    ]


def test_an_overlay_file_given_by_path(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.yaml"
    other.write_text("lanes:\n  - {id: sg-sel, transit: 12 h}\n", encoding="utf-8")
    variant = load_scenario(f"{folder}+{other}")
    assert {x.id: x for x in variant.lanes}["sg-sel"].transit == 12 * 3600
    assert variant.meta.name.endswith(":elsewhere")


def test_saving_a_scenario_folder_keeps_its_overlays(folder: Path) -> None:
    base = load_scenario(folder)
    save_scenario(base, folder)
    assert (folder / "overlays" / "down.yaml").read_text(encoding="utf-8") == OUTAGE
    assert load_scenario(f"{folder}+down").meta.name.endswith(":down")
