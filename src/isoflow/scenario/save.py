"""Write scenarios atomically: a YAML or JSON file, or a folder of CSV tables.

:func:`save_scenario` writes a ``.yaml``/``.yml``/``.json`` file, or else a CSV folder
(``scenario.yaml`` plus one table per list, child tables for nested lists; see
:mod:`isoflow.scenario.tables` and :mod:`isoflow.scenario.children`), always to a temporary
file or folder first, renamed into place when complete.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path as FsPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from isoflow.scenario import overlays
from isoflow.scenario.children import child_text, children_of, skipped_fields
from isoflow.scenario.schema import Scenario
from isoflow.scenario.tables import TABLES, write_table

SCENARIO_FILE = "scenario.yaml"
"""Name of the YAML file inside a CSV folder."""

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)


def _plain(scenario: Scenario) -> dict[str, Any]:
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("meta", {})["schema_version"] = scenario.meta.schema_version
    return data


def _flow_items(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq()
    for item in items:
        if not isinstance(item, dict):  # not a record: written as it is
            seq.append(item)
            continue
        node = CommentedMap(item)
        if not any(isinstance(v, dict | list) for v in item.values()):
            node.fa.set_flow_style()
        seq.append(node)
    return seq


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text of plain data; flat booking and order mappings are written one per line."""
    demand = data.get("demand")
    for key in ("bookings", "orders"):
        if isinstance(demand, dict) and isinstance(demand.get(key), list):
            demand[key] = _flow_items(demand[key])
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def write_text_atomic(target: FsPath, text: str) -> None:
    """Write ``text`` to a temporary file beside ``target``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        FsPath(tmp).unlink(missing_ok=True)
        raise


def _table_sections(data: dict[str, Any]) -> None:
    for table in TABLES:
        holder = data
        for key in table.path[:-1]:
            holder = holder.get(key, {})
        holder.pop(table.path[-1], None)
    for section in ("demand", "policies", "disruptions"):
        if data.get(section) == {}:
            del data[section]


def _write_folder(scenario: Scenario, target: FsPath) -> None:
    tmp = FsPath(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        rest = _plain(scenario)
        _table_sections(rest)
        (tmp / SCENARIO_FILE).write_text(dump_yaml(rest), encoding="utf-8", newline="\n")
        for table in TABLES:
            items: Any = scenario
            for key in table.path:
                items = getattr(items, key)
            if table.optional and not items:
                continue
            text = write_table(items, table.model, skip=skipped_fields(table.path))
            (tmp / table.file).write_text(text, encoding="utf-8", newline="\n")
            for child in children_of(table.path):
                child_csv = child_text(items, child)
                if child_csv is not None:
                    (tmp / child.file).write_text(child_csv, encoding="utf-8", newline="\n")
        kept = target / overlays.OVERLAY_DIR
        if kept.is_dir():  # the folder's what-if overlays belong to it: keep them
            shutil.copytree(kept, tmp / overlays.OVERLAY_DIR)
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_scenario(scenario: Scenario, path: str | FsPath) -> FsPath:
    """Write ``scenario`` atomically: a ``.yaml``/``.yml``/``.json`` file, else a CSV folder.

    A folder gets ``scenario.yaml`` plus one CSV per table (see :mod:`isoflow.scenario.tables`);
    an existing folder is replaced as a whole, but for its ``overlays/`` (what-if variants of
    the scenario, kept as they are). Returns the path written.
    """
    target = FsPath(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix.lower()
    if suffix in YAML_SUFFIXES:
        write_text_atomic(target, dump_yaml(_plain(scenario)))
    elif suffix in JSON_SUFFIXES:
        write_text_atomic(target, json.dumps(_plain(scenario), indent=2, ensure_ascii=False) + "\n")
    elif target.is_file():
        raise IsADirectoryError(f"{target} is a file; give a .yaml or .json name or a folder")
    else:
        _write_folder(scenario, target)
    return target
