"""Safe reading of ZIP and tar archives: no traversal, no links or devices, no bombs."""

from __future__ import annotations

import os
import re
import stat
import tarfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, BinaryIO

from tessera.domain.errors import InvalidInput

ArchiveSource = str | os.PathLike[str] | BinaryIO

CHUNK_BYTES = 1 << 16
# Below this size a high compression ratio is harmless (a small JSON file of repeated keys
# compresses 100:1), so ratios are judged only for members and archives larger than it.
RATIO_FLOOR_BYTES = 1 << 20
_FIELD = "archive"
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ZIP_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
# Decompressors raise all of these on damaged input.
_CORRUPT = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError, ValueError)


class ArchiveKind(StrEnum):
    ZIP = "zip"
    TAR = "tar"


@dataclass(frozen=True)
class ArchiveMember:
    """One checked entry: its clean relative POSIX name and its declared sizes."""

    name: str
    raw_name: str
    kind: ArchiveKind
    is_dir: bool
    size_bytes: int
    compressed_bytes: int


def safe_members(
    archive: ArchiveSource, *, max_members: int, max_total_bytes: int, max_ratio: float
) -> list[ArchiveMember]:
    """List an archive's entries, refusing it whole if any entry is unsafe.

    Refused: absolute names, `..`, backslashes, drive letters, control characters; symbolic
    and hard links, devices, FIFOs; encrypted ZIP entries; duplicate names (compared after
    Unicode normalisation and case folding, as a case-insensitive disk would); a name under
    another entry that is a file; more than `max_members` entries; declared uncompressed
    total over `max_total_bytes`; a compression ratio over `max_ratio` for one ZIP member or
    for the whole archive. Declared sizes can lie: `extract_member` enforces them again.

    Args:
        archive: a path, or a seekable binary file positioned anywhere.

    Raises:
        InvalidInput: on field `archive`, naming the offending member.
    """
    with _open_source(archive) as (stream, archive_bytes):
        try:
            if zipfile.is_zipfile(stream):
                stream.seek(0)
                members = _zip_members(stream, max_members)
            else:
                stream.seek(0)
                members = _tar_members(stream, max_members, max_total_bytes)
        except InvalidInput:
            raise
        except _CORRUPT:
            raise InvalidInput("is not a readable ZIP or tar archive", field=_FIELD) from None
    _check_sizes(members, archive_bytes, max_total_bytes=max_total_bytes, max_ratio=max_ratio)
    _check_names(members)
    return members


def extract_member(
    archive: ArchiveSource, member: ArchiveMember, dest: BinaryIO, *, max_bytes: int
) -> int:
    """Stream one member (from `safe_members`) into `dest` and return the bytes written.

    Stops as soon as the output passes `max_bytes` or the member's declared size, whichever
    is smaller, so an entry whose header lies about its size cannot fill the disk.

    Raises:
        InvalidInput: on field `archive`: the member is a directory, too large, or corrupt.
    """
    if member.is_dir:
        raise InvalidInput(f"member {_show(member.name)} is a directory", field=_FIELD)
    with _open_source(archive) as (stream, _size):
        try:
            with _member_stream(stream, member) as source:
                return _copy(source, dest, member, max_bytes=max_bytes)
        except InvalidInput:
            raise
        except KeyError:
            raise InvalidInput(f"member {_show(member.name)} is missing", field=_FIELD) from None
        except _CORRUPT:
            raise InvalidInput(f"member {_show(member.name)} is corrupt", field=_FIELD) from None


@contextmanager
def _open_source(archive: ArchiveSource) -> Iterator[tuple[BinaryIO, int]]:
    if isinstance(archive, str | os.PathLike):
        with open(archive, "rb") as f:
            yield f, os.fstat(f.fileno()).st_size
        return
    size = archive.seek(0, os.SEEK_END)
    archive.seek(0)
    yield archive, size


def _zip_members(stream: BinaryIO, max_members: int) -> list[ArchiveMember]:
    with zipfile.ZipFile(stream) as zf:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise InvalidInput(f"has more than {max_members} members", field=_FIELD)
        return [_zip_member(info) for info in infos]


def _zip_member(info: zipfile.ZipInfo) -> ArchiveMember:
    name = _clean_name(info.filename)
    mode = (info.external_attr >> 16) & 0xFFFF
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise InvalidInput(f"member {_show(name)} is a symbolic link", field=_FIELD)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise InvalidInput(f"member {_show(name)} is not a regular file", field=_FIELD)
    if info.flag_bits & 0x1:
        raise InvalidInput(f"member {_show(name)} is encrypted", field=_FIELD)
    if info.compress_type not in _ZIP_METHODS:
        raise InvalidInput(f"member {_show(name)} uses an unknown compression", field=_FIELD)
    return ArchiveMember(
        name=name,
        raw_name=info.filename,
        kind=ArchiveKind.ZIP,
        is_dir=info.is_dir(),
        size_bytes=info.file_size,
        compressed_bytes=info.compress_size,
    )


