"""Fast, bounded reading of YAML straight from LibYAML's events (through PyYAML's C parser).

ruamel.yaml's round-trip reader keeps the line of every key but is pure Python: 2-4 s for the
built-in scenario, minutes and gigabytes for a 50 MB file. PyYAML's own loader is faster but
first builds a node for every value (40 times the file in memory). :func:`read_fast` builds
plain data directly from LibYAML's event stream and gives exactly the values the round-trip
reader gives: plain scalars are resolved by ruamel's YAML 1.2 resolver; strings, null,
booleans, decimal numbers and timestamps with an offset are built here, any other plain
scalar (octal, ``.inf``, a date) by ruamel's own constructor.

While reading it enforces the limits of :mod:`isoflow.scenario.limits` (nesting depth, values
added by aliases, length of a number, a recursive alias), reports duplicate keys and syntax
errors, and notices a file that ends in the middle of a plain value (cut short?); every issue
carries file, line and field path. ``items`` lets the caller turn each finished item of a
bulk list (bookings) into its model at once, so the plain data of a large list never exists
as a whole. What changes the reading rules (explicit tags, ``%`` directives, ``<<`` merge
keys, non-scalar keys, undefined aliases, several documents) sets ``deferred``: the caller
then reads the text with the round-trip reader, knowing the limits hold.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode as RuamelScalar
from ruamel.yaml.resolver import VersionedResolver

from isoflow.scenario import limits
from isoflow.scenario.issues import Issue, Path, Severity

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
_AWARE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")
"""Timestamps built here: date, time to the second and an offset (aware datetimes)."""

_resolver = VersionedResolver(version=(1, 2))
_IMPLICIT: dict[Any, list[tuple[str, Any]]] = {
    first: list(rules) for first, rules in _resolver.versioned_resolver.items()
}
"""ruamel's YAML 1.2 implicit resolvers by first character (``None``: for any character)."""
_ruamel = YAML(typ="rt").constructor

ItemHook = Callable[[dict[Any, Any]], Any]
"""Turns one finished item (a mapping) of a bulk list into what the list keeps."""

Spans = dict[Path, tuple["array[int]", "array[int]"]]
"""Per bulk list, where each item's text starts and ends (character offsets)."""


_DEFER = object()
"""What :func:`_plain` gives for a scalar the round-trip reader must read."""

_MERGE = "tag:yaml.org,2002:merge"


def _resolve(value: str) -> str:
    """Tag of a plain scalar, as ``VersionedResolver.resolve`` finds it (without its overhead)."""
    rules = _IMPLICIT.get(value[0] if value else "", []) + _IMPLICIT.get(None, [])
    for tag, regexp in rules:
        if regexp.match(value):
            return str(tag)
    return _STR


def _construct(value: str) -> Any:
    """The value of a plain scalar as ruamel's round-trip reader gives it (or ``_DEFER``)."""
    tag = _resolve(value)
    if tag == _STR:
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() == "true"
    if tag == _INT and _DECIMAL_INT.fullmatch(value):
        return int(value)
    if tag == _FLOAT and _DECIMAL_FLOAT.fullmatch(value):
        return float(value)
    if tag == _TIMESTAMP and _AWARE.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:  # 2025-13-45T99:00Z: text, for the schema to name (with its line)
            return value
    if tag == _MERGE:
        return value
    if tag not in (_INT, _FLOAT, _TIMESTAMP):
        return _DEFER
    node = RuamelScalar(tag, value)
    try:
        return _ruamel.construct_object(node)
    except Exception:  # the round-trip reader reports it in its own words
        return _DEFER
    finally:
        _ruamel.constructed_objects.pop(node, None)


_cached = lru_cache(maxsize=1 << 12)(_construct)


def _plain(value: str) -> Any:
    """:func:`_construct`, cached for short scalars (keys, ids, numbers, times)."""
    return _cached(value) if len(value) <= 64 else _construct(value)


def is_number(value: str) -> bool:
    """True if a plain scalar reads as an integer or a float (YAML 1.2)."""
    return _resolve(value) in (_INT, _FLOAT)


def scalar_value(event: yaml.ScalarEvent) -> Any:
    """The value of a scalar event (plain scalars resolved, any other style a string)."""
    if event.style or event.tag is not None:
        return event.value
    value = _plain(event.value)
    return event.value if value is _DEFER else value


