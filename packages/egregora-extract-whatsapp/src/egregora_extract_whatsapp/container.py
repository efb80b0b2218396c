"""Open an export (zip, bare .txt or unzipped folder): find the chat, list media, stay safe.

Zip members are checked before anything is read: total and per-member uncompressed size and
each member's compression ratio (from the central directory, and again while reading: a zip
bomb is refused before it inflates), absolute paths, ``..`` components and drive prefixes.
How many members an export has is not limited: a big group's export with media holds
thousands of files. Nested zips are media like any other file. Nothing is extracted to disk:
media bytes are hashed as they stream and read back on demand.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from egregora_core.config import SETTINGS

from .errors import ArchiveError, EncodingError, LimitError

#: Localized prefixes of Android chat file names (the group name follows).
CHAT_PREFIXES = (
    "WhatsApp Chat with ",
    "WhatsApp Chat - ",
    "WhatsApp-Chat mit ",
    "WhatsApp Chat mit ",
    "Conversa do WhatsApp com ",
    "Conversa de WhatsApp com ",
    "Chat de WhatsApp con ",
    "Discussion WhatsApp avec ",
    "Chat WhatsApp avec ",
    "Chat di WhatsApp con ",
    "Chat WhatsApp con ",
    "WhatsApp-chat met ",
    "Чат WhatsApp с ",
    "WhatsApp Sohbeti: ",
)
IOS_CHAT = "_chat.txt"
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    """Safety limits for exports; each is the ``extract.<name>`` setting of the same name.

    The sizes bound what a real export holds (WhatsApp shares files of up to 2 GB; a group's
    media over years reaches tens of GB); the ratio is the zip-bomb defence: media are
    already compressed (JPEG, MP4, Opus) and a chat's text deflates about 3-10x, while a bomb
    inflates 1000x or more.
    """

    max_member_bytes: int = 2 * 1024**3
    max_chat_bytes: int = 1024**3
    max_total_bytes: int = 64 * 1024**3
    max_ratio: int = 100

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> Limits:
        """Limits from ``{"max_total_bytes": ..., ...}`` (unknown names are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in settings.items() if k in known and v is not None})  # type: ignore[call-overload]


#: Members smaller than this are never refused for their ratio: a tiny file of blanks
#: deflates 100x harmlessly, and their sum is bounded by ``max_total_bytes`` anyway.
RATIO_FLOOR = 1024**2


def _over(what: str, size: int, setting: str, limit: int, where: str) -> ArchiveError:
    """One error for every limit, naming the setting that raises it."""
    return LimitError(
        f"{what} {size:,} bytes, more than extract.{setting} ({limit:,})",
        where=where,
        hint=_raise_hint(setting),
    )


def _raise_hint(setting: str) -> str:
    if f"extract.{setting}" not in SETTINGS:  # a limit the project cannot set (yet)
        return "split the export, or export the chat without media"
    return (
        f"if the export is genuine, raise it: --limit {setting}=N or extract.{setting} "
        "in .egregora/egregora.toml"
    )


#: What reading a damaged zip member raises (a bad CRC, a cut or corrupt deflate stream).
ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)


def _unreadable_member(where: str) -> ArchiveError:
    return ArchiveError(
        "zip member cannot be read (truncated, corrupted or encrypted)",
        where=where,
        hint="copy the export again from the phone",
    )


@dataclass
class Export:
    """An opened export: the chat (a stream read in pieces) and its media."""

    open_chat: Callable[[], AbstractContextManager[BinaryIO]]  # a new stream of the chat file
    chat_name: str  # member / file name of the chat .txt
    file_name: str  # the export's own file name
    group_name: str
    checksum: str | None  # None until read_chat() has read the chat (a bare .txt)
    media: list[tuple[str, int, str]] = field(default_factory=list)  # (name, size, sha256)
    read_media: Callable[[str], bytes] | None = None
    max_chat_bytes: int = Limits.max_chat_bytes
    warnings: list[str] = field(default_factory=list)  # one line each, no member name

    def read_chat(self, size: int = 4 << 20) -> Iterator[bytes]:
        """The chat bytes in pieces of ``size``, read (inflated, for a zip member) as the
        parser asks for them, so the chat is never in memory whole and the parser works
        while the rest is read. A bare file is hashed on the way for the checksum."""
        digest = hashlib.sha256() if self.checksum is None else None
        total = 0
        with self.open_chat() as handle:
            while piece := handle.read(size):
                total += len(piece)
                if total > self.max_chat_bytes:
                    raise LimitError(
                        "chat file grew beyond extract.max_chat_bytes = "
                        f"{self.max_chat_bytes:,} bytes while reading",
                        where=self.file_name,
                        hint="raise extract.max_chat_bytes, or ingest a shorter export",
                    )
                if digest is not None:
                    digest.update(piece)
                yield piece
        if digest is not None:
            self.checksum = digest.hexdigest()


