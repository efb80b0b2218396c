"""Project configuration: ``.egregora/egregora.toml``.

Precedence, highest first: a CLI flag, an environment variable ``EGREGORA_<SECTION>_<KEY>``
(e.g. ``EGREGORA_PRIVACY_PSEUDONYM_SCHEME=v2``), the project file, the default below.
Every known setting is listed in :data:`SETTINGS` with its documentation; the file that
``egregora init`` writes and ``docs/configuration.md`` are generated from it.
Sections not listed here (e.g. ``[voyage]``) belong to plugins and are passed through.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    key: str  # "section.name"
    default: Any
    doc: str
    choices: tuple[str, ...] | None = None

    @property
    def type(self) -> type:
        return type(self.default)

    @property
    def env_var(self) -> str:
        return "EGREGORA_" + self.key.replace(".", "_").upper()

    def coerce(self, value: Any, origin: str) -> Any:
        try:
            if self.type is bool and isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                value = lowered in {"1", "true", "yes", "on"}
            elif self.type is bool and not isinstance(value, bool):
                raise ValueError(value)
            else:
                value = self.type(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{self.key} must be a {self.type.__name__}, got {value!r}", where=origin
            ) from None
        if self.choices and value not in self.choices:
            raise ConfigError(
                f"{self.key} must be one of {', '.join(self.choices)}, got {value!r}", where=origin
            )
        return value


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting(
            "privacy.pseudonym_scheme",
            "keyed",
            "How member names become 8-hex pseudonyms: 'keyed' (HMAC-SHA256 with this "
            "project's secret; not guessable) or 'v2' (egregora v2's uuid5, for existing v2 "
            "sites). Cannot change once the project has data.",
            ("keyed", "v2"),
        ),
        Setting(
            "privacy.replace_first_names",
            True,
            "Also replace a member's first name typed on its own (capitalized, 3+ letters) "
            "with their pseudonym; a first name shared by several members becomes [name].",
        ),
        Setting(
            "privacy.store_documents",
            False,
            "Keep the bytes of document attachments (pdf, doc) in the media store. Off by "
            "default: documents can contain names and numbers. Contact cards are never kept.",
        ),
        Setting(
            "extract.timezone",
            "UTC",
            "IANA time zone of the phone that made the export; export timestamps are naive "
            "local times and are stored as timestamptz after localizing with this zone.",
        ),
        Setting(
            "extract.date_order",
            "auto",
            "Day/month order of export dates: 'auto' infers it once per file from all dates.",
            ("auto", "dmy", "mdy", "ymd"),
        ),
        Setting(
            "extract.max_messages",
            1_500_000,
            "Refuse a chat with more messages than this, counted while parsing (before "
            "memory grows with them): ingest memory grows with the messages, ~0.9 GB at one "
            "million; the default keeps any ingest under ~1.5 GB. Raise it for a larger chat "
            "on a machine with the memory.",
        ),
        Setting(
            "extract.max_chat_bytes",
            256 * 1024**2,
            "Refuse a chat file larger than this many bytes once inflated (checked from the "
            "zip directory before reading, and again while reading): a small zip can hold a "
            "huge chat.",
        ),
        Setting(
            "extract.max_total_bytes",
            64 * 1024**3,
            "Largest total uncompressed size of one export (zip members or folder files), in "
            "bytes. How many files an export holds is not limited.",
        ),
        Setting(
            "extract.max_member_bytes",
            2 * 1024**3,
            "Largest uncompressed size of one media file in an export, in bytes (WhatsApp "
            "shares files of up to 2 GB).",
        ),
        Setting(
            "extract.max_ratio",
            100,
            "Largest compression ratio (uncompressed / compressed) of one zip member of 1 MiB "
            "or more: the zip-bomb defence (media barely compress; a bomb inflates 1000x).",
        ),
        Setting(
            "lake.catalog",
            "local",
            "Where the lake's DuckLake catalog is: 'local' (a DuckDB file in .egregora/lake/,"
            " one writer at a time) or 'postgres:<libpq connection string>' for a lake shared"
            " by several machines and concurrent ingest workers, e.g. 'postgres:dbname="
            "egregora host=db.internal user=egregora'. The password comes from PGPASSWORD or"
            " PGPASSFILE, never from this file (see docs/scaling.md).",
        ),
        Setting(
            "lake.data_path",
            "",
            "Folder or s3:// URL of the lake's Parquet files; empty: .egregora/lake/data/. A"
            " hosted lake needs one every worker reaches. An s3:// URL needs"
            " egregora-core[s3]; the key, region and, for MinIO and other S3-compatible"
            " stores, AWS_ENDPOINT_URL come from the AWS_* variables (see docs/scaling.md).",
        ),
        Setting(
            "ingest.engine",
            "duckdb",
            "Where ingest runs the transforms (chat commands, anonymization, redaction,"
            " message ids): 'duckdb' (in process) or 'spark' (PySpark, local[2] unless"
            " EGREGORA_SPARK_MASTER names a master; needs egregora-core[spark] and Java 17)."
            " Both store the same rows.",
            ("duckdb", "spark"),
        ),
        Setting("build.embedder", "local", "Embedder used by `egregora build` and `query`."),
        Setting(
            "index.name",
            "duckdb",
            "Vector index used by `egregora build` and `query`: `duckdb` (IVF, the default) or"
            " `duckdb-hnsw` (vss HNSW), or one a plugin registers.",
        ),
        Setting("site.writer", "mkdocs", "Writer used by `egregora site build`."),
        Setting("site.period", "week", "Period of one post.", ("day", "week", "month")),
        Setting(
            "site.narrator",
            "offline",
            "Narrator that writes the posts' prose: `offline` (built in, no model) or one a"
            " plugin registers (e.g. `llm` from egregora-llm).",
        ),
        Setting(
            "site.language",
            "auto",
            "Language of the site's own text (headings, dates, counts) and of MkDocs "
            "Material's theme.language: 'auto' detects it from the chat's common words.",
            ("auto", "en", "pt", "es", "de", "fr", "it"),
        ),
        Setting("rank.judge", "interactive", "Judge used by `egregora rank`."),
    ]
}


def render_default_config(values: Mapping[str, Any] | None = None) -> str:
    """The commented TOML file that ``egregora init`` writes (``values`` replace defaults)."""
    values = values or {}
    unknown = sorted(set(values) - set(SETTINGS))
    if unknown:
        raise ConfigError(f"unknown setting '{unknown[0]}'")
    lines = [
        "# Egregora project configuration.",
        "# Precedence: CLI flag > environment (EGREGORA_<SECTION>_<KEY>) > this file > default.",
        "# Reference: docs/configuration.md",
    ]
    section = None
    for setting in SETTINGS.values():
        sec, name = setting.key.split(".", 1)
        if sec != section:
            lines += ["", f"[{sec}]"]
            section = sec
        lines.append(f"# {setting.doc}")
        if setting.choices:
            lines.append(f"# One of: {', '.join(setting.choices)}. Env: {setting.env_var}")
        else:
            lines.append(f"# Env: {setting.env_var}")
        value = (
            setting.coerce(values[setting.key], "egregora init")
            if setting.key in values
            else setting.default
        )
        lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class Config:
    """Resolved settings with the origin of each value (default, file, env, flag)."""

    def __init__(self, values: dict[str, Any], origins: dict[str, str], extra: dict[str, Any]):
        self._values = values
        self._origins = origins
        self._extra = extra

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise ConfigError(f"unknown setting '{key}'") from None

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._values:
            return self._values[key]
        section, _, name = key.partition(".")
        return self._extra.get(section, {}).get(name, default)

    def origin(self, key: str) -> str:
        return self._origins.get(key, "default")

    def section(self, name: str) -> dict[str, Any]:
        """A plugin's own section (e.g. ``[voyage]``), as written in the file."""
        return dict(self._extra.get(name, {}))

    def items(self) -> list[tuple[str, Any, str]]:
        return [(k, v, self.origin(k)) for k, v in self._values.items()]


