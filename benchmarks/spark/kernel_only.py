"""The kernel inside the `filmdex` wheel without Spark: what the Spark driver's tasks do, in one
process on every core. Reads the films parquet, builds the index, computes every film's rows,
writes one parquet file; prints each step's time.

    python benchmarks/spark/kernel_only.py FILMS_PARQUET OUT_DIR [--top-k 100]
"""

import argparse
import os
import time

import pyarrow.parquet as pq

import filmdex


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("films")
    parser.add_argument("out")
    parser.add_argument("--top-k", type=int, default=100)
    args = parser.parse_args()
    started = time.monotonic()
    films = pq.read_table(args.films, columns=list(filmdex.FILM_COLUMNS))
    read = time.monotonic()
    index = filmdex.Index.from_arrow(films)
    built = time.monotonic()
    rows = index.neighbours_of_shard(0, 1, top_k=args.top_k).table
    computed = time.monotonic()
    os.makedirs(args.out, exist_ok=True)
    pq.write_table(rows, os.path.join(args.out, "part-0.parquet"))
    written = time.monotonic()
    print(
        f"kernel_only: {len(index)} films, {rows.num_rows} pairs: read {read - started:.2f} s, "
        f"index {built - read:.2f} s, neighbours {computed - built:.2f} s, "
        f"write {written - computed:.2f} s, total {written - started:.2f} s"
    )


if __name__ == "__main__":
    main()
