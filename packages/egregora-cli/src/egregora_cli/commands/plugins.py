from __future__ import annotations

import json

import click

from ..app import AppState, pass_state


@click.command("plugins")
@click.option("--hook", "hook_name", metavar="NAME", help="Only plugins implementing this hook.")
@pass_state
def command(state: AppState, hook_name: str | None) -> None:
    """List loaded plugins as JSON: name, version, hooks and what each provides.

    Plugins come from the entry-point group `egregora`; EGREGORA_LOAD_PLUGINS is a
    comma-separated allow-list (set but empty: load none).
    """
    providers: dict[str, dict[str, list[str]]] = {}
    for hook in ("extractors", "transforms", "embedders", "indexes", "writers", "judges"):
        registry = state.plugins.components(f"egregora_register_{hook}")
        for name, plugin in registry.providers.items():
            providers.setdefault(plugin, {}).setdefault(registry.kind, []).append(name)
    out = []
    for info in state.plugins.describe():
        if hook_name and hook_name not in info["hooks"]:
            continue
        info["provides"] = providers.get(info["name"], {})
        out.append(info)
    for name, error in sorted(state.plugins.failed.items()):
        out.append({"name": name, "version": None, "hooks": [], "error": error})
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))
