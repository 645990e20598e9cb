"""Result sets: the files of one command run, put into its ``--out`` folder all at once.

Every command that writes results (``plan`` with its report, ``simulate``, each ``analyze``
command, ``compare``) writes them through :func:`result_set`:

1. the files are written into a temporary folder ``.<name>.tmp-XXXX`` beside ``--out`` (in
   its parent, so on the same file system; inside ``--out`` when that parent is not
   writable or ``--out`` is another file system), and registered with
   :data:`~isoflow.processes.children`, so a stop removes it;
2. each file is flushed to disk (fsync) and hashed, and ``manifest.json`` is written next to
   them;
3. the set is swapped into place, with SIGINT and SIGTERM held until the swap is done:

   * ``--out`` does not exist: the temporary folder is renamed to ``--out`` (one rename);
   * ``--out`` exists: only this command's files change. Several commands share a folder
     (``isoflow plan`` and the analyses all default to ``isoflow-out``) and users keep their
     own files there, so the folder is never replaced as a whole. The files of the previous
     run of the same command (those the old ``manifest.json`` lists for it), the files the
     new set replaces and the old ``manifest.json`` are moved aside into ``.<name>.old-XXXX``,
     the new files are renamed in, ``manifest.json`` last, and the old ones are deleted. If
     a rename fails, every move is undone. Files of other commands and anything else in the
     folder stay as they are.

On any exception before or during the swap (a full disk, ``KeyboardInterrupt``) the
temporary folder is removed and ``--out`` is as it was: the previous results or the new
ones, never a mix. Only a power cut during the swap's few renames could leave a mix; the
``manifest.json`` then still describes the previous files, and their hashes tell.

``manifest.json`` describes the folder::

    {"format": "isoflow-results/1", "isoflow_version": "0.1.0", "written_utc": "...Z",
     "files": {"plan.json": {"bytes": 5120, "sha256": "...", "command": "plan"}, ...},
     "commands": {"plan": {"isoflow_version": ..., "written_utc": ..., "scenario": "small",
                           "inputs": {"scenario": {"path": ..., "files": {name: {...}}}},
                           "options": {...}, "files": ["plan.json", ...]}}}

``files`` lists every file isoflow wrote in the folder (size in bytes, SHA-256 and the
command that wrote it); ``commands`` each command's last run (inputs hashed, options and
seeds as given). The engines know nothing of this: they write into the folder they are given.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from isoflow.processes import children

MANIFEST = "manifest.json"
FORMAT = "isoflow-results/1"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Run:
    """What ``manifest.json`` records of the run that wrote a result set."""

    command: str
    """The command (``plan``, ``analyze capacity``); a new run replaces its earlier files."""
    scenario: str | None = None
    """The scenario's name, where there is one."""
    inputs: Mapping[str, Path] = field(default_factory=dict)
    """Input files or folders by role (``scenario``, ``plan``); every file in them is hashed."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The options as given, seeds included."""


@dataclass
class ResultSet:
    """The result set being written: files go into :attr:`folder`, a temporary folder."""

    out: Path
    """The folder the results are for, as given."""
    folder: Path
    """The temporary folder to write the files into."""
    written: list[Path] = field(default_factory=list)
    """Once the block has ended: every file written, in ``out``, ``manifest.json`` last."""
    removed: list[str] = field(default_factory=list)
    """Once the block has ended: files of the command's previous run it no longer writes."""
    _order: list[str] = field(default_factory=list)

    def add(self, paths: Iterable[Path]) -> None:
        """Note files written into :attr:`folder`, in the order to list them in."""
        for path in paths:
            if path.name not in self._order:
                self._order.append(path.name)

    def names(self) -> list[str]:
        """The files in :attr:`folder`: those noted by :meth:`add` first, then the others."""
        present = sorted(
            e.name for e in os.scandir(self.folder) if e.is_file(follow_symlinks=False)
        )
        if MANIFEST in present:
            raise ValueError(f"{MANIFEST} is written by the result set itself")
        return [n for n in self._order if n in present] + [
            n for n in present if n not in self._order
        ]


@contextmanager
def result_set(
    out: Path,
    run: Run,
    optional: Iterable[str] = (),
    on_commit: Callable[[], None] | None = None,
) -> Iterator[ResultSet]:
    """Collect the files the block writes into ``.folder``, then put them into ``out`` at once.

    ``optional`` names files the command writes only sometimes (``report.html``): a run that
    does not write them removes them, also from a folder without a manifest. ``on_commit`` is
    called as soon as the new files are in place. Raises :class:`OSError` if writing fails;
    ``out`` is then as it was.
    """
    target = Path(os.path.abspath(out))
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(out))
    target.parent.mkdir(parents=True, exist_ok=True)
    with children.folder(f".{target.name}.tmp-", _staging_parent(target)) as folder:
        if not target.exists():  # it becomes ``out``: a new folder's usual mode, not 0700
            os.chmod(folder, 0o777 & ~_umask())
        rs = ResultSet(Path(out), folder)
        yield rs
        names = rs.names()
        entries = {name: _digest(folder / name, sync=True) for name in names}
        existed = target.is_dir()
        old = _read_manifest(target / MANIFEST) if existed else {}
        stale = {n for n, f in old.get("files", {}).items() if f.get("command") == run.command}
        stale = (stale | set(optional)) - set(names) - {MANIFEST}
        _write_json(folder / MANIFEST, _manifest(old, run, entries, target, stale))
        _fsync_dir(folder)
        with _signals_held():
            if existed:
                rs.removed = _swap(target, folder, [*names, MANIFEST], stale)
            else:
                os.rename(folder, target)
                _fsync_dir(target.parent)
            if on_commit is not None:
                on_commit()
        rs.written = [rs.out / n for n in (*names, MANIFEST)]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _staging_parent(target: Path) -> Path:
    """Beside ``target``; inside it if it exists and its parent is unwritable or elsewhere."""
    parent = target.parent
    if not target.is_dir():
        return parent
    try:
        same_fs = os.stat(parent).st_dev == os.stat(target).st_dev
    except OSError:
        same_fs = False
    return parent if same_fs and os.access(parent, os.W_OK | os.X_OK) else target


