from __future__ import annotations

import pytest
from egregora_core import hookimpl
from egregora_core.errors import InputError, PluginError
from egregora_core.extensions import ExtensionUnavailable, extension_path, load_extension
from egregora_core.extract import choose_extractor
from egregora_core.testing import FakeEmbedder
from egregora_core.testing.conformance import EmbedderTests


class Sniffer:
    def __init__(self, name, score):
        self.name, self.score = name, score

    def sniff(self, path):
        if self.score is None:
            raise RuntimeError("sniff bug")
        return self.score

    def extract(self, path, options):
        raise NotImplementedError


def with_extractors(register, *extractors):
    class Plugin:
        @hookimpl
        def egregora_register_extractors(self, register):
            for e in extractors:
                register(e)

    return register(Plugin(), name="sniffers")


def test_choose_highest_confidence(egregora_register, tmp_path):
    plugins = with_extractors(
        egregora_register, Sniffer("low", 0.6), Sniffer("high", 0.9), Sniffer("buggy", None)
    )
    (tmp_path / "x.txt").write_text("x")
    assert choose_extractor(plugins, tmp_path / "x.txt").name == "high"
    assert choose_extractor(plugins, tmp_path / "x.txt", "low").name == "low"
    with pytest.raises(PluginError, match="no extractor named 'nope'"):
        choose_extractor(plugins, tmp_path / "x.txt", "nope")


def test_no_confident_extractor_is_input_error(egregora_register, tmp_path):
    plugins = with_extractors(egregora_register, Sniffer("meh", 0.2))
    (tmp_path / "x.bin").write_bytes(b"\0")
    with pytest.raises(InputError, match=r"no extractor recognizes this input \(tried: meh\)"):
        choose_extractor(plugins, tmp_path / "x.bin")
    with pytest.raises(InputError, match="file not found"):
        choose_extractor(plugins, tmp_path / "missing.zip")


def test_unrecognised_input_does_not_suggest_installing_what_is_installed(
    egregora_register, tmp_path
):
    plugins = with_extractors(egregora_register, Sniffer("whatsapp", 0.0), Sniffer("other", 0.1))
    (tmp_path / "x.zip").write_bytes(b"PK")
    with pytest.raises(InputError) as info:
        choose_extractor(plugins, tmp_path / "x.zip")
    assert "tried: other, whatsapp" in str(info.value)
    assert "install" not in info.value.hint  # both are installed: installing is no answer
    assert "--extractor NAME" in info.value.hint


def test_no_extractor_installed_says_what_to_install(egregora_register, tmp_path):
    plugins = with_extractors(egregora_register)
    (tmp_path / "x.zip").write_bytes(b"PK")
    with pytest.raises(InputError, match="no extractor is installed") as info:
        choose_extractor(plugins, tmp_path / "x.zip")
    assert "pip install egregora-extract-whatsapp" in info.value.hint


class TestFakeEmbedderConformance(EmbedderTests):
    """The fake embedder passes the suite every embedder plugin runs."""

    @pytest.fixture
    def embedder(self):
        return FakeEmbedder(64)


def test_fake_embedder_is_deterministic_and_normalized():
    a, b = FakeEmbedder(16).vector("Olá mundo"), FakeEmbedder(16).vector("olá MUNDO")
    assert a == b
    assert abs(sum(x * x for x in a) - 1.0) < 1e-5


def test_packaged_extensions_load_offline():
    import duckdb

    con = duckdb.connect()
    for name in ("ducklake", "fts"):
        load_extension(con, name)
        load_extension(con, name)  # idempotent
    loaded = {
        r[0]
        for r in con.execute(
            "SELECT extension_name FROM duckdb_extensions() WHERE loaded"
        ).fetchall()
    }
    assert {"ducklake", "fts"} <= loaded


def test_missing_extension_names_package_to_install():
    with pytest.raises(ExtensionUnavailable, match="pip install duckdb-extension-nosuch=="):
        extension_path("nosuch")
