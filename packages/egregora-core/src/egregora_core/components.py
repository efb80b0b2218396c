"""What plugins provide: the component protocols behind each ``register`` hook.

Components are plain objects with the attributes below (duck typing; subclassing is
not required). The host validates their ``name`` when they are registered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from .narrative import Narrator  # defined beside the window and draft types it uses

if TYPE_CHECKING:  # pragma: no cover
    import ibis
    import pyarrow as pa  # ~0.3 s with numpy: not for `--help`

    from .pipeline import Context

InputType = Literal["document", "query"]


@dataclass
class ExtractOptions:
    """User options an extractor may honour (all optional)."""

    date_order: str | None = None  # "dmy" | "mdy" | "ymd"; None = infer from the whole file
    timezone: str = "UTC"  # IANA name used to localize naive export timestamps
    format: str | None = None  # extractor-specific format override (e.g. "android", "ios")
    group_name: str | None = None  # override the detected group name
    # Safety limits by name without the ``extract.`` prefix (``max_total_bytes``,
    # ``max_member_bytes``, ``max_ratio``…): every ``extract.max_*`` setting, flags applied.
    limits: dict[str, int] = field(default_factory=dict)
    chat: str | None = None  # the chat file to read when an export holds several
    max_messages: int | None = None  # refuse a chat with more messages (bounds memory)
    max_chat_bytes: int | None = None  # refuse a chat file (inflated) larger than this


@dataclass
class Extraction:
    """What :meth:`Extractor.extract` returns. Lives in memory only: it holds raw names.

    ``messages`` follows :data:`egregora_core.schema.RAW_MESSAGES`, ``media`` follows
    :data:`egregora_core.schema.RAW_MEDIA`. ``source`` carries the per-export metadata of
    :data:`egregora_core.schema.SOURCES` that only the extractor knows (``checksum``,
    ``file_name``, ``group_name``, ``platform``, ``date_order``, ``date_order_evidence``,
    ``clock``, ``parser_version``); the core fills in ids, counts and timestamps.
    ``read_media(name)`` returns the bytes of one entry of ``media``.
    """

    messages: pa.Table
    media: pa.Table
    source: dict[str, Any]
    read_media: Callable[[str], bytes] | None = None
    warnings: list[str] = field(default_factory=list)


@runtime_checkable
class Extractor(Protocol):
    """Turns one export (file or folder) into raw canonical rows."""

    name: str

    def sniff(self, path: Path) -> float:
        """Confidence in [0, 1] that ``path`` is an export this extractor reads. Must be cheap."""

    def extract(self, path: Path, options: ExtractOptions) -> Extraction:
        """Parse the export. Raise :class:`egregora_core.errors.InputError` for bad input."""

    # Optional: ``diagnose(path) -> EgregoraError | None``, the error ``extract`` would
    # raise for ``path``, cheaply. Asked when no extractor recognizes an input, so the
    # user reads each extractor's specific reason (see egregora_core.extract).


@runtime_checkable
class Transform(Protocol):
    """An ordered table -> table step over ibis expressions (lower ``order`` runs first)."""

    name: str
    order: int

    def apply(self, table: ibis.Table, ctx: Context) -> ibis.Table: ...


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors.

    ``dimensions`` and ``metric`` ("cosine") are recorded with every stored vector.
    ``max_batch_size`` caps texts per call; ``max_batch_tokens`` (or None) caps estimated
    tokens per call. ``embed`` returns one vector per text, in order.
    """

    name: str
    model: str
    dimensions: int
    metric: str
    max_batch_size: int
    max_batch_tokens: int | None

    async def embed(
        self, texts: Sequence[str], input_type: InputType = "document"
    ) -> Sequence[Sequence[float]]: ...


@runtime_checkable
class VectorIndex(Protocol):
    """Search over vectors stored in the serving database (a DuckDB connection).

    ``build`` (re)creates the index over ``table``'s ``vector`` column and returns facts
    about it (build seconds, size, parameters). ``search`` returns ``(id, distance)``
    pairs, nearest first, and must fall back to an exact scan when the index is missing
    or stale. ``status`` is "fresh", "stale" or "missing".
    """

    name: str

    def build(self, con: Any, table: str, dimensions: int, metric: str) -> dict[str, Any]: ...

    def search(
        self, con: Any, table: str, vector: Sequence[float], k: int, *, exact: bool = False
    ) -> list[tuple[str, float]]: ...

    def status(self, con: Any, table: str) -> str: ...


@runtime_checkable
class Writer(Protocol):
    """Publishes the anonymized dataset somewhere (a site, a report)."""

    name: str

    def write(self, ctx: Context, **options: Any) -> dict[str, Any]: ...


@runtime_checkable
class Judge(Protocol):
    """Decides a ranking duel between two post summaries: returns "left", "right" or "tie"."""

    name: str

    def judge(self, left: dict[str, Any], right: dict[str, Any]) -> str: ...


#: hook name -> (component kind, protocol)
KINDS: dict[str, tuple[str, type]] = {
    "egregora_register_extractors": ("extractor", Extractor),
    "egregora_register_transforms": ("transform", Transform),
    "egregora_register_embedders": ("embedder", Embedder),
    "egregora_register_indexes": ("index", VectorIndex),
    "egregora_register_writers": ("writer", Writer),
    "egregora_register_judges": ("judge", Judge),
    "egregora_register_narrators": ("narrator", Narrator),
}
