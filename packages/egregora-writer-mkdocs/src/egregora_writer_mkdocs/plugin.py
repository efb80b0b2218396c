"""Entry point of egregora-writer-mkdocs (group ``egregora``): hook implementations."""

from __future__ import annotations

from egregora_core import hookimpl


@hookimpl
def egregora_register_writers(register):
    from .writer import MkDocsWriter

    register(MkDocsWriter())


@hookimpl
def egregora_register_judges(register):
    from .ranking.judge import InteractiveJudge

    register(InteractiveJudge())


@hookimpl
def egregora_register_commands(cli):
    from .commands import rank, site

    cli.add_command(site)
    cli.add_command(rank)
