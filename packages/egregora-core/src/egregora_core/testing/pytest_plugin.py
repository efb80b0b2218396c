"""pytest fixtures for Egregora plugin authors (auto-loaded via the ``pytest11`` entry point).

Fixtures never autoload installed plugins: tests register what they need explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..plugins import PluginManager, make_plugin_manager
from ..project import Project, init_project
from . import FakeEmbedder
from .samples import real_fixtures


@pytest.fixture
def egregora_project(tmp_path) -> Project:
    """A freshly initialized project in a temporary directory."""
    return init_project(tmp_path / "project")


@pytest.fixture
def egregora_plugins() -> PluginManager:
    """A plugin manager with only egregora-core's built-ins (no entry points)."""
    return make_plugin_manager(load_entry_points=False, env={})


@pytest.fixture
def egregora_register(egregora_plugins) -> Iterator:
    """Register an inline plugin for one test: ``egregora_register(obj, name="my-plugin")``.

    Everything registered is unregistered when the test ends.
    """
    names: list[str] = []

    def register(plugin: object, name: str = "test-plugin", version: str = "0") -> PluginManager:
        egregora_plugins.register(plugin, name, version=version)
        names.append(name)
        return egregora_plugins

    yield register
    for name in names:
        if egregora_plugins.pm.has_plugin(name):
            egregora_plugins.unregister(name)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """A deterministic 32-dimension feature-hashing embedder."""
    return FakeEmbedder(32)


@pytest.fixture
def egregora_real_fixtures() -> Path:
    """The third-party real sample exports (``EGREGORA_REAL_FIXTURES``); skips when unset."""
    return real_fixtures()


@pytest.fixture(scope="session")
def egregora_postgres():
    """A real PostgreSQL server on 127.0.0.1 for the whole test session (see
    :func:`egregora_core.testing.postgres.postgres_server`); fails, never skips, when the
    server binaries are missing."""
    from .postgres import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def egregora_s3():
    """A real S3-compatible server (moto's, authentication on) on 127.0.0.1 for the whole
    test session (see :func:`egregora_core.testing.s3.s3_server`); fails, never skips,
    when moto's server is not installed."""
    from .s3 import S3Unavailable, s3_server

    try:
        with s3_server() as server:
            yield server
    except S3Unavailable as exc:
        pytest.fail(str(exc))