class _Member:
    """A zip member's stream whose read errors become one clear :class:`ArchiveError`."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str):
        self.where = where
        try:
            self.handle = archive.open(info)
        except ZIP_READ_ERRORS as error:
            raise _unreadable_member(where) from error

    def read(self, size: int = -1) -> bytes:
        try:
            return self.handle.read(size)
        except ZIP_READ_ERRORS as error:
            raise _unreadable_member(self.where) from error

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def group_from_name(stem: str) -> str | None:
    """The group name inside a localized chat/zip file name, or None."""
    for candidate in (stem, stem.replace("_", " ")):
        for prefix in CHAT_PREFIXES:
            if candidate.lower().startswith(prefix.lower()) and len(candidate) > len(prefix):
                return candidate[len(prefix) :].strip()
    return None


def is_chat_name(name: str) -> bool:
    base = PurePosixPath(name).name
    return base == IOS_CHAT or (
        base.lower().endswith(".txt") and group_from_name(base[:-4]) is not None
    )


def _group_name(chat_name: str, container_stem: str) -> str:
    base = PurePosixPath(chat_name).name
    if base != IOS_CHAT:
        found = group_from_name(base[:-4] if base.lower().endswith(".txt") else base)
        if found:
            return found
    return group_from_name(container_stem) or container_stem


def _fix_name(info: zipfile.ZipInfo) -> str:
    """Member names without the UTF-8 flag were decoded as cp437: try UTF-8 instead."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _check_member_path(name: str, where: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
        raise ArchiveError(
            "zip member has an unsafe path (absolute, drive prefix or '..')",
            where=where,
            hint="this is not a WhatsApp export; re-export the chat from the phone",
        )


def chat_candidates(names: list[str]) -> list[str]:
    """The .txt files of ``names`` that can be the chat: those named like one (localized
    pattern, iOS ``_chat.txt``), else every .txt."""
    texts = [
        n
        for n in names
        if n.lower().endswith(".txt")
        and not n.startswith("__MACOSX/")
        and not PurePosixPath(n).name.startswith("._")
    ]
    return [n for n in texts if is_chat_name(n)] or texts


def pick_chat(names: list[str], sizes: dict[str, int]) -> str | None:
    """The chat .txt among ``names``: by localized pattern, else the largest .txt."""
    pool = chat_candidates(names)
    if not pool:
        return None
    return max(pool, key=lambda n: (n.count("/") == 0, sizes.get(n, 0)))


def _check_ratio(info: zipfile.ZipInfo, limits: Limits, where: str) -> None:
    """Refuse a member that inflates far more than any real export member (a zip bomb)."""
    if info.file_size < RATIO_FLOOR:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_ratio:
        raise LimitError(
            f"member inflates {ratio:,.0f}x ({info.compress_size:,} to {info.file_size:,} "
            f"bytes), more than extract.max_ratio ({limits.max_ratio}x): a zip bomb?",
            where=where,
            hint=_raise_hint("max_ratio"),
        )


