"""The transforms on PySpark: ``egregora ingest --engine spark`` (setting ``ingest.engine``).

The core transforms are ibis expressions, so the same code runs on a Spark session
(local mode, ``local[2]``, by default; ``EGREGORA_SPARK_MASTER`` names another master).
Only the engine changes: extraction happens before (Arrow tables, shipped to Spark as
memtables) and the load after (the transformed rows are brought back as Arrow and written
by the lake store, which stays DuckDB + DuckLake). Needs the ``spark`` extra
(``pip install 'egregora-core[spark]'``) and a Java 17 runtime.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from .errors import ConfigError

ENGINES = ("duckdb", "spark")


@functools.cache
def spark_backend() -> Any:
    """The ibis PySpark backend over one Spark session per process (start-up is slow)."""
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "the spark engine needs PySpark",
            where="ingest.engine",
            hint="pip install 'egregora-core[spark]' (and a Java 17 runtime)",
        ) from None
    session = (
        SparkSession.builder.master(os.environ.get("EGREGORA_SPARK_MASTER", "local[2]"))
        .appName("egregora")
        # Instants are UTC everywhere (as on the DuckDB connections).
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    backend = ibis.pyspark.connect(session)
    backend._register_in_memory_table = functools.partial(_register_arrow, session)
    return backend


def _register_arrow(session: Any, op: Any) -> None:
    """Hand a memtable's Arrow table to Spark as it is (PySpark 4 takes Arrow).

    ibis goes through pandas for PySpark < 4; with pandas' Arrow-backed strings that
    conversion fails over to a slow path that turns missing strings into 'NaN'.
    """
    frame = session.createDataFrame(op.data.to_pyarrow(op.schema).combine_chunks())
    frame.createOrReplaceTempView(op.name)
