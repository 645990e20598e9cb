"""Read and write scenarios: YAML or JSON files and folders of CSV tables.

:func:`load_scenario` accepts a built-in name (``apac-2025``), a ``.yaml``/``.yml``/``.json``
file or a folder holding ``scenario.yaml`` and CSV tables (:mod:`isoflow.scenario.tables`).
Every problem is collected in one pass and raised as one
:class:`~isoflow.scenario.issues.ScenarioIssuesError` (a :class:`~isoflow.errors.ScenarioError`)
whose lines read ``scenario.yaml:5: sites.1.kind: Input should be ...``. Loading never writes.

Reading is bounded (:mod:`isoflow.scenario.limits`: file size, nesting depth, aliases, length
of numbers) and streamed: YAML is built from LibYAML's events (:mod:`~isoflow.scenario.fastyaml`),
and each item of a bulk list becomes its model as soon as it is read
(:mod:`~isoflow.scenario.items`), so memory stays a small multiple of the file. Lines for
messages are looked up only for the paths that have an issue, in the text of the item they
lie in (:class:`~isoflow.scenario.yamlpos.StreamLocator`,
:class:`~isoflow.scenario.jsonpos.JsonLocator`).

:func:`save_scenario` (in :mod:`isoflow.scenario.save`, re-exported here) writes a YAML file
or a CSV folder atomically.
"""

from __future__ import annotations

import difflib
import io
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from isoflow.scenario import limits, overlays
from isoflow.scenario.children import (
    ChildRows,
    Injector,
    children_of,
    locate_child,
    parse_child,
    unclaimed,
)
from isoflow.scenario.examples import builtin_path
from isoflow.scenario.fastyaml import ItemHook, read_fast
from isoflow.scenario.fields import model_at
from isoflow.scenario.issues import (
    Issue,
    Location,
    Locator,
    Path,
    ScenarioIssuesError,
    Severity,
    locate_all,
    no_location,
)
from isoflow.scenario.items import boolean_issues, item_hooks
from isoflow.scenario.jsonpos import JsonLocator
from isoflow.scenario.save import (
    JSON_SUFFIXES,
    SCENARIO_FILE,
    YAML_SUFFIXES,
    _plain,
    dump_yaml,
    save_scenario,
    write_text_atomic,
)
from isoflow.scenario.schema import Scenario
from isoflow.scenario.tables import TABLES, Table, read_table
from isoflow.scenario.yamlpos import StreamLocator, decode, parse_yaml, yaml_locator

__all__ = [
    "SCENARIO_FILE",
    "Loaded",
    "dump_yaml",
    "load_scenario",
    "read_scenario",
    "resolve",
    "save_scenario",
    "write_text_atomic",
]


@dataclass(frozen=True, slots=True)
class Loaded:
    """The outcome of reading a scenario without raising.

    Attributes
    ----------
    scenario
        The validated scenario, or None if the schema rejected it.
    issues
        Every problem found while reading and checking the schema (errors only).
    locate
        Maps a field path to file and line, for later cross-reference checks.
    source
        What was read (path or built-in name).
    warnings
        Problems worth a look found while reading (a file that seems cut short).
    """

    scenario: Scenario | None
    issues: tuple[Issue, ...]
    locate: Locator
    source: str
    warnings: tuple[Issue, ...] = ()


# --------------------------------------------------------------------------- resolving


def resolve(ref: str | FsPath) -> FsPath | None:
    """Path of a scenario reference (built-in name, file or folder), or None if not found.

    For ``BASE+OVERLAY`` the path of ``BASE`` (the overlay is looked up when read).
    """
    if isinstance(ref, str) and not ref.strip():
        return None  # an empty name is no scenario (not the current folder)
    parts = overlays.split(ref) if isinstance(ref, str) else None
    if parts is not None:
        return resolve(parts[0])
    path = FsPath(ref)
    if path.exists():
        return path
    if isinstance(ref, str) and os.sep not in ref and not path.suffix:
        return builtin_path(ref)
    return None


def missing_overlay(ref: str) -> str | None:
    """For ``BASE+OVERLAY`` whose base exists: the first overlay it lacks, as a message."""
    parts = overlays.split(ref)
    base = resolve(ref) if parts is not None else None
    if parts is None or base is None:
        return None
    for name in parts[1]:
        if overlays.find(base, name) is None:
            shipped = ", ".join(overlays.names(base)) or "none"
            return f"no overlay {name!r} for {parts[0]!r} (its overlays: {shipped})"
    return None


