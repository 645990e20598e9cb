"""Large artefacts on disk, content-addressed by SHA-256.

An artefact with digest ``ab12...`` lives at ``root/ab/ab12...``. It is written to a temporary
file in the same folder, flushed and fsynced, then renamed into place (and the folder fsynced),
so a reader sees either no artefact or all of it, and a stored one survives a power cut.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class FileArtefactStore:
    """An :class:`~isoflow.service.ports.ArtefactStore` in a folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if not _DIGEST.match(sha256):
            raise KeyError(sha256)
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` durably (temp file, fsync, rename) and return its digest."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)
        return digest

    def get(self, sha256: str) -> bytes:
        """The artefact's bytes; :class:`KeyError` if there is none."""
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def has(self, sha256: str) -> bool:
        """Whether the artefact is stored."""
        try:
            return self._path(sha256).is_file()
        except KeyError:
            return False


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
