"""Errors that reach users.

Everything a user can fix (bad input, a missing project, a busy lake) is an
:class:`EgregoraError`: the CLI prints its one-line message and exits with status 2.
Messages must never contain raw member names, phone numbers or e-mails.
"""

from __future__ import annotations

import errno


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


class LakeDamaged(EgregoraError):
    """The lake's catalog or one of its data files is missing or cannot be read."""


class EnvironmentFailure(EgregoraError):
    """The machine refused: disk full, read-only folder, permission denied."""


#: errno -> what the user is told (no space is the common one; quota counts as no space).
_OS_REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


def os_failure(exc: OSError, action: str = "writing") -> EnvironmentFailure:
    """One line for an :class:`OSError`: what the system said, about which file."""
    reason = _OS_REASONS.get(exc.errno or 0) or (exc.strerror or type(exc).__name__).lower()
    target = exc.filename if exc.filename is not None else "a file"
    hint = {
        errno.ENOSPC: "free some space (or point TMPDIR elsewhere), then retry",
        errno.EDQUOT: "free some space, then retry",
        errno.EROFS: "run egregora in a writable copy of the project",
    }.get(exc.errno or 0, "check the folder's permissions, then retry")
    return EnvironmentFailure(f"{reason} while {action} {target}", hint=hint)


def describe_failure(exc: BaseException) -> EgregoraError | None:
    """The one-line :class:`EgregoraError` for a failure that is not a bug, else None.

    The CLI calls this for exceptions that are not already an :class:`EgregoraError`:
    operating-system refusals (full disk, read-only folder) and storage-engine errors
    (damaged catalog or data files; see :func:`egregora_core.lake.engine_failure`).
    """
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return os_failure(exc)
    if type(exc).__module__.split(".")[0] in {"duckdb", "_duckdb"}:
        from .lake import engine_failure  # the DuckDB-specific wording lives with the lake

        return engine_failure(exc)
    return None
