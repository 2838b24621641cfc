"""Archive checks: traversal, links, devices, duplicates, counts, sizes and bombs refused."""

from __future__ import annotations

import io
import os
import stat
import struct
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tessera.domain.errors import InvalidInput
from tessera.security.archives import ArchiveMember, extract_member, safe_members

LIMITS: dict[str, Any] = {"max_members": 10, "max_total_bytes": 50_000_000, "max_ratio": 100}
TEN_MB = 10 * 1024 * 1024


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> io.BytesIO:
    buf = io.BytesIO()
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf,
    ):
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        for name, data in entries:
            zf.writestr(name, data)
    buf.seek(0)
    return buf


def _tar(entries: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w") -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tf.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                tf.addfile(info, io.BytesIO(entry[1]))
    buf.seek(0)
    return buf


def _special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def _refused(archive: io.BytesIO, match: str, **limits: Any) -> None:
    with pytest.raises(InvalidInput, match=match) as caught:
        safe_members(archive, **{**LIMITS, **limits})
    assert caught.value.field == "archive"


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("../evil.txt", r"'\.\./evil\.txt' climbs out"),
        ("data/../../evil.txt", "climbs out"),
        ("/etc/passwd", "'/etc/passwd' has an absolute path"),
        ("..\\evil.txt", "backslash"),
        ("data\\..\\..\\evil.txt", "backslash"),
        ("C:/Windows/evil.dll", "drive"),
        ("c:evil", "drive"),
        ("bad\nname", "control characters"),
        ("./", "names no file"),
    ],
)
def test_bad_names_are_refused_in_zip_and_tar(name: str, match: str) -> None:
    _refused(_zip([("ok.txt", b"x"), (name, b"x")]), match)
    _refused(_tar([("ok.txt", b"x"), (name, b"x")]), match)


def test_tar_symlink_hardlink_and_devices() -> None:
    cases = [
        (_special("link", tarfile.SYMTYPE, "/etc/passwd"), "'link' is a symbolic link"),
        (_special("hard", tarfile.LNKTYPE, "/etc/shadow"), "'hard' is a hard link"),
        (_special("tty", tarfile.CHRTYPE), "'tty' is a device"),
        (_special("disk", tarfile.BLKTYPE), "is a device"),
        (_special("pipe", tarfile.FIFOTYPE), "is a device or FIFO"),
    ]
    for info, match in cases:
        _refused(_tar([("ok.txt", b"x"), info]), match)


def test_zip_symlink_and_device_modes() -> None:
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    _refused(_zip([(link, b"/etc/passwd")]), "'link' is a symbolic link")
    dev = zipfile.ZipInfo("dev")
    dev.external_attr = (stat.S_IFCHR | 0o666) << 16
    _refused(_zip([(dev, b"")]), "'dev' is not a regular file")


def test_zip_encrypted_member() -> None:
    data = bytearray(_zip([("secret.txt", b"x")]).getvalue())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset  # the general-purpose flags; bit 0 is "encrypted"
        data[at] |= 0x1
    _refused(io.BytesIO(bytes(data)), "'secret.txt' is encrypted")


@pytest.mark.parametrize(
    ("first", "second"),
    [("a.json", "a.json"), ("a.json", "./a.json"), ("Data.json", "data.json"), ("d/", "d")],
)
def test_duplicates(first: str, second: str) -> None:
    _refused(_zip([(first, b"1"), (second, b"2")]), "appears twice")
    _refused(_tar([(first, b"1"), (second, b"2")]), "appears twice")


def test_member_under_a_file() -> None:
    _refused(_zip([("a", b"file"), ("a/b", b"x")]), "under 'a', which is a file")


def test_too_many_members() -> None:
    entries: list[Any] = [(f"f{i}.txt", b"x") for i in range(11)]
    _refused(_zip(entries), "more than 10 members")
    _refused(_tar(entries), "more than 10 members")
    assert len(safe_members(_zip(entries[:10]), **LIMITS)) == 10


def test_total_declared_size() -> None:
    entries: list[Any] = [(f"f{i}.bin", bytes(1000)) for i in range(3)]
    _refused(_zip(entries), "more than 2500 bytes", max_total_bytes=2500)
    _refused(_tar(entries), "more than 2500 bytes", max_total_bytes=2500)