# --------------------------------------------------------------------------- reading


def read_scenario(ref: str | FsPath) -> Loaded:
    """Read and schema-check a scenario, returning every issue instead of raising.

    ``BASE+OVERLAY`` reads the scenario ``BASE`` with a what-if overlay applied
    (:mod:`isoflow.scenario.overlays`).
    """
    parts = overlays.split(ref) if isinstance(ref, str) else None
    if parts is not None:
        return _read_overlaid(parts[0], parts[1], str(ref))
    path = resolve(ref)
    source = str(ref)
    if path is None:
        message = f"no such scenario file, folder or built-in name: {str(ref)!r}"
        return Loaded(None, (Issue((), message, code="not_found"),), no_location, source)
    if path.is_dir():
        return _read_folder(path, source)
    if path.suffix.lower() in JSON_SUFFIXES:
        return _read_json(path, source)
    if path.suffix.lower() in YAML_SUFFIXES:
        return _read_yaml(path, source)
    message = f"unsupported scenario file {path.name!r}; expected .yaml, .yml, .json or a folder"
    return Loaded(None, (Issue((), message, code="not_found"),), no_location, source)


def _read_overlaid(base_ref: str, names: list[str], source: str) -> Loaded:
    """The scenario ``base_ref`` with the overlays ``names`` merged in, in order."""
    base = read_scenario(base_ref)
    path = resolve(base_ref)
    if base.scenario is None or path is None:
        return Loaded(None, base.issues, base.locate, source, base.warnings)
    merge = overlays.Merge(_plain(base.scenario))
    issues: list[Issue] = []
    locates: dict[str, Locator] = {}
    titles: list[str] = []
    stems: list[str] = []
    for name in names:
        file = overlays.find(path, name)
        if file is None:
            shipped = ", ".join(overlays.names(path)) or "none"
            message = f"no overlay {name!r} for {base_ref!r} (its overlays: {shipped})"
            issues.append(Issue((), message, code="not_found"))
            continue
        text, more = _read_text(file, file.name)
        issues += more
        if text is None:
            continue
        tree, locate, more, _ = _yaml_tree(text, file.name, {})
        issues += more
        if more or not isinstance(tree, dict):  # unreadable: its syntax error says it all
            issues += [] if more else [_not_mapping(tree, file.name)]
            continue
        issues += _overlay_keys(tree, locate, file.name)
        issues += locate_all(overlays.apply(merge, tree, file.name), locate)
        locates[file.name] = locate
        titles.append(overlays.title(tree, file.stem))
        stems.append(file.stem)
    meta = merge.data.setdefault("meta", {})
    meta["name"] = overlays.variant_name(base.scenario.meta.name, stems)
    meta["title"] = " + ".join([base.scenario.meta.title or base.scenario.meta.name, *titles])
    if issues:
        return Loaded(None, tuple(_sorted(issues)), no_location, source)
    locate_merged = overlays.locator(base.locate, merge, locates)
    return _validate(merge.data, locate_merged, source, SCENARIO_FILE, warnings=base.warnings)


def _overlay_keys(tree: dict[str, Any], locate: Locator, file: str) -> list[Issue]:
    allowed = [overlays.HEADER, overlays.REMOVE, *Scenario.model_fields]
    return [
        Issue(
            (key,),
            f"unknown key {key!r} in an overlay (allowed: {', '.join(allowed)})",
            file=file,
            line=locate((key,)).line,
            code="overlay",
        )
        for key in tree
        if key not in allowed
    ]


def load_scenario(ref: str | FsPath) -> Scenario:
    """Load a scenario by built-in name, YAML/JSON file or CSV folder.

    Raises :class:`~isoflow.scenario.issues.ScenarioIssuesError` (a ``ScenarioError``) listing
    every problem with file, line and field path. Cross-reference checks are in
    :func:`isoflow.scenario.validate.validate`.
    """
    loaded = read_scenario(ref)
    if loaded.scenario is None or loaded.issues:
        raise ScenarioIssuesError(loaded.issues, loaded.source)
    return loaded.scenario


