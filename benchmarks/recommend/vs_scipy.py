"""filmdex's recommendation query against the same query in scipy, per query, side by side.

    python benchmarks/recommend/vs_scipy.py DB [--rounds 3] [--work DIR] [--server URL]

DB is a filmdex database (WORKDIR/duckdb/films.duckdb). The script:

1. writes its films as a films TSV (the format of benchmarks/similarity/films_tsv.py) and picks
   the queries as run.sh does (queries.py: 200 lists of 10 liked films, fixed seed; the filter
   genres_any=Drama&year_from=1990, as the ids of the films passing it);
2. builds the example export_taste_matrix (crate filmdex-similarity, kernel only, in
   CARGO_TARGET_DIR, default ~/.cache/filmdex-sim-target) unless --example names a binary;
3. runs ROUNDS rounds, alternating: the example (it builds the TF-IDF matrix, runs one untimed
   pass, then times each query on 1 thread, then on 2 threads two queries at once; the first
   round also exports the L2-normalised matrix as CSR arrays), then scipy on the same queries;
4. prints the medians and p99 (nearest rank) of the per-query times pooled over the rounds,
   the ratios scipy / filmdex, and how many of the 200 top-10 lists agree.

filmdex's time per query: taste (the liked rows' normalised sum), then `rank_taste` (the
allowed films scored in one pass, the best 10 kept and sorted): what the server does per
request once the filter's rows are known. scipy's, written as a data scientist would (`recommend` below):
the liked rows summed (rows are normalised) and normalised, `M @ q`, the filter mask (a
precomputed boolean array) and the liked films set to -inf, `np.argpartition` for the top 10,
then those sorted. Loading, building and exporting are never timed. filmdex answers a query
on one thread; so do scipy's sparse product and numpy's indexing, but `np.linalg.norm` calls
OpenBLAS, which by default starts a thread per core and lets it spin after each call: on this
2-core machine that takes the second core and slows every query several times over. So scipy
is timed twice per round: as installed ("scipy, BLAS default") and with OpenBLAS held to one
thread (threadpoolctl, "scipy, BLAS 1 thread"), the fair one to compare with filmdex on 1
thread.

With --server URL (a `filmdex serve` of the same DB), also checks that GET /recommend gives the
example's top 10 for every query.

Needs numpy, scipy, duckdb, pyarrow and threadpoolctl (pip install numpy scipy duckdb pyarrow
threadpoolctl), and cargo unless --example is given.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.request

import duckdb
import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import queries as picker  # noqa: E402  (benchmarks/recommend/queries.py)

LIMIT = 10


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_inputs(db, work):
    """The films TSV, lists.txt and allowed.txt in `work`; returns the lists."""
    films_tsv = load_module("films_tsv", os.path.join(ROOT, "benchmarks/similarity/films_tsv.py"))
    con = duckdb.connect(db, read_only=True)
    columns = ", ".join(films_tsv.COLUMNS)
    cursor = con.execute(f"SELECT {columns} FROM films ORDER BY film_id")
    with open(os.path.join(work, "films.tsv"), "w", encoding="utf-8") as out:
        while rows := cursor.fetchmany(10_000):
            for row in rows:
                fields = films_tsv.fields_of(dict(zip(films_tsv.COLUMNS, row)))
                if any("\t" in f or "\n" in f or "\r" in f for f in fields):
                    sys.exit(f"film {row[0]}: a field holds a tab or a line break")
                out.write("\t".join(fields) + "\n")
    con.close()
    lists, allowed = picker.pick(db, 200, 10, 42)
    with open(os.path.join(work, "lists.txt"), "w") as out:
        out.writelines(",".join(map(str, q)) + "\n" for q in lists)
    with open(os.path.join(work, "allowed.txt"), "w") as out:
        out.writelines(f"{film_id}\n" for film_id in allowed)
    return lists, allowed


def build_example():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/filmdex-sim-target"))
    subprocess.run(
        ["cargo", "build", "--release", "-q", "--example", "export_taste_matrix"],
        cwd=os.path.join(ROOT, "crates/filmdex-similarity"),
        env={**os.environ, "CARGO_TARGET_DIR": target},
        check=True,
    )
    return os.path.join(target, "release/examples/export_taste_matrix")


def run_example(example, work, export):
    prefix = os.path.join(work, "m")
    command = [example, "--films-tsv", os.path.join(work, "films.tsv"),
               "--queries", os.path.join(work, "lists.txt"),
               "--allowed", os.path.join(work, "allowed.txt"), "--out", prefix]
    if export:
        command += ["--export-matrix", "true"]
    report = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    read = lambda name: np.loadtxt(f"{prefix}.{name}", dtype=np.int64, ndmin=1) / 1e6
    return report, read("times1.txt"), read("times2.txt")


def load_csr(prefix):
    indptr = np.fromfile(f"{prefix}.indptr.i64", dtype="<i8")
    indices = np.fromfile(f"{prefix}.indices.i32", dtype="<i4")
    data = np.fromfile(f"{prefix}.data.f64", dtype="<f8")
    film_ids = np.fromfile(f"{prefix}.film_ids.i32", dtype="<i4")
    n_terms = int(indices.max()) + 1
    return sp.csr_matrix((data, indices, indptr), shape=(len(film_ids), n_terms)), film_ids


def recommend(M, film_ids, row_of, excluded, liked, k=LIMIT):
    """The data scientist's version: top k film ids and scores for a list of liked films."""
    rows = [row_of[f] for f in liked]
    q = np.asarray(M[rows].sum(axis=0)).ravel()
    q /= np.linalg.norm(q)
    scores = M @ q
    scores[excluded] = -np.inf
    scores[rows] = -np.inf
    top = np.argpartition(-scores, k)[:k]
    top = top[np.argsort(-scores[top])]
    return film_ids[top], scores[top]