def test_zip_bomb_by_member_ratio() -> None:
    bomb = _zip([("zeros.bin", bytes(TEN_MB))])
    assert len(bomb.getvalue()) < 20_000  # 10 MB of zeros deflates to about 10 KB
    _refused(bomb, "'zeros.bin' expands more than 100 times")


def test_tar_gz_bomb_by_archive_ratio() -> None:
    bomb = _tar([("zeros.bin", bytes(TEN_MB))], mode="w:gz")
    _refused(bomb, "expands more than 100 times")


def _lie_about_size(archive: io.BytesIO, declared: int) -> io.BytesIO:
    """Rewrite the uncompressed size in the local and central headers of a one-entry ZIP."""
    data = bytearray(archive.getvalue())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, declared)
    struct.pack_into("<I", data, central + 24, declared)
    return io.BytesIO(bytes(data))


def test_declared_size_lie_is_enforced_on_extraction() -> None:
    liar = _lie_about_size(_zip([("zeros.bin", bytes(TEN_MB))]), 1000)
    [member] = safe_members(liar, **LIMITS)  # the headers look harmless...
    assert member.size_bytes == 1000
    out = io.BytesIO()
    with pytest.raises(InvalidInput, match=r"'zeros\.bin'"):  # ...extraction is not fooled
        extract_member(liar, member, out, max_bytes=100_000_000)
    assert len(out.getvalue()) <= 1000


def test_extraction_cap_and_declared_size_are_hard_limits() -> None:
    archive = _zip([("data.jsonl", b"y" * 5000)])
    [member] = safe_members(archive, **LIMITS)
    with pytest.raises(InvalidInput, match=r"'data\.jsonl' is larger than 1000 bytes"):
        extract_member(archive, member, io.BytesIO(), max_bytes=1000)
    inflated = ArchiveMember(
        name=member.name,
        raw_name=member.raw_name,
        kind=member.kind,
        is_dir=False,
        size_bytes=10,
        compressed_bytes=member.compressed_bytes,
    )
    with pytest.raises(InvalidInput, match="larger than its declared size"):
        extract_member(archive, inflated, io.BytesIO(), max_bytes=1_000_000)


def test_good_archives_pass_and_extract(tmp_path: Path) -> None:
    entries: list[Any] = [
        ("bundle/", b""),
        ("bundle/items.jsonl", b'{"text": "a"}\n' * 100),
        ("./bundle/manifest.json", b"{}"),
        ("r\u00e9sum\u00e9.csv", b"a,b\n1,2\n"),
    ]
    zipped = _zip(entries)
    path = tmp_path / "good.zip"
    path.write_bytes(zipped.getvalue())
    for archive in (zipped, path, str(path)):
        members = safe_members(archive, **LIMITS)
        assert [m.name for m in members] == [
            "bundle",
            "bundle/items.jsonl",
            "bundle/manifest.json",
            "r\u00e9sum\u00e9.csv",
        ]
        assert members[0].is_dir
        out = io.BytesIO()
        assert extract_member(archive, members[1], out, max_bytes=10_000) == 1400
        assert out.getvalue() == b'{"text": "a"}\n' * 100
    for mode in ("w", "w:gz", "w:xz"):
        tarred = _tar([e for e in entries if e[0] != "bundle/"], mode=mode)
        members = safe_members(tarred, **LIMITS)
        assert [m.name for m in members][:2] == ["bundle/items.jsonl", "bundle/manifest.json"]
        out = io.BytesIO()
        assert extract_member(tarred, members[1], out, max_bytes=100) == 2
        with pytest.raises(InvalidInput, match="is a directory"):
            extract_member(
                tarred, ArchiveMember("d", "d", members[0].kind, True, 0, 0), out, max_bytes=1
            )


def test_not_an_archive() -> None:
    with pytest.raises(InvalidInput, match="not a readable ZIP or tar archive"):
        safe_members(io.BytesIO(b"just some text, not an archive" * 50), **LIMITS)
    whole = _tar([("a.bin", os.urandom(50_000))], mode="w:gz").getvalue()
    truncated = io.BytesIO(whole[: len(whole) // 2])
    with pytest.raises(InvalidInput, match=r"corrupt|not a readable"):
        [member] = safe_members(truncated, **LIMITS)
        extract_member(truncated, member, io.BytesIO(), max_bytes=100_000)
