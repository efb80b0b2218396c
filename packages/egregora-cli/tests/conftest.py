from __future__ import annotations

import pytest


@pytest.fixture
def cli_run(capsys, monkeypatch):
    """Run the CLI in-process: returns (exit status, stdout, stderr)."""
    from egregora_cli.main import run

    def invoke(*args, env=None):
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        code = run(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke
