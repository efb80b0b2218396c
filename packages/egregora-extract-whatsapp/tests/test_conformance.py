"""egregora-core's extractor conformance suite, on the demo export and on the real fixtures."""

from __future__ import annotations

import pytest
from egregora_core.testing.conformance import ExtractorTests
from egregora_extract_whatsapp.extractor import WhatsAppExtractor


class TestDemoExport(ExtractorTests):
    @pytest.fixture
    def extractor(self):
        return WhatsAppExtractor()

    @pytest.fixture
    def sample_export(self, tmp_path):
        return WhatsAppExtractor().demo_export(tmp_path)


class TestRealIosFixture(ExtractorTests):
    @pytest.fixture
    def extractor(self):
        return WhatsAppExtractor()

    @pytest.fixture
    def sample_export(self, fixtures):
        return fixtures / "whatsapp-chat-parser-example.zip"


def test_registered_through_the_hook(egregora_register):
    from egregora_extract_whatsapp import plugin

    plugins = egregora_register(plugin, name="egregora-extract-whatsapp")
    extractor = plugins.extractors().get_or_fail("whatsapp")
    assert isinstance(extractor, WhatsAppExtractor)
