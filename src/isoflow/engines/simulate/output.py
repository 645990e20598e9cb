"""Result files: flat CSV records and ``kpis.json``, byte-identical for the same seed.

Everything is counted in doses (a booking is one dose; see :mod:`.bookings` for orders).

* ``replications.csv``: one row per replication (:data:`SUMMARY_COLUMNS` plus missed doses
  by cause);
* ``bookings.csv``: one row per consignment instance (a booking, or the doses of an order
  from one planned batch or left short by the plan, × week), named by the booking or order
  id with its kind (``booking``, ``order``, ``export``: an order at a market, its doses are
  units) and doses: doses by outcome over all replications, missed doses by cause,
  doses administered late, missed share;
* ``exceptions.csv``: every consignment (or extra dose) not served as planned and on time in
  a replication: its doses, outcome, cause, postponement [h];
* ``kpis.json``: aggregate KPIs with 95 % intervals, and their tails over replications.

Numbers are written with fixed formats (no time stamps, no platform-dependent repr), so
the same seed gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from isoflow.engines.simulate.model import CAUSES, OUTCOMES, SimModel
from isoflow.engines.simulate.montecarlo import SimResult, kpis
from isoflow.engines.simulate.tally import SUMMARY_COLUMNS

FILES = ("replications.csv", "bookings.csv", "exceptions.csv", "kpis.json")


def _num(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.9g}"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rows(lines: list[str], path: Path) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return float(f"{obj:.9g}")
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def write_results(result: SimResult, out_dir: Path, scenario: str = "") -> list[Path]:
    """Write the four result files into ``out_dir`` (created); return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    causes = CAUSES[1:]
    lines = [",".join(("replication", *SUMMARY_COLUMNS, *(f"missed_{c}" for c in causes)))]
    for i, (row, mc) in enumerate(zip(result.summary, result.missed_cause, strict=True)):
        lines.append(",".join([str(i), *map(_num, row), *map(str, mc[1:])]))
    _rows(lines, out_dir / FILES[0])
    _rows(_booking_lines(result), out_dir / FILES[1])
    m = result.model
    lines = ["replication,booking,week,extra,doses,outcome,cause,postponement_h"]
    ids = np.asarray(m.book_id, dtype=object)
    for row in result.exceptions:
        b = int(row[1])
        lines.append(
            f"{int(row[0])},{ids[b]},{int(m.book_week[b])},{int(row[2])},{int(row[3])},"
            f"{OUTCOMES[int(row[4])]},{CAUSES[int(row[5])]},{row[6] / 3600:.4f}"
        )
    _rows(lines, out_dir / FILES[2])

    k = kpis(result)
    k["scenario"] = scenario
    (out_dir / FILES[3]).write_text(
        json.dumps(_round(k), indent=1, sort_keys=False, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    return [out_dir / f for f in FILES]


def _kind(m: SimModel, i: int) -> str:
    """Kind of consignment ``i``: ``booking``, ``order`` or ``export`` (an order at a market)."""
    if m.book_export[i]:
        return "export"
    return "booking" if m.book_patient[i] else "order"


def _booking_lines(result: SimResult) -> list[str]:
    """``bookings.csv``: one row per consignment instance, counts in doses."""
    m = result.model
    causes = CAUSES[1:]
    lines = [
        ",".join(
            (
                "booking",
                "kind",
                "doses",
                "week",
                "administration_utc",
                "country",
                "product",
                "plan_reason",
                *OUTCOMES,
                "late",
                *(f"missed_{c}" for c in causes),
                "p_missed",
            )
        )
    ]
    reps = result.replications
    for i, bid in enumerate(m.book_id):
        oc = result.book_outcome[i]
        doses = int(m.book_doses[i])
        active = reps * doses - int(oc[OUTCOMES.index("cancelled")])
        missed = int(oc[OUTCOMES.index("missed")])
        lines.append(
            ",".join(
                [
                    bid,
                    _kind(m, i),
                    str(doses),
                    str(int(m.book_week[i])),
                    _iso(float(m.book_time[i])),
                    m.countries[int(m.book_country[i])],
                    m.products[int(m.book_product[i])],
                    m.book_plan_reason[i],
                    *map(str, oc),
                    str(int(result.book_late[i])),
                    *map(str, result.book_cause[i, 1:]),
                    _num(missed / active if active else 0.0),
                ]
            )
        )
    return lines