def plugin_settings(
    config: Any,
    section: str,
    kinds: Mapping[str, type],
    env: Mapping[str, str] | None = None,
    *,
    empty_is_none: bool = False,
) -> dict[str, Any]:
    """A plugin's ``[section]`` values, each overridden by ``EGREGORA_<SECTION>_<KEY>``.

    ``kinds`` maps every known key to its type; a key the file sets that is not known, or
    a value that does not convert, is a :class:`ConfigError` naming where it came from.
    Only the keys that are set are returned. ``empty_is_none``: an empty string unsets a
    text setting (``EGREGORA_LLM_BASE_URL=``).
    """
    env = os.environ if env is None else env
    values = config.section(section) if config is not None else {}
    unknown = sorted(set(values) - set(kinds))
    if unknown:
        raise ConfigError(
            f"unknown setting '{section}.{unknown[0]}' (known: {', '.join(kinds)})",
            where=f"[{section}]",
        )
    prefix = f"EGREGORA_{section.upper()}_"
    out: dict[str, Any] = {}
    for key, kind in kinds.items():
        env_var = prefix + key.upper()
        origin, value = (
            (env_var, env[env_var]) if env_var in env else (f"{section}.{key}", values.get(key))
        )
        if value is None:
            continue
        try:
            out[key] = None if empty_is_none and kind is str and value == "" else kind(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{key} must be a {kind.__name__}, got {value!r}", where=origin
            ) from None
    return out


def load_config(
    path: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Resolve every setting: ``overrides`` (CLI flags, None = not given) > env > file > default."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None and path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"invalid TOML ({exc})",
                where=str(path),
                hint="fix the file or recreate it with `egregora init --force`",
            ) from None
    known_sections = {key.split(".", 1)[0] for key in SETTINGS}
    extra: dict[str, Any] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"'{section}' must be a [section]", where=str(path))
        if section not in known_sections:
            extra[section] = table
            continue
        for name in table:
            if f"{section}.{name}" not in SETTINGS:
                raise ConfigError(
                    f"unknown setting '{section}.{name}'",
                    where=str(path),
                    hint="see docs/configuration.md for the known settings",
                )
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    overrides = overrides or {}
    for key, setting in SETTINGS.items():
        section, name = key.split(".", 1)
        if overrides.get(key) is not None:
            values[key], origins[key] = setting.coerce(overrides[key], "command line"), "flag"
        elif setting.env_var in env:
            values[key] = setting.coerce(env[setting.env_var], setting.env_var)
            origins[key] = "env"
        elif name in data.get(section, {}):
            values[key] = setting.coerce(data[section][name], str(path))
            origins[key] = "file"
        else:
            values[key], origins[key] = setting.default, "default"
    return Config(values, origins, extra)
