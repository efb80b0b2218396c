"""The plugin manager: discovery, the allow-list, and registries of components.

Discovery: every entry point in the group ``egregora`` (entry name = distribution name,
because pluggy silently skips a second plugin registered under the same name).
``EGREGORA_LOAD_PLUGINS`` is a comma-separated allow-list of entry names; set but empty
means "load none". Core's own built-ins are registered after the entry points and are
always present, so plugins can take over a built-in name.

``EGREGORA_TRACE_PLUGINS=1`` logs every hook call.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from . import PROJECT_NAME, __version__, hookspecs
from .components import KINDS
from .errors import PluginError

log = logging.getLogger("egregora.plugins")

ENTRY_POINT_GROUP = "egregora"
ENV_ALLOW = "EGREGORA_LOAD_PLUGINS"
ENV_TRACE = "EGREGORA_TRACE_PLUGINS"
CORE_PLUGIN = "egregora-core"
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass
class PluginManager:
    """pluggy's manager plus what the host knows about each plugin."""

    pm: pluggy.PluginManager
    versions: dict[str, str] = field(default_factory=dict)
    builtins: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # entry name -> error line
    _registries: dict[str, Registry] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def register(
        self, plugin: object, name: str, *, version: str | None = None, builtin: bool = False
    ) -> None:
        """Register ``plugin`` (a module or object with ``@hookimpl`` functions)."""
        if self.pm.has_plugin(name):
            raise PluginError(
                f"a plugin named '{name}' is already registered",
                hint="entry-point names must equal distribution names",
            )
        self.pm.register(plugin, name=name)
        self.versions[name] = version or "unknown"
        if builtin:
            self.builtins.add(name)
        self._registries.clear()

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)
        self.versions.pop(name, None)
        self.builtins.discard(name)
        self._registries.clear()

    # -- components -------------------------------------------------------------
    def components(self, hook_name: str) -> Registry:
        """All components provided through a register hook, validated, by name."""
        if hook_name not in self._registries:
            kind, protocol = KINDS[hook_name]
            registry = Registry(kind, protocol)
            hook = getattr(self.pm.hook, hook_name)
            # get_hookimpls() is in registration order; built-ins come last (registered
            # last) but lose to plugins on a name clash, see Registry.add.
            for impl in hook.get_hookimpls():
                builtin = impl.plugin_name in self.builtins

                def register(component: object, _plugin=impl.plugin_name, _b=builtin) -> None:
                    registry.add(component, plugin=_plugin, builtin=_b)

                impl.function(register)
            self._registries[hook_name] = registry
        return self._registries[hook_name]

    def extractors(self) -> Registry:
        return self.components("egregora_register_extractors")

    def transforms(self) -> list[Any]:
        registry = self.components("egregora_register_transforms")
        return sorted(registry.values(), key=lambda t: (t.order, t.name))

    def embedders(self) -> Registry:
        return self.components("egregora_register_embedders")

    def indexes(self) -> Registry:
        return self.components("egregora_register_indexes")

    def writers(self) -> Registry:
        return self.components("egregora_register_writers")

    def judges(self) -> Registry:
        return self.components("egregora_register_judges")

    def narrators(self) -> Registry:
        return self.components("egregora_register_narrators")

    # -- reporting --------------------------------------------------------------
    def describe(self) -> list[dict[str, Any]]:
        """Name, version and implemented hooks of every plugin (for ``egregora plugins``)."""
        out = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda item: item[0]):
            callers = self.pm.get_hookcallers(plugin) or []
            out.append(
                {
                    "name": name,
                    "version": self.versions.get(name, "unknown"),
                    "builtin": name in self.builtins,
                    "hooks": sorted(caller.name for caller in callers),
                }
            )
        return out


