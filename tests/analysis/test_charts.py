"""The SVG charts are well-formed standalone documents with one shape per value."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from isoflow.engines.analysis.charts import bars, heatmap, tornado

SVG = "{http://www.w3.org/2000/svg}"


def shapes(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [e for e in root.iter(f"{SVG}rect") if e.find(f"{SVG}title") is not None]


def test_heatmap_has_one_cell_per_row_and_column_and_escapes_text():
    svg = heatmap(
        ["Mo-99 <East>", "Lu-177"],
        ["2025", "2026", "2027"],
        {("Lu-177", "2025"): ("#f00", "120%")},
        "a & b",
        [("#f00", "short")],
    )
    assert len(shapes(svg)) == 6
    assert "&lt;East&gt;" in svg


def test_bars_and_tornado_draw_every_value():
    svg = bars(["a", "b"], [("x", [1.0, -2.0]), ("y", [0.5, float("nan")])], "t", "axis")
    assert len(shapes(svg)) == 3  # the NaN is skipped
    svg = tornado([("capex", 10.0, -5.0), ("price", 0.0, 20.0)], 5.0, "t", "savings")
    assert len(shapes(svg)) == 4
