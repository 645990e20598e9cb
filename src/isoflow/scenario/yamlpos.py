"""YAML reading with positions: ruamel.yaml's round-trip loader keeps the line of every key.

:func:`parse_yaml` turns bytes into plain-ish Python data (``CommentedMap`` is a ``dict``,
``CommentedSeq`` a ``list``) and never raises on bad input: syntax errors, duplicate keys and
undecodable bytes come back as :class:`~isoflow.scenario.issues.Issue` objects with a line.
:func:`yaml_locator` maps a field path to the line where that field is written.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from isoflow.scenario.issues import Issue, Location, Locator, Path


def decode(data: bytes, file: str) -> tuple[str | None, list[Issue]]:
    """Decode UTF-8 bytes (a BOM is allowed); an issue with the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        message = (
            f"the file is not valid UTF-8 (byte 0x{bad} at offset {exc.start}); save it as UTF-8"
        )
        return None, [Issue((), message, file=file, line=line, code="encoding")]


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _yaml_error(exc: YAMLError, text: str, file: str) -> Issue:
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        if "duplicate key" in problem:
            first = problem.split(" with value")[0].replace("found ", "")
            message = f"{first} in one mapping; each key may appear once"
            return Issue((), message, file=file, line=line, code="duplicate_key")
        context = f" ({exc.context})" if exc.context else ""
        return Issue(
            (), f"YAML syntax error: {problem}{context}", file=file, line=line, code="yaml"
        )
    position = getattr(exc, "position", None)
    line = text[:position].count("\n") + 1 if isinstance(position, int) else None
    reason = getattr(exc, "reason", "") or str(exc).splitlines()[0]
    return Issue((), f"YAML error: {reason}", file=file, line=line, code="yaml")


def parse_yaml(text: str, file: str) -> tuple[Any, list[Issue]]:
    """Parse YAML ``text`` with positions; ``(data, [])`` or ``(None, [issue])``."""
    try:
        return _yaml().load(text), []
    except YAMLError as exc:
        return None, [_yaml_error(exc, text, file)]
    except Exception as exc:
        # ruamel can fail outside its own error classes on pathological input (``a: -_``
        # raises IndexError in its integer constructor).
        return None, [Issue((), f"YAML error: {exc!r}", file=file, code="yaml")]


def _line_of_key(node: Any, key: str | int) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(node, list):
            return int(lc.item(key)[0]) + 1
        return int(lc.key(key)[0]) + 1
    except (KeyError, TypeError, IndexError, AttributeError):
        return None


def _line_of_node(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    line = getattr(lc, "line", None)
    return int(line) + 1 if isinstance(line, int) else None


def line_of(tree: Any, path: Path) -> int | None:
    """Line (1-based) of the deepest part of ``path`` present in ``tree``."""
    node = tree
    line = _line_of_node(tree)
    for part in path:
        in_map = isinstance(node, dict) and part in node
        in_seq = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_map or in_seq:
            line = _line_of_key(node, part) or line
            node = node[part]
        else:
            break
        if isinstance(node, dict | list):
            line = line or _line_of_node(node)
    return line


def yaml_locator(tree: Any, file: str) -> Locator:
    """Build a locator giving ``file`` and the line of a path in the round-trip ``tree``."""

    def locate(path: Path) -> Location:
        return Location(file, line_of(tree, path))

    return locate
