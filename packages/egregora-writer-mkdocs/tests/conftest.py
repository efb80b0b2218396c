"""A lake built from canonical (already anonymized) rows, including hostile text."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from egregora_core.lake import Lake
from egregora_core.pipeline import Context
from egregora_core.plugins import make_plugin_manager
from egregora_core.project import init_project
from egregora_core.schema import MEDIA, MESSAGES, SOURCES, TABLES
from egregora_writer_mkdocs import plugin, scaffold
from egregora_writer_mkdocs.media import media_type, v2_media_id

GROUP = "conversa-do-whatsapp-com-teste"
FRANKLIN, EURICO, JULES, JOHN = "ca71a986", "2b200d1a", "b07ac1f4", "957cf4d6"
UTC = dt.UTC

PREFERENCES = pa.schema(
    [
        ("pseudonym", pa.string()),
        ("alias", pa.string()),
        ("bio", pa.string()),
        ("twitter", pa.string()),
        ("website", pa.string()),
        ("opted_out", pa.bool_()),
    ]
)

HOSTILE = [
    "<script>alert('x')</script> olha isso aqui pessoal",
    'veja a foto <img src=x onerror="alert(1)"> que legal demais',
    "clique [aqui](javascript:alert(1)) para ganhar um prêmio incrível",
    "---\ntitle: hacked\n---\n# not a heading, just text from the chat",
    "**bold** _it_ `code` {: .attr } | table | ![img](http://evil.example/x.png)",
]

HOSTILE_DAY = dt.date(2025, 10, 26)


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


IMAGE_BYTES = _png()  # a real image: media are re-encoded on the way to the site


def _ts(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Rows:
    """Accumulates canonical rows; ``write(lake)`` stores them as one snapshot."""

    group_name = "Conversa do WhatsApp com Teste"

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.media: list[dict] = []
        self.ordinal = 0

    def message(
        self,
        day: dt.date,
        hour: int,
        minute: int,
        author: str | None,
        text: str | None,
        *,
        kind: str = "text",
        media_ref: str | None = None,
    ) -> None:
        self.ordinal += 1
        self.messages.append(
            {
                "message_id": hashlib.sha256(
                    f"{day}{hour}{minute}{author}{text}{self.ordinal}".encode()
                ).hexdigest()[:16],
                "group_slug": GROUP,
                "ts": _ts(day, hour, minute),
                "date": day,
                "author": author,
                "kind": kind,
                "subtype": None,
                "text": text,
                "media_ref": media_ref,
                "edited": False,
                "ordinal": self.ordinal,
                "source_id": "src1",
            }
        )

    def media_item(self, sha: str, ext: str) -> str:
        media_id = v2_media_id(GROUP, sha)
        self.media.append(
            {
                "media_id": media_id,
                "group_slug": GROUP,
                "source_id": "src1",
                "file_name": f"{media_id}.{ext}",
                "extension": ext,
                "media_type": media_type(ext),
                "sha256": sha,
                "size": 10,
            }
        )
        return media_id

    def write(self, lake: Lake, *, sources: bool = True) -> None:
        tables = {
            "messages": pa.Table.from_pylist(self.messages, schema=MESSAGES),
            "media": pa.Table.from_pylist(self.media, schema=MEDIA),
        }
        if sources:
            tables["sources"] = pa.Table.from_pylist(
                [
                    {
                        "source_id": "src1",
                        "checksum": "0" * 64,
                        "file_name": "export.zip",
                        "group_name": self.group_name,
                        "group_slug": GROUP,
                        "extractor": "whatsapp",
                        "message_count": len(self.messages),
                        "ingested_at": dt.datetime(2025, 11, 1, tzinfo=UTC),
                    }
                ],
                schema=SOURCES,
            )
        lake.write(tables)
        self.messages, self.media = [], []


def sample_rows(project_state: Path) -> Rows:
    rows = Rows()
    d1, d2, d3 = dt.date(2025, 10, 27), dt.date(2025, 10, 28), dt.date(2025, 11, 4)
    rows.message(
        d1, 9, 0, FRANKLIN, "Bom dia! Alguém vai para a praia no sábado? A previsão está ótima"
    )
    rows.message(d1, 9, 5, EURICO, "Eu vou! Levo o guarda-sol e a praia vai estar cheia, @ca71a986")
    rows.message(
        d1, 9, 7, JULES, "Praia no sábado combinado, vejam https://www.example.com/tempo?dia=sabado"
    )
    rows.message(d1, 9, 8, JOHN, "I opted out later: this must never appear on the site anywhere")
    for i, text in enumerate(HOSTILE):  # a day of its own, one thread (hence one quote) each
        rows.message(HOSTILE_DAY, 3 * i + 1, 0, [FRANKLIN, EURICO, JULES][i % 3], text)
    stored = hashlib.sha256(IMAGE_BYTES).hexdigest()
    (project_state / "media").mkdir(parents=True, exist_ok=True)
    (project_state / "media" / stored).write_bytes(IMAGE_BYTES)
    img = rows.media_item(stored, "jpg")
    gone = rows.media_item("f" * 64, "png")
    rows.message(d2, 20, 0, JULES, "foto da praia", kind="media", media_ref=img)
    rows.message(d2, 20, 1, FRANKLIN, None, kind="media", media_ref=gone)
    rows.message(d2, 20, 2, EURICO, "Que foto linda da praia, quero voltar lá no próximo feriado")
    rows.message(d2, 20, 3, None, "ca71a986 added 2b200d1a", kind="system")
    rows.message(d3, 10, 0, EURICO, "Reunião sobre a viagem de dezembro, quem confirma a viagem?")
    rows.message(
        d3,
        10,
        30,
        FRANKLIN,
        "Confirmo a viagem de dezembro! Meu contato é 11 98765-4321 se precisarem de algo",
    )
    rows.message(d3, 10, 31, JULES, "Viagem confirmada também, leio https://docs.example.org/plano")
    return rows


def write_preferences(lake_dir: Path, rows: list[dict]) -> None:
    with Lake(lake_dir, tables={**TABLES, "preferences": PREFERENCES}) as lake:
        lake.write({"preferences": pa.Table.from_pylist(rows, schema=PREFERENCES)})


DEFAULT_PREFS = [
    {
        "pseudonym": FRANKLIN,
        "alias": "Frank <b>the</b> tank",
        "bio": "Loves <script>beaches</script>",
        "twitter": "@frank_t",
        "website": "https://frank.example.com",
        "opted_out": False,
    },
    {
        "pseudonym": JOHN,
        "alias": None,
        "bio": None,
        "twitter": None,
        "website": None,
        "opted_out": True,
    },
]


@pytest.fixture
def project(tmp_path):
    """An initialized project with the site scaffold and the sample lake."""
    project = init_project(tmp_path / "proj")
    # The sample chat is Portuguese; these tests read the English page text (the language
    # detection and the translations have tests of their own in test_render.py).
    toml = project.config_path
    toml.write_text(toml.read_text().replace('language = "auto"', 'language = "en"'))
    scaffold.scaffold(project)
    rows = sample_rows(project.state_dir)
    with Lake.open(project) as lake:
        rows.write(lake)
    write_preferences(project.lake_dir, DEFAULT_PREFS)
    return project


@pytest.fixture
def plugins():
    pm = make_plugin_manager(load_entry_points=False, env={})
    pm.register(plugin, "egregora-writer-mkdocs", version="test")
    return pm


@pytest.fixture
def make_ctx(plugins):
    def make(project, *, dry_run=False, env=None) -> Context:
        return Context(
            project=project, config=project.config(env=env or {}), plugins=plugins, dry_run=dry_run
        )

    return make


def mkdocs_build(root: Path) -> subprocess.CompletedProcess:
    shutil.rmtree(root / "site", ignore_errors=True)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml")],
        cwd=root,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
