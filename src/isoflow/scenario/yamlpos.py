"""YAML reading with positions: ruamel.yaml's round-trip loader keeps the line of every key.

:func:`parse_yaml` turns bytes into plain-ish Python data (``CommentedMap`` is a ``dict``,
``CommentedSeq`` a ``list``) and never raises on bad input: syntax errors, duplicate keys and
undecodable bytes come back as :class:`~isoflow.scenario.issues.Issue` objects with a line.
:func:`yaml_locator` maps a field path to the line where that field is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from isoflow.scenario.fastyaml import Spans, events, scalar_value
from isoflow.scenario.issues import Issue, Location, Locator, Path, no_location


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
        # raises IndexError in its integer constructor, ``2025-02-30`` ValueError).
        line, value = _unreadable_scalar(text)
        what = f"cannot read {value!r}: " if value is not None else ""
        issue = Issue((), f"YAML error: {what}{exc}", file=file, line=line, code="yaml")
        return None, [issue]


def _unreadable_scalar(text: str) -> tuple[int | None, str | None]:
    """Line and text of the first scalar ruamel's constructor fails on (``None`` if none)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    reader = _yaml()
    try:
        stack = [reader.compose(text)]
    except Exception:
        return None, None
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            try:
                reader.constructor.construct_object(node, deep=True)
            except Exception:
                return node.start_mark.line + 1, str(node.value)
        elif isinstance(node, MappingNode):
            stack += [x for pair in reversed(node.value) for x in reversed(pair)]
        elif isinstance(node, SequenceNode):
            stack += reversed(node.value)
    return None, None


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


# --------------------------------------------------------------------------- streamed lines


class _Open:
    """A mapping or list open while lines are looked up.

    ``path`` is None when no wanted path lies below it.
    """

    __slots__ = ("expect_key", "index", "is_map", "key", "path")

    def __init__(self, path: Path | None, is_map: bool) -> None:
        self.path = path
        self.is_map = is_map
        self.expect_key = True
        self.key: Any = None
        self.index = 0


def _node_path(stack: list[_Open], event: Any, wanted: set[Path]) -> tuple[Path | None, bool]:
    """Path of the node ``event`` begins (None if not wanted) and whether it is a key."""
    if not stack:
        return (), False
    parent = stack[-1]
    if parent.is_map:
        if parent.expect_key:
            parent.expect_key = False
            key: Any = scalar_value(event) if isinstance(event, yaml.ScalarEvent) else object()
            parent.key = key
            if parent.path is None:
                return None, True
            return (*parent.path, key), True
        parent.expect_key = True
        part: Any = parent.key
    else:
        part = parent.index
        parent.index += 1
    if parent.path is None:
        return None, False
    path = (*parent.path, part)
    return (path if path in wanted else None), False


def stream_lines(text: str, paths: Iterable[Path]) -> dict[Path, int]:
    """Line (1-based) of every prefix of ``paths`` present in ``text``, in one pass.

    A mapping key gives the line of the key, a list item the line where the item begins, as
    :func:`line_of` does on the round-trip tree. Reads LibYAML's events without building any
    data, and stops once every path is found. Raises ``yaml.YAMLError`` if LibYAML cannot
    read the text.
    """
    targets = set(paths)
    wanted = {p[:n] for p in targets for n in range(len(p) + 1)}
    lines: dict[Path, int] = {}
    missing = len(targets)
    stack: list[_Open] = []
    for event in events(text):
        kind = type(event)
        if kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            stack.pop()
            continue
        if kind not in _NODES:
            continue
        path, is_key = _node_path(stack, event, wanted)
        if path is not None and path in wanted and path not in lines and event.start_mark:
            lines[path] = event.start_mark.line + 1
            missing -= path in targets
            if not missing:
                break
        if kind in (yaml.MappingStartEvent, yaml.SequenceStartEvent):
            below = None if is_key else path
            stack.append(_Open(below, kind is yaml.MappingStartEvent))
    return lines


_NODES = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