class Registry(Mapping[str, Any]):
    """Components of one kind, keyed by name; remembers which plugin provided each."""

    def __init__(self, kind: str, protocol: type):
        self.kind = kind
        self.protocol = protocol
        self._items: dict[str, Any] = {}
        self.providers: dict[str, str] = {}
        self._builtin: dict[str, bool] = {}

    def add(self, component: object, *, plugin: str, builtin: bool = False) -> None:
        name = getattr(component, "name", None)
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise PluginError(
                f"plugin '{plugin}' registered a {self.kind} with invalid name {name!r}",
                hint="names are 1-40 chars of lowercase letters, digits, '-' or '_', starting with a letter",
            )
        if not isinstance(component, self.protocol):
            missing = [m for m in _protocol_members(self.protocol) if not hasattr(component, m)]
            raise PluginError(
                f"plugin '{plugin}' registered {self.kind} '{name}' without {', '.join(missing)}",
                hint=f"see the {self.kind} protocol in egregora_core.components",
            )
        if name in self._items:
            previous = self.providers[name]
            if builtin and not self._builtin[name]:
                log.debug("%s '%s' from %s overrides the built-in", self.kind, name, previous)
                return
            if not builtin and self._builtin[name]:
                log.debug("%s '%s' from %s overrides the built-in", self.kind, name, plugin)
            else:
                raise PluginError(
                    f"{self.kind} '{name}' is registered by both '{previous}' and '{plugin}'",
                    hint=f"uninstall one, or exclude it with {ENV_ALLOW}",
                )
        self._items[name] = component
        self.providers[name] = plugin
        self._builtin[name] = builtin

    def get_or_fail(self, name: str, *, install_hint: str | None = None) -> Any:
        """Return the component or raise a one-line error listing what is available."""
        try:
            return self._items[name]
        except KeyError:
            available = ", ".join(sorted(self._items)) or "none"
            raise PluginError(
                f"no {self.kind} named '{name}' (available: {available})",
                hint=install_hint or f"install a plugin that provides the '{name}' {self.kind}",
            ) from None

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _protocol_members(protocol: type) -> list[str]:
    methods = {
        name
        for name, value in vars(protocol).items()
        if callable(value) and not name.startswith("_")
    }
    return sorted(set(getattr(protocol, "__annotations__", {})) | methods)


def allowed_names(env: Mapping[str, str]) -> set[str] | None:
    """The allow-list from ``EGREGORA_LOAD_PLUGINS`` (None = no restriction)."""
    raw = env.get(ENV_ALLOW)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def load_entry_point_plugins(manager: PluginManager, env: Mapping[str, str]) -> None:
    """Register every allowed entry point; a plugin that fails to import is a warning."""
    allow = allowed_names(env)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if allow is not None and ep.name not in allow:
            continue
        if manager.pm.has_plugin(ep.name):
            continue
        try:
            module = ep.load()
        except Exception as exc:  # a broken plugin must not take the host down
            line = f"{type(exc).__name__}: {exc}".splitlines()[0]
            manager.failed[ep.name] = line
            log.warning("plugin %s failed to load and was skipped (%s)", ep.name, line)
            continue
        version = ep.dist.version if ep.dist is not None else None
        manager.register(module, ep.name, version=version)


def builtin_modules() -> list[tuple[ModuleType, str]]:
    """Core's own default plugins (always registered, overridable by name)."""
    from . import builtins

    return [(builtins, CORE_PLUGIN)]


def make_plugin_manager(
    *,
    load_entry_points: bool = True,
    env: Mapping[str, str] | None = None,
    extra_builtins: Iterable[tuple[object, str, str]] = (),
) -> PluginManager:
    """Create a manager with entry-point plugins (unless disabled) and the built-ins.

    ``extra_builtins`` are ``(module, name, version)`` triples registered as built-ins
    (the CLI registers its own commands this way).
    """
    env = os.environ if env is None else env
    manager = PluginManager(pluggy.PluginManager(PROJECT_NAME))
    manager.pm.add_hookspecs(hookspecs)
    if load_entry_points:
        load_entry_point_plugins(manager, env)
    for module, name in builtin_modules():
        manager.register(module, name, version=__version__, builtin=True)
    for module, name, version in extra_builtins:
        manager.register(module, name, version=version, builtin=True)
    manager.pm.check_pending()
    if env.get(ENV_TRACE):
        manager.pm.trace.root.setwriter(log.info)
        manager.pm.enable_tracing()
    return manager
