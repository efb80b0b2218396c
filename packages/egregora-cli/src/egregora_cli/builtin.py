"""egregora-cli's built-in plugin: the core commands, added through the commands hook."""

from __future__ import annotations

from egregora_core import hookimpl


@hookimpl
def egregora_register_commands(cli):
    from .commands import datasets, doctor, export, import_, ingest, init, plugins, run

    for module in (init, plugins, doctor, run, ingest, import_, datasets, export):
        cli.add_command(module.command)
