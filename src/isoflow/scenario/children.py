"""Nested lists of table rows as CSV tables of their own (child tables of a CSV folder).

A process's inputs, operating windows and outages, a site's licences and input stocks and a
lane's timetable are lists inside one row. In a CSV folder each may be its own table, one row
per item, whose first column names the parent row by id (``process_inputs.csv``: ``process,
product, per_batch, ...``). Rows of one parent keep their order. The same list may instead be
given as JSON in the parent's cell, but not both ways for one parent.

Reading: :func:`parse_child` groups a child table's rows by parent id; :class:`Injector` puts
them into each parent row as the parent table is read (before the row is validated) and keeps
the line of every child item, so that a problem in a child item is reported at its own line;
:func:`unclaimed` reports rows whose parent id is not in the parent table.
Writing: :func:`child_text` writes the items of every parent that differ from the default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel, create_model

from isoflow.scenario.issues import Issue, Location, Path
from isoflow.scenario.quantities import Identifier
from isoflow.scenario.schema import (
    Closure,
    Delay,
    Departure,
    InputStock,
    Lane,
    Licence,
    Outage,
    Process,
    ProcessInput,
    Site,
    WeeklyWindow,
)
from isoflow.scenario.tables import Table, read_table, table_header, write_table


@dataclass(frozen=True, slots=True)
class ChildTable:
    """A nested list of the rows of a parent table, stored as its own CSV file."""

    parent: tuple[str, ...]
    """Path of the parent list (``("processes",)``)."""
    parent_file: str
    """File of the parent table."""
    parent_model: type[BaseModel]
    """Model of a parent row."""
    field: tuple[str, ...]
    """Where the list sits in a parent row (``("availability", "windows")``)."""
    key: str
    """Name of the first column: the parent row's id."""
    file: str
    """CSV file name."""
    model: type[BaseModel]
    """Model of one item."""


CHILD_TABLES: tuple[ChildTable, ...] = (
    ChildTable(("sites",), "sites.csv", Site, ("licences",), "site", "site_licences.csv", Licence),
    ChildTable(("sites",), "sites.csv", Site, ("stocks",), "site", "site_stocks.csv", InputStock),
    ChildTable(
        ("processes",),
        "processes.csv",
        Process,
        ("inputs",),
        "process",
        "process_inputs.csv",
        ProcessInput,
    ),
    ChildTable(
        ("processes",),
        "processes.csv",
        Process,
        ("availability", "windows"),
        "process",
        "process_windows.csv",
        WeeklyWindow,
    ),
    ChildTable(
        ("processes",),
        "processes.csv",
        Process,
        ("availability", "outages"),
        "process",
        "process_outages.csv",
        Outage,
    ),
    ChildTable(
        ("lanes",), "lanes.csv", Lane, ("timetable",), "lane", "lane_departures.csv", Departure
    ),
    ChildTable(("lanes",), "lanes.csv", Lane, ("closures",), "lane", "lane_closures.csv", Closure),
    ChildTable(("lanes",), "lanes.csv", Lane, ("delays",), "lane", "lane_delays.csv", Delay),
)
"""Every nested list that may be given as a child table."""


def children_of(parent: tuple[str, ...]) -> tuple[ChildTable, ...]:
    """The child tables of the list at ``parent``."""
    return tuple(c for c in CHILD_TABLES if c.parent == parent)


@cache
def _row_model(child: ChildTable) -> type[BaseModel]:
    """The item model with the parent key as an extra required column."""
    fields: Any = {child.key: (Identifier, ...)}
    return create_model(f"{child.model.__name__}Row", __base__=child.model, **fields)


def as_table(child: ChildTable) -> Table:
    """The child table as a :class:`Table` (its rows read as plain dicts)."""
    return Table((*child.parent, *child.field), child.file, _row_model(child), optional=True)


@dataclass(slots=True)
class ChildRows:
    """A child table's rows grouped by parent id, each with its line."""

    child: ChildTable
    by_parent: dict[str, list[tuple[dict[str, Any], int]]] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)


def parse_child(raw: bytes, child: ChildTable) -> tuple[ChildRows, list[Issue]]:
    """Read a child table's bytes and group its rows by the parent id in the key column."""
    table = as_table(child)
    parsed, issues = read_table(raw, table)
    grouped = ChildRows(child)
    for row, line in zip(parsed.rows, parsed.lines, strict=True):
        key = row.pop(child.key, None) if isinstance(row, dict) else None
        if not isinstance(key, str) or not key:
            message = (
                f"column {child.key!r} is empty; expected the id of a row of {child.parent_file}"
            )
            issues.append(Issue(table.path, message, file=child.file, line=line, code="csv"))
            continue
        grouped.by_parent.setdefault(key, []).append((row, line))
    return grouped, issues