def _swap(target: Path, folder: Path, names: list[str], stale: set[str]) -> list[str]:
    """Replace ``names`` and remove ``stale`` in ``target``, undoing every move on failure.

    Returns the stale files that were there.
    """
    for name in names:
        path = target / name
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(errno.EISDIR, "a folder has the name of a result", str(path))
    backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=folder.parent))
    moved: list[str] = []
    placed: list[str] = []
    try:
        for name in [*names, *sorted(stale)]:
            if os.path.lexists(target / name):
                os.rename(target / name, backup / name)
                moved.append(name)
        for name in names:
            os.rename(folder / name, target / name)
            placed.append(name)
        _fsync_dir(target)
    except BaseException:
        _undo(target, folder, backup, moved, placed)
        raise
    shutil.rmtree(backup, ignore_errors=True)
    return [n for n in sorted(stale) if n in moved]


def _undo(target: Path, folder: Path, backup: Path, moved: list[str], placed: list[str]) -> None:
    """Put the new files back into ``folder`` and the previous ones back into ``target``."""
    try:
        for name in reversed(placed):
            os.replace(target / name, folder / name)
        for name in reversed(moved):
            os.replace(backup / name, target / name)
    except OSError as exc:  # the previous files stay in the backup folder, which is named
        message = f"{exc.strerror or exc}; the previous results are kept in {backup}"
        raise OSError(exc.errno, message) from exc
    with suppress(OSError):
        backup.rmdir()


def _manifest(
    old: Mapping[str, Any],
    run: Run,
    entries: Mapping[str, dict[str, Any]],
    target: Path,
    stale: set[str],
) -> dict[str, Any]:
    """The new ``manifest.json``: other commands' files still there, and this run's."""
    from isoflow import __version__

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    files: dict[str, Any] = {
        name: entry
        for name, entry in old.get("files", {}).items()
        if entry.get("command") != run.command
        and name not in entries
        and name not in stale
        and name != MANIFEST
        and (target / name).is_file()
    }
    commands: dict[str, Any] = {}
    for command, record in old.get("commands", {}).items():
        kept = [n for n in record.get("files", []) if n in files]
        if command != run.command and kept:
            commands[command] = {**record, "files": kept}
    files.update({name: {**entry, "command": run.command} for name, entry in entries.items()})
    commands[run.command] = {
        "isoflow_version": __version__,
        "written_utc": now,
        "scenario": run.scenario,
        "inputs": {role: _input_digest(path) for role, path in run.inputs.items()},
        "options": _plain(dict(run.options)),
        "files": list(entries),
    }
    return {
        "format": FORMAT,
        "isoflow_version": __version__,
        "written_utc": now,
        "files": dict(sorted(files.items())),
        "commands": dict(sorted(commands.items())),
    }


def _read_manifest(path: Path) -> dict[str, Any]:
    """The ``files`` and ``commands`` of an existing manifest; empty if none or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    found: dict[str, Any] = {}
    for key in ("files", "commands"):
        items = data.get(key)
        if isinstance(items, dict):
            found[key] = {k: v for k, v in items.items() if isinstance(v, dict)}
    return found


def _digest(path: Path, sync: bool = False) -> dict[str, Any]:
    """Size in bytes and SHA-256 of a file; with ``sync``, flushed to disk first."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
        if sync:
            os.fsync(fh.fileno())
    return {"bytes": size, "sha256": sha.hexdigest()}


def _input_digest(path: Path) -> dict[str, Any]:
    """An input file, or every file of an input folder (hidden ones aside), hashed."""
    try:
        if path.is_file():
            return {"path": str(path), "files": {path.name: _digest(path)}}
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(s.startswith(".") for s in p.relative_to(path).parts)
        )
        return {
            "path": str(path),
            "files": {p.relative_to(path).as_posix(): _digest(p) for p in files},
        }
    except OSError as exc:  # an input that went away is no reason to lose the results
        return {"path": str(path), "error": exc.strerror or str(exc)}


def _plain(value: Any) -> Any:
    """``value`` as JSON: paths as text, non-finite numbers as text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(data, indent=1, allow_nan=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    """Flush a folder's entries to disk, where the platform can (best effort)."""
    with suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM arriving in the block are raised once it ends, never inside it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: object) -> None:
        del frame
        held.append(signum)

    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, hold) for s in stops}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        if held:
            signal.raise_signal(held[0])
