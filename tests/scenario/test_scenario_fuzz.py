"""Property: loading a mutated scenario either succeeds or raises ScenarioError, nothing else."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isoflow.errors import ScenarioError
from isoflow.scenario.load import dump_yaml, load_scenario, save_scenario
from mutations import mutated

SMALL = Path(__file__).parent / "data" / "small.yaml"
BASE: dict[str, Any] = json.loads(json.dumps(load_scenario(SMALL).model_dump(mode="json")))

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["7.4 GBq", "6 h", "-1 d", "1e300 GBq", "5e-324", "hosp-seoul", "Lu-177"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _load(path: Path | str) -> None:
    error: ScenarioError | None = None
    try:
        load_scenario(path)
    except ScenarioError as exc:
        error = exc
    assert error is None or error.issues  # every failure names at least one problem


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(mutated(BASE, junk))
def test_mutated_data_loads_or_raises_scenario_error(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        yaml_path = Path(tmp) / "s.yaml"
        yaml_path.write_text(dump_yaml(copy.deepcopy(data)), encoding="utf-8")
        _load(yaml_path)
        json_path = Path(tmp) / "s.json"
        json_path.write_text(json.dumps(data), encoding="utf-8")
        _load(json_path)


TEXT = SMALL.read_bytes()


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(TEXT) - 1), st.binary(max_size=4)),
        min_size=1,
        max_size=4,
    )
)
def test_corrupted_bytes_load_or_raise_scenario_error(edits: list[tuple[int, bytes]]) -> None:
    raw = bytearray(TEXT)
    for offset, chunk in edits:
        raw[offset : offset + len(chunk)] = chunk
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_bytes(bytes(raw))
        _load(path)


FOLDER_HOME = tempfile.TemporaryDirectory(prefix="isoflow-fuzz-")  # removed at the end
FOLDER = Path(FOLDER_HOME.name) / "small"
save_scenario(load_scenario(SMALL), FOLDER)
CSV = {p.name: p.read_bytes() for p in FOLDER.iterdir()}


@SETTINGS
@given(
    st.sampled_from(sorted(CSV)),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=4000), st.binary(max_size=4)),
        min_size=1,
        max_size=4,
    ),
)
def test_corrupted_csv_folder_loads_or_raises(name: str, edits: list[tuple[int, bytes]]) -> None:
    raw = bytearray(CSV[name])
    for offset, chunk in edits:
        at = offset % max(len(raw), 1)
        raw[at : at + len(chunk)] = chunk
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "small"
        folder.mkdir()
        for other, content in CSV.items():
            (folder / other).write_bytes(bytes(raw) if other == name else content)
        _load(folder)


OVERLAY: dict[str, Any] = {
    "overlay": {"title": "what-if"},
    "processes": [
        {
            "id": "fdg",
            "availability": {
                "outages": [{"start": "2025-08-05T00:00:00Z", "end": "2025-08-06T00:00:00Z"}]
            },
        }
    ],
    "lanes": [{"id": "sg-sel", "transit": "9 h"}],
    "remove": {"lanes": ["reactor-hosp"]},
    "policies": {"export_restrictions": [{"country": "SG", "start": "2025-08-04T00:00:00Z"}]},
}
(FOLDER / "overlays").mkdir()


@SETTINGS
@given(mutated(OVERLAY, junk))
def test_mutated_overlay_validates_or_names_its_problems(overlay: dict[str, Any]) -> None:
    """A broken what-if overlay never crashes reading or validation: a report with issues."""
    from isoflow.scenario.validate import validate

    (FOLDER / "overlays" / "fuzz.yaml").write_text(dump_yaml(overlay), encoding="utf-8")
    report = validate(f"{FOLDER}+fuzz")
    assert report.ok or all(str(i) for i in report.errors)
    _load(f"{FOLDER}+fuzz")