def choose_chat(
    names: list[str], sizes: dict[str, int], wanted: str | None, where: str
) -> str | None:
    """The chat to read: ``wanted`` (a member path or file name) when given; else the only
    candidate. Several candidates are never chosen silently: the user picks one."""
    if wanted is not None:
        found = [n for n in names if n == wanted or PurePosixPath(n).name == wanted]
        if len(found) != 1:
            # chat file names are not listed: a one-to-one chat's name is a member's name
            raise ArchiveError(
                f"no chat file named '{wanted}' ({len(chat_candidates(names))} chat files)",
                where=where,
                hint="list the export's files (e.g. `unzip -l`) and pass one to --chat",
            )
        return found[0]
    pool = chat_candidates(names)
    if len(pool) > 1:
        raise ArchiveError(  # names not listed: a one-to-one chat's name is a member's name
            f"the export holds {len(pool)} chat files",
            where=where,
            hint="ingest one with --chat NAME (list them with e.g. `unzip -l`; run once per "
            "chat to ingest each)",
        )
    return pick_chat(names, sizes)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_zip(path: Path, limits: Limits, chat_name: str | None = None) -> Export:
    where = path.name
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ArchiveError(
            "not a readable zip (truncated or corrupted)",
            where=where,
            hint="copy the export again from the phone; the download may be incomplete",
        ) from error
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        links = sum(map(_is_symlink_member, infos))
        infos = [i for i in infos if not _is_symlink_member(i)]
        by_name: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = _fix_name(info)
            _check_member_path(name, f"{where}:{len(by_name) + 1}")
            _check_ratio(info, limits, f"{where}:{name}")
            total += info.file_size
            by_name[name] = info
        if total > limits.max_total_bytes:
            raise _over("zip expands to", total, "max_total_bytes", limits.max_total_bytes, where)
        sizes = {n: i.file_size for n, i in by_name.items()}
        chat = choose_chat(list(by_name), sizes, chat_name, where)
        if chat is None:
            hint = "the zip is empty" if not by_name else "the zip holds no .txt chat file"
            raise ArchiveError(
                "no chat file (.txt) in the zip",
                where=where,
                hint=f"{hint}; export the chat again with WhatsApp's 'Export chat'",
            )

        def check_size(name: str, setting: str) -> None:
            limit = getattr(limits, setting)
            if name == chat and by_name[name].file_size > limit:
                raise LimitError(
                    f"the chat file inflates to {by_name[name].file_size:,} bytes, more than "
                    f"extract.max_chat_bytes = {limit:,}",
                    where=where,
                    hint="raise extract.max_chat_bytes, or ingest a shorter export",
                )
            if by_name[name].file_size > limit:
                member = name if name == chat else "media member"
                raise _over(
                    "member is", by_name[name].file_size, setting, limit, f"{where}:{member}"
                )

        def digest(name: str) -> tuple[int, str]:
            """Size and sha256 of a member, streamed: never more than a block in memory."""
            check_size(name, "max_member_bytes")
            declared, hasher, size = by_name[name].file_size, hashlib.sha256(), 0
            with _Member(archive, by_name[name], where) as handle:
                while block := handle.read(min(1 << 20, declared + 1 - size)):
                    size += len(block)
                    hasher.update(block)
                    if size > declared:
                        raise ArchiveError(
                            "member expands beyond its declared size",
                            where=where,
                            hint="this zip is not a genuine WhatsApp export",
                        )
            return size, hasher.hexdigest()

        check_size(chat, "max_chat_bytes")  # read later, in pieces (read_chat)
        media = []
        for name in by_name:
            if (
                name == chat
                or name.startswith("__MACOSX/")
                or PurePosixPath(name).name.startswith("._")
            ):
                continue
            media.append((name, *digest(name)))
    media_names = {m[0] for m in media}

    def read_media(name: str) -> bytes:
        if name not in media_names:
            raise KeyError(name)
        with zipfile.ZipFile(path) as again:
            return again.read(by_name[name])

    @contextmanager
    def open_chat() -> Iterator[_Member]:
        with zipfile.ZipFile(path) as again, _Member(again, by_name[chat], where) as handle:
            yield handle

    return Export(
        open_chat=open_chat,
        chat_name=chat,
        file_name=path.name,
        group_name=_group_name(chat, path.stem),
        checksum=_file_sha256(path),
        media=media,
        read_media=read_media,
        max_chat_bytes=limits.max_chat_bytes,
        warnings=skipped_links_warning(links),
    )


