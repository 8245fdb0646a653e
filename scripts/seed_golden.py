#!/usr/bin/env python3
"""Golden TF-IDF vectors of the `seed` feature set, computed by PySpark itself.

The original project (ORIGINAL.md section 2) made its similarity with PySpark's HashingTF, IDF and
Normalizer; `filmdex build --features seed` claims to reproduce it exactly. This script runs those
same Spark ML stages on a films table and writes every film's L2-normalised vector, so a Rust test
can check each similarity filmdex stores against dot products of Spark's vectors (to 1e-9).

Usage (Java 17 and `pip install pyspark==4.0.1` needed; CI does not run this, it uses the output):
    cargo run --release -- --workdir /tmp/golden build --sample --features seed
    python3 scripts/seed_golden.py /tmp/golden/output/films/films.parquet \
        crates/filmdex/tests/golden/seed_vectors.tsv.gz
"""

import gzip
import sys

from pyspark.ml.feature import IDF, HashingTF, Normalizer
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main(films_parquet: str, out_path: str) -> None:
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("filmdex-seed-golden")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    films = spark.read.parquet(films_parquet)
    # The original's tokens: split(concat_ws(", ", title, genres, rating, persons), ","), the
    # DECIMAL(4,2) rating rendered by Spark's cast to string ("7.70"), no trimming.
    tokens = films.select(
        "film_id",
        F.split(
            F.concat_ws(", ", F.col("title"), F.col("genres"), F.col("rating").cast("string"), F.col("persons")),
            ",",
        ).alias("features"),
    )
    hashed = HashingTF(inputCol="features", outputCol="tf", numFeatures=1 << 18).transform(tokens)
    weighted = IDF(inputCol="tf", outputCol="tfidf", minDocFreq=0).fit(hashed).transform(hashed)
    normalised = Normalizer(inputCol="tfidf", outputCol="vector", p=2.0).transform(weighted)
    rows = normalised.select("film_id", "vector").orderBy("film_id").collect()
    with gzip.open(out_path, "wt", encoding="utf-8") as out:
        out.write("# film_id\tbucket:weight,... (PySpark HashingTF 2^18 + IDF + L2 Normalizer)\n")
        for row in rows:
            vector = row["vector"]
            entries = ",".join(f"{int(i)}:{float(v)!r}" for i, v in zip(vector.indices, vector.values) if v != 0.0)
            out.write(f"{row['film_id']}\t{entries}\n")
    spark.stop()
    print(f"wrote {len(rows)} vectors to {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
