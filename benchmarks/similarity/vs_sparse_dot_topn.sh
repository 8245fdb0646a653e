#!/usr/bin/env bash
# filmdex's exact top-100 against sparse_dot_topn on the same TF-IDF matrix, side by side:
#   benchmarks/similarity/vs_sparse_dot_topn.sh [FILMS] [ROUNDS]      (defaults 40000, 5)
# FILMS is a number of synthetic films, or a films TSV (benchmarks/similarity/films_tsv.py
# writes one from the films parquet `filmdex build prep` makes).
# Builds the kernel benchmark (kernel crate only: no DuckDB), dumps the matrix and filmdex's
# rows once, then alternates ROUNDS times: bench_topk (5 runs) and sparse_dot_topn (2 threads,
# top_n 101, 3 runs). Prints each round's medians, then the median of the rounds' medians and
# the ratio: of the top-k alone (sparse_dot_topn is timed given the matrix and its transpose),
# and counting in the kernel's index build (`index_ms`: postings, profiles, partners), which
# filmdex builds from the tf-idf weights before the top-k. This machine is shared and its speed
# drifts within minutes: only figures from the same invocation compare. The first round also
# checks that both give the same rows.
# Needs python3 with venv; installs sparse_dot_topn, scipy and numpy into FILMDEX_SIM_VENV
# (default ~/.cache/filmdex-sim-venv) on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
films="${1:-40000}"
if [ -f "$films" ]; then
  corpus=(--films-tsv "$films")
else
  corpus=(--films "$films")
fi
rounds="${2:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-sim-target}"
venv="${FILMDEX_SIM_VENV:-$HOME/.cache/filmdex-sim-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sparse_dot_topn, scipy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q sparse_dot_topn scipy numpy
fi
(cd crates/filmdex-similarity && cargo build --release -q --example bench_topk)
bench="$CARGO_TARGET_DIR/release/examples/bench_topk"
dump="$(mktemp -d)/films"
trap 'rm -rf "$(dirname "$dump")"' EXIT
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (uncommitted changes)'), $(nproc) cores, $(cut -d' ' -f1-3 /proc/loadavg) load"
"$bench" "${corpus[@]}" --runs 1 --dump-matrix "$dump" 2>/dev/null | grep '^films='
compare="benchmarks/similarity/sparse_dot_topn_compare.py"
"$venv/bin/python" "$compare" "$dump" --runs 1 2>/dev/null | grep '^check'
ours=()
indexes=()
theirs=()
for round in $(seq 1 "$rounds"); do
  report="$("$bench" "${corpus[@]}" --runs 5 2>/dev/null)"
  a="$(sed -n 's/^top_k_ms median=\([0-9.]*\).*/\1/p' <<<"$report")"
  i="$(sed -n 's/^index_ms median=\([0-9.]*\).*/\1/p' <<<"$report")"
  b="$("$venv/bin/python" "$compare" "$dump" --runs 3 --skip-check 2>/dev/null | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')"
  echo "round $round: filmdex ${a} ms (index build ${i} ms), sparse_dot_topn ${b} ms (medians), load $(cut -d' ' -f1 /proc/loadavg)"
  ours+=("$a")
  indexes+=("$i")
  theirs+=("$b")
done
python3 - "${ours[*]}" "${indexes[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
ours, indexes, theirs = ([float(x) for x in arg.split()] for arg in sys.argv[1:4])
a, i, b = statistics.median(ours), statistics.median(indexes), statistics.median(theirs)
print(f"median of medians: filmdex {a:.1f} ms, sparse_dot_topn {b:.1f} ms, ratio {b / a:.1f}x")
print(f"with filmdex's index build ({i:.1f} ms): ratio {b / (a + i):.1f}x")
PY
