"""Errors that reach users.

Everything a user can fix (bad input, a missing project, a busy lake) is an
:class:`EgregoraError`: the CLI prints its one-line message and exits with status 2.
Messages must never contain raw member names, phone numbers or e-mails.
"""

from __future__ import annotations


class EgregoraError(Exception):
    """A problem the user can fix. ``str(error)`` is the whole one-line message.

    ``hint`` says how to fix it; ``where`` names the file, line or option involved.
    """

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None):
        self.what = what
        self.where = where
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.hint:
            parts.append(self.hint)
        return " — ".join(parts)


class ProjectNotFound(EgregoraError):
    """No `.egregora/egregora.toml` in the directory or any parent."""


class ConfigError(EgregoraError):
    """The project configuration or an option value is invalid."""


class PluginError(EgregoraError):
    """A plugin registered something invalid (bad name, duplicate)."""


class SchemaError(EgregoraError):
    """A table does not match a canonical schema."""


class InputError(EgregoraError):
    """An input file cannot be read as what it claims to be."""


class ProjectBusy(EgregoraError):
    """Another egregora process holds the project's write lock."""