def _read_bytes(path: FsPath, file: str) -> tuple[bytes | None, list[Issue]]:
    """The bytes of a file, refused above :data:`~isoflow.scenario.limits.MAX_FILE_BYTES`."""
    try:
        with path.open("rb") as handle:
            data = _read_bounded(handle)
    except OSError as exc:
        return None, [Issue((), f"cannot read the file: {exc.strerror}", file=file, code="io")]
    if not isinstance(data, bytes):
        return None, [Issue((), limits.size_message(data), file=file, code="limit:size")]
    return data, []


def _read_bounded(handle: io.BufferedReader) -> bytes | int | None:
    """All bytes of ``handle``; beyond the limit, its size (None for a stream).

    A regular file is read in one piece of its stated size; a pipe or a device (or a file
    that grows meanwhile) is read on in pieces, so ``/dev/zero`` stops at the limit.
    """
    size = os.fstat(handle.fileno()).st_size
    if size > limits.MAX_FILE_BYTES:
        return size
    data = handle.read(size) if size else b""
    more = handle.read(1 << 16)
    if not more:
        return data
    buffer = bytearray(data)
    while more:
        buffer += more
        if len(buffer) > limits.MAX_FILE_BYTES:
            return None
        more = handle.read(1 << 20)
    return bytes(buffer)


def _read_text(path: FsPath, file: str) -> tuple[str | None, list[Issue]]:
    data, issues = _read_bytes(path, file)
    if data is None:
        return None, issues
    return decode(data, file)


def _yaml_tree(
    text: str, file: str, hooks: dict[Path, ItemHook]
) -> tuple[Any, Locator, list[Issue], tuple[Issue, ...]]:
    """Plain data, locator, errors and warnings of YAML ``text``, within the limits."""
    reading = read_fast(text, file, hooks)
    warnings = tuple(i for i in reading.issues if i.severity == Severity.WARNING)
    if reading.errors:
        return None, no_location, list(reading.errors), warnings
    if not reading.deferred:
        return reading.data, StreamLocator(text, file, reading.spans), [], warnings
    # tags, directives or merge keys: the round-trip reader (the limits hold, checked above)
    tree, issues = parse_yaml(text, file)
    return tree, yaml_locator(tree, file), issues, warnings


def _read_yaml(path: FsPath, source: str) -> Loaded:
    file = path.name
    text, issues = _read_text(path, file)
    if text is None:
        return Loaded(None, tuple(issues), no_location, source)
    tree, locate, issues, warnings = _yaml_tree(text, file, item_hooks())
    if issues:
        return Loaded(None, tuple(issues), locate, source, warnings)
    return _validate(tree, locate, source, file, warnings=warnings)


def _json_problem(exc: Exception, text: str, file: str) -> Issue:
    """The issue of a JSON file that ``json.loads`` refused for more than its syntax."""
    found = [  # the same limits and duplicate keys, found again with their lines
        i for i in read_fast(text, file).errors if i.code.startswith(("limit:", "duplicate"))
    ]
    if found:
        return found[0]
    _, located = parse_yaml(text, file)  # ruamel finds the line of a duplicate key
    line = located[0].line if located else None
    return Issue((), str(exc), file=file, line=line, code="json")


def _read_json(path: FsPath, source: str) -> Loaded:
    file = path.name
    text, issues = _read_text(path, file)
    if text is None:
        return Loaded(None, tuple(issues), no_location, source)
    try:
        tree = limits.loads_json(text, object_pairs_hook=limits.unique_keys)
    except json.JSONDecodeError as exc:
        issue = Issue((), f"JSON syntax error: {exc.msg}", file=file, line=exc.lineno, code="json")
        return Loaded(None, (issue,), no_location, source)
    except ValueError as exc:  # a limit or a duplicate key: found again, with line and field
        return Loaded(None, (_json_problem(exc, text, file),), no_location, source)
    _validate_items(tree, item_hooks())
    return _validate(tree, JsonLocator(text, file), source, file)


def _validate_items(tree: Any, hooks: dict[Path, ItemHook]) -> None:
    """Replace each item of the bulk lists in ``tree`` by its model, one by one."""
    for path, hook in hooks.items():
        items: Any = tree
        for key in path:
            items = items.get(key) if isinstance(items, dict) else None
        if isinstance(items, list):
            for i, item in enumerate(items):
                if type(item) is dict:
                    items[i] = hook(item)


