"""Missing or rejected keys, registration, configuration and cost estimates."""

from __future__ import annotations

import pytest
from egregora_core.config import load_config
from egregora_core.errors import ConfigError, EgregoraError
from egregora_embed_voyage import VoyageAuthError, VoyageEmbedder, VoyageKeyMissing, plugin
from egregora_embed_voyage.models import MODELS
from egregora_embed_voyage.tokens import estimate_tokens


def test_missing_key_is_one_clear_line(server, make_embedder, embed, monkeypatch):
    monkeypatch.delenv("VOYAGE_API_KEY", raising=False)
    with pytest.raises(VoyageKeyMissing) as info:
        embed(make_embedder(api_key=None), ["hello"])
    message = str(info.value)
    assert message.startswith("VOYAGE_API_KEY is not set — get a key at https://")
    assert "export VOYAGE_API_KEY=..." in message
    assert "\n" not in message
    assert isinstance(info.value, EgregoraError)
    assert server.records == []


def test_key_is_read_from_environment(server, make_embedder, embed, monkeypatch):
    from egregora_embed_voyage.testing import TEST_KEY

    monkeypatch.setenv("VOYAGE_API_KEY", TEST_KEY)
    assert embed(make_embedder(api_key=None), ["hello"]).shape == (1, 1024)


def test_rejected_key_is_clear_and_not_retried(server, make_embedder, embed):
    with pytest.raises(VoyageAuthError) as info:
        embed(make_embedder(api_key="pa-wrong", max_retries=4), ["hello"])
    assert "HTTP 401" in str(info.value)
    assert "\n" not in str(info.value)
    assert "pa-wrong" not in str(info.value)
    assert server.statuses() == [401]


def test_plugin_registers_without_key(egregora_register, monkeypatch):
    monkeypatch.delenv("VOYAGE_API_KEY", raising=False)
    embedders = egregora_register(plugin, name="egregora-embed-voyage").embedders()
    voyage = embedders["voyage"]
    assert embedders.providers["voyage"] == "egregora-embed-voyage"
    assert (voyage.model, voyage.dimensions, voyage.metric) == ("voyage-3.5", 1024, "cosine")
    assert voyage.max_batch_size <= 1000
    assert voyage.max_batch_tokens < MODELS["voyage-3.5"].token_cap


def write_config(tmp_path, body):
    path = tmp_path / "egregora.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(path, env={})


def test_configure_from_section_and_env(tmp_path):
    config = write_config(
        tmp_path, '[voyage]\nmodel = "voyage-3.5-lite"\noutput_dimension = 512\nconcurrency = 8\n'
    )
    base = VoyageEmbedder()
    configured = base.configure(
        config, env={"EGREGORA_VOYAGE_CONCURRENCY": "2", "EGREGORA_VOYAGE_MAX_RETRIES": "9"}
    )
    assert (configured.model, configured.dimensions) == ("voyage-3.5-lite", 512)
    assert (configured.concurrency, configured.max_retries) == (2, 9)  # env beats the file
    assert configured.max_batch_tokens > base.max_batch_tokens  # lite has a 1M cap
    assert (base.model, base.concurrency) == ("voyage-3.5", 4)  # a copy, not a mutation


@pytest.mark.parametrize(
    ("body", "env", "fragment"),
    [
        ('[voyage]\nmodel = "voyage-9"\n', {}, "unknown Voyage model 'voyage-9'"),
        ("[voyage]\noutput_dimension = 300\n", {}, "cannot return 300 dimensions"),
        ('[voyage]\nmodel = "voyage-multilingual-2"\noutput_dimension = 512\n', {}, "512"),
        ("[voyage]\nconcurency = 3\n", {}, "unknown setting 'voyage.concurency'"),
        ("", {"EGREGORA_VOYAGE_CONCURRENCY": "many"}, "EGREGORA_VOYAGE_CONCURRENCY"),
        ("", {"EGREGORA_VOYAGE_BATCH_SIZE": "5000"}, "batch_size must be 1..1000"),
    ],
)
def test_bad_configuration_is_a_config_error(tmp_path, body, env, fragment):
    config = write_config(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        VoyageEmbedder().configure(config, env=env)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_estimate_tokens_and_cost():
    texts = ["bom dia, pessoal"] * 1000 + ["x" * 3000]
    tokens = sum(estimate_tokens(t) for t in texts)
    for model in ("voyage-3.5", "voyage-3.5-lite", "voyage-3-large"):
        embedder = VoyageEmbedder(model=model)
        estimate = embedder.estimate(texts)
        assert estimate["tokens"] == tokens
        assert estimate["cost_usd"] == pytest.approx(
            tokens * MODELS[model].usd_per_million_tokens / 1e6
        )
        assert embedder.estimate_cost(texts) == estimate["cost_usd"]
        assert estimate["requests"] == 8  # 1001 texts in batches of 128
    assert VoyageEmbedder(model="voyage-3.5-lite").estimate_cost(texts) < VoyageEmbedder(
        model="voyage-3-large"
    ).estimate_cost(texts)


def test_first_fatal_error_stops_the_other_batches(server, make_embedder, embed):
    with pytest.raises(VoyageAuthError):
        embed(
            make_embedder(api_key="pa-wrong", batch_size=1, concurrency=2),
            [f"t{i}" for i in range(20)],
        )
    assert 1 <= len(server.records) <= 3  # not one request per batch


def test_unknown_input_type_is_refused_before_any_request(server, make_embedder, embed):
    with pytest.raises(EgregoraError, match="input_type must be 'document' or 'query'"):
        embed(make_embedder(), ["hello"], "passage")
    assert server.records == []
