#!/usr/bin/env bash
# prep + load on synthetic dumps (default: scale 1.0, about the size of today's IMDb dumps).
#   cargo run --release -- synth --scale 1.0 --out ~/.cache/filmdex-synth-1.0   # once, ~2 min
#   benchmarks/prep_load.sh [DUMPS_DIR]
# The fetch:* tasks (a look at each header; prep checks the whole stream as it reads it) run
# first; then `build load` runs prep, genres, similarity and load under /usr/bin/time for peak
# memory. benchmarks/build_offline.sh times the whole build against another binary.
set -euo pipefail
dumps="${1:-$HOME/.cache/filmdex-synth-1.0}"
bin="${FILMDEX_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}/release/filmdex}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== fetch:* on a local folder (header looks)"
"$bin" --workdir "$work" build --datasets "$dumps" \
  fetch:title.basics fetch:title.principals fetch:name.basics fetch:title.ratings
echo "== prep, genres, similarity, load"
/usr/bin/time -v "$bin" --workdir "$work" build --datasets "$dumps" load 2> >(tee "$work/time.log" >&2)
grep -E "Elapsed|Maximum resident" "$work/time.log"