class Injector:
    """Puts child rows into parent rows as the parent table is read; records their lines."""

    def __init__(self, groups: Sequence[ChildRows]) -> None:
        self.groups = list(groups)
        self.index = 0
        self.lines: dict[tuple[tuple[str, ...], int], list[int]] = {}
        """(child field, parent index) -> line of each child item."""
        self.issues: list[Issue] = []

    def wrap(self, hook: Callable[[dict[str, Any]], Any] | None) -> Callable[[dict[str, Any]], Any]:
        """A row converter that adds the children, then applies ``hook``."""

        def convert(row: dict[str, Any]) -> Any:
            index = self.index
            self.index += 1
            self._inject(row, index)
            return hook(row) if hook is not None else row

        return convert

    def _inject(self, row: dict[str, Any], index: int) -> None:
        key = row.get("id")
        for group in self.groups:
            items = group.by_parent.get(key) if isinstance(key, str) else None
            if not items:
                continue
            group.claimed.add(key)  # type: ignore[arg-type]
            child = group.child
            target = row
            for name in child.field[:-1]:
                nested = target.setdefault(name, {})
                if not isinstance(nested, dict):
                    break
                target = nested
            else:
                if child.field[-1] in target:
                    message = (
                        f"{'.'.join(child.field)} of {key!r} is given both in {child.parent_file} "
                        f"and in {child.file}; keep one"
                    )
                    self.issues.append(
                        Issue(
                            child.parent,
                            message,
                            file=child.file,
                            line=items[0][1],
                            code="duplicate",
                        )
                    )
                    continue
                target[child.field[-1]] = [item for item, _ in items]
                self.lines[(child.field, index)] = [line for _, line in items]


def unclaimed(groups: Sequence[ChildRows]) -> list[Issue]:
    """Child rows whose parent id is not a row of the parent table."""
    issues: list[Issue] = []
    for group in groups:
        child = group.child
        for key, items in group.by_parent.items():
            if key in group.claimed:
                continue
            message = f"{child.key} {key!r} is not a row of {child.parent_file}"
            issues.append(
                Issue(as_table(child).path, message, file=child.file, line=items[0][1], code="csv")
            )
    return issues


def locate_child(
    path: Path, parent: tuple[str, ...], injectors: dict[tuple[str, ...], Injector]
) -> Location | None:
    """File and line of a path inside a child item, or None if the path is not in one."""
    injector = injectors.get(parent)
    n = len(parent)
    index = path[n] if injector is not None and len(path) > n else None
    if injector is None or not isinstance(index, int):
        return None
    for group in injector.groups:
        child = group.child
        m = n + 1 + len(child.field)
        if tuple(path[n + 1 : m]) != child.field:
            continue
        lines = injector.lines.get((child.field, index))
        if lines is None:
            return None
        item = path[m] if len(path) > m else None
        at = lines[item] if isinstance(item, int) and 0 <= item < len(lines) else lines[0]
        return Location(child.file, at)
    return None


def _value(item: BaseModel, keys: tuple[str, ...]) -> Any:
    value: Any = item
    for key in keys:
        value = getattr(value, key)
    return value


def _default(model: type[BaseModel], keys: tuple[str, ...]) -> Any:
    value: Any = model.model_fields[keys[0]].get_default(call_default_factory=True)
    for key in keys[1:]:
        value = getattr(value, key)
    return value


def child_text(parents: Sequence[BaseModel], child: ChildTable) -> str | None:
    """The child table's CSV text for ``parents``.

    None when no parent's list differs from the field's default.
    """
    default = _default(child.parent_model, child.field)
    parts: list[str] = []
    for parent in parents:
        items = _value(parent, child.field)
        if items == default:
            continue
        lead = ((child.key, str(parent.id)),)  # type: ignore[attr-defined]
        parts.append(write_table(items, child.model, lead=lead))
    if not parts:
        return None
    return table_header(child.model, lead=(child.key,)) + "".join(parts)


def skipped_fields(parent: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    """Fields of the parent table written as child tables."""
    return frozenset(c.field for c in children_of(parent))