def _tar_members(stream: BinaryIO, max_members: int, max_total_bytes: int) -> list[ArchiveMember]:
    members: list[ArchiveMember] = []
    total = 0
    with tarfile.open(fileobj=stream, mode="r:*") as tf:
        for info in tf:  # lazily, so a huge archive is refused without reading it all
            if len(members) >= max_members:
                raise InvalidInput(f"has more than {max_members} members", field=_FIELD)
            members.append(_tar_member(info))
            total += info.size
            if total > max_total_bytes:
                raise InvalidInput(f"unpacks to more than {max_total_bytes} bytes", field=_FIELD)
    return members


def _tar_member(info: tarfile.TarInfo) -> ArchiveMember:
    name = _clean_name(info.name)
    if info.issym():
        raise InvalidInput(f"member {_show(name)} is a symbolic link", field=_FIELD)
    if info.islnk():
        raise InvalidInput(f"member {_show(name)} is a hard link", field=_FIELD)
    if info.isdev():
        raise InvalidInput(f"member {_show(name)} is a device or FIFO", field=_FIELD)
    if not (info.isfile() or info.isdir()):
        raise InvalidInput(f"member {_show(name)} is not a regular file", field=_FIELD)
    return ArchiveMember(
        name=name,
        raw_name=info.name,
        kind=ArchiveKind.TAR,
        is_dir=info.isdir(),
        size_bytes=info.size,
        compressed_bytes=info.size,  # tar compresses the whole stream, not each member
    )


def _clean_name(raw: str) -> str:
    """The entry's name as a relative POSIX path, or InvalidInput if it could escape."""
    shown = _show(raw)
    if not raw or _CONTROL.search(raw):
        raise InvalidInput(f"member {shown} has an empty name or control characters", field=_FIELD)
    if "\\" in raw:
        raise InvalidInput(f"member {shown} contains a backslash", field=_FIELD)
    if raw.startswith("/"):
        raise InvalidInput(f"member {shown} has an absolute path", field=_FIELD)
    if _DRIVE.match(raw):
        raise InvalidInput(f"member {shown} names a drive", field=_FIELD)
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidInput(f"member {shown} climbs out with '..'", field=_FIELD)
    if not parts:
        raise InvalidInput(f"member {shown} names no file", field=_FIELD)
    return "/".join(parts)


def _check_sizes(
    members: list[ArchiveMember], archive_bytes: int, *, max_total_bytes: int, max_ratio: float
) -> None:
    total = 0
    for m in members:
        if m.size_bytes > RATIO_FLOOR_BYTES and m.size_bytes > max_ratio * m.compressed_bytes:
            raise InvalidInput(
                f"member {_show(m.name)} expands more than {max_ratio:g} times", field=_FIELD
            )
        total += m.size_bytes
        if total > max_total_bytes:
            raise InvalidInput(f"unpacks to more than {max_total_bytes} bytes", field=_FIELD)
    if total > RATIO_FLOOR_BYTES and total > max_ratio * max(archive_bytes, 1):
        raise InvalidInput(f"expands more than {max_ratio:g} times", field=_FIELD)


def _check_names(members: list[ArchiveMember]) -> None:
    seen: set[str] = set()
    files: set[str] = set()
    for m in members:
        key = unicodedata.normalize("NFC", m.name).casefold()
        if key in seen:
            raise InvalidInput(f"member {_show(m.name)} appears twice", field=_FIELD)
        seen.add(key)
        if not m.is_dir:
            files.add(key)
    for key in seen:
        parts = key.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent in files:
                raise InvalidInput(
                    f"member {_show(key)} lies under {_show(parent)}, which is a file",
                    field=_FIELD,
                )


@contextmanager
def _member_stream(stream: BinaryIO, member: ArchiveMember) -> Iterator[IO[bytes]]:
    if member.kind is ArchiveKind.ZIP:
        with zipfile.ZipFile(stream) as zf, zf.open(member.raw_name) as zipped:
            yield zipped
        return
    with tarfile.open(fileobj=stream, mode="r:*") as tf:
        info = tf.getmember(member.raw_name)
        tarred = tf.extractfile(info) if info.isfile() else None  # never follow a link here
        if tarred is None:
            raise InvalidInput(f"member {_show(member.name)} is not a regular file", field=_FIELD)
        with tarred:
            yield tarred


def _copy(source: IO[bytes], dest: BinaryIO, member: ArchiveMember, *, max_bytes: int) -> int:
    limit = min(max_bytes, member.size_bytes)
    written = 0
    while chunk := source.read(CHUNK_BYTES):
        written += len(chunk)
        if written > max_bytes:
            raise InvalidInput(
                f"member {_show(member.name)} is larger than {max_bytes} bytes", field=_FIELD
            )
        if written > limit:
            raise InvalidInput(
                f"member {_show(member.name)} is larger than its declared size", field=_FIELD
            )
        dest.write(chunk)
    return written


def _show(name: str) -> str:
    """A member name fit for an error message: quoted, escaped, at most 200 characters."""
    return repr(name[:200])
