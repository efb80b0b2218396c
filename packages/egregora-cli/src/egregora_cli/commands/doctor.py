from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version

import click
import duckdb
from egregora_core.config import SETTINGS
from egregora_core.errors import EgregoraError, ProjectNotFound
from egregora_core.extensions import load_extension
from egregora_core.lake import check_hosted, lake_location
from rich.markup import escape

from ..app import AppState, pass_state
from ..ui import stdout

DEFAULT_SET = [
    "egregora-core",
    "egregora-cli",
    "egregora-extract-whatsapp",
    "egregora-embed-local",
    "egregora-ann-duckdb",
    "egregora-writer-mkdocs",
]
EXTENSIONS = ["ducklake", "fts", "vss", "postgres"]


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _check_extensions() -> list[Check]:
    checks = []
    for name in EXTENSIONS:
        con = duckdb.connect()
        try:
            load_extension(con, name)
            checks.append(
                Check(
                    f"duckdb extension {name}", True, f"loads offline (duckdb {duckdb.__version__})"
                )
            )
        except EgregoraError as exc:
            checks.append(Check(f"duckdb extension {name}", False, exc.what, exc.hint or ""))
        except duckdb.Error as exc:
            checks.append(
                Check(
                    f"duckdb extension {name}",
                    False,
                    str(exc).splitlines()[0],
                    f"pip install --force-reinstall duckdb-extension-{name}=={duckdb.__version__}",
                )
            )
        finally:
            con.close()
    return checks


def _check_distributions(state: AppState) -> list[Check]:
    checks = []
    for dist in DEFAULT_SET:
        try:
            checks.append(Check(dist, True, f"installed {version(dist)}"))
        except PackageNotFoundError:
            checks.append(Check(dist, False, "not installed", f"pip install {dist}"))
    for name, error in sorted(state.plugins.failed.items()):
        checks.append(
            Check(name, False, f"failed to load: {error}", f"pip install --force-reinstall {name}")
        )
    return checks


def _check_hosted_lake(state: AppState) -> Check | None:
    """A hosted lake (lake.catalog = postgres:...): its server answers and logs us in."""
    try:
        location = lake_location(state.project())
    except ProjectNotFound:
        return None
    except EgregoraError as exc:
        return Check("lake", False, exc.what, exc.hint or "")
    if not location.hosted:
        return None
    try:
        version = check_hosted(location)
    except EgregoraError as exc:
        # Name what failed: the catalog's server, or the bucket of lake.data_path.
        on = location.data_path if (exc.where or "").startswith("lake.data_path") else None
        return Check("lake", False, f"{exc.what} ({on or location.catalog})", exc.hint or "")
    return Check(
        "lake", True, f"{location.catalog}: PostgreSQL {version}, data {location.data_path}"
    )


def _check_hosted_orphans(state: AppState, repair: bool) -> Check:
    """Files a killed or failed worker left in a hosted lake's data path (folder or bucket),
    untouched for :data:`ORPHAN_AGE`: younger ones may be a running worker's next commit."""
    from egregora_core.lake import ORPHAN_AGE, Lake

    age = f"{ORPHAN_AGE / 3600:g} h"
    try:
        with Lake.open(state.project()) as lake:
            stale = lake.stale_orphans(delete=repair)
            left = lake.stale_orphans() if repair else stale
    except EgregoraError as exc:
        return Check("lake orphan files", False, exc.what, exc.hint or "")
    if repair:
        return Check(
            "lake orphan files",
            not left,
            f"removed {len(stale)} unreferenced files older than {age}",
        )
    return Check(
        "lake orphan files",
        not stale,
        "none older than " + age
        if not stale
        else f"{len(stale)} files no snapshot references, untouched for over {age} (left by "
        "a worker killed or failed before its commit)",
        "egregora doctor --repair",
    )


def _check_embedder(state: AppState) -> Check:
    try:
        name = state.project().config()["build.embedder"]
    except EgregoraError:
        name = SETTINGS["build.embedder"].default
    label = f"embedder {name}"
    registry = state.plugins.embedders()
    if name not in registry:
        available = ", ".join(sorted(registry)) or "none"
        return Check(
            label,
            False,
            f"not provided by any plugin (available: {available})",
            "pip install egregora-embed-local"
            if name == "local"
            else f"install the plugin that provides '{name}'",
        )
    embedder = registry[name]
    try:
        vectors = asyncio.run(embedder.embed(["egregora doctor check"], input_type="query"))
        dims = len(vectors[0])
    except EgregoraError as exc:
        return Check(label, False, exc.what, exc.hint or "")
    except Exception as exc:
        return Check(
            label, False, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        )
    ok = dims == embedder.dimensions
    return Check(
        label,
        ok,
        f"{embedder.model}: {dims} dimensions",
        "" if ok else f"declared {embedder.dimensions} dimensions",
    )


def _check_lake(state: AppState, repair: bool) -> list[Check]:
    """The project's lake: the catalog opens, every data file it names is there, and no
    file is left over by a transaction that never committed (``--repair`` deletes those)."""
    from egregora_core.lake import Lake, lake_exists
    from egregora_core.locking import project_lock

    try:
        project = state.project()
        if lake_location(project).hosted:
            return []  # checked by _check_hosted_lake
    except EgregoraError:
        return []  # not in a project: installation checks only
    if not lake_exists(project.lake_dir) and not (project.lake_dir / "data").is_dir():
        return [Check("lake", True, "no data yet")]
    try:
        with Lake.open(project, read_only=True) as lake:
            counted = f"snapshot {lake.current_snapshot()}, {lake.count('messages'):,} messages"
            missing, orphans = lake.missing_files(), lake.orphans()
    except EgregoraError as exc:
        return [Check("lake catalog", False, exc.what, exc.hint or "")]
    checks = [Check("lake catalog", True, f"readable ({counted})")]
    checks.append(
        Check(
            "lake data files",
            not missing,
            "all present" if not missing else f"{len(missing)} missing, e.g. {missing[0]}",
            "restore .egregora/lake from a backup",
        )
    )
    if orphans and repair:
        with project_lock(project.state_dir), Lake.open(project) as lake:
            lake.delete_orphans()  # opening a writer removes them already; say it plainly
        left = [path for path in orphans if os.path.exists(path)]
        checks.append(Check("lake orphan files", not left, f"removed {len(orphans) - len(left)}"))
    else:
        checks.append(
            Check(
                "lake orphan files",
                not orphans,
                "none"
                if not orphans
                else f"{len(orphans)} files no snapshot references (left by an interrupted "
                "write; plain Parquet readers of data/ would count them)",
                "egregora doctor --repair",
            )
        )
    return checks


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.option(
    "--repair",
    is_flag=True,
    help="Delete lake data files left by interrupted writes (on a hosted lake: those "
    "untouched for an hour).",
)
@pass_state
def command(state: AppState, as_json: bool, repair: bool) -> int:
    """Check the installation (DuckDB extensions offline, plugins, the embedder) and, in a
    project, its lake (catalog, data files, files left by interrupted writes; for a hosted
    lake, its catalog server: reachable, login, database; and an s3:// data path: the
    httpfs extension, the endpoint, the key, the bucket).

    Prints what to install or run for anything wrong. Exit status 2 if a hosted lake
    cannot be opened, else 1 if a check failed.
    """
    hosted = _check_hosted_lake(state)
    checks = (
        _check_extensions()
        + _check_distributions(state)
        + [_check_embedder(state)]
        + _check_lake(state, repair)
        + ([hosted] if hosted is not None else [])
    )
    if hosted is not None and hosted.ok:
        checks.append(_check_hosted_orphans(state, repair))
    if as_json:
        click.echo(json.dumps([asdict(c) for c in checks], indent=2))
    else:
        for check in checks:
            mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
            # Escaped: a hint such as "pip install 'egregora-core[s3]'" is not markup.
            stdout.print(f"{mark} {check.name}: {escape(check.detail)}", highlight=False)
            if check.fix and not check.ok:
                stdout.print(f"    fix: {escape(check.fix)}", highlight=False)
    failed = [c for c in checks if not c.ok]
    if not as_json:
        stdout.print("All checks passed." if not failed else f"{len(failed)} check(s) failed.")
    if hosted is not None and not hosted.ok:
        return 2
    return 1 if failed else 0
