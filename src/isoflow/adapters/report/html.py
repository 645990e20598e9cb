"""A plan as one self-contained HTML file: network map, Gantt, shipments, decay curves, KPIs.

The page inlines plotly.js, the country outlines, its own script and its data, and carries a
Content-Security-Policy that forbids every fetch, so it opens offline and makes no network
request. The vendored files live in ``assets/`` (re-create them with
``scripts/vendor_assets.sh``); the page's own script and style live in ``static/``.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from isoflow.adapters.report.data import report_data
from isoflow.adapters.report.kpis import GBQ, Table, kpi_tables
from isoflow.adapters.report.signatures import STYLE, signature_section
from isoflow.records.kpis import ActivityKpis
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario
from isoflow.units import to_iso

if TYPE_CHECKING:
    from isoflow.service.approvals import ApprovalStatus

_HERE = files("isoflow.adapters.report")

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)
"""No source but the page itself: any attempt to load from the network is blocked."""

_NUMERIC = re.compile(r"^[−+-]?[\d,]*\.?\d+(e[+-]?\d+)?( %| s)?$")


def _text(*parts: str) -> str:
    return _HERE.joinpath(*parts).read_text(encoding="utf-8")


@cache
def _script(*parts: str) -> str:
    r"""A JavaScript file made safe inside an inline ``<script>`` element.

    ``<!--`` (plotly has one in a string literal) is written ``\x3C!--``, which means the same
    in a string or regular expression; a file containing ``<script`` or ``</script`` is refused.
    """
    code = _text(*parts)
    lowered = code.lower()
    if "<script" in lowered or "</script" in lowered:
        raise ValueError(
            f"{'/'.join(parts)} cannot be inlined: it contains '<script' or '</script'"
        )
    return code.replace("<!--", "\\x3C!--")


@cache
def _outlines() -> tuple[list[list[list[float]]], list[list[list[float]]]]:
    doc = json.loads(_text("assets", "countries-110m-lines.json"))
    return doc["lines"], doc.get("land", [])


def _json_for_script(data: Any) -> str:
    r"""JSON that cannot end its ``<script>`` element early (``<`` escaped as ``\u003c``)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _table_html(t: Table) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in t.columns)
    if t.rows:
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{e(v)}</td>' if _NUMERIC.match(v) else f"<td>{e(v)}</td>"
                for v in row
            )
            + "</tr>"
            for row in t.rows
        )
    else:
        body = f'<tr><td class="none" colspan="{len(t.columns)}">none</td></tr>'
    wide = " wide" if len(t.columns) > 5 else ""
    return (
        f'<div class="kpi-block{wide}"><table class="kpi" id="kpi-{e(t.key)}" '
        f'data-kpi="{e(t.key)}"><caption>{e(t.title)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _tiles(plan: Plan, currency: str) -> str:
    k = plan.kpis
    b, act, cost = k.doses, k.activity or ActivityKpis(), k.cost
    produced, waste = act.produced_eop_bq, act.waste_eop_bq
    tiles = [
        ("doses served", f"{b.served} / {b.total}" if b else "– / –"),
        ("served share", f"{100 * b.served_share:.1f} %" if b else "–"),
        ("produced at EOP", f"{produced / GBQ:,.1f} GBq"),
        ("administered", f"{act.administered_bq / GBQ:,.2f} GBq"),
        ("waste at EOP", f"{100 * waste / produced:.1f} %" if produced else "–"),
        ("total cost", f"{cost.total if cost else 0.0:,.0f} {currency}"),
        ("solver", str(plan.solver.status) if plan.solver else plan.planner),
    ]
    return "".join(
        f'<div class="tile"><div class="k">{html.escape(key)}</div>'
        f'<div class="v">{html.escape(value)}</div></div>'
        for key, value in tiles
    )


def render_html(plan: Plan, scenario: Scenario, signatures: ApprovalStatus | None = None) -> str:
    """The report page as a string (see :func:`render_report`).

    With ``signatures`` (the plan's approval status, its signatures checked against the plan)
    the page opens with a signature section; without, it is the plain report.
    """
    lines, land = _outlines()
    data = report_data(plan, scenario, lines, land)
    e = html.escape
    title = f"isoflow plan · {data['title']}"
    tables = "".join(_table_html(t) for t in kpi_tables(plan))
    style, section, footnote = "", "", ""
    if signatures is not None:
        style, section = STYLE, signature_section(signatures)
        footnote = " Signatures: UTC and the signer's time zone."
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{e(CSP, quote=False)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_text("static", "report.css")}</style>{style}
</head>
<body>
<header>
<h1>{e(title)}</h1>
<p>Scenario <b>{e(plan.scenario)}</b> · planner {e(plan.planner)} · horizon {e(data["start"])} →
{e(data["end"])} UTC · earliest run {e(to_iso(plan.earliest_run_utc))}</p>
</header>
<main>
{section}<div class="tiles" id="tiles">{_tiles(plan, scenario.meta.currency)}</div>
<section id="section-map">
<h2>Network and flows</h2>
<p class="note">Sites coloured by kind; lines are scenario lanes, bowed to the right of the
direction of travel, with width growing with what the plan moves (dotted: unused).
Activities are at end of production (doses, bulk inputs) or calibration (generators).</p>
<div class="controls"><label for="map-width">Line width by</label>
<select id="map-width"><option value="activity">activity moved</option>
<option value="consignments">consignments (doses, batches, generators)</option></select></div>
<div id="map" class="chart"></div>
</section>
<section id="section-gantt">
<h2>Production</h2>
<p class="note">One row per process and site: bars from start to end of production (EOP),
hatched from EOP to QC release. Shaded background: planning horizon.</p>
<div id="gantt" class="chart"></div>
</section>
<section id="section-timeline">
<h2>Shipments</h2>
<p class="note">Departures used by the plan per lane: ● departure, ▶ arrival; blue carries
patient doses, purple upstream batches.</p>
<div id="timeline" class="chart"></div>
</section>
<section id="section-decay">
<h2>Decay of a dose</h2>
<div class="controls"><label for="decay-select">Dose</label>
<select id="decay-select"></select></div>
<p class="note" id="decay-info"></p>
<div id="decay" class="chart"></div>
</section>
<section id="section-kpis">
<h2>Key figures</h2>
<div class="kpis">{tables}</div>
</section>
</main>
<footer>Generated by isoflow. Charts: plotly.js (MIT). Map: Natural Earth 1:110m via world-atlas
(public domain / ISC). Times in UTC.{footnote}</footer>
<script type="application/json" id="report-data">{_json_for_script(data)}</script>
<script>{_script("assets", "plotly.min.js")}</script>
<script>{_script("static", "report.js")}</script>
</body>
</html>
"""


def render_report(plan: Plan, scenario: Scenario, path: Path) -> Path:
    """Write the plan report to ``path`` as one self-contained HTML file and return the path.

    The file inlines every script and the map outlines; it opens without internet and makes
    no network request. ``scenario`` must be the scenario the plan was made from.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(plan, scenario), encoding="utf-8")
    return out
