"""The ``egregora`` click group and the process entry point.

Errors: an :class:`~egregora_core.errors.EgregoraError` prints one line and exits 2, and so
does a failure of the machine or of the lake's files (disk full, read-only folder, damaged
catalog: :func:`~egregora_core.errors.describe_failure`); any other exception is a bug: one
line, exit 1. ``-v`` shows the traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from egregora_core import __version__ as core_version
from egregora_core.errors import EgregoraError, describe_failure
from egregora_core.plugins import PluginManager, make_plugin_manager

from . import __version__, builtin
from .app import AppState, PluginGroup
from .ui import setup_logging, stderr

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
log = logging.getLogger("egregora.cli")


def build_cli(plugins: PluginManager) -> click.Group:
    """The click group with every plugin's commands (a fresh group per plugin manager)."""

    @click.group(cls=PluginGroup, context_settings=CONTEXT_SETTINGS)
    @click.version_option(
        __version__,
        "-V",
        "--version",
        prog_name="egregora",
        message=f"%(prog)s %(version)s (egregora-core {core_version})",
    )
    @click.option("-v", "--verbose", count=True, help="More output; -v shows tracebacks.")
    @click.option(
        "-q",
        "--quiet",
        count=True,
        help="Only warnings and errors; no progress. (Progress is bars on a terminal, one line "
        "per finished step otherwise.)",
    )
    @click.option(
        "--project",
        "project_dir",
        metavar="DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Project folder (default: found by walking up from the current directory; "
        "env EGREGORA_PROJECT).",
    )
    @click.pass_context
    def cli(ctx: click.Context, verbose: int, quiet: int, project_dir: Path | None) -> None:
        """Turn WhatsApp group exports into a private, searchable knowledge base and an
        anonymized MkDocs blog, on your laptop, with no server and no API key.

        \b
        Quick start:
          egregora init my-group && cd my-group
          egregora run ~/Downloads/"WhatsApp Chat with Friends.zip"
          egregora query "when is the next trip?"
          egregora site serve

        \b
        Try it on the bundled demo chat:  egregora run --demo
        """
        state = AppState(plugins, verbosity=verbose - quiet, project_dir=project_dir)
        ctx.obj = state
        _state_holder[:] = [state]
        setup_logging(state.verbosity)

    for impl in plugins.hook.egregora_register_commands.get_hookimpls():
        cli.owner = impl.plugin_name
        impl.function(cli=cli)
    cli.owner = "egregora-cli"
    return cli


_state_holder: list[AppState] = []


def make_cli(*, load_entry_points: bool = True, env=None) -> click.Group:
    plugins = make_plugin_manager(
        load_entry_points=load_entry_points,
        env=env,
        extra_builtins=[(builtin, "egregora-cli", __version__)],
    )
    return build_cli(plugins)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit status (used by ``main`` and by tests)."""
    setup_logging(0)
    argv = sys.argv[1:] if argv is None else argv
    _state_holder.clear()
    try:
        cli = make_cli()
        result = cli.main(args=argv, prog_name="egregora", standalone_mode=False)
    except EgregoraError as exc:
        _report(exc, f"error: {exc}")
        return exc.exit_code
    except click.exceptions.Abort:
        stderr.print("Aborted.")
        return 130
    except click.UsageError as exc:
        # One line, like every other error (click's usage block would be three).
        command = exc.ctx.command_path if exc.ctx else "egregora"
        stderr.print(
            f"error: {exc.format_message()} — see `{command} --help`",
            markup=False,
            highlight=False,
        )
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        stderr.print("Interrupted.")
        return 130
    except Exception as exc:
        # A full disk, a read-only folder or a damaged lake file is not a bug: say so.
        known = describe_failure(exc)
        if known is not None:
            _report(exc, f"error: {known}")
            return known.exit_code
        # Never echo the exception text of unknown errors: it may quote raw input.
        _report(
            exc,
            f"internal error: {type(exc).__name__} (run with -v for the traceback; "
            "please report it)",
        )
        return 1
    return result if isinstance(result, int) else 0


def _report(exc: BaseException, line: str) -> None:
    verbose = bool(_state_holder) and _state_holder[0].verbosity > 0
    if verbose:
        stderr.print_exception(show_locals=False)
    stderr.print(line, markup=False, highlight=False)


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":  # pragma: no cover
    main()