def events(text: str) -> Iterator[yaml.Event]:
    """LibYAML's events of ``text``; raises ``yaml.MarkedYAMLError`` at a syntax error."""
    parser = yaml.CSafeLoader(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            if event is not None:
                yield event
    finally:
        parser.dispose()


@dataclass(frozen=True, slots=True)
class Reading:
    """What :func:`read_fast` found.

    Attributes
    ----------
    data
        The plain data (``None`` for an empty document or when ``issues`` has an error).
    issues
        Errors (limits, duplicate keys, syntax) and warnings (cut short), located.
    deferred
        True if the text needs the round-trip reader; the limits were checked all the same.
    spans
        Where the text of each item of each bulk list (block style) starts and ends, so that
        the line of a field in an item can be found without reading the whole text again.
    """

    data: Any
    issues: tuple[Issue, ...] = ()
    deferred: bool = False
    spans: Spans = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues that make the file unreadable."""
        return tuple(i for i in self.issues if i.severity == Severity.ERROR)


class _Stop(Exception):
    """A limit was passed: reading ends here."""


class _Frame:
    """An open mapping or list while reading."""

    __slots__ = (
        "anchor",
        "begin",
        "container",
        "expect_key",
        "hook",
        "is_map",
        "key",
        "spans",
        "start",
    )

    def __init__(self, container: Any, is_map: bool, anchor: str | None, start: int) -> None:
        self.container = container
        self.is_map = is_map
        self.key: Any = None
        self.expect_key = True
        self.anchor = anchor
        self.start = start
        self.begin = 0
        self.hook: ItemHook | None = None
        self.spans: tuple[array[int], array[int]] | None = None


@dataclass(slots=True)
class _Reader:
    """Builds plain data from events, one handler per event type."""

    file: str
    items: Mapping[Path, ItemHook]
    stack: list[_Frame] = field(default_factory=list)
    root: Any = None
    anchors: dict[str, tuple[Any, int]] = field(default_factory=dict)
    values: int = 0
    """Values read so far, aliased values counted in full."""
    aliased: int = 0
    issues: list[Issue] = field(default_factory=list)
    deferred: bool = False
    documents: int = 0
    last: yaml.ScalarEvent | None = None
    """The last value read, if it was a scalar (for the cut-short check)."""
    fresh: bool = False
    last_path: Path = ()
    """Where the last scalar was, set when the mapping or list holding it ends."""
    spans: Spans = field(default_factory=dict)

    def path(self) -> Path:
        """Field path of the value being read (of the mapping, while a key is read)."""
        parts = [f.key if f.is_map else len(f.container) for f in self.stack]
        if self.stack and self.stack[-1].is_map and self.stack[-1].expect_key:
            parts.pop()
        return tuple(parts)

    def error(self, event: yaml.Event, message: str, code: str) -> None:
        """Record an error at ``event``'s line and the current field path."""
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        self.issues.append(Issue(self.path(), message, file=self.file, line=line, code=code))

    def add(self, value: Any, event: yaml.Event, begin: int | None = None) -> None:
        """Put a finished value into the open mapping or list (or make it the document).

        ``begin`` is where a mapping or list value began in the text (``event`` ends it).
        """
        if not self.stack:
            if self.documents == 1:
                self.root = value
            return
        frame = self.stack[-1]
        if not frame.is_map:
            if frame.spans is not None and event.start_mark and event.end_mark:
                frame.spans[0].append(event.start_mark.index if begin is None else begin)
                frame.spans[1].append(event.end_mark.index)
            if frame.hook is not None and type(value) is dict and not self.deferred:
                value = frame.hook(value)
            frame.container.append(value)
        elif not frame.expect_key:
            frame.container[frame.key] = value
            frame.expect_key = True
        else:
            self.add_key(frame, value, event)

    def add_key(self, frame: _Frame, key: Any, event: yaml.Event) -> None:
        """Start a mapping entry: reject a duplicate key, defer a merge or non-scalar key."""
        frame.expect_key = False
        if type(key) in (dict, list):
            self.deferred = True
            frame.key = object()
            return
        if key == "<<" and isinstance(event, yaml.ScalarEvent) and not event.style:
            self.deferred = True
        duplicate = key in frame.container
        frame.key = key
        if duplicate:
            shown = event.value if isinstance(event, yaml.ScalarEvent) else key
            message = f'duplicate key "{shown}" in one mapping; each key may appear once'
            self.error(event, message, "duplicate_key")

    def scalar(self, event: yaml.ScalarEvent) -> None:
        """A scalar: numbers checked for length, plain values resolved as ruamel does."""
        self.values += 1
        text = event.value
        if event.tag is not None:
            self.deferred = True
        value: Any = text
        if event.style:
            pass
        elif len(text) > limits.MAX_NUMBER_CHARS and is_number(text):
            self.error(event, limits.number_message(len(text)), "limit:number")
            value = None
        elif event.tag is None:
            value = _plain(text)
            if value is _DEFER:
                self.deferred = True
                value = text
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        self.last = event
        self.fresh = True
        self.add(value, event)

    def start(self, event: yaml.CollectionStartEvent, container: Any) -> None:
        """A mapping or list begins."""
        if event.tag is not None:
            self.deferred = True
        if len(self.stack) >= limits.MAX_DEPTH:
            self.error(event, limits.depth_message(), "limit:depth")
            raise _Stop
        self.values += 1
        frame = _Frame(container, isinstance(container, dict), event.anchor, self.values)
        frame.begin = event.start_mark.index if event.start_mark else 0
        if not frame.is_map and len(self.stack) <= 2 and self.items:
            path = self.path()
            frame.hook = self.items.get(path)
            if frame.hook is not None and not event.flow_style:
                frame.spans = self.spans[path] = (array("q"), array("q"))
        self.last = None
        self.stack.append(frame)

    def end(self, event: yaml.Event) -> None:
        """A mapping or list ends."""
        if self.fresh:  # the first end after a scalar: remember where that scalar was
            self.fresh = False
            top = self.stack[-1]
            parts = [f.key if f.is_map else len(f.container) for f in self.stack[:-1]]
            self.last_path = (*parts, top.key if top.is_map else len(top.container) - 1)
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, self.values - frame.start + 1)
        self.add(frame.container, event, frame.begin)

    def alias(self, event: yaml.AliasEvent) -> None:
        """An alias: the anchored value again, its size counted against the limit."""
        self.last = None
        if any(f.anchor == event.anchor for f in self.stack):
            self.error(event, f"alias *{event.anchor} is inside its own anchor", "limit:aliases")
            raise _Stop
        found = self.anchors.get(event.anchor or "")
        if found is None:
            self.deferred = True  # the round-trip reader names the undefined alias
            self.add(None, event)
            return
        value, size = found
        self.values += size
        self.aliased += size
        if self.aliased > limits.MAX_ALIAS_VALUES:
            self.error(event, limits.alias_message(), "limit:aliases")
            raise _Stop
        self.add(value, event)

    def document(self, event: yaml.DocumentStartEvent) -> None:
        """A document begins: a directive or a second document needs the round-trip reader."""
        self.documents += 1
        if event.version is not None or event.tags or self.documents > 1:
            self.deferred = True

    def run(self, text: str) -> None:
        """Read every event of ``text`` (stops at the first limit passed)."""
        handlers: dict[type, Callable[[Any], None]] = {
            yaml.ScalarEvent: self.scalar,
            yaml.MappingStartEvent: lambda e: self.start(e, {}),
            yaml.SequenceStartEvent: lambda e: self.start(e, []),
            yaml.MappingEndEvent: self.end,
            yaml.SequenceEndEvent: self.end,
            yaml.AliasEvent: self.alias,
            yaml.DocumentStartEvent: self.document,
        }
        for event in events(text):
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
            if len(self.issues) >= 20:
                raise _Stop