def _folder_yaml(path: FsPath) -> tuple[Any, Locator, list[Issue], tuple[Issue, ...]]:
    """The ``scenario.yaml`` of a folder: its data (``{}`` if empty), locator and issues."""
    yaml_file = path / SCENARIO_FILE
    if not yaml_file.is_file():
        message = f"the folder has no {SCENARIO_FILE}; it must hold at least 'meta'"
        return {}, no_location, [Issue((), message, file=SCENARIO_FILE, code="not_found")], ()
    text, issues = _read_text(yaml_file, SCENARIO_FILE)
    if text is None:
        return None, no_location, issues, ()
    tree, locate, issues, warnings = _yaml_tree(text, SCENARIO_FILE, {})
    if tree is None and not issues:  # empty: what it lacks is reported on its line 1
        return {}, lambda _: Location(SCENARIO_FILE, 1), [], warnings
    if tree is not None and not isinstance(tree, dict):
        return None, locate, [*issues, _not_mapping(tree, SCENARIO_FILE)], warnings
    return tree, locate, issues, warnings


def _read_folder(path: FsPath, source: str) -> Loaded:
    tree, locate_yaml, issues, warnings = _folder_yaml(path)
    merged: dict[str, Any] = dict(tree) if tree is not None else {}
    _empty_demand(merged)
    for section in ("demand", "policies", "disruptions"):
        if section in merged and isinstance(merged[section], dict):
            merged[section] = dict(merged[section])
    row_lines: dict[tuple[str, ...], tuple[str, Sequence[int]]] = {}
    injectors: dict[tuple[str, ...], Injector] = {}
    hooks = item_hooks(booleans=False)
    for table in TABLES:
        csv_path = path / table.file
        groups, more = _read_children(path, table, csv_path.is_file())
        issues += more
        if not csv_path.is_file():
            continue
        raw, more = _read_bytes(csv_path, table.file)
        issues += more
        if raw is None:
            continue
        injector = Injector(groups)
        hook = injector.wrap(hooks[table.path]) if groups else hooks[table.path]
        parsed, more = read_table(raw, table, hook)
        del raw
        issues += more + injector.issues + (unclaimed(groups) if parsed.complete else [])
        row_lines[table.path] = (table.file, parsed.lines)
        injectors[table.path] = injector
        issues += _place(merged, table, parsed.rows, locate_yaml)
    locate = _FolderLocator(locate_yaml, row_lines, injectors)
    if issues:
        return Loaded(None, tuple(_sorted(issues)), locate, source, warnings)
    return _validate(
        merged, locate, source, SCENARIO_FILE, skip=tuple(row_lines), warnings=warnings
    )


def _read_children(
    folder: FsPath, table: Table, parent_given: bool
) -> tuple[list[ChildRows], list[Issue]]:
    """The child tables of ``table`` found in ``folder``, grouped by parent id."""
    groups: list[ChildRows] = []
    issues: list[Issue] = []
    for child in children_of(table.path):
        child_path = folder / child.file
        if not child_path.is_file():
            continue
        if not parent_given:
            message = f"{child.file} lists items of {table.file}, which the folder does not have"
            issues.append(Issue(table.path, message, file=child.file, line=1, code="not_found"))
            continue
        raw, more = _read_bytes(child_path, child.file)
        issues += more
        if raw is None:
            continue
        grouped, more = parse_child(raw, child)
        issues += more
        groups.append(grouped)
    return groups, issues


def _place(merged: dict[str, Any], table: Table, rows: list[Any], locate: Locator) -> list[Issue]:
    target = merged
    for key in table.path[:-1]:
        nested = target.setdefault(key, {})
        if not isinstance(nested, dict):
            return []  # the schema check reports the bad section
        target = nested
    last = table.path[-1]
    if last in target:
        where = locate(table.path)
        message = f"given both in {table.file} and in {SCENARIO_FILE}; keep one"
        return [Issue(table.path, message, file=where.file, line=where.line, code="duplicate")]
    target[last] = rows
    return []


