"""egregora: the meta-distribution that installs Egregora's default set.

``pip install egregora`` gives the ``egregora`` command with the WhatsApp extractor, the
offline embedder, the DuckDB vector index and the MkDocs writer. Extras: ``voyage``
(Voyage AI embeddings), ``wordllama`` (a fast offline embedder), ``llm``, ``s3`` and ``all``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egregora")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"
