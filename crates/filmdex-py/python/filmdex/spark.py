"""What Spark's executors run for ``python/filmdex_spark``: the index of a films file, built once
per Python worker process and cached, and the ``mapInArrow`` function that computes blocks.

It lives in the wheel, not in the driver, because executors unpickle :class:`BlockTask` by
reference: whatever has the wheel installed can run it, and the driver ships nothing else.
Nothing here imports pyspark.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Iterator, NamedTuple, Optional

import pyarrow as pa
import pyarrow.fs as pafs

from . import Index, _native

#: The output schema as Spark DDL.
PAIRS_DDL = "film_id int, other_id int, similarity double"

#: Rows per Arrow batch handed back to Spark: bounds the batch, not the block.
ROWS_PER_BATCH = 1 << 20

_cache: dict = {}
_cache_lock = threading.Lock()


class FilmsFile(NamedTuple):
    uri: str
    filesystem: pafs.FileSystem
    path: str
    info: pafs.FileInfo


def resolve_films(uri: str) -> FilmsFile:
    """The films parquet file at ``uri``, with its pyarrow filesystem, path and stat. ``uri`` is a local path, a ``file:``
    URI, or an object-store URI pyarrow knows (``s3://``; Hadoop's ``s3a://`` is read as
    ``s3://``). A folder holding ``films.parquet`` (the pipeline's ``output/films``) means
    that file."""
    given = uri
    if "://" not in uri:
        filesystem, path = pafs.LocalFileSystem(), os.path.abspath(uri)
    else:
        readable = uri
        for hadoop_scheme in ("s3a://", "s3n://"):
            if uri.startswith(hadoop_scheme):
                readable = "s3://" + uri[len(hadoop_scheme) :]
        filesystem, path = pafs.FileSystem.from_uri(readable)
    info = filesystem.get_file_info(path)
    if info.type == pafs.FileType.Directory:
        uri, path = uri.rstrip("/") + "/films.parquet", path.rstrip("/") + "/films.parquet"
        info = filesystem.get_file_info(path)
    if info.type != pafs.FileType.File:
        raise FileNotFoundError(f"no films parquet file at {given}")
    return FilmsFile(uri, filesystem, path, info)


def cached_index(films_uri: str, features: str, threads: Optional[int] = None) -> Index:
    """The index of ``films_uri``, built on first use in this process and kept while the file's
    size and modification time stay the same (a rebuilt films file makes a new index)."""
    films = resolve_films(films_uri)
    key = (films.uri, films.info.size, films.info.mtime_ns, features)
    with _cache_lock:
        index = _cache.get(key)
        if index is None:
            _cache.clear()  # one index per process: the job's films file
            index = Index.from_parquet(
                films.path, features, filesystem=films.filesystem, threads=threads
            )
            _cache[key] = index
        return index


@dataclass(frozen=True)
class BlockTask:
    """The ``mapInArrow`` function: each input row's first column is a block number; yields
    the rows of those blocks (shards of ``block_count``, balanced by work) as Arrow batches of
    :data:`PAIRS_DDL`."""

    films_uri: str
    block_count: int
    top_k: Optional[int] = _native.DEFAULT_TOP_K
    min_similarity: float = 0.0
    features: str = "default"
    threads: Optional[int] = None

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for block in batch.column(0).to_pylist():
                started = time.monotonic()
                index = cached_index(self.films_uri, self.features, self.threads)
                ready = time.monotonic()
                rows = index.neighbours_of_shard(
                    int(block), self.block_count, self.top_k, self.min_similarity, self.threads
                ).table
                done = time.monotonic()
                # In the executor's log (the console with a local master).
                print(
                    f"filmdex block {block}/{self.block_count} (pid {os.getpid()}): "
                    f"{rows.num_rows} pairs, index {ready - started:.2f} s, "
                    f"rows {done - ready:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
                yield from rows.to_batches(max_chunksize=ROWS_PER_BATCH)
