"""Scenario uploads: a YAML or JSON file, or a CSV folder as a zip or tar archive.

The upload is written to a private temporary folder and checked by
:func:`isoflow.scenario.validate.validate`, the same checks (and file/line/field messages) as
``isoflow validate``. Archives are refused if a member escapes the folder (absolute path,
``..``, links), if they hold too many members or too many bytes once unpacked.
"""

from __future__ import annotations

import io
import re
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

Format = Literal["yaml", "json", "zip", "tar"]

MAX_MEMBERS = 2_000
"""Most files an archive may hold."""
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""Most bytes an archive may unpack to."""


class UploadError(Exception):
    """An upload that is not a scenario; ``errors`` are JSON-ready problems."""

    def __init__(self, errors: list[dict[str, Any]], status: int = 422) -> None:
        self.errors = errors
        self.status = status
        super().__init__(errors[0]["message"] if errors else "invalid upload")


@dataclass(frozen=True, slots=True)
class Checked:
    """A validated upload: the scenario's canonical JSON, its name and its warnings."""

    canonical: bytes
    name: str
    warnings: list[dict[str, Any]]


def _problem(message: str, file: str = "", code: str = "upload") -> dict[str, Any]:
    return {"severity": "error", "file": file, "line": None, "path": "", "message": message,
            "code": code}  # fmt: skip


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or ":" in path.parts[0]:
        raise UploadError([_problem(f"archive member {name!r} leaves the folder", code="path")])
    return path


def _unpack_zip(data: bytes, root: Path) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError([_problem("not a readable zip archive")]) from None
    members = archive.infolist()
    _check_sizes(len(members), sum(m.file_size for m in members))
    for member in members:
        target = root / _safe_name(member.filename)
        if member.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        if (member.external_attr >> 16) & 0o170000 == 0o120000:
            raise UploadError([_problem(f"archive member {member.filename!r} is a link")])
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as src:
            target.write_bytes(src.read(MAX_UNPACKED_BYTES + 1))


def _unpack_tar(data: bytes, root: Path) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            _unpack_members(archive, root)
    except (tarfile.TarError, EOFError, OSError):
        raise UploadError([_problem("not a readable tar archive")]) from None


def _unpack_members(archive: tarfile.TarFile, root: Path) -> None:
    members = archive.getmembers()
    _check_sizes(len(members), sum(m.size for m in members))
    for member in members:
        target = root / _safe_name(member.name)
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
        elif member.isfile():
            target.parent.mkdir(parents=True, exist_ok=True)
            src = archive.extractfile(member)
            target.write_bytes(src.read() if src is not None else b"")
        else:
            raise UploadError([_problem(f"archive member {member.name!r} is not a file")])


def _check_sizes(count: int, total: int) -> None:
    if count > MAX_MEMBERS:
        raise UploadError([_problem(f"archive holds {count} members (at most {MAX_MEMBERS})")], 413)
    if total > MAX_UNPACKED_BYTES:
        message = f"archive unpacks to {total} bytes (at most {MAX_UNPACKED_BYTES})"
        raise UploadError([_problem(message)], 413)


def _folder(root: Path) -> Path:
    """The scenario folder in an unpacked archive (the root, or its only subfolder)."""
    entries = [p for p in root.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return root


def check_upload(data: bytes, fmt: Format) -> Checked:
    """Validate an upload; :class:`UploadError` with every problem (file, line, field)."""
    from isoflow.scenario.validate import validate

    with tempfile.TemporaryDirectory(prefix="isoflow-upload-") as tmp:
        root = Path(tmp)
        if fmt in ("yaml", "json"):
            ref = root / f"scenario.{fmt}"
            ref.write_bytes(data)
        else:
            (root / "folder").mkdir()
            (_unpack_zip if fmt == "zip" else _unpack_tar)(data, root / "folder")
            ref = _folder(root / "folder")
        report = validate(ref)
        scrub = str(root)
        errors = [_clean(i.as_dict(), scrub) for i in report.errors]
        if errors or report.scenario is None:
            raise UploadError(errors or [_problem("not a scenario")])
        warnings = [_clean(i.as_dict(), scrub) for i in report.warnings]
        scenario = report.scenario
        return Checked(scenario.model_dump_json().encode(), scenario.meta.name, warnings)


def _clean(issue: dict[str, Any], root: str) -> dict[str, Any]:
    """An issue with the temporary folder's path taken out of its file and message."""
    out = dict(issue)
    for key in ("file", "message"):
        if isinstance(out.get(key), str):
            out[key] = out[key].replace(root + "/folder/", "").replace(root + "/", "")
            out[key] = out[key].replace(root, "")
    return out


OVERLAY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""Names an overlay may have (it becomes a file name)."""


def check_overlay(base: bytes, overlay: bytes, name: str) -> Checked:
    """Validate a named what-if overlay (YAML) applied to a stored scenario (canonical JSON).

    The same merge and checks as ``isoflow validate BASE+NAME``.
    """
    from isoflow.scenario import overlays
    from isoflow.scenario.validate import validate

    if not OVERLAY_NAME.match(name):
        raise UploadError([_problem(f"overlay name {name[:70]!r} is not a plain name")])
    with tempfile.TemporaryDirectory(prefix="isoflow-overlay-") as tmp:
        root = Path(tmp)
        base_path = root / "base.json"
        base_path.write_bytes(base)
        folder = root / f"base.{overlays.OVERLAY_DIR}"
        folder.mkdir()
        (folder / f"{name}.yaml").write_bytes(overlay)
        report = validate(f"{base_path}{overlays.SEPARATOR}{name}")
        scrub = str(root)
        errors = [_clean(i.as_dict(), scrub) for i in report.errors]
        if errors or report.scenario is None:
            raise UploadError(errors or [_problem("not an overlay of this scenario")])
        warnings = [_clean(i.as_dict(), scrub) for i in report.warnings]
        scenario = report.scenario
        return Checked(scenario.model_dump_json().encode(), scenario.meta.name, warnings)
