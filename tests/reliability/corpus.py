"""A generated corpus of broken scenarios: each fault kind once as YAML, JSON and a CSV folder.

Nothing is checked in: every case is made here from the small test scenario
(``tests/scenario/data/small.yaml``), its JSON dump (one field a line) and its CSV folder
(:func:`isoflow.scenario.save.save_scenario`), and what-if overlays of that folder
(:data:`OVERLAY_KINDS`). A :class:`Case` holds the files to lay down,
the path to give the command and the file its error must name.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SMALL = Path(__file__).parents[1] / "scenario" / "data" / "small.yaml"
FORMS = ("yaml", "json", "csv", "overlay")


@dataclass(frozen=True)
class Case:
    """One broken scenario: ``files`` (relative path: bytes), laid down under a folder."""

    kind: str
    form: str
    files: dict[str, bytes]
    target: str
    """What the command is given, relative to the folder (a file or the scenario folder)."""
    culprit: str
    """The file (relative) whose name and a line number the error must show."""

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.form}"

    def lay_down(self, root: Path) -> Path:
        """Write the files under ``root``; return the path to give the command."""
        for name, data in self.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return root / self.target


@cache
def yaml_text() -> str:
    return SMALL.read_text(encoding="utf-8")


@cache
def json_data() -> str:
    """The small scenario as JSON text, as loaded (the canonical long form)."""
    from isoflow.scenario.load import load_scenario

    return json.dumps(load_scenario(SMALL).model_dump(mode="json"), indent=1)


@cache
def csv_files() -> tuple[tuple[str, bytes], ...]:
    """The small scenario as a CSV folder: (file name, bytes) pairs."""
    from isoflow.scenario.load import load_scenario
    from isoflow.scenario.save import save_scenario

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "small"
        save_scenario(load_scenario(SMALL), folder)
        return tuple(sorted((p.name, p.read_bytes()) for p in folder.iterdir()))


def sub(text: str, pattern: str, new: str) -> str:
    """``text`` with the first match of ``pattern`` replaced; the pattern must match."""
    out, n = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    assert n == 1, pattern
    return out


def edit_json(change: Callable[[dict[str, Any]], None]) -> str:
    data = json.loads(json_data())
    change(data)
    return json.dumps(data, indent=1, allow_nan=True)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _delete(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


def _csv_cell(table: str, row: int, column: str, value: str) -> Callable[[str], str]:
    """A CSV edit: the cell of data row ``row`` (1 = first after the header) in ``column``."""
    import csv
    import io

    def change(text: str) -> str:
        rows = list(csv.reader(io.StringIO(text)))
        rows[row][rows[0].index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()

    return change


DEEP = "[" * 5000 + "]" * 5000
BAD_TIME = "2025-13-45T99:00:00Z"

# kind: (YAML text edit, JSON edit giving text, CSV (file, edit of its text) or None)
YamlEdit = Callable[[str], str]
CsvEdit = tuple[str, Callable[[str], str]]
_P0 = ("processes", 0)
_S0 = ("sites", 0)

KINDS: dict[str, tuple[YamlEdit | None, Callable[[], str] | None, CsvEdit | None]] = {
    "syntax": (
        lambda t: sub(t, r"^  name: small$", "  name: [small"),
        lambda: sub(json_data(), r'"name": "small",', '"name": "small",,'),
        ("scenario.yaml", lambda t: sub(t, r"^  name: small$", "  name: {small")),
    ),
    "wrong_type": (
        lambda t: sub(t, r"max_batches_per_day: 3", "max_batches_per_day: many"),
        lambda: edit_json(_set(("processes", 2, "max_batches_per_day"), "many")),
        ("processes.csv", _csv_cell("processes.csv", 3, "max_batches_per_day", "many")),
    ),
    "list_for_scalar": (
        lambda t: sub(t, r"lat: 37.57", "lat: [37.57]"),
        lambda: edit_json(_set((*_S0, "lat"), [37.57])),
        ("sites.csv", _csv_cell("sites.csv", 1, "lat", "[37.57]")),
    ),
    "unknown_field": (
        lambda t: sub(t, r"^  title: Small test network$", "  title: Small\n  colour: blue"),
        lambda: edit_json(_set((*_S0, "colour"), "blue")),
        ("sites.csv", lambda t: sub(t, r"^id,", "colour,id,").replace("\ncyc", "\nblue,cyc")),
    ),
    "unknown_reference": (
        lambda t: sub(t, r"site: reactor-kr$", "site: reactor-zz"),
        lambda: edit_json(_set((*_P0, "site"), "reactor-zz")),
        ("processes.csv", _csv_cell("processes.csv", 1, "site", "reactor-zz")),
    ),
    "duplicate_id": (
        lambda t: sub(t, r"\{id: b2,", "{id: b1,"),
        lambda: edit_json(_set(("demand", "bookings", 1, "id"), "b1")),
        ("bookings.csv", _csv_cell("bookings.csv", 2, "id", "b1")),
    ),
    "missing_field": (
        lambda t: sub(t, r"^    site: reactor-kr\n(    kind: irradiation)$", r"\1"),
        lambda: edit_json(_delete((*_P0, "site"))),
        ("processes.csv", _csv_cell("processes.csv", 1, "site", "")),
    ),
    "bad_unit": (
        lambda t: sub(t, r"batch_max: 2 TBq", "batch_max: 2 TBqq"),
        lambda: edit_json(_set((*_P0, "batch_max"), "2 TBqq")),
        ("processes.csv", _csv_cell("processes.csv", 1, "batch_max", "2 TBqq")),
    ),
    "wrong_dimension": (
        lambda t: sub(t, r"transit: 8 h", "transit: 8 GBq"),
        lambda: edit_json(_set(("lanes", 0, "transit"), "8 GBq")),
        ("lanes.csv", _csv_cell("lanes.csv", 1, "transit", "8 GBq")),
    ),
    "negative_quantity": (
        lambda t: sub(t, r"transit: 8 h", "transit: -8 h"),
        lambda: edit_json(_set(("lanes", 0, "transit"), "-8 h")),
        ("lanes.csv", _csv_cell("lanes.csv", 1, "transit", "-8 h")),
    ),
    "out_of_range": (
        lambda t: sub(t, r"lat: 37.57", "lat: 3757"),
        lambda: edit_json(_set((*_S0, "lat"), 3757)),
        ("sites.csv", _csv_cell("sites.csv", 1, "lat", "3757")),
    ),
    "huge_number": (
        lambda t: sub(t, r"max_batches_per_day: 3", "max_batches_per_day: " + "9" * 400),
        lambda: sub(json_data(), r'(_per_day": )3', r"\g<1>" + "9" * 400),
        ("processes.csv", _csv_cell("processes.csv", 3, "max_batches_per_day", "9" * 400)),
    ),
    "overflow_float": (
        lambda t: sub(t, r"lat: 37.57", "lat: 1e99999"),
        lambda: sub(json_data(), r'"lat": 37.57', '"lat": 1e99999'),
        ("sites.csv", _csv_cell("sites.csv", 1, "lat", "1e99999")),
    ),
    "nan": (
        lambda t: sub(t, r"lat: 37.57", "lat: .nan"),
        lambda: sub(json_data(), r'"lat": 37.57', '"lat": NaN'),
        ("sites.csv", _csv_cell("sites.csv", 1, "lat", "nan")),
    ),
    "bad_time": (
        lambda t: sub(t, r"(administration:) 2025-08-06T01:00:00Z", rf"\1 {BAD_TIME}"),
        lambda: edit_json(_set(("demand", "bookings", 0, "administration"), BAD_TIME)),
        ("bookings.csv", _csv_cell("bookings.csv", 1, "administration", BAD_TIME)),
    ),
    "impossible_date": (
        lambda t: sub(t, r"^  start: 2025-08-04T00:00:00Z$", "  start: 2025-02-30"),
        lambda: edit_json(_set(("meta", "start"), "2025-02-30")),
        ("scenario.yaml", lambda t: sub(t, r"^  start: .*$", "  start: 2025-02-30")),
    ),
    "bad_tag": (
        lambda t: sub(t, r"^  title: Small test network$", "  title: !!int abc"),
        None,
        ("scenario.yaml", lambda t: sub(t, r"^  title: .*$", "  title: !!float x1")),
    ),
    "unknown_enum": (
        lambda t: sub(t, r"mode: road", "mode: teleport"),
        lambda: edit_json(_set(("lanes", 3, "mode"), "teleport")),
        ("lanes.csv", _csv_cell("lanes.csv", 4, "mode", "teleport")),
    ),
    "truncated": (
        lambda t: t[: t.index("lanes:") + 40],
        lambda: json_data()[: len(json_data()) // 2],
        ("processes.csv", lambda t: t[: t.index("label-psma") + 30]),
    ),
    "bad_encoding": (
        lambda t: t.replace("Small test network", "Small \udcff network"),
        lambda: json_data().replace("Small test network", "Small \udcff network"),
        ("sites.csv", lambda t: t.replace("Seoul cyclotron", "Seoul \udcff cyclotron")),
    ),
    "nul_bytes": (
        lambda t: t.replace("Small test network", "Small \x00 network"),
        lambda: json_data().replace('"Small test network"', '"Small\x00network"'),
        ("sites.csv", lambda t: t.replace("Seoul cyclotron", "Seoul \x00 cyclotron")),
    ),
    "empty_file": (
        lambda t: "",
        lambda: "",
        ("processes.csv", lambda t: ""),
    ),
    "whitespace_only": (
        lambda t: "\n\n   \n",
        lambda: "  \n\n",
        ("scenario.yaml", lambda t: "\n\n  \n"),
    ),
    "top_level_list": (
        lambda t: "- meta\n- sites\n",
        lambda: "[1, 2, 3]\n",
        ("scenario.yaml", lambda t: "- meta\n"),
    ),
    "unterminated_quote": (
        lambda t: sub(t, r"^  title: Small test network$", '  title: "Small test network'),
        lambda: sub(json_data(), r'"Small test network"', '"Small test network'),
        ("sites.csv", lambda t: t.replace("Seoul cyclotron,", '"Seoul cyclotron,')),
    ),
    "wrong_header": (
        None,
        None,
        ("processes.csv", lambda t: sub(t, r"^id,site,", "id,sitee,")),
    ),
    "short_row": (
        None,
        None,
        ("lanes.csv", lambda t: sub(t, r"^(sg-syd,cdmo-sg,hosp-sydney),.*$", r"\1")),
    ),
    "long_row": (
        None,
        None,
        ("lanes.csv", lambda t: sub(t, r"^(sg-syd,cdmo-sg,hosp-sydney,.*)$", r"\1,extra,more")),
    ),
    "duplicate_key": (
        lambda t: sub(t, r"^  name: small$", "  name: small\n  name: again"),
        lambda: sub(json_data(), r'"name": "small",', '"name": "small",\n  "name": "again",'),
        (
            "sites.csv",
            lambda t: sub(t, r"^id,name,", "id,name,name,").replace(
                "\ncyc-seoul,Seoul cyclotron,", "\ncyc-seoul,Seoul cyclotron,x,"
            ),
        ),
    ),
    "deep_nesting": (
        lambda t: sub(t, r"^  title: Small test network$", "  title: " + DEEP),
        lambda: sub(json_data(), r'"Small test network"', DEEP),
        ("sites.csv", _csv_cell("sites.csv", 1, "kind", DEEP)),
    ),
    "json_in_cell": (
        None,
        None,
        ("sites.csv", _csv_cell("sites.csv", 1, "kind", '[{"a": ')),
    ),
}


OVERLAY_KINDS: dict[str, str] = {
    "overlay_syntax": "overlay: {title: x\n",
    "overlay_empty": "",
    "overlay_list": "- lanes\n",
    "overlay_unknown_key": "overlay: {title: x}\ncolour: blue\n",
    "overlay_bad_value": "lanes:\n  - {id: sg-sel, transit: 9 GBq}\n",
    "overlay_unknown_removal": "remove: {lanes: [nope]}\n",
    "overlay_not_utf8": "overlay: {title: \udcff}\n",
    "overlay_bad_time": "policies:\n  export_restrictions:\n"
    "    - {country: SG, start: 2025-02-30}\n",
}
"""A what-if overlay (``small+x``, ``overlays/x.yaml`` of the CSV folder) broken each way."""


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def cases() -> Iterator[Case]:
    """Every fault kind in every form it applies to."""
    for kind, (yaml_edit, json_edit, csv_edit) in KINDS.items():
        if yaml_edit is not None:
            data = _encode(yaml_edit(yaml_text()))
            yield Case(kind, "yaml", {"s.yaml": data}, "s.yaml", "s.yaml")
        if json_edit is not None:
            yield Case(kind, "json", {"s.json": _encode(json_edit())}, "s.json", "s.json")
        if csv_edit is not None:
            name, change = csv_edit
            files = {f"small/{n}": b for n, b in csv_files()}
            old = files[f"small/{name}"].decode("utf-8")
            files[f"small/{name}"] = _encode(change(old))
            yield Case(kind, "csv", files, "small", f"small/{name}")
    for kind, text in OVERLAY_KINDS.items():
        files = {f"small/{n}": b for n, b in csv_files()}
        files["small/overlays/x.yaml"] = _encode(text)
        yield Case(kind, "overlay", files, "small+x", "small/overlays/x.yaml")