def time_scipy(M, film_ids, row_of, excluded, lists):
    times = []
    for liked in lists:
        start = time.perf_counter_ns()
        recommend(M, film_ids, row_of, excluded, liked)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return np.array(times)


def read_tops(path):
    tops = []
    for line in open(path):
        pairs = [p.split(":") for p in line.strip().split(",") if p]
        tops.append([(int(f), float(s)) for f, s in pairs])
    return tops


def agreement(M, film_ids, row_of, excluded, lists, tops):
    same_order = same_set = 0
    worst = 0.0
    for liked, ours in zip(lists, tops):
        ids, scores = recommend(M, film_ids, row_of, excluded, liked)
        theirs = list(zip(ids.tolist(), scores.tolist()))
        same_order += [f for f, _ in ours] == [f for f, _ in theirs]
        same_set += {f for f, _ in ours} == {f for f, _ in theirs}
        by_id = dict(theirs)
        worst = max([worst] + [abs(s - by_id[f]) for f, s in ours if f in by_id])
    return same_order, same_set, worst


def check_server(base, lists, tops):
    agree = 0
    for liked, ours in zip(lists, tops):
        url = (f"{base}/recommend?like={','.join(map(str, liked))}"
               f"&{picker.FILTER}")
        with urllib.request.urlopen(url, timeout=10) as response:
            answer = json.load(response)
        agree += [f["film_id"] for f in answer] == [f for f, _ in ours]
    return agree


def nearest_rank(values, fraction):
    values = np.sort(values)
    return values[max(1, int(np.ceil(len(values) * fraction))) - 1]


def describe(times):
    return f"p50 {np.median(times):.3f} ms, p99 {nearest_rank(times, 0.99):.3f} ms (n={len(times)})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="a filmdex database")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", help="folder for the TSV, lists and matrix "
                        "(default ~/.cache/filmdex-bench/vs-scipy-<films>)")
    parser.add_argument("--example", help="the export_taste_matrix binary (default: build it)")
    parser.add_argument("--server", help="http://HOST:PORT of `filmdex serve --db DB`: check its answers")
    args = parser.parse_args()
    con = duckdb.connect(args.db, read_only=True)
    films = con.execute("SELECT count(*) FROM films").fetchone()[0]
    con.close()
    work = args.work or os.path.expanduser(f"~/.cache/filmdex-bench/vs-scipy-{films}")
    os.makedirs(work, exist_ok=True)
    print(f"{films} films in {args.db}; {os.cpu_count()} cores, load average "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}; numpy {np.__version__}, "
          f"scipy {__import__('scipy').__version__}")
    started = time.time()
    lists, allowed = write_inputs(args.db, work)
    print(f"films TSV and {len(lists)} lists written in {time.time() - started:.1f} s; "
          f"{len(allowed)} films pass the filter ({picker.FILTER})")
    example = args.example or build_example()

    ours1, ours2, theirs, theirs1 = [], [], [], []
    M = None
    for round_ in range(1, args.rounds + 1):
        report, one, two = run_example(example, work, export=M is None)
        if M is None:
            print(report.strip())
            M, film_ids = load_csr(os.path.join(work, "m"))
            row_of = {int(f): i for i, f in enumerate(film_ids)}
            excluded = ~np.isin(film_ids, np.array(allowed, dtype=np.int32))
            print(f"scipy: CSR {M.shape[0]} x {M.shape[1]}, nnz {M.nnz}")
            tops = read_tops(os.path.join(work, "m.top.txt"))
            same_order, same_set, worst = agreement(M, film_ids, row_of, excluded, lists, tops)
            print(f"top-10 agreement: {same_order}/{len(lists)} same films in the same order, "
                  f"{same_set}/{len(lists)} same films; largest score difference {worst:.2e}")
            if args.server:
                agree = check_server(args.server, lists, tops)
                print(f"server: {agree}/{len(lists)} GET /recommend answers list the example's top 10")
        scipy_times = time_scipy(M, film_ids, row_of, excluded, lists)
        with threadpool_limits(limits=1, user_api="blas"):
            scipy1_times = time_scipy(M, film_ids, row_of, excluded, lists)
        rate = [line for line in report.splitlines() if "threads=2" in line]
        print(f"round {round_} (load {open('/proc/loadavg').read().split()[0]}): "
              f"filmdex 1 thread {describe(one)}; filmdex 2 threads {describe(two)}, "
              f"{rate[0].split()[-1] if rate else ''}; scipy BLAS default {describe(scipy_times)}; "
              f"scipy BLAS 1 thread {describe(scipy1_times)}")
        ours1.append(one)
        ours2.append(two)
        theirs.append(scipy_times)
        theirs1.append(scipy1_times)
    one, two, scipy_times, scipy1_times = (
        np.concatenate(x) for x in (ours1, ours2, theirs, theirs1))
    print(f"pooled over {args.rounds} rounds:")
    print(f"  filmdex, 1 thread:              {describe(one)}")
    print(f"  filmdex, 2 threads (2 at once): {describe(two)}")
    print(f"  scipy, BLAS default:            {describe(scipy_times)}")
    print(f"  scipy, BLAS 1 thread:           {describe(scipy1_times)}")
    for label, times in (("BLAS 1 thread", scipy1_times), ("BLAS default", scipy_times)):
        print(f"  ratio scipy ({label}) / filmdex (1 thread): "
              f"median {np.median(times) / np.median(one):.1f}x, "
              f"p99 {nearest_rank(times, 0.99) / nearest_rank(one, 0.99):.1f}x")


if __name__ == "__main__":
    main()
