"""egregora-core's extractor conformance suite on the demo export, the project's own sample
exports and (when ``EGREGORA_REAL_FIXTURES`` is set) a third-party real sample."""

from __future__ import annotations

import pytest
from egregora_core.testing.conformance import ExtractorTests
from egregora_extract_whatsapp.extractor import WhatsAppExtractor


class WhatsAppConformance(ExtractorTests):
    """The suite with this package's extractor; subclasses give ``sample_export``."""

    __test__ = False

    @pytest.fixture
    def extractor(self):
        return WhatsAppExtractor()


class TestDemoExport(WhatsAppConformance):
    __test__ = True

    @pytest.fixture
    def sample_export(self, tmp_path):
        return WhatsAppExtractor().demo_export(tmp_path)


class TestOwnIosSample(WhatsAppConformance):
    __test__ = True

    @pytest.fixture
    def sample_export(self, samples):
        return samples["WhatsApp Chat - Saturday Book Swap"]


class TestOwnAndroidSample(WhatsAppConformance):
    __test__ = True

    @pytest.fixture
    def sample_export(self, samples):
        return samples["Conversa do WhatsApp com Horta da Vila"]


class TestRealIosFixture(WhatsAppConformance):
    __test__ = True

    @pytest.fixture
    def sample_export(self, real_fixtures):
        return real_fixtures / "whatsapp-chat-parser-example.zip"


def test_registered_through_the_hook(egregora_register):
    from egregora_extract_whatsapp import plugin

    plugins = egregora_register(plugin, name="egregora-extract-whatsapp")
    extractor = plugins.extractors().get_or_fail("whatsapp")
    assert isinstance(extractor, WhatsAppExtractor)
