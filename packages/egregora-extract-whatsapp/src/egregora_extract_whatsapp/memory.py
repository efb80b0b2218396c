"""The Arrow memory pool for the parser's large, short-lived arrays.

Arrow's default pool (mimalloc) keeps pages it has freed, and the parser frees a lot:
every segment allocates and drops its temporaries, many of them in a worker thread. With
the system allocator, parsing 1M messages peaked ~0.4x the file size lower and ran
~15% faster (docs/benchmarks.md). The pool is passed to the large allocations here
instead of being set process-wide (``ARROW_DEFAULT_MEMORY_POOL``), which would make
the choice for the whole application.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

POOL = pa.system_memory_pool()


def take(values, indices):
    """``values.take(indices)`` in :data:`POOL`."""
    return pc.take(values, indices, memory_pool=POOL)


def array(values, type=None, mask=None):
    """``pa.array`` in :data:`POOL` (numpy numbers are wrapped without a copy)."""
    return pa.array(values, type=type, mask=mask, memory_pool=POOL)
