"""Lines of fields in JSON text, found by skipping whole values with the C decoder.

``json.loads`` keeps no positions. To name the line of ``demand.bookings.47172.hospital`` in a
large file, :class:`JsonLocator` walks only down that path: at each object it reads the keys
and skips every other value with :meth:`json.JSONDecoder.raw_decode` (C speed), at each array
it skips items up to the index. The offsets of array items already passed are kept, so many
paths into the same list cost one walk. Anything unexpected (text that is not the JSON that
was loaded) falls back to :class:`~isoflow.scenario.yamlpos.StreamLocator`.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterable

from isoflow.scenario.issues import Path
from isoflow.scenario.yamlpos import StreamLocator, line_numbers

_BLANK = re.compile(r"[ \t\n\r]*")
_decoder = json.JSONDecoder()


class _Lost(Exception):
    """The text is not as expected: use the slower locator."""


def _blank(text: str, at: int) -> int:
    """Offset of the first character at or after ``at`` that is not a blank."""
    found = _BLANK.match(text, at)
    return found.end() if found is not None else at


def _skip(text: str, at: int) -> int:
    """Offset after the JSON value at ``at`` and the blanks that follow it."""
    _, end = _decoder.raw_decode(text, at)
    return _blank(text, end)


def _after(text: str, at: int, char: str) -> int:
    """Offset after ``char`` at ``at`` and the blanks that follow it."""
    if text[at : at + 1] != char:
        raise _Lost
    return _blank(text, at + 1)


class _Walker:
    """Finds offsets of paths in one JSON text, keeping the item offsets of arrays."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.items: dict[int, array[int]] = {}

    def key(self, at: int, wanted: str) -> int | None:
        """Offset of key ``wanted`` in the object at ``at`` (None if absent)."""
        text = self.text
        here = _after(text, at, "{")
        while text[here : here + 1] == '"':
            key, end = _decoder.raw_decode(text, here)
            if key == wanted:
                return here
            here = _skip(text, _after(text, _blank(text, end), ":"))
            if text[here : here + 1] != ",":
                return None
            here = _after(text, here, ",")
        return None

    def value_of_key(self, key_at: int) -> int:
        """Offset of the value of the key that starts at ``key_at``."""
        _, end = _decoder.raw_decode(self.text, key_at)
        return _after(self.text, _blank(self.text, end), ":")

    def item(self, at: int, index: int) -> int | None:
        """Offset of item ``index`` of the array at ``at`` (None if there are fewer)."""
        text = self.text
        known = self.items.get(at)
        if known is None:
            known = self.items[at] = array("q")
            first = _after(text, at, "[")
            if text[first : first + 1] == "]":
                return None
            known.append(first)
        while len(known) <= index:
            here = _skip(text, known[-1])
            if text[here : here + 1] != ",":
                return None
            known.append(_after(text, here, ","))
        return known[index]

    def offsets(self, path: Path) -> list[int]:
        """Offsets of the root and of each part of ``path`` found, in order."""
        here = _blank(self.text, 0)
        found = [here]
        for part in path:
            opening = self.text[here : here + 1]
            if opening == "{" and isinstance(part, str):
                key_at = self.key(here, part)
                if key_at is None:
                    break
                found.append(key_at)
                here = self.value_of_key(key_at)
            elif opening == "[" and isinstance(part, int) and part >= 0:
                item_at = self.item(here, part)
                if item_at is None:
                    break
                found.append(item_at)
                here = item_at
            else:
                break
        return found


class JsonLocator(StreamLocator):
    """A locator for JSON text: lines found by walking down each path (see the module)."""

    def prefetch(self, paths: Iterable[Path]) -> None:
        """Find the lines of every path not looked up yet."""
        new = {p for p in paths if p not in self.asked}
        if not new or self.fallback is not None:
            return
        walker = _Walker(self.text)
        try:
            offsets = {path: walker.offsets(path) for path in new}
        except (_Lost, ValueError):
            super().prefetch(new)
            return
        self.asked |= new
        line_of = line_numbers(self.text, (o for found in offsets.values() for o in found))
        for path, found in offsets.items():
            for n, offset in enumerate(found):
                self.lines[path[:n]] = line_of[offset] + 1
