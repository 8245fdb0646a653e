#!/usr/bin/env bash
# One process versus N shards, on this machine.
#   benchmarks/shards.sh [WORKDIR_WITH_FILMS]
# 1. The kernel alone (no I/O), synthetic films: every film's top 100 in one run, then each
#    shard of N alone; the slowest shard bounds an N-machine run, the total is the cost of
#    splitting. 40k films (today's filter) and 330k films (every rated movie).
# 2. The binary: `build similarity` against N shard processes (`--shard I/N`, run one after
#    the other, as N machines would, timed each) and `load --pairs` merging them. Needs a
#    workdir whose films table is built (default: prep of the scale-1.0 synthetic dumps).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}"
cargo build --release -q -p filmdex-similarity --example bench_shards
bench="$CARGO_TARGET_DIR/release/examples/bench_shards"
echo "== kernel: 40k films, 1 process vs 2, 4 and 8 shards (median of 3 runs each)"
for shards in 2 4 8; do /usr/bin/time -f "peak_rss_kb=%M" "$bench" --films 40000 --shards "$shards" --runs 3; done
echo "== kernel: 330k films, 1 process vs 8 shards (1 run each)"
/usr/bin/time -f "peak_rss_kb=%M" "$bench" --films 330000 --shards 8 --runs 1 2>&1

bin="$CARGO_TARGET_DIR/release/filmdex"
work="${1:-}"
if [ -z "$work" ]; then
  work="$(mktemp -d)"
  "$bin" --workdir "$work" -q build --datasets "$HOME/.cache/filmdex-synth-1.0" prep >/dev/null
fi
echo "== binary: build similarity (one process) on $(du -h "$work/output/films/films.parquet" | cut -f1) of films"
/usr/bin/time -f "wall_s=%e peak_rss_kb=%M" "$bin" --workdir "$work" -q build --datasets "$HOME/.cache/filmdex-synth-1.0" similarity --force >/dev/null
for n in 2 8; do
  pairs="$work/pairs-$n"
  rm -rf "$pairs"
  echo "== binary: $n shard processes, one after the other"
  for i in $(seq 0 $((n - 1))); do
    /usr/bin/time -f "shard $i/$n wall_s=%e peak_rss_kb=%M" "$bin" --workdir "$work" -q build --datasets "$HOME/.cache/filmdex-synth-1.0" similarity --shard "$i/$n" --pairs "$pairs" >/dev/null
  done
  echo "== binary: load --pairs merging $n shards"
  /usr/bin/time -f "wall_s=%e peak_rss_kb=%M" "$bin" --workdir "$work" -q build --datasets "$HOME/.cache/filmdex-synth-1.0" load --pairs "$pairs" >/dev/null
done
