"""filmdex's similarity step on Spark: the films parquet -> films_cos_sim-shaped parquet.

    spark-submit python/filmdex_spark/driver.py --films output/films/films.parquet --out csfilms
    python -m filmdex_spark --remote sc://HOST:15002 --films s3://bucket/films.parquet --out ...

The rows equal ``filmdex build similarity``'s (same pairs, bit-identical similarities) for the
same parameters, for any number of blocks. ``spark.range(B)`` in B partitions makes one task
per block; each task computes block i of B (shards balanced by estimated work) with the
``filmdex`` wheel's kernel through ``mapInArrow``, and Spark's writer writes the rows. Every
executor reads the films file itself and builds the index once per Python worker process (see
``filmdex.spark``), so the file must be on storage they all read, and the wheel installed on
them. Only DataFrame APIs that Spark Connect has: no RDD, broadcast or SparkContext.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import filmdex
from filmdex.spark import PAIRS_DDL, BlockTask, resolve_films
from pyspark.sql import SparkSession

#: Blocks when --blocks is not given: a few per core of a small cluster, so a slow block does
#: not hold up the job, while each Python worker still builds the index only once.
DEFAULT_BLOCKS = 8


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="filmdex_spark",
        description="Similar films on Spark: the same rows as `filmdex build similarity`.",
    )
    parser.add_argument("--films", required=True, help="the films parquet file (or the folder holding films.parquet), on storage every executor reads")
    parser.add_argument("--out", required=True, help="output folder for the pairs parquet (replaced)")
    parser.add_argument("--top-k", type=_count, default=100, help="neighbours kept per film (default 100)")
    parser.add_argument("--min-similarity", type=float, default=0.0, help="keep only similarities above this (default 0)")
    parser.add_argument("--features", choices=filmdex.FEATURE_SETS, default="default", help="similarity features (default: default)")
    parser.add_argument("--all-pairs", action="store_true", help="every pair above --min-similarity instead of the top k")
    parser.add_argument("--blocks", type=_positive, default=DEFAULT_BLOCKS, help=f"blocks of films, one Spark task each (default {DEFAULT_BLOCKS})")
    parser.add_argument("--threads-per-task", type=_positive, default=None, help="kernel threads per task (default: spark.task.cpus)")
    parser.add_argument("--remote", help="Spark Connect URL, e.g. sc://host:15002 (default: SPARK_REMOTE, else spark-submit's master)")
    return parser.parse_args(argv)


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not at least 1")
    return value


def qualified(path: str) -> str:
    """A URI every process reads alike: a local path becomes an absolute ``file://`` URI, so a
    cluster whose default filesystem is HDFS does not look for it there."""
    return path if "://" in path else "file://" + os.path.abspath(path)


def films_file(films: str) -> str:
    """The films file's URI; a folder holding ``films.parquet`` means that file. Fails early,
    naming the path, when there is none."""
    return resolve_films(qualified(films)).uri


def session(remote: str | None) -> SparkSession:
    builder = SparkSession.builder.appName("filmdex similarity")
    if remote:
        builder = builder.remote(remote)
    return builder.getOrCreate()


def task_cpus(spark: SparkSession) -> int:
    """`spark.task.cpus`, or 1 where a Connect server does not let clients read it."""
    try:
        return max(1, int(spark.conf.get("spark.task.cpus", "1")))
    except Exception:  # noqa: BLE001 - any refusal means the default
        return 1


def run(spark: SparkSession, args: argparse.Namespace) -> int:
    started = time.monotonic()
    films_uri = films_file(args.films)
    out_uri = qualified(args.out)
    films = spark.read.parquet(films_uri)
    missing = [c for c in filmdex.FILM_COLUMNS if c not in films.columns]
    if missing:
        raise SystemExit(f"error: {films_uri} has no column {', '.join(missing)}: not a filmdex films table")
    checked = time.monotonic()
    threads = args.threads_per_task or task_cpus(spark)
    task = BlockTask(
        films_uri=films_uri,
        block_count=args.blocks,
        top_k=None if args.all_pairs else args.top_k,
        min_similarity=args.min_similarity,
        features=args.features,
        threads=threads,
    )
    blocks = spark.range(0, args.blocks, 1, numPartitions=args.blocks)
    blocks.mapInArrow(task, PAIRS_DDL).write.mode("overwrite").parquet(out_uri)
    written = time.monotonic()
    rows = spark.read.parquet(out_uri).count()
    counted = time.monotonic()
    print(
        f"filmdex_spark: {args.blocks} blocks -> {rows} pairs in {out_uri} "
        f"({counted - started:.1f} s: films schema read {checked - started:.1f} s, "
        f"pairs computed and written {written - checked:.1f} s, counted {counted - written:.1f} s)",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = session(args.remote)
    try:
        return run(spark, args)
    finally:
        spark.stop()


if __name__ == "__main__":
    raise SystemExit(main())
