"""Developer and CI sessions (uv backend).

uv run nox                      # everything CI runs: lint, per-package tests, integration, build
uv run nox -s "tests(package='egregora-core')"   # one package, installed alone
uv run nox -s bench             # benchmarks (not run by default)
uv run nox -l                   # list sessions
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = [
    "lint",
    "tests",
    "examples",
    "integration",
    "spark",
    "ann_eval",
    "search_eval",
    "build",
    "docs",
]

ROOT = Path(__file__).parent
PACKAGES = sorted(p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())
# Plugins that register through the `egregora` entry-point group (the CLI and core are built in).
DEFAULT_SET = [
    "egregora-extract-whatsapp",
    "egregora-embed-local",
    "egregora-ann-duckdb",
    "egregora-writer-mkdocs",
]


def uv_sync(session: nox.Session, *args: str) -> None:
    """Install exactly what the lock says into the session's venv (uv sync is exact)."""
    env = {"UV_PROJECT_ENVIRONMENT": session.virtualenv.location, "UV_PYTHON": session.python or ""}
    session.run_install("uv", "sync", "--locked", *args, env={k: v for k, v in env.items() if v})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check + ruff format --check over the whole tree."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
@nox.parametrize("package", PACKAGES)
def tests(session: nox.Session, package: str) -> None:
    """One package's tests with only that package, its dependencies and its `test` group installed.

    A package that imports an undeclared sibling fails here.
    """
    uv_sync(session, "--package", package, "--no-default-groups", "--group", "test")
    session.chdir(ROOT / "packages" / package)
    # Screenshots and other artifacts tests keep for people to look at (git-ignored).
    artifacts = ROOT / "build" / "test-artifacts" / package
    session.run("pytest", *session.posargs, env={"EGREGORA_TEST_ARTIFACTS": str(artifacts)})


@nox.session
def spark(session: nox.Session) -> None:
    """The transforms on PySpark (local[2], Java 17) store the same rows as on DuckDB
    (tests_spark/): installs egregora-core's `spark` extra, kept out of the default set."""
    uv_sync(session, "--all-packages", "--extra", "spark")
    session.run("pytest", "tests_spark", *session.posargs)


@nox.session
def examples(session: nox.Session) -> None:
    """Example third-party plugins, installed like a plugin author would: core + the plugin only."""
    for example in sorted((ROOT / "examples").glob("egregora-*/pyproject.toml")):
        folder = example.parent
        session.install("-e", str(ROOT / "packages" / "egregora-core"), "-e", str(folder), "pytest")
        session.chdir(folder)
        session.run("pytest", *session.posargs)
        session.chdir(ROOT)


@nox.session
def integration(session: nox.Session) -> None:
    """End-to-end tests over the whole installed set (tests_integration/)."""
    uv_sync(session, "--all-packages")
    session.run("pytest", "tests_integration", *session.posargs)


@nox.session
def ann_eval(session: nox.Session) -> None:
    """ANN vs exact on a fixed generated corpus of 200k x 384, stored in a database file and
    reopened as `egregora query` does (large enough to need the index).

    Fails below recall@10 0.90 or below a 10x p50 speed-up over the exact scan (1x means the
    index is not used). Measured 18.3x on the quiet 2-core box, 17x beside niced jobs
    (docs/benchmarks.md, "ANN evaluation, honestly"); the gate leaves room for a slower CI.
    """
    uv_sync(session, "--all-packages")
    session.run(
        "egregora",
        "eval",
        "ann",
        "--synthetic",
        "200000",
        "--queries",
        "50",
        "--min-speedup",
        "10",
    )


@nox.session
def search_eval(session: nox.Session) -> None:
    """Search relevance on the bilingual labelled set: fails when hybrid's recall@10 is below
    vector-only's or below the floor (bench/bench_search.py)."""
    uv_sync(session, "--all-packages")
    session.run("python", "bench/bench_search.py", "--check")


@nox.session
def build(session: nox.Session) -> None:
    """Release build: every wheel with --no-sources, installed into a fresh venv, smoke-tested."""
    work = Path(tempfile.mkdtemp(prefix="egregora-build-"))
    try:
        dist = work / "dist"
        session.run(
            "uv",
            "build",
            "--all-packages",
            "--no-sources",
            "--wheel",
            "-o",
            str(dist),
            external=True,
        )
        wheels = sorted(str(w) for w in dist.glob("*.whl"))
        if len(wheels) != len(PACKAGES):
            session.error(f"expected {len(PACKAGES)} wheels, built {len(wheels)}")
        venv = work / "venv"
        session.run("uv", "venv", "-q", str(venv), external=True)
        python = str(venv / "bin" / "python")
        session.run(
            "uv",
            "pip",
            "install",
            "-q",
            "--python",
            python,
            "--find-links",
            str(dist),
            *wheels,
            external=True,
        )
        bin_dir = venv / "bin"
        session.run(
            python, "-I", "-c", "import egregora, egregora_core, egregora_cli", external=True
        )
        session.run(str(bin_dir / "egregora"), "--help", external=True, silent=True)
        out = session.run(str(bin_dir / "eg3"), "plugins", external=True, silent=True)
        missing = [name for name in DEFAULT_SET if f'"{name}"' not in (out or "")]
        if missing:
            session.error(f"built wheels do not register: {', '.join(missing)}")
        session.log(f"{len(wheels)} wheels install and run in a fresh venv")
    finally:
        shutil.rmtree(work, ignore_errors=True)


@nox.session
def docs(session: nox.Session) -> None:
    """Reference pages regenerated and compared (cog --check), then the docs site built --strict."""
    uv_sync(session, "--all-packages")
    pages = sorted(str(p) for p in (ROOT / "docs").glob("*.md"))
    session.run("cog", "--check", "-I", "docs", *pages, env={"EGREGORA_LOAD_PLUGINS": None})
    session.run("mkdocs", "build", "--strict", "-q", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run every benchmark in bench/ (quick sizes unless `-- --full`)."""
    uv_sync(session, "--all-packages")
    args = session.posargs or ["--quick"]
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        session.run("python", str(script), *args, env={"PYTHONHASHSEED": "0", **os.environ})