def open_text(path: Path, limits: Limits) -> Export:
    size = path.stat().st_size
    if size > limits.max_chat_bytes:
        raise LimitError(
            f"chat file is {size:,} bytes, more than extract.max_chat_bytes = "
            f"{limits.max_chat_bytes:,}",
            where=path.name,
            hint="raise extract.max_chat_bytes, or ingest a shorter export",
        )
    container = path.parent.name if path.name == IOS_CHAT else path.stem
    return Export(
        open_chat=lambda: path.open("rb"),
        chat_name=path.name,
        file_name=path.name,
        group_name=_group_name(path.name, container),
        checksum=None,  # hashed while read_chat() reads the file
        read_media=lambda name: (_ for _ in ()).throw(KeyError(name)),
        max_chat_bytes=limits.max_chat_bytes,
    )


def folder_files(path: Path) -> tuple[list[Path], int]:
    """The regular files under ``path`` and how many symbolic links were skipped.

    No link is ever followed (a link to a private key in an export folder would be copied
    into the media store and published): ``os.walk`` does not descend into linked folders,
    and a linked file is skipped, not read."""
    files, links = [], 0
    for folder, dirs, names in os.walk(path, followlinks=False):
        links += sum((Path(folder) / d).is_symlink() for d in dirs)
        for name in names:
            file = Path(folder) / name
            if file.is_symlink():
                links += 1
            elif file.is_file():
                files.append(file)
    return sorted(files), links


def _is_symlink_member(info: zipfile.ZipInfo) -> bool:
    """A zip member stored as a Unix symbolic link (its bytes are the link's target)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def skipped_links_warning(count: int) -> list[str]:
    return [f"skipped {count} symbolic link(s): links are never followed"] if count else []


def open_folder(path: Path, limits: Limits, chat_name: str | None = None) -> Export:
    files, links = folder_files(path)
    names = [p.relative_to(path).as_posix() for p in files]
    sizes = {n: p.stat().st_size for n, p in zip(names, files, strict=True)}
    total = sum(sizes.values())
    if total > limits.max_total_bytes:
        raise _over("folder holds", total, "max_total_bytes", limits.max_total_bytes, path.name)
    chat = choose_chat(names, sizes, chat_name, path.name)
    if chat is None:
        raise ArchiveError(
            "no chat file (.txt) in the folder",
            where=path.name,
            hint="point at an unzipped WhatsApp export",
        )
    digest = hashlib.sha256()
    media = []
    for name, file in zip(names, files, strict=True):
        if name.startswith("__MACOSX/") or file.name.startswith("._"):
            continue
        checksum = _file_sha256(file)
        digest.update(f"{name}\0{checksum}\n".encode())
        if name != chat:
            if sizes[name] > limits.max_member_bytes:
                raise _over(
                    "a media file is",
                    sizes[name],
                    "max_member_bytes",
                    limits.max_member_bytes,
                    f"{path.name}/{name}",
                )
            media.append((name, sizes[name], checksum))
    exported = open_text(path / chat, limits)
    media_names = {m[0] for m in media}

    def read_media(name: str) -> bytes:
        if name not in media_names:
            raise KeyError(name)
        # O_NOFOLLOW: a file swapped for a link since the folder was listed is refused.
        handle = os.open(path / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(handle, "rb") as file:
            return file.read()

    exported.chat_name = chat
    exported.file_name = path.name
    exported.group_name = _group_name(chat, path.name)
    exported.checksum = digest.hexdigest()
    exported.media = media
    exported.read_media = read_media
    exported.warnings = skipped_links_warning(links)
    return exported


def open_export(path: Path, limits: Limits | None = None, chat: str | None = None) -> Export:
    """Open ``path`` as a zip, a folder or a bare chat file (``chat``: which chat file of
    an export holding several)."""
    limits = limits or Limits()
    if path.is_dir():
        return open_folder(path, limits, chat)
    if not path.exists():
        raise ArchiveError("file not found", where=str(path.name), hint="check the path")
    if zipfile.is_zipfile(path) or path.suffix.lower() == ".zip":
        return open_zip(path, limits, chat)
    return open_text(path, limits)


def check_encoding(data: bytes, where: str) -> None:
    """Reject UTF-16 and binary files with a clear message (UTF-8 is checked while decoding)."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 8:
        raise EncodingError(
            "chat file is UTF-16 or binary, not UTF-8 text",
            where=where,
            hint="use the file WhatsApp exported, or convert it: iconv -f UTF-16 -t UTF-8",
        )
