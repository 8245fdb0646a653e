#!/usr/bin/env python3
"""Times sparse_dot_topn's top-n similarity on the matrix filmdex's kernel benchmark dumped.

Usage:
    cargo run --release -p filmdex-similarity --example bench_topk -- \
        --films 40000 --runs 5 --dump-matrix /tmp/films40k
    python3 benchmarks/similarity/sparse_dot_topn_compare.py /tmp/films40k --runs 5

Needs: pip install sparse_dot_topn scipy numpy.

The dump is the L2-normalised TF-IDF matrix as CSR: <path>.json names little-endian arrays
<path>.indptr.i64, .indices.i32, .data.f64 and .film_ids.i32. sp_matmul_topn(A, A.T,
top_n=101, threshold=0, sort=True) gives each film itself plus its top 100, which is the work
filmdex's neighbours_of does with NeighbourQuery::top_k(100) (it never lists a film as its own
neighbour). The rows bench_topk dumped (<path>.rows.bin: film id i32, other id i32,
similarity f64) are then checked against sparse_dot_topn's: same values to 1e-9 position by
position, and the same films except where near-equal values (1e-12) legitimately order
differently at the k-th place.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul_topn


def load(path):
    with open(path + ".json") as f:
        header = json.load(f)
    folder = os.path.dirname(path)

    def array(name, dtype):
        return np.fromfile(os.path.join(folder, header[name]), dtype=dtype)

    indptr = array("indptr", "<i8")
    indices = array("indices", "<i4")
    data = array("data", "<f8")
    film_ids = array("film_ids", "<i4")
    shape = (header["rows"], header["cols"])
    matrix = sp.csr_matrix((data, indices, indptr), shape=shape)
    return matrix, film_ids


def time_topn(matrix, top_n, threads, runs):
    transposed = matrix.T.tocsr()
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = sp_matmul_topn(
            matrix, transposed, top_n=top_n, threshold=0, sort=True, n_threads=threads
        )
        times.append(time.perf_counter() - start)
    return times, result


def filmdex_rows(path):
    """filmdex's top-k rows as {film_id: [(other_id, similarity), ...]}, if dumped."""
    records = np.fromfile(
        path + ".rows.bin", dtype=np.dtype([("film", "<i4"), ("other", "<i4"), ("sim", "<f8")])
    )
    rows = {}
    for film, other, sim in records:
        rows.setdefault(int(film), []).append((int(other), float(sim)))
    return rows


def check(result, film_ids, rows, top_k):
    """Counts the films whose sparse_dot_topn row (less the film itself) differs from
    filmdex's beyond rounding; returns (films checked, films differing)."""
    differing = 0
    for i in range(result.shape[0]):
        start, end = result.indptr[i], result.indptr[i + 1]
        theirs = [
            (int(film_ids[j]), float(v))
            for j, v in zip(result.indices[start:end], result.data[start:end])
            if j != i
        ]
        theirs.sort(key=lambda x: (-x[1], x[0]))
        theirs = theirs[:top_k]
        ours = rows.get(int(film_ids[i]), [])
        if not same_row(ours, theirs):
            differing += 1
    return result.shape[0], differing


def same_row(ours, theirs):
    # sparse_dot_topn keeps top_n including the film itself, so a film that is not its own
    # best match (all-zero vectors) can leave one row short; compare the common length.
    n = min(len(ours), len(theirs))
    if abs(len(ours) - len(theirs)) > 1:
        return False
    if any(abs(ours[i][1] - theirs[i][1]) > 1e-9 for i in range(n)):
        return False
    last = ours[n - 1][1] if n else 0.0
    only_ours = {f for f, _ in ours[:n]} - {f for f, _ in theirs[:n]}
    value = dict(ours)
    return all(abs(value[f] - last) <= 1e-12 for f in only_ours)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="dump prefix given to bench_topk --dump-matrix")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top-n", type=int, default=101)
    parser.add_argument(
        "--skip-check", action="store_true", help="time only; do not compare with filmdex's rows"
    )
    args = parser.parse_args()

    matrix, film_ids = load(args.path)
    print(
        f"matrix: {matrix.shape[0]} films x {matrix.shape[1]} terms, {matrix.nnz} non-zeros;"
        f" OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}",
        file=sys.stderr,
    )
    times, result = time_topn(matrix, args.top_n, args.threads, args.runs)
    median, best = statistics.median(times), min(times)
    print(
        f"sparse_dot_topn top_n={args.top_n} threads={args.threads} runs={args.runs}:"
        f" median_ms={median * 1e3:.1f} min_ms={best * 1e3:.1f} stored={result.nnz}"
    )
    if not args.skip_check and os.path.exists(args.path + ".rows.bin"):
        checked, differing = check(result, film_ids, filmdex_rows(args.path), args.top_n - 1)
        print(f"check against filmdex rows: {checked} films, {differing} differing")


if __name__ == "__main__":
    main()
