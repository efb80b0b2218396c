"""egregora-cli's built-in plugin: the core commands, added through the commands hook."""

from __future__ import annotations

from egregora_core import hookimpl


@hookimpl
def egregora_register_commands(cli):
    from .commands import (
        build,
        datasets,
        doctor,
        evaluate,
        export,
        import_,
        ingest,
        init,
        plugins,
        query,
        run,
    )

    for module in (
        init,
        plugins,
        doctor,
        run,
        ingest,
        import_,
        datasets,
        export,
        build,
        query,
        evaluate,
    ):
        cli.add_command(module.command)
