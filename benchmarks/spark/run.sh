#!/usr/bin/env bash
# Spark (local[2]) versus the bare kernel on one films table: `filmdex build similarity`, the
# kernel inside the wheel without Spark, and the Spark driver end to end (JVM start to exit),
# ROUNDS times each, interleaved; then checks that Spark's rows equal the CLI's.
#
#   benchmarks/spark/run.sh WORKDIR DUMPS [ROUNDS]
# WORKDIR holds output/films/films.parquet, made by
#   filmdex build prep --datasets DUMPS --offline --workdir WORKDIR
# Needs the venv of scripts/spark_check.sh with the wheel installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(realpath "$1")"; dumps="$(realpath "$2")"; rounds="${3:-3}"
bin="${FILMDEX_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}/release/filmdex}"
venv="${FILMDEX_SPARK_VENV:-$HOME/.cache/filmdex-spark-venv}"
export PATH="$venv/bin:$PATH" PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"
export SPARK_LOCAL_IP=127.0.0.1
films="$work/output/films/films.parquet"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for round in $(seq "$rounds"); do
  echo "== round $round"
  /usr/bin/time -f "cli: wall %e s, peak RSS %M kB" \
    "$bin" --workdir "$work" -q build similarity --force --offline --datasets "$dumps" >/dev/null
  /usr/bin/time -f "kernel_only: wall %e s, peak RSS %M kB" \
    python benchmarks/spark/kernel_only.py "$films" "$out/kernel"
  for blocks in 8 2; do
    echo "spark, $blocks blocks:"
    python benchmarks/spark/measure.py -- spark-submit --master 'local[2]' \
      --conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false \
      python/filmdex_spark/driver.py --films "$films" --out "$out/spark-$blocks" \
      --blocks "$blocks" 2>&1 | grep -E '^(measure|filmdex_spark):'
  done
done
for blocks in 8 2; do
  PYTHONPATH=python python -m filmdex_spark.compare "$work/output/csfilms" "$out/spark-$blocks"
done
