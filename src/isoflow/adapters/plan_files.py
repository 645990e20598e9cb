"""Plan files: ``plan.json`` (the whole plan) and CSV tables, written atomically.

``write_plan`` writes everything into a temporary folder beside the target and then moves
the files into place, so an interrupted write never leaves a half-written plan.
``read_plan`` reads ``plan.json`` (or a folder holding it) back into a :class:`Plan`.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from isoflow.engines.planner.plan import Plan
from isoflow.errors import InputError

PLAN_FILE = "plan.json"
TABLES = ("allocations", "runs", "shipments", "unserved", "generators")


def _rows(plan: Plan, table: str) -> list[dict[str, Any]]:
    rows = []
    for record in getattr(plan, table):
        row: dict[str, Any] = {}
        for key, value in record.model_dump(mode="json").items():
            if key == "legs":
                row["legs"] = " ".join(
                    f"{leg['lane']}[{leg['depart_utc']}>{leg['arrive_utc']}]" for leg in value
                )
            elif key == "inputs":
                row["inputs"] = " ".join(f"{i['batch']}:{i['activity_eop_bq']!r}" for i in value)
            elif key == "elutions":
                row["elutions"] = " ".join(f"{e['time_utc']}:{e['daughter_bq']!r}" for e in value)
            elif isinstance(value, list | tuple):
                row[key] = ";".join(str(v) for v in value)
            elif isinstance(value, float):
                row[key] = repr(value)
            else:
                row[key] = value
        rows.append(row)
    return rows


def write_plan(plan: Plan, out_dir: Path) -> list[Path]:
    """Write ``plan.json`` and one CSV per table into ``out_dir``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".plan-", dir=out_dir))
    try:
        names = [PLAN_FILE]
        (staging / PLAN_FILE).write_text(
            json.dumps(plan.model_dump(mode="json"), indent=1, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        for table in TABLES:
            rows = _rows(plan, table)
            fields = list(rows[0]) if rows else _empty_fields(table)
            with (staging / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=fields)
                writer.writeheader()
                writer.writerows(rows)
            names.append(f"{table}.csv")
        for name in names:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / n for n in names]


def _empty_fields(table: str) -> list[str]:
    from isoflow.engines.planner import plan as plan_module

    models: dict[str, type[BaseModel]] = {
        "allocations": plan_module.PlanAllocation,
        "runs": plan_module.PlanRun,
        "shipments": plan_module.PlanShipment,
        "unserved": plan_module.PlanUnserved,
        "generators": plan_module.PlanGenerator,
    }
    return list(models[table].model_fields)


def read_plan(path: Path) -> Plan:
    """Read a plan from ``plan.json`` or a folder holding it.

    Raises :class:`InputError` naming the file and the first faulty field.
    """
    file = path / PLAN_FILE if path.is_dir() else path
    if not file.exists():
        raise InputError(str(path), f"no plan found (expected {PLAN_FILE})")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(file), f"not a readable JSON plan: {exc}") from None
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            str(file), f"{where}: {first['msg']} ({exc.error_count()} problem(s))"
        ) from None