def _syntax_issue(exc: yaml.MarkedYAMLError, text: str, file: str) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    lines = text.count("\n") + 1
    line = min(mark.line + 1, lines) if mark is not None else None
    problem = exc.problem or "invalid YAML"
    if "maximum nesting depth" in problem:  # LibYAML's own bound, far above ours
        return Issue((), limits.depth_message(), file=file, line=line, code="limit:depth")
    context = f" ({exc.context})" if exc.context else ""
    message = f"YAML syntax error: {problem}{context}"
    if mark is not None and mark.index >= len(text.rstrip()):
        message += "; the file ends before it is closed (cut short?)"
    return Issue((), message, file=file, line=line, code="yaml")


def cut_short(text: str, last: yaml.ScalarEvent | None, path: Path, file: str) -> Issue | None:
    """A warning if ``text`` ends, with no line break, right in a plain value (cut short?)."""
    if last is None or last.style or not text or text.endswith(("\n", "\r")):
        return None
    if last.end_mark is None or text[last.end_mark.index :].strip():
        return None  # a comment or a closing bracket follows the last value
    tail = text[text.rfind("\n") + 1 :].strip()
    shown = tail if len(tail) <= 60 else tail[:57] + "..."
    message = (
        f"the file ends in the middle of a line ({shown!r}) with no line break; it may have "
        "been cut short (a complete file ends with a line break)"
    )
    line = text.count("\n") + 1
    return Issue(path, message, Severity.WARNING, file=file, line=line, code="truncated")


def read_fast(text: str, file: str, items: Mapping[Path, ItemHook] | None = None) -> Reading:
    """Read YAML ``text`` into plain data within the limits (see the module docstring).

    ``items`` maps the path of a bulk list (``("demand", "bookings")``) to a hook applied to
    each of its items as soon as the item is read; the list holds what the hook returns.
    """
    reader = _Reader(file, items or {})
    try:
        reader.run(text)
    except _Stop:
        return Reading(None, tuple(reader.issues))
    except yaml.MarkedYAMLError as exc:
        return Reading(None, (*reader.issues, _syntax_issue(exc, text, file)))
    except yaml.YAMLError as exc:  # a reader error (e.g. a control character)
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else None
        reason = getattr(exc, "reason", "") or str(exc).splitlines()[0]
        issue = Issue((), f"YAML error: {reason}", file=file, line=line, code="yaml")
        return Reading(None, (*reader.issues, issue))
    if reader.issues:
        return Reading(None, tuple(reader.issues))
    warning = cut_short(text, reader.last, reader.last_path, file)
    return Reading(reader.root, (warning,) if warning else (), reader.deferred, reader.spans)


def parse_fast(text: str) -> Any | None:
    """Plain data of a well-formed YAML document, or ``None``.

    ``None`` when the text has an issue or needs the round-trip reader (see :func:`read_fast`).
    """
    reading = read_fast(text, "")
    return None if reading.deferred or reading.errors else reading.data
