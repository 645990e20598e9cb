"""Small, dependency-free SVG charts for the analysis tables (offline, no scripts).

Each function returns the text of a standalone SVG document: a status heat map (capacity),
horizontal bars (contingency, self-sufficiency) and a tornado (make or buy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

FONT = "font-family='Helvetica,Arial,sans-serif'"
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _doc(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' "
        f"viewBox='0 0 {width:.0f} {height:.0f}' {FONT} font-size='12'>\n"
        f"<title>{escape(title)}</title>\n<rect width='100%' height='100%' fill='white'/>\n"
        f"<text x='10' y='20' font-size='15' font-weight='bold'>{escape(title)}</text>\n"
        + "\n".join(body)
        + "\n</svg>\n"
    )


def _nice(value: float) -> str:
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:.3g}G"
    if a >= 1e6:
        return f"{value / 1e6:.3g}M"
    if a >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: dict[tuple[str, str], tuple[str, str]],
    title: str,
    legend: Sequence[tuple[str, str]],
) -> str:
    """A grid of coloured cells: ``cells[(row, column)] = (fill colour, label)``."""
    label_w = max([len(r) for r in rows] + [10]) * 7 + 20
    cw, ch = 52, 20
    top = 60
    body = []
    for j, col in enumerate(columns):
        x = label_w + j * cw + cw / 2
        body.append(f"<text x='{x:.0f}' y='{top - 6}' text-anchor='middle'>{escape(col)}</text>")
    for i, row in enumerate(rows):
        y = top + i * ch
        body.append(f"<text x='{label_w - 6}' y='{y + 14}' text-anchor='end'>{escape(row)}</text>")
        for j, col in enumerate(columns):
            fill, text = cells.get((row, col), ("#eeeeee", ""))
            x = label_w + j * cw
            body.append(
                f"<rect x='{x}' y='{y}' width='{cw - 2}' height='{ch - 2}' fill='{fill}'>"
                f"<title>{escape(row)} {escape(col)}: {escape(text)}</title></rect>"
            )
            if text:
                body.append(
                    f"<text x='{x + cw / 2 - 1:.0f}' y='{y + 13}' text-anchor='middle' "
                    f"font-size='10'>{escape(text)}</text>"
                )
    y = top + len(rows) * ch + 20
    x = label_w
    for fill, name in legend:
        body.append(f"<rect x='{x}' y='{y - 10}' width='12' height='12' fill='{fill}'/>")
        body.append(f"<text x='{x + 16}' y='{y}'>{escape(name)}</text>")
        x += 24 + 7 * len(name)
    width = max(label_w + len(columns) * cw + 20, x + 20)
    return _doc(width, y + 20, body, title)


def bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    title: str,
    axis: str,
    percent: bool = False,
) -> str:
    """Horizontal bars, one group per label and one bar per series."""
    label_w = max([len(lab) for lab in labels] + [10]) * 7 + 20
    plot_w = 460
    n = max(1, len(series))
    bh = 12
    gh = n * bh + 8
    top = 60
    values = [v for _, vs in series for v in vs if math.isfinite(v)]
    vmax = max([*values, 1e-12])
    vmin = min([*values, 0.0])
    span = vmax - vmin

    def xpos(v: float) -> float:
        return label_w + (v - vmin) / span * plot_w

    body = []
    for k, (name, _) in enumerate(series):
        body.append(
            f"<rect x='{label_w + k * 160}' y='32' width='12' height='12' "
            f"fill='{COLOURS[k % len(COLOURS)]}'/><text x='{label_w + k * 160 + 16}' y='42'>"
            f"{escape(name)}</text>"
        )
    for i, lab in enumerate(labels):
        y = top + i * gh
        body.append(
            f"<text x='{label_w - 6}' y='{y + gh / 2 + 4:.0f}' text-anchor='end'>"
            f"{escape(lab)}</text>"
        )
        for k, (name, vs) in enumerate(series):
            v = vs[i]
            if not math.isfinite(v):
                continue
            x0, x1 = sorted((xpos(0.0), xpos(v)))
            text = f"{v:.0%}" if percent else _nice(v)
            body.append(
                f"<rect x='{x0:.1f}' y='{y + k * bh}' width='{max(x1 - x0, 0.5):.1f}' "
                f"height='{bh - 2}' fill='{COLOURS[k % len(COLOURS)]}'><title>{escape(lab)} "
                f"{escape(name)}: {text}</title></rect>"
            )
    y_axis = top + len(labels) * gh
    body.append(
        f"<line x1='{xpos(0):.1f}' y1='{top - 4}' x2='{xpos(0):.1f}' y2='{y_axis}' stroke='#444'/>"
    )
    for q in range(5):
        v = vmin + span * q / 4
        body.append(
            f"<text x='{xpos(v):.0f}' y='{y_axis + 14}' text-anchor='middle' font-size='10'>"
            f"{f'{v:.0%}' if percent else _nice(v)}</text>"
        )
    body.append(
        f"<text x='{label_w + plot_w / 2}' y='{y_axis + 30}' text-anchor='middle'>"
        f"{escape(axis)}</text>"
    )
    return _doc(label_w + plot_w + 40, y_axis + 44, body, title)


def tornado(bars_: Sequence[tuple[str, float, float]], base: float, title: str, axis: str) -> str:
    """A tornado chart: one bar per input from its low-case to its high-case value."""
    label_w = max([len(b[0]) for b in bars_] + [10]) * 7 + 20
    plot_w = 460
    top = 60
    bh = 22
    values = [v for _, lo, hi in bars_ for v in (lo, hi)] + [base]
    vmin, vmax = min(values), max(values)
    span = (vmax - vmin) or 1.0

    def xpos(v: float) -> float:
        return label_w + 10 + (v - vmin) / span * (plot_w - 20)

    body = [
        f"<rect x='{label_w + 10}' y='32' width='12' height='12' fill='{COLOURS[3]}'/>"
        f"<text x='{label_w + 26}' y='42'>input −20 %</text>",
        f"<rect x='{label_w + 130}' y='32' width='12' height='12' fill='{COLOURS[2]}'/>"
        f"<text x='{label_w + 146}' y='42'>input +20 %</text>",
    ]
    for i, (name, lo, hi) in enumerate(bars_):
        y = top + i * bh
        body.append(f"<text x='{label_w - 6}' y='{y + 14}' text-anchor='end'>{escape(name)}</text>")
        for v, colour in ((lo, COLOURS[3]), (hi, COLOURS[2])):
            x0, x1 = sorted((xpos(base), xpos(v)))
            body.append(
                f"<rect x='{x0:.1f}' y='{y + 2}' width='{max(x1 - x0, 0.5):.1f}' height='{bh - 6}'"
                f" fill='{colour}' opacity='0.85'><title>{escape(name)}: {_nice(v)}</title></rect>"
            )
    y_axis = top + len(bars_) * bh
    body.append(
        f"<line x1='{xpos(base):.1f}' y1='{top - 4}' x2='{xpos(base):.1f}' y2='{y_axis}' "
        "stroke='#222' stroke-dasharray='4 3'/>"
    )
    for q in range(5):
        v = vmin + span * q / 4
        body.append(
            f"<text x='{xpos(v):.0f}' y='{y_axis + 14}' text-anchor='middle' font-size='10'>"
            f"{_nice(v)}</text>"
        )
    body.append(
        f"<text x='{label_w + plot_w / 2}' y='{y_axis + 30}' text-anchor='middle'>"
        f"{escape(axis)} (base {_nice(base)})</text>"
    )
    return _doc(label_w + plot_w + 40, y_axis + 44, body, title)
