"""filmdex's exact TF-IDF cosine similarity kernel, for Spark and other engines.

An :class:`Index` is built from the films table (``output/films/films.parquet``) exactly as the
``filmdex`` command line builds it, so the rows of any block of films are bit-identical to the
same films' rows in ``output/csfilms``. Blocks are shards balanced by estimated work
(:meth:`Index.neighbours_of_shard`) or lists of film ids (:meth:`Index.neighbours_of_films`);
their rows come back as a pyarrow Table ``film_id int32, other_id int32, similarity float64``.

    >>> import filmdex
    >>> index = filmdex.Index.from_parquet("output/films/films.parquet")
    >>> block = index.neighbours_of_shard(0, 8, top_k=100)
    >>> block.table.num_rows, block.unknown_film_ids
"""

from __future__ import annotations

import os
from typing import NamedTuple, Optional, Sequence, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import _native

__all__ = ["Index", "Block", "PAIRS_SCHEMA", "FEATURE_SETS"]

#: The schema of the rows, as in ``output/csfilms`` and the database's ``films_cos_sim``.
PAIRS_SCHEMA = pa.schema(
    [("film_id", pa.int32()), ("other_id", pa.int32()), ("similarity", pa.float64())]
)

FEATURE_SETS = ("default", "seed")

#: The films table's columns that similarity reads.
FILM_COLUMNS = ("film_id", "title", "genres", "rating", "persons", "person_ids", "person_categories")


class Block(NamedTuple):
    """The rows of a block of films, and the requested film ids the index does not hold."""

    table: pa.Table
    unknown_film_ids: list


class Index:
    """The TF-IDF matrix of a films table, ready to compute the rows of any block of films."""

    def __init__(self, native: "_native.Index"):
        self._native = native

    @classmethod
    def from_arrow(
        cls,
        films: Union[pa.Table, pa.RecordBatch],
        features: str = "default",
        threads: Optional[int] = None,
    ) -> "Index":
        """Builds the index from a films table or record batch (the columns of ``FILM_COLUMNS``).

        Reads it as ``filmdex build similarity`` does: rating as a double, a NULL title as "",
        a NULL rating as 0, a NULL list as empty; persons, person_ids and person_categories
        are zipped. A NULL item inside a list is an error, as in the command line.
        """
        if features not in FEATURE_SETS:
            raise ValueError(f"unknown feature set `{features}`, expected `seed` or `default`")
        if isinstance(films, pa.RecordBatch):
            films = pa.Table.from_batches([films])
        missing = [c for c in FILM_COLUMNS if c not in films.column_names]
        if missing:
            raise ValueError(f"the films table has no column {', '.join(missing)}")
        film_ids = films.column("film_id")
        if film_ids.null_count:
            raise ValueError("column film_id: NULL film ids")
        native = _native.Index(
            _int32_bytes(film_ids),
            _strings(films.column("title").fill_null(""), "title"),
            _lists(films.column("genres"), "genres"),
            _ratings(films.column("rating")),
            _lists(films.column("persons"), "persons"),
            _lists(films.column("person_ids"), "person_ids"),
            _lists(films.column("person_categories"), "person_categories"),
            features,
            threads,
        )
        return cls(native)

    @classmethod
    def from_parquet(
        cls, path: str, features: str = "default", filesystem=None, threads: Optional[int] = None
    ) -> "Index":
        """Builds the index from a films parquet file (a local path or a pyarrow filesystem's)."""
        table = pq.read_table(path, columns=list(FILM_COLUMNS), filesystem=filesystem)
        return cls.from_arrow(table, features, threads)

    def __len__(self) -> int:
        return len(self._native)

    @property
    def features(self) -> str:
        return self._native.features

    def shard_film_ids(
        self, index: int, count: int, top_k: Optional[int] = _native.DEFAULT_TOP_K
    ) -> list:
        """The film ids of shard ``index`` of ``count``, as ``neighbours_of_shard`` splits them."""
        return self._native.shard_film_ids(index, count, top_k)

    def neighbours_of_shard(
        self,
        index: int,
        count: int,
        top_k: Optional[int] = _native.DEFAULT_TOP_K,
        min_similarity: float = 0.0,
        threads: Optional[int] = None,
    ) -> Block:
        """The rows of shard ``index`` of ``count`` (0 <= index < count), a split balanced by
        estimated work that depends only on the films. A neighbour shares a feature with the
        film and is at least ``min_similarity`` similar, as with the command line's
        ``--min-similarity``; ``top_k=None`` keeps every neighbour (``--all-pairs``).
        ``threads``: the kernel's thread count (default: every core). The GIL is released while
        it computes."""
        return _block(self._native.neighbours_of_shard(index, count, top_k, min_similarity, threads))

    def neighbours_of_films(
        self,
        film_ids: Sequence[int],
        top_k: Optional[int] = _native.DEFAULT_TOP_K,
        min_similarity: float = 0.0,
        threads: Optional[int] = None,
    ) -> Block:
        """The rows of the films with these ids; ids the index lacks are in ``unknown_film_ids``."""
        ids = [int(i) for i in film_ids]
        return _block(self._native.neighbours_of_films(ids, top_k, min_similarity, threads))


def _block(native_block) -> Block:
    film_ids, other_ids, similarities, rows, unknown = native_block
    table = pa.Table.from_arrays(
        [
            pa.array(np.frombuffer(film_ids, dtype="<i4")),
            pa.array(np.frombuffer(other_ids, dtype="<i4")),
            pa.array(np.frombuffer(similarities, dtype="<f8")),
        ],
        schema=PAIRS_SCHEMA,
    )
    assert table.num_rows == rows
    return Block(table, list(unknown))


def _int32_bytes(column: pa.ChunkedArray) -> bytes:
    values = column.cast(pa.int32()).to_numpy()
    return values.astype("<i4", copy=False).tobytes()


def _ratings(column: pa.ChunkedArray) -> list:
    # float(Decimal) is correctly rounded, as DuckDB's CAST(DECIMAL AS DOUBLE) (the unscaled
    # integer divided by a power of ten) is: the same double for every rating.
    return [0.0 if value is None else float(value) for value in column.to_pylist()]


def _strings(column, name: str) -> tuple:
    """A string column without NULLs as (UTF-8 bytes, little-endian i64 offsets)."""
    array = column.cast(pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], pa.large_string())
    if array.null_count:
        raise ValueError(f"column {name}: a NULL item in a list")
    if len(array) == 0:
        return b"", np.zeros(1, dtype="<i8").tobytes()
    _, offsets, data = array.buffers()
    offsets = np.frombuffer(offsets, dtype="<i8")[array.offset : array.offset + len(array) + 1]
    if data is None:
        data = b""
    return data.to_pybytes() if isinstance(data, pa.Buffer) else data, offsets.tobytes()


def _lists(column: pa.ChunkedArray, name: str) -> tuple:
    """A list-of-strings column as (offsets of each film's items, item bytes, item offsets);
    a NULL list is an empty one."""
    lengths = pc.list_value_length(column).fill_null(0).to_numpy().astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype="<i8")
    np.cumsum(lengths, out=offsets[1:])
    data, item_offsets = _strings(pc.list_flatten(column), name)
    return offsets.tobytes(), data, item_offsets
