"""The ``whatsapp`` extractor: sniff, extract and a demo export."""

from __future__ import annotations

import zipfile
from dataclasses import asdict, replace
from itertools import chain
from pathlib import Path

import pyarrow as pa
from egregora_core.components import Extraction, ExtractOptions
from egregora_core.errors import EgregoraError
from egregora_core.schema import RAW_MEDIA

from .container import Limits, check_encoding, is_chat_name, open_export, pick_chat
from .grammar import HEADER_RX
from .parse import ParseOptions, parse_chat


def _looks_like_chat(head: bytes) -> bool:
    text = head.decode("utf-8", "ignore").replace("\ufeff", "").replace("\r", "\n")
    lines = [line for line in text.split("\n")[:5] if line.strip()]
    return any(HEADER_RX.match("\n" + line) for line in lines[:3])


class WhatsAppExtractor:
    """Reads WhatsApp exports: a zip (with or without media), a bare .txt or a folder."""

    name = "whatsapp"

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()

    def sniff(self, path: Path) -> float:
        """Cheap confidence check: names and the first bytes only. Never raises."""
        try:
            path = Path(path)
            if path.is_dir():
                names = [p.relative_to(path).as_posix() for p in path.rglob("*.txt")]
                return 0.9 if any(is_chat_name(n) for n in names) else 0.0
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    infos = {i.filename: i.file_size for i in archive.infolist()}
                    chat = pick_chat(list(infos), infos)
                    if chat is None:
                        return 0.0
                    if is_chat_name(chat):
                        return 0.95
                    with archive.open(chat) as handle:
                        return 0.8 if _looks_like_chat(handle.read(4096)) else 0.1
            with path.open("rb") as handle:
                head = handle.read(4096)
            return 0.9 if _looks_like_chat(head) else 0.0
        except Exception:
            return 0.0

    def diagnose(self, path: Path) -> EgregoraError | None:
        """Why :meth:`extract` would refuse ``path`` (the error it would raise), else None.

        Asked by the host when no extractor recognized an input, so the user gets the
        specific reason (UTF-16, truncated or empty zip, no chat inside) instead of a
        bare "not recognized". Reads at most the zip's directory and the chat's first
        64 KiB; the first lines are parsed as :meth:`extract` would.
        """
        try:
            export = open_export(Path(path), self.limits)
            head = next(export.read_chat(64 << 10), b"")
            check_encoding(head, export.file_name)
            cut = head.rfind(b"\n")
            parse_chat(
                head if cut < 0 else head[: cut + 1],
                ParseOptions(group_name=export.group_name, where=export.file_name),
            )
        except EgregoraError as error:
            return error
        return None

    def extract(self, path: Path, options: ExtractOptions) -> Extraction:
        path = Path(path)
        limits = self.limits
        if options.limits:  # the project's extract.max_* settings (and --limit flags)
            limits = Limits.from_settings({**asdict(limits), **options.limits})
        if options.max_chat_bytes is not None:
            limits = replace(limits, max_chat_bytes=options.max_chat_bytes)
        export = open_export(path, limits, options.chat)
        pieces = export.read_chat()
        first = next(pieces, b"")
        check_encoding(first, export.file_name)
        group_name = options.group_name or export.group_name
        parsed = parse_chat(
            chain([first], pieces),
            ParseOptions(
                group_name=group_name,
                where=export.file_name,
                date_order=options.date_order,
                timezone=options.timezone or "UTC",
                format=options.format,
                max_messages=options.max_messages,
            ),
        )
        media = pa.Table.from_pylist(
            [{"name": n, "size": s, "sha256": h} for n, s, h in export.media], schema=RAW_MEDIA
        )
        source = {
            "checksum": export.checksum,
            "file_name": export.file_name,
            "chat_file": export.chat_name,
            "group_name": group_name,
            "extractor": self.name,
            **parsed.source,
        }
        return Extraction(
            messages=parsed.messages,
            media=media,
            source=source,
            read_media=export.read_media,
            warnings=[*export.warnings, *parsed.warnings],
        )

    def demo_export(self, folder: Path) -> Path:
        """Write a small deterministic synthetic export zip into ``folder``; return its path."""
        from .demo import write_demo_export

        return write_demo_export(Path(folder))