def best_line(lines: dict[Path, int], path: Path) -> int | None:
    """Line of the longest prefix of ``path`` found by :func:`stream_lines`."""
    for n in range(len(path), -1, -1):
        line = lines.get(path[:n])
        if line is not None:
            return line
    return None


_MANY_ITEMS = 2000
"""Above this many items to locate, one pass over the whole text is quicker than slices."""


def line_numbers(text: str, offsets: Iterable[int]) -> dict[int, int]:
    """0-based line of each character offset, counted in one sweep."""
    lines: dict[int, int] = {}
    line = position = 0
    for offset in sorted(set(offsets)):
        line += text.count("\n", position, offset)
        position = offset
        lines[offset] = line
    return lines


def _item_lines(text: str, begin: int, end: int, first: int, paths: set[Path]) -> dict[Path, int]:
    """Lines of ``paths`` inside one item, read from the item's text alone.

    The item starts at offset ``begin`` on (0-based) line ``first``; its text is indented
    by as many blanks as it begins right of the line start, so it reads as it did in place.
    """
    column = begin - (text.rfind("\n", 0, begin) + 1)
    found = stream_lines(" " * column + text[begin:end], paths)
    return {path: first + line for path, line in found.items()}


class StreamLocator:
    """A :data:`~isoflow.scenario.issues.Locator` that reads lines from the text on demand.

    :meth:`prefetch` looks up many paths at once: a field of an item of a bulk list (with
    ``spans`` from :func:`~isoflow.scenario.fastyaml.read_fast`) is found in the text of that
    item alone; every other path in one pass over the whole text. If LibYAML cannot read the
    text (JSON it parses differently), the lines come from the round-trip reader.
    """

    def __init__(self, text: str, file: str, spans: Spans | None = None) -> None:
        self.text = text
        self.file = file
        self.spans = spans or {}
        self.lines: dict[Path, int] = {}
        self.asked: set[Path] = set()
        self.fallback: Locator | None = None

    def _item(self, path: Path) -> tuple[Path, int] | None:
        """The bulk list and item index ``path`` lies in, if its span is known."""
        for prefix, (begins, _) in self.spans.items():
            n = len(prefix)
            if path[:n] == prefix and len(path) > n:
                index = path[n]
                if isinstance(index, int) and 0 <= index < len(begins):
                    return prefix, index
        return None

    def _in_items(self, paths: set[Path]) -> set[Path]:
        """Find the paths that lie in bulk-list items; return the others."""
        items = {p: self._item(p) for p in paths}
        located = {p: item for p, item in items.items() if item is not None}
        if not located or len(located) > _MANY_ITEMS:
            return paths
        begins = {p: self.spans[prefix][0][i] for p, (prefix, i) in located.items()}
        first = line_numbers(self.text, begins.values())
        rest = {p for p, item in items.items() if item is None}
        for path, (prefix, i) in located.items():
            begin, end = begins[path], self.spans[prefix][1][i]
            inner = path[len(prefix) + 1 :]
            try:
                found = _item_lines(self.text, begin, end, first[begin], {inner})
            except yaml.YAMLError:
                rest.add(path)
                continue
            self.lines[(*prefix, i)] = first[begin] + 1
            self.lines.update({(*prefix, i, *p): line for p, line in found.items()})
        return rest

    def prefetch(self, paths: Iterable[Path]) -> None:
        """Find the lines of every path not looked up yet."""
        new = {p for p in paths if p not in self.asked}
        if not new or self.fallback is not None:
            return
        self.asked |= new
        rest = self._in_items(new)
        if not rest:
            return
        try:
            self.lines.update(stream_lines(self.text, rest))
        except yaml.YAMLError:
            tree, problems = parse_yaml(self.text, self.file)
            self.fallback = no_location if problems else yaml_locator(tree, self.file)

    def __call__(self, path: Path) -> Location:
        """File and line of ``path`` (the deepest part of it that is written)."""
        self.prefetch([path])
        if self.fallback is not None:
            found = self.fallback(path)
            return found if found.file else Location(self.file)
        return Location(self.file, best_line(self.lines, path))
