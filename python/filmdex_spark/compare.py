"""Checks that two pairs folders hold exactly the same rows: the same (film_id, other_id) pairs,
each once, with bit-identical similarities. Exit status 1, with examples, on any difference.

    python -m filmdex_spark.compare EXPECTED_DIR ACTUAL_DIR
"""

from __future__ import annotations

import glob
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

#: Differences listed before the rest are only counted.
EXAMPLES = 5


def read_pairs(folder: str) -> pa.Table:
    """Every ``*.parquet`` file of ``folder`` (Spark's ``_SUCCESS`` and the like are not)."""
    files = sorted(glob.glob(os.path.join(folder, "*.parquet")))
    if not files:
        raise FileNotFoundError(f"no parquet files in {folder}")
    tables = [pq.read_table(f, columns=["film_id", "other_id", "similarity"]) for f in files]
    return pa.concat_tables([t.cast(tables[0].schema) for t in tables])


def keyed(table: pa.Table) -> np.ndarray:
    """Rows as (film_id, other_id, similarity bits), sorted by pair."""
    rows = np.empty(
        table.num_rows, dtype=[("film_id", "<i8"), ("other_id", "<i8"), ("bits", "<u8")]
    )
    rows["film_id"] = table.column("film_id").to_numpy()
    rows["other_id"] = table.column("other_id").to_numpy()
    rows["bits"] = table.column("similarity").to_numpy().astype("<f8").view("<u8")
    return np.sort(rows, order=["film_id", "other_id"])


def differences(expected: pa.Table, actual: pa.Table) -> list[str]:
    """What differs, as lines; empty when the two are the same rows."""
    problems = []
    if expected.num_rows != actual.num_rows:
        problems.append(f"row counts differ: expected {expected.num_rows}, got {actual.num_rows}")
    want, got = keyed(expected), keyed(actual)
    for name, rows in (("expected", want), ("actual", got)):
        pairs = rows[["film_id", "other_id"]]
        repeated = int(np.count_nonzero(pairs[1:] == pairs[:-1])) if len(rows) else 0
        if repeated:
            problems.append(f"{name}: {repeated} pairs appear more than once")
    if not problems and np.array_equal(want, got):
        return []
    want_set = {tuple(r) for r in want.tolist()}
    got_set = {tuple(r) for r in got.tolist()}
    for label, rows in (("missing", want_set - got_set), ("unexpected", got_set - want_set)):
        if rows:
            examples = ", ".join(_describe(r) for r in sorted(rows)[:EXAMPLES])
            problems.append(f"{len(rows)} {label} rows, e.g. {examples}")
    return problems


def _describe(row: tuple) -> str:
    film_id, other_id, bits = row
    similarity = np.array([bits], dtype="<u8").view("<f8")[0]
    return f"({film_id}, {other_id}, {float(similarity)!r})"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m filmdex_spark.compare EXPECTED_DIR ACTUAL_DIR", file=sys.stderr)
        return 2
    expected, actual = (read_pairs(folder) for folder in args)
    problems = differences(expected, actual)
    if problems:
        print(f"DIFFERENT: {args[1]} does not equal {args[0]}:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"same rows: {actual.num_rows} pairs, bit-identical similarities")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
