"""Models read from a large list share equal values, and keep every value exactly."""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from isoflow.scenario.items import _Compactor
from isoflow.scenario.load import load_scenario, save_scenario


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    x: float
    n: float | int


def test_equal_floats_become_one_object_and_zero_keeps_its_sign() -> None:
    compact = _Compactor()
    a = compact(_Item(id="a", x=float("740e6"), n=1))
    b = compact(_Item(id="b", x=float("740e6"), n=1.0))
    assert a.x is b.x
    # 1 == 1.0, but the type is kept
    assert type(a.n) is int
    assert type(b.n) is float
    plus = compact(_Item(id="c", x=0.0, n=0))
    minus = compact(_Item(id="d", x=-0.0, n=0))
    assert math.copysign(1.0, plus.x) == 1.0
    assert math.copysign(1.0, minus.x) == -1.0


def test_bookings_read_from_a_csv_folder_share_their_activity(
    tmp_path: Path, small_text: str
) -> None:
    text = small_text.replace(
        "  bookings:\n",
        "  bookings:\n"
        + "".join(
            f"    - {{id: x{i}, hospital: hosp-seoul, product: f18-fdg, "
            f"administration: '2025-08-05T0{i}:30:00Z', activity: 370 MBq}}\n"
            for i in range(1, 4)
        ),
        1,
    )
    source = tmp_path / "s.yaml"
    source.write_text(text, encoding="utf-8")
    folder = save_scenario(load_scenario(source), tmp_path / "folder")
    read = [b for b in load_scenario(folder).demand.bookings if b.id.startswith("x")]
    assert [b.activity for b in read] == [370e6] * 3
    assert read[0].activity is read[1].activity is read[2].activity
