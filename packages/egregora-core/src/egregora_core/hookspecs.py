"""Egregora's hook specifications: the plugin reference.

Every hook a plugin can implement is declared here, and its docstring is the reference
(``docs/hooks.md`` is generated from this module). Implement a hook with the marker
exported by egregora-core::

    from egregora_core import hookimpl

    @hookimpl
    def egregora_register_extractors(register):
        register(MyExtractor())

Register hooks ("what do you provide") receive a ``register`` callback instead of
returning values, so the host owns validation: a name must match
``[a-z][a-z0-9_-]{0,39}`` and be unique within its kind. A plugin may take over a name
provided by egregora-core's built-ins; two installed plugins providing the same name is
an error that names both. Plugins are found through the entry-point group ``egregora``
(entry name = distribution name) and filtered by ``EGREGORA_LOAD_PLUGINS``.

Lifecycle hooks (``egregora_stage_*``) observe the pipeline; they return nothing and
must not raise (an exception there is logged and ignored).
"""

from __future__ import annotations

import pluggy

from . import PROJECT_NAME

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def egregora_register_extractors(register):
    """Provide extractors: objects that turn an export into raw canonical rows.

    Call ``register(extractor)`` once per extractor. An extractor has ``name``,
    ``sniff(path) -> float`` (confidence in [0, 1], cheap: look at names and the first
    bytes only) and ``extract(path, options) -> Extraction`` (see
    :class:`egregora_core.components.Extractor`). The host picks the extractor with the
    highest ``sniff`` confidence for each input, unless the user names one with
    ``--extractor``. Raw rows stay in memory: the core anonymizes them before any write.
    Optional: ``diagnose(path) -> EgregoraError | None``, the error ``extract`` would raise
    for ``path``, found cheaply; when no extractor is confident the user is shown each
    extractor's diagnosis instead of a bare "not recognized". ``extract`` should honour
    ``options.max_messages`` / ``options.max_chat_bytes`` (the ``extract.max_*`` settings)
    while reading, before memory grows with the input, and ``options.chat`` when an export
    holds several chats (never pick one silently).
    """


@hookspec
def egregora_register_transforms(register):
    """Provide table -> table steps run between extract and load.

    Call ``register(transform)``; a transform has ``name``, ``order`` (int, lower runs
    first) and ``apply(table, ctx) -> table`` over ibis expressions. Core's own steps
    (in-chat commands at order 100, anonymization at 200, redaction at 300) cannot be
    removed; plugin steps run before 100 (raw data, still in memory) or after 300
    (anonymized data).
    """


@hookspec
def egregora_register_embedders(register):
    """Provide embedders: objects that turn texts into vectors.

    Call ``register(embedder)``. An embedder has ``name``, ``model``, ``dimensions``,
    ``metric``, ``max_batch_size``, ``max_batch_tokens`` and an async
    ``embed(texts, input_type="document"|"query")`` returning one vector per text.
    ``egregora build --embedder NAME`` selects one; the project default is ``build.embedder``.
    """


@hookspec
def egregora_register_indexes(register):
    """Provide vector indexes over the vectors stored in the serving database.

    Call ``register(index)``. An index has ``name``, ``build(con, table, dimensions,
    metric)``, ``search(con, table, vector, k, exact=False)`` and ``status(con, table)``
    (see :class:`egregora_core.components.VectorIndex`). ``search`` must fall back to an
    exact scan when its index is missing or stale.
    """


@hookspec
def egregora_register_writers(register):
    """Provide writers that publish the anonymized dataset (e.g. the MkDocs site).

    Call ``register(writer)``. A writer has ``name`` and ``write(ctx, **options) ->
    dict`` (a summary with counts of files written). Writers read only the lake and the
    serving database, never raw exports.
    """


@hookspec
def egregora_register_judges(register):
    """Provide ranking judges for ``egregora rank``.

    Call ``register(judge)``. A judge has ``name`` and ``judge(left, right) -> "left" |
    "right" | "tie"``, where ``left`` and ``right`` are post summaries (dicts with
    ``post_id``, ``title``, ``summary``, ``text``). An optional ``configure(config) ->
    judge`` returns a copy configured from the project. An LLM judge is one such plugin.
    """


@hookspec
def egregora_register_narrators(register):
    """Provide narrators: objects that write a post's prose from one window of the chat.

    Call ``register(narrator)``. A narrator has ``name``, ``concurrency`` (simultaneous
    calls it allows), ``max_input_tokens`` (or None), ``settings() -> dict`` (everything
    besides the window that changes its output: model, prompt version, ...; part of the
    draft cache key), ``estimate(window) -> Estimate``, an async ``narrate(window) ->
    Draft`` and an async ``portrait(member) -> Portrait``, and optionally
    ``configure(config) -> narrator`` for project settings and ``estimate_portrait(member)
    -> Estimate`` for dry runs (see :mod:`egregora_core.narrative`).

    A window holds one group's anonymized messages of one period (ids, display names,
    kinds, texts, threads, links) and a memo of the group's previous window; nothing else,
    and never a raw name. A draft has a title, summary, tags, paragraphs that each cite the
    ids of the messages they are built on, and a memo. The memo a window receives is the
    one the built-in offline narrator writes for the previous window: it is deterministic,
    so windows can be written concurrently and re-writing one post never invalidates the
    cached drafts of the posts after it. The host checks every
    draft with :func:`egregora_core.narrative.draft_problems`, caches it in the serving
    database and renders the citations as links. Raise
    :class:`egregora_core.narrative.NarrationFailed` to give a window up: the built-in
    offline narrator writes it instead. A member profile (display name, counts, groups,
    hours, keywords, companions' display names, a few anonymized samples; never an
    opted-out member) gets a portrait only when it changed; the host checks it with
    :func:`egregora_core.narrative.portrait_problems`, caches it beside the drafts and
    falls back to the offline portrait the same way. ``site.narrator`` (or ``egregora site build
    --narrator NAME``) picks one; the default ``offline`` is built in.
    """


@hookspec
def egregora_register_commands(cli):
    """Add commands to the ``egregora`` click group.

    ``cli`` is the :class:`click.Group`; call ``cli.add_command(...)`` or use
    ``@cli.command()``. A command name already taken is an error naming both plugins.
    """


@hookspec
def egregora_stage_started(stage, ctx):
    """Called when a pipeline stage starts.

    ``stage`` is the stage name (``extract``, ``transform``, ``load``, ``embed``,
    ``index``, ``write``, ...); ``ctx`` is the :class:`egregora_core.pipeline.Context`.
    Return nothing.
    """


@hookspec
def egregora_stage_finished(stage, ctx, result):
    """Called when a pipeline stage succeeds (or is skipped).

    ``result`` is the :class:`egregora_core.pipeline.StageResult` with status, counts and
    duration. Return nothing.
    """


@hookspec
def egregora_stage_failed(stage, ctx, error):
    """Called when a pipeline stage raises, before the error propagates.

    ``error`` is the exception. Return nothing. Messages logged here must not contain
    raw names: use ``str(error)`` only for :class:`egregora_core.errors.EgregoraError`.
    """