class _FolderLocator:
    """Lines of a CSV folder: table rows by their line, the rest in ``scenario.yaml``."""

    def __init__(
        self,
        locate_yaml: Locator,
        rows: dict[tuple[str, ...], tuple[str, Sequence[int]]],
        injectors: dict[tuple[str, ...], Injector] | None = None,
    ) -> None:
        self.locate_yaml = locate_yaml
        self.rows = rows
        self.injectors = injectors or {}

    def _table(self, path: Path) -> Location | None:
        for prefix, (file, lines) in self.rows.items():
            n = len(prefix)
            if path[:n] == prefix:
                inside = locate_child(path, prefix, self.injectors)
                if inside is not None:
                    return inside
                index = path[n] if len(path) > n else None
                if isinstance(index, int) and 0 <= index < len(lines):
                    return Location(file, lines[index])
                return Location(file, 1)
        return None

    def prefetch(self, paths: list[Path]) -> None:
        """Let the ``scenario.yaml`` locator find every path outside the tables at once."""
        rest = [p for p in paths if self._table(p) is None]
        prefetch = getattr(self.locate_yaml, "prefetch", None)
        if callable(prefetch):
            prefetch(rest)

    def __call__(self, path: Path) -> Location:
        found = self._table(path)
        return found if found is not None else self.locate_yaml(path)


# --------------------------------------------------------------------------- schema check


def _not_mapping(tree: Any, file: str) -> Issue:
    what = (
        "empty"
        if tree is None
        else ("a list" if isinstance(tree, list) else f"the value {_show(tree)}")
    )
    expected = ", ".join(Scenario.model_fields)
    message = f"the top level is {what}; expected a mapping with keys {expected}"
    return Issue((), message, file=file, line=1, code="top_level")


def _validate(
    tree: Any,
    locate: Locator,
    source: str,
    file: str,
    skip: tuple[tuple[str, ...], ...] = (),
    warnings: tuple[Issue, ...] = (),
) -> Loaded:
    if not isinstance(tree, dict):
        return Loaded(None, (_not_mapping(tree, file),), locate, source, warnings)
    _empty_demand(tree)
    issues = boolean_issues(tree, Scenario, (), skip)
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(tree)
    except ValidationError as exc:
        flagged = {i.path for i in issues}
        issues += [i for i in pydantic_issues(exc, tree) if i.path not in flagged]
    except RecursionError:
        issues.append(Issue((), "the data nests too deeply (a recursive alias?)", code="yaml"))
    if issues:
        located = locate_all(issues, locate)
        return Loaded(None, tuple(_sorted(located)), locate, source, warnings)
    return Loaded(scenario, (), locate, source, warnings)


def _empty_demand(tree: dict[str, Any]) -> None:
    """``demand:`` with nothing under it is an empty section (a warning), not a wrong type."""
    if "demand" in tree and tree["demand"] is None:
        tree["demand"] = {}


def _sorted(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda i: (i.file, i.line or 0))


_SCALAR_TYPES = (str, int, float, bool, datetime, date, type(None))


def _show(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: ".inf", -math.inf: "-.inf"}.get(value, ".nan")
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _below(path: Path, loc: tuple[str | int, ...]) -> bool:
    other = _clean_loc(loc)
    return len(other) > len(path) and other[: len(path)] == path


def _clean_loc(loc: tuple[str | int, ...]) -> Path:
    return tuple(p for p in loc if isinstance(p, int) or ("[" not in p and "-" not in p))


def pydantic_issues(exc: ValidationError, tree: Any) -> list[Issue]:
    """Turn pydantic errors into issues with a dotted path, what was found and what was expected."""
    issues: list[Issue] = []
    errors = exc.errors(include_url=False)
    for err in errors:
        path = _clean_loc(err["loc"])
        kind = err["type"]
        value = err.get("input")
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            message = "missing required field"
        elif kind == "extra_forbidden":
            message = _unknown_key(path, value)
        elif kind == "too_short" and any(_below(path, e["loc"]) for e in errors):
            continue  # follows from an item error already reported
        elif kind == "finite_number" or (isinstance(value, float) and not math.isfinite(value)):
            message = f"got {_show(value)}; expected a finite number"
        elif kind in ("model_type", "dict_type") and isinstance(value, _SCALAR_TYPES):
            message = f"got {_show(value)}; expected a mapping of fields"
        elif isinstance(value, _SCALAR_TYPES) and _show(value) not in message:
            message = f"{message} (got {_show(value)})"
        issues.append(Issue(path, message, code=f"schema:{kind}"))
    return issues


def _unknown_key(path: Path, value: Any) -> str:
    key = str(path[-1]) if path else "?"
    model = model_at(Scenario, path[:-1])
    if model is None:
        return f"unknown field {key!r}"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown field {key!r}{hint} (allowed: {', '.join(allowed)})"
