"""Generators for the reference pages, run by cog (`cog -r -I docs docs/*.md`).

CI runs `cog --check` so the pages never drift from the code.
"""

from __future__ import annotations

import inspect
import re

import click

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr):`~?([^`]+)`")


def _markdown(doc: str) -> str:
    """Sphinx roles -> code spans (``x`` is already valid markdown)."""
    return _ROLE.sub(lambda m: f"`{m.group(1)}`", doc)


def hooks_reference() -> str:
    """One section per hook in egregora_core.hookspecs, from its signature and docstring."""
    from egregora_core import hookspecs

    out = []
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("egregora_"):
            continue
        out.append(f"### `{name}{inspect.signature(fn)}`\n")
        out.append(_markdown(inspect.getdoc(fn)) + "\n")
    return "\n".join(out)


def config_reference() -> str:
    """A table of every setting: key, default, environment variable, meaning."""
    from egregora_core.config import SETTINGS

    rows = ["| setting | default | environment | meaning |", "| --- | --- | --- | --- |"]
    for s in SETTINGS.values():
        choices = f" One of: {', '.join(f'`{c}`' for c in s.choices)}." if s.choices else ""
        rows.append(f"| `{s.key}` | `{s.default!r}` | `{s.env_var}` | {s.doc}{choices} |")
    return "\n".join(rows)


def llm_settings_reference() -> str:
    """The [llm] keys of egregora-llm: default, environment variable, meaning."""
    import dataclasses

    from egregora_llm.settings import ENV_PREFIX, SETTING_DOCS, LLMSettings

    rows = ["| key | default | environment | meaning |", "| --- | --- | --- | --- |"]
    for f in dataclasses.fields(LLMSettings):
        default = "" if f.default is None else f"`{f.default}`"
        env = f"`{ENV_PREFIX}{f.name.upper()}`"
        rows.append(f"| `{f.name}` | {default} | {env} | {SETTING_DOCS[f.name]} |")
    return "\n".join(rows)


def _walk(command: click.Command, path: list[str], parent: click.Context | None):
    settings = {**command.context_settings, "terminal_width": 100, "max_content_width": 100}
    ctx = click.Context(command, info_name=path[-1], parent=parent, **settings)
    yield path, command.get_help(ctx)
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            yield from _walk(command.get_command(ctx, name), [*path, name], ctx)


def cli_reference() -> str:
    """The --help of every command of the installed set, as one page."""
    from egregora_cli.main import make_cli

    cli = make_cli(env={})
    out = []
    for path, text in _walk(cli, ["egregora"], None):
        out.append(f"## `{' '.join(path)}`\n\n```text\n{text}\n```\n")
    return "\n".join(out)
