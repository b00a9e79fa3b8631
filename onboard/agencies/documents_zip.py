"""The optional zip of documents that comes with a batch, unpacked without trusting it.

Nothing is ever written under a name from the archive: each member's bytes go to the
content-addressed :class:`~onboard.storage.DocumentStore`, and the batch keeps a map from the
member's (normalised) name to the file's hash. So a "zip slip" name (``../../etc/passwd``,
``/abs/path``, ``C:\\x``) cannot reach the file system; such names are refused anyway, and
reported. Zip bombs are bounded three ways, by bytes actually inflated, never by the sizes
the archive claims: a member is read to at most the documents' size limit (one that is
bigger is kept cut at the limit, so that ``document.size`` fails it), the whole archive to at
most ``max_total`` inflated bytes, and to at most ``max_members`` members. Directories,
links and nested archives are skipped.
"""

from __future__ import annotations

import posixpath
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from onboard.errors import InputError, Words

NOT_A_ZIP = Words(
    "Not a readable zip file: {problem}", "文件压缩包无法读取（不是有效的 ZIP 文件）。"
)
TOO_MANY_FILES = Words(
    "Too many files in the zip: at most {count}.", "压缩包中的文件过多：最多 {count} 个。"
)
INFLATES_TOO_FAR = Words(
    "The zip inflates to more than {count} bytes.", "压缩包解压后超过 {count} 字节。"
)

_READ = 64 * 1024


@dataclass
class Unpacked:
    """``files``: name -> sha256; ``skipped``: name -> why it was not taken."""

    files: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def normalize_name(name: str) -> str | None:
    """A member or document name as both sides write it (``./a\\b.jpg`` -> ``a/b.jpg``);
    None for a name that climbs out (``..``), is absolute or is empty."""
    text = unicodedata.normalize("NFC", name).replace("\\", "/").strip()
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts):
        return None
    if any(not ch.isprintable() for ch in text):
        return None
    return posixpath.join(*parts)


def unpack(
    stream: IO[bytes],
    store: Callable[[bytes], str],
    *,
    max_member: int,
    max_total: int,
    max_members: int,
) -> Unpacked:
    """Store every usable member of the zip in ``stream`` with ``store`` (bytes -> hash)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError({"documents": [NOT_A_ZIP(problem=exc)]}, status=422) from None
    out = Unpacked()
    budget = max_total
    with archive:
        members = archive.infolist()
        if len(members) > max_members:
            raise InputError({"documents": [TOO_MANY_FILES(count=max_members)]}, status=413)
        for info in members:
            if info.is_dir():
                continue
            name = normalize_name(info.filename)
            if name is None:
                out.skipped[info.filename[:200]] = "unsafe name"
                continue
            if _is_link(info):
                out.skipped[name] = "a link, not a file"
                continue
            if info.flag_bits & 0x1:
                out.skipped[name] = "encrypted"
                continue
            try:
                data = _read_member(archive, info, min(max_member, budget + 1))
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
                out.skipped[name] = f"unreadable: {exc}"
                continue
            budget -= len(data)
            if budget < 0:
                raise InputError({"documents": [INFLATES_TOO_FAR(count=max_total)]}, status=413)
            out.files[name] = store(data)
    return out


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return (mode & 0o170000) == 0o120000


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most ``limit`` inflated bytes of a member, counted as they come out."""
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as member:
        while size < limit:
            chunk = member.read(min(_READ, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks)
