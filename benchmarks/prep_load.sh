#!/usr/bin/env bash
# prep + load on synthetic dumps (default: scale 1.0, about the size of today's IMDb dumps).
#   cargo run --release -- synth --scale 1.0 --out ~/.cache/filmdex-synth-1.0   # once, ~2 min
#   benchmarks/prep_load.sh [DUMPS_DIR]
# Verifying the dumps (fetch:* tasks: full gzip decode + header) runs first and is timed apart;
# then `build load` runs prep, genres, similarity and load under /usr/bin/time for peak memory.
set -euo pipefail
dumps="${1:-$HOME/.cache/filmdex-synth-1.0}"
bin="${FILMDEX_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}/release/filmdex}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== verify dumps (fetch:* on a local folder)"
"$bin" --workdir "$work" build --datasets "$dumps" \
  fetch:title.basics fetch:title.principals fetch:name.basics fetch:title.ratings
echo "== prep, genres, similarity, load"
/usr/bin/time -v "$bin" --workdir "$work" build --datasets "$dumps" load 2> >(tee "$work/time.log" >&2)
grep -E "Elapsed|Maximum resident" "$work/time.log"
