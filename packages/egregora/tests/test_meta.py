from importlib.metadata import distribution, entry_points

from egregora_cli.commands import doctor
from packaging.requirements import Requirement

# One list of the default set: what `egregora doctor` checks must be what this package installs.
DEFAULT_SET = set(doctor.DEFAULT_SET)


def requirements():
    return [Requirement(r) for r in distribution("egregora").requires or []]


def test_default_set_is_required_with_bounds():
    plain = {r.name: r for r in requirements() if r.marker is None}
    assert set(plain) == DEFAULT_SET
    assert all(str(r.specifier) for r in plain.values())


def test_voyage_wordllama_llm_s3_and_all_extras():
    extras = {}
    for r in requirements():
        if r.marker is not None:
            for extra in ("voyage", "wordllama", "llm", "s3", "all"):
                if r.marker.evaluate({"extra": extra}):
                    extras.setdefault(extra, set()).add(r.name)
    assert extras == {
        "voyage": {"egregora-embed-voyage"},
        "wordllama": {"egregora-embed-wordllama"},
        "llm": {"egregora-llm"},
        "s3": {"egregora-core"},  # egregora-core[s3]
        "all": {
            "egregora-embed-voyage",
            "egregora-embed-wordllama",
            "egregora-llm",
            "egregora-core",
        },
    }


def test_default_set_plugins_installed_alongside():
    names = {ep.name for ep in entry_points(group="egregora")}
    assert DEFAULT_SET - {"egregora-core", "egregora-cli"} <= names


def test_provides_the_command_for_tool_installers():
    """`uv tool install ./packages/egregora` installs a package *for its executables*: the meta
    package must name the command itself, pointing at the CLI's entry."""
    scripts = {
        ep.name: ep.value
        for ep in distribution("egregora").entry_points
        if ep.group == "console_scripts"
    }
    assert scripts == {"egregora": "egregora_cli.main:main", "eg3": "egregora_cli.main:main"}
    cli = {
        ep.name: ep.value
        for ep in distribution("egregora-cli").entry_points
        if ep.group == "console_scripts"
    }
    assert cli == scripts
