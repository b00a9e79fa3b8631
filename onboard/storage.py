"""Uploaded files on disk, named by the SHA-256 of their content.

The store owns file names (the applicant's name for a file is never a path), containment
under its root, and atomic writes: a file is written to a temporary name, flushed and renamed,
so a full disk or a crash leaves no half-written document behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

_SHA256 = re.compile(r"[0-9a-f]{64}")


class StorageError(RuntimeError):
    """The file could not be stored or found (disk full, permissions, unknown hash)."""


class DocumentStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def path_for(self, sha256: str) -> Path:
        """Where a file lives; refuses anything that is not a SHA-256 (no traversal)."""
        if not _SHA256.fullmatch(sha256):
            raise StorageError("not a content hash")
        path = (self.root / sha256[:2] / sha256[2:4] / sha256).resolve()
        if self.root not in path.parents:
            raise StorageError("outside the store")
        return path

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its SHA-256; storing the same bytes twice is free."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha256)
        if path.exists():
            return sha256
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as exc:
            raise StorageError(f"cannot store the file: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except OSError as exc:
            Path(temp).unlink(missing_ok=True)
            raise StorageError(f"cannot store the file: {exc.strerror}") from exc
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_for(sha256).open("rb")
        except FileNotFoundError as exc:
            raise StorageError("no such file") from exc

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def exists(self, sha256: str) -> bool:
        try:
            return self.path_for(sha256).is_file()
        except StorageError:
            return False

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)
