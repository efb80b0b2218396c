"""Every hook in hookspecs.py is documented and exercised through the host code that calls it."""

from __future__ import annotations

import inspect

import pytest
from egregora_core import hookimpl, hookspecs
from egregora_core.pipeline import Context, Stage, StageResult, run_stages
from egregora_core.testing import FakeEmbedder

HOOKS = sorted(
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("egregora_")
)


class Named:
    def __init__(self, name, **attrs):
        self.name = name
        self.__dict__.update(attrs)


class FakeExtractor:
    name = "fake"

    def sniff(self, path):
        return 1.0

    def extract(self, path, options):
        raise NotImplementedError


class FakeTransform:
    name = "plugin-step"
    order = 400

    def apply(self, table, ctx):
        return table


class FakeIndex:
    name = "fake-index"

    def build(self, con, table, dimensions, metric):
        return {}

    def search(self, con, table, vector, k, *, exact=False):
        return []

    def status(self, con, table):
        return "missing"


class FakeWriter:
    name = "fake-writer"

    def write(self, ctx, **options):
        return {}


class FakeJudge:
    name = "coin"

    def judge(self, left, right):
        return "left"


def context(plugins, tmp_path):
    from egregora_core.testing import make_context

    return make_context(tmp_path / "p", plugins=plugins)


def test_hook_egregora_register_extractors(egregora_plugins, egregora_register):
    class Plugin:
        @hookimpl
        def egregora_register_extractors(self, register):
            register(FakeExtractor())

    egregora_register(Plugin(), name="ext-plugin")
    registry = egregora_plugins.extractors()
    assert isinstance(registry["fake"], FakeExtractor)
    assert registry.providers["fake"] == "ext-plugin"


def test_hook_egregora_register_transforms(egregora_plugins, egregora_register):
    class Plugin:
        @hookimpl
        def egregora_register_transforms(self, register):
            register(FakeTransform())

    egregora_register(Plugin(), name="tr-plugin")
    names = [t.name for t in egregora_plugins.transforms()]
    assert "plugin-step" in names
    orders = [t.order for t in egregora_plugins.transforms()]
    assert orders == sorted(orders)


def test_hook_egregora_register_embedders(egregora_plugins, egregora_register):
    class Plugin:
        @hookimpl
        def egregora_register_embedders(self, register):
            register(FakeEmbedder(8))

    egregora_register(Plugin(), name="emb-plugin")
    assert egregora_plugins.embedders()["fake"].dimensions == 8


def test_hook_egregora_register_indexes(egregora_plugins, egregora_register):
    class Plugin:
        @hookimpl
        def egregora_register_indexes(self, register):
            register(FakeIndex())

    egregora_register(Plugin(), name="idx-plugin")
    assert "fake-index" in egregora_plugins.indexes()


def test_hook_egregora_register_writers(egregora_plugins, egregora_register):
    class Plugin:
        @hookimpl
        def egregora_register_writers(self, register):
            register(FakeWriter())

    egregora_register(Plugin(), name="wr-plugin")
    assert "fake-writer" in egregora_plugins.writers()


def test_hook_egregora_register_judges(egregora_plugins, egregora_register):
    class Plugin:
        @hookimpl
        def egregora_register_judges(self, register):
            register(FakeJudge())

    egregora_register(Plugin(), name="judge-plugin")
    assert egregora_plugins.judges()["coin"].judge({}, {}) == "left"


def test_hook_egregora_register_narrators(egregora_plugins, egregora_register):
    from egregora_core.narrative import Draft, Estimate, Paragraph

    class Echo:
        name = "echo"
        concurrency = 1
        max_input_tokens = None

        def settings(self):
            return {}

        def estimate(self, window):
            return Estimate(calls=0)

        async def narrate(self, window):
            return Draft("t", "s", [], [Paragraph("p", [window.messages[0].id])])

        async def portrait(self, member):
            raise NotImplementedError

    class Plugin:
        @hookimpl
        def egregora_register_narrators(self, register):
            register(Echo())

    egregora_register(Plugin(), name="narrator-plugin")
    assert egregora_plugins.narrators()["echo"].concurrency == 1


def test_hook_egregora_register_commands(egregora_plugins, egregora_register):
    # The CLI package hosts this hook (see egregora-cli's tests); here: the call contract.
    added = []

    class Group:
        def add_command(self, cmd, name=None):
            added.append(cmd)

    class Plugin:
        @hookimpl
        def egregora_register_commands(self, cli):
            cli.add_command("hello")

    egregora_register(Plugin(), name="cmd-plugin")
    egregora_plugins.hook.egregora_register_commands(cli=Group())
    assert added == ["hello"]


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def egregora_stage_started(self, stage, ctx):
        self.events.append(("started", stage))

    @hookimpl
    def egregora_stage_finished(self, stage, ctx, result):
        self.events.append(("finished", stage, result.status, result.counts))

    @hookimpl
    def egregora_stage_failed(self, stage, ctx, error):
        self.events.append(("failed", stage, type(error).__name__))


def test_hook_egregora_stage_started(egregora_plugins, egregora_register, tmp_path):
    recorder = Recorder()
    egregora_register(recorder, name="recorder")
    run_stages(context(egregora_plugins, tmp_path), [Stage("a", lambda c, v: StageResult("a"))])
    assert recorder.events[0] == ("started", "a")


def test_hook_egregora_stage_finished(egregora_plugins, egregora_register, tmp_path):
    recorder = Recorder()
    egregora_register(recorder, name="recorder")
    stages = [
        Stage("one", lambda c, v: StageResult("one", counts={"rows": 3}, output=3)),
        Stage("two", lambda c, v: StageResult("two", counts={"rows": v * 2})),
    ]
    results = run_stages(context(egregora_plugins, tmp_path), stages)
    assert ("finished", "two", "ok", {"rows": 6}) in recorder.events
    assert [r.counts["rows"] for r in results] == [3, 6]


def test_hook_egregora_stage_failed(egregora_plugins, egregora_register, tmp_path):
    recorder = Recorder()
    egregora_register(recorder, name="recorder")

    def boom(ctx, value):
        raise ValueError("bad")

    ran = []
    stages = [
        Stage("boom", boom),
        Stage("after", lambda c, v: ran.append(1) or StageResult("after")),
    ]
    with pytest.raises(ValueError):
        run_stages(context(egregora_plugins, tmp_path), stages)
    assert ("failed", "boom", "ValueError") in recorder.events
    assert ran == []  # later stages never run after a failure


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook))
    assert doc and len(doc.split()) >= 10, f"{hook} needs a docstring: it is the plugin reference"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert f"test_hook_{hook}" in globals(), f"add test_hook_{hook} to this module"


def test_lifecycle_observer_errors_do_not_break_a_run(
    egregora_plugins, egregora_register, tmp_path
):
    class Broken:
        @hookimpl
        def egregora_stage_started(self, stage, ctx):
            raise RuntimeError("observer bug")

    egregora_register(Broken(), name="broken")
    results = run_stages(
        context(egregora_plugins, tmp_path), [Stage("a", lambda c, v: StageResult("a"))]
    )
    assert results[0].status == "ok"


def test_context_type(egregora_plugins, tmp_path):
    assert isinstance(context(egregora_plugins, tmp_path), Context)
