#!/usr/bin/env bash
# The whole offline build of downloaded dumps, two binaries side by side, then the decode floor.
#   filmdex synth --scale 1.0 --out ~/.cache/filmdex-synth-1.0        # once
#   cargo build --release -p filmdex --example decode_floor
#   benchmarks/build_offline.sh OLD_BINARY NEW_BINARY [ROUNDS] [DUMPS_DIR]
# Each round runs `build --offline --force` (every task) with NEW then OLD in a workdir whose
# datasets/ links to DUMPS_DIR, under /usr/bin/time -v (wall, peak RSS), logging each step (-v).
# Then, per dump, the floor: `zcat > /dev/null`, and flate2 (zlib-rs) alone and filmdex's
# decoding thread (examples/decode_floor.rs). Then NEW once more with --memory-limit 512MB.
set -euo pipefail
old="$1"; new="$2"; rounds="${3:-2}"; dumps="${4:-$HOME/.cache/filmdex-synth-1.0}"
floor="${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}/release/examples/decode_floor"
out="$(mktemp -d)"
echo "logs in $out"
run() { # LABEL BINARY [build flags]
  local label="$1" bin="$2"; shift 2
  mkdir -p "$out/$label/datasets"
  ln -sf "$dumps"/*.tsv.gz "$out/$label/datasets/"
  echo "== $label $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -v "$bin" -v --workdir "$out/$label" build --offline --force "$@" \
    > "$out/$label.out" 2> "$out/$label.err"
  grep -E "Elapsed|Maximum resident" "$out/$label.err"
  grep -E "finished task|decoded and filtered|parsed|INFO read" "$out/$label.err" \
    | sed -E 's/^[0-9T:.-]+Z +INFO //'
  rm -rf "$out/$label"
}
for round in $(seq "$rounds"); do
  run "new$round" "$new"
  run "old$round" "$old"
done
for round in $(seq "$rounds"); do
  for dump in title.ratings title.basics title.principals name.basics; do
    /usr/bin/time -f "zcat $dump %e s" zcat "$dumps/$dump.tsv.gz" > /dev/null
  done
  "$floor" "$dumps"/{title.ratings,title.basics,title.principals,name.basics}.tsv.gz
done
run "new-512MB" "$new" --memory-limit 512MB
