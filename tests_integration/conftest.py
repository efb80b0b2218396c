"""Integration tests run against the whole installed set (nox -s integration)."""

from __future__ import annotations

from pathlib import Path

import pytest
from egregora_core.testing.samples import zip_samples

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "fixtures" / "whatsapp"


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> dict[str, Path]:
    """The repository's own sample exports (``fixtures/whatsapp/``), zipped: ``{stem: zip}``."""
    assert SAMPLES.is_dir(), f"the repository's sample exports are missing: {SAMPLES}"
    return zip_samples(SAMPLES, tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="session")
def cli():
    """``egregora``'s entry point in-process: ``cli([args...]) -> exit status``."""
    main = pytest.importorskip("egregora_cli.main")
    from egregora_core.plugins import make_plugin_manager

    if "whatsapp" not in make_plugin_manager().extractors():
        pytest.skip("the whatsapp extractor is not installed (egregora-extract-whatsapp)")
    return main.run
