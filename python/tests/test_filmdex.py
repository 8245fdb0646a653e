"""The `filmdex` wheel (crates/filmdex-py) and the driver's helpers, without Spark.

Run with the wheel installed: `pytest python/tests` (scripts/spark_check.sh does).
"""

import os
import random
import time
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import filmdex
import filmdex.spark

from filmdex_spark import compare

FILMS_SCHEMA = pa.schema(
    [
        ("film_id", pa.int32()),
        ("title", pa.string()),
        ("genres", pa.list_(pa.string())),
        ("rating", pa.decimal128(4, 2)),
        ("persons", pa.list_(pa.string())),
        ("person_ids", pa.list_(pa.string())),
        ("person_categories", pa.list_(pa.string())),
    ]
)

WORDS = ["star", "wars", "home", "alone", "toy", "story", "ring", "the", "of", "東京"]
GENRES = ["Drama", "Comedy", "Action", "Sci-Fi", "Family"]


def tiny_films(count=60, seed=7):
    """Films sharing title words, genres, ratings and people, in no particular order, with a
    NULL title, a NULL rating and NULL lists among them."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        people = rng.sample(range(12), rng.randint(0, 4))
        rows.append(
            {
                "film_id": 1000 + 7 * ((n * 37) % count),
                "title": " ".join(rng.sample(WORDS, rng.randint(1, 3))),
                "genres": rng.sample(GENRES, rng.randint(1, 3)),
                "rating": Decimal(f"{rng.randint(60, 90) / 10:.2f}"),
                "persons": [f"Person {p % 9}" for p in people],  # namesakes: 0 and 9, ...
                "person_ids": [f"nm{p:07d}" for p in people],
                "person_categories": [rng.choice(["actor", "director"]) for _ in people],
            }
        )
    rows[3]["title"] = None
    rows[4]["rating"] = None
    rows[5]["genres"] = rows[5]["persons"] = rows[5]["person_ids"] = None
    rows[5]["person_categories"] = None
    return pa.Table.from_pylist(rows, schema=FILMS_SCHEMA)


def rows_of(table):
    data = table.to_pydict()
    return sorted(
        zip(data["film_id"], data["other_id"], (s.hex() for s in data["similarity"]))
    )


@pytest.fixture(scope="module")
def films():
    return tiny_films()


@pytest.fixture(scope="module")
def index(films):
    return filmdex.Index.from_arrow(films)


def test_index_holds_every_film(films, index):
    assert len(index) == films.num_rows
    assert index.features == "default"


def test_rows_have_the_pairs_schema_and_at_most_k_per_film(index):
    table = index.neighbours_of_shard(0, 1, top_k=5).table
    assert table.schema == filmdex.PAIRS_SCHEMA
    per_film = np.bincount(table.column("film_id").to_numpy() - 1000)
    assert per_film.max() <= 5
    assert ((table.column("similarity").to_numpy() > 0) & (table.column("similarity").to_numpy() <= 1 + 1e-12)).all()


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_union_of_blocks_is_the_whole_run(films, index, count):
    whole = index.neighbours_of_films(films.column("film_id").to_pylist(), top_k=10)
    assert whole.unknown_film_ids == []
    blocks = [index.neighbours_of_shard(i, count, top_k=10) for i in range(count)]
    union = pa.concat_tables([b.table for b in blocks])
    assert rows_of(union) == rows_of(whole.table)
    # Every film is in exactly one block.
    owners = [set(index.shard_film_ids(i, count, top_k=10)) for i in range(count)]
    assert sum(len(o) for o in owners) == len(index)
    assert set().union(*owners) == set(films.column("film_id").to_pylist())


def test_all_pairs_blocks_equal_the_whole_and_are_symmetric(index):
    whole = index.neighbours_of_shard(0, 1, top_k=None, min_similarity=0.05).table
    union = pa.concat_tables(
        [index.neighbours_of_shard(i, 3, top_k=None, min_similarity=0.05).table for i in range(3)]
    )
    assert rows_of(union) == rows_of(whole)
    pairs = {(a, b): s for a, b, s in rows_of(whole)}
    assert pairs and all(pairs[(b, a)] == s for (a, b), s in pairs.items())
    assert all(float.fromhex(s) > 0.05 for s in pairs.values())


def test_row_order_of_the_input_does_not_matter(films, index):
    shuffled = films.take(np.random.default_rng(1).permutation(films.num_rows))
    other = filmdex.Index.from_arrow(shuffled.to_batches()[0])  # a RecordBatch is accepted too
    assert rows_of(other.neighbours_of_shard(0, 1).table) == rows_of(index.neighbours_of_shard(0, 1).table)


def test_threads_do_not_change_rows(films, index):
    one = index.neighbours_of_shard(0, 1, top_k=7, threads=1).table
    two = index.neighbours_of_shard(0, 1, top_k=7, threads=2).table
    assert one.equals(two)
    built_on_one = filmdex.Index.from_arrow(films, threads=1)
    assert built_on_one.neighbours_of_shard(0, 1, top_k=7).table.equals(two)


def test_unknown_film_ids_are_reported(films, index):
    known = films.column("film_id")[0].as_py()
    block = index.neighbours_of_films([known, -1, 99999999], top_k=3)
    assert block.unknown_film_ids == [-1, 99999999]
    assert set(block.table.column("film_id").to_pylist()) <= {known}


def test_bad_feature_set_is_an_error(films):
    with pytest.raises(ValueError, match="unknown feature set `tfidf`"):
        filmdex.Index.from_arrow(films, features="tfidf")
    seed = filmdex.Index.from_arrow(films, features="seed")
    assert seed.features == "seed"


def test_bad_shard_and_threshold_are_errors(index):
    with pytest.raises(ValueError, match="below the count"):
        index.neighbours_of_shard(3, 3)
    with pytest.raises(ValueError, match="finite"):
        index.neighbours_of_shard(0, 1, min_similarity=float("nan"))


def test_a_null_list_item_is_an_error_as_in_the_command_line(films):
    rows = films.to_pylist()
    rows[0]["genres"] = ["Drama", None]
    with pytest.raises(ValueError, match="genres"):
        filmdex.Index.from_arrow(pa.Table.from_pylist(rows, schema=FILMS_SCHEMA))


def test_a_missing_column_is_named(films):
    with pytest.raises(ValueError, match="person_ids"):
        filmdex.Index.from_arrow(films.drop(["person_ids"]))


def test_the_index_is_cached_per_file_and_rebuilt_when_it_changes(tmp_path, films):
    path = tmp_path / "films.parquet"
    pq.write_table(films, path)
    first = filmdex.spark.cached_index(str(tmp_path), "default")  # the folder means films.parquet
    assert filmdex.spark.cached_index(str(path), "default") is first
    assert filmdex.spark.cached_index(str(path), "seed").features == "seed"
    pq.write_table(films.slice(0, 20), path)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert len(filmdex.spark.cached_index(str(path), "default")) == 20
    with pytest.raises(FileNotFoundError, match="no films parquet"):
        filmdex.spark.cached_index(str(tmp_path / "nothing"), "default")


def test_block_task_yields_the_blocks_rows(tmp_path, films, index):
    pq.write_table(films, tmp_path / "films.parquet")
    task = filmdex.spark.BlockTask(str(tmp_path / "films.parquet"), block_count=4, top_k=10)
    ids = pa.record_batch([pa.array([1, 3], pa.int64())], names=["id"])
    out = pa.Table.from_batches(list(task(iter([ids]))))
    expected = pa.concat_tables([index.neighbours_of_shard(i, 4, top_k=10).table for i in (1, 3)])
    assert rows_of(out) == rows_of(expected)


def test_compare_finds_any_difference(index):
    table = index.neighbours_of_shard(0, 1, top_k=10).table
    assert compare.differences(table, table) == []
    similarity = table.column("similarity").to_numpy().copy()
    similarity[5] = np.nextafter(similarity[5], 2.0)  # one ulp
    nudged = table.set_column(2, "similarity", pa.array(similarity))
    assert any("unexpected" in p for p in compare.differences(table, nudged))
    assert any("missing" in p for p in compare.differences(table, table.slice(1)))
    doubled = pa.concat_tables([table.slice(1), table.slice(1, 1)])
    assert any("more than once" in p for p in compare.differences(table, doubled))


def _le64(*values):
    return np.array(values, dtype="<i8").tobytes()


def _native_index(film_ids=b"\x01\x00\x00\x00", titles=None, genres=None):
    empty_list = (_le64(0, 0), b"", _le64(0))
    return filmdex._native.Index(
        film_ids,
        titles or (b"ab", _le64(0, 2)),
        genres or empty_list,
        [7.5],
        empty_list,
        empty_list,
        empty_list,
    )


def test_the_native_reader_reads_unicode_lists():
    genres = (_le64(0, 3), "DramaÉ東京".encode(), _le64(0, 5, 7, 13))
    assert len(_native_index(genres=genres)) == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"film_ids": b"\x01\x00\x00"}, "multiple of 4"),
        ({"titles": (b"ab", _le64(0, 3))}, "past the data"),
        ({"titles": (b"ab", _le64(2, 1))}, "decreasing"),
        ({"titles": (b"ab", _le64(0))}, "offset bytes"),
        ({"titles": (b"\xff", _le64(0, 1))}, "utf-8"),
        ({"genres": (_le64(0, 2), b"a", _le64(0, 1))}, "past the items"),
    ],
)
def test_malformed_native_buffers_are_errors_not_crashes(bad, message):
    with pytest.raises(ValueError, match=f"(?i){message}"):
        _native_index(**bad)
