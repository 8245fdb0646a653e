#!/usr/bin/env bash
# The similarity step on Spark equals `filmdex build similarity`, exactly.
#
# Builds the `filmdex` wheel (crates/filmdex-py, abi3, manylinux2014), tests it with pytest,
# builds the bundled sample with the CLI, runs the Spark driver (python/filmdex_spark) on
# local[2] with spark-submit, through Spark Connect, and on Sail (a Spark Connect server in
# Rust, from the registry's `pysail`), and checks that each output holds
# the same (film_id, other_id) rows as output/csfilms with bit-identical similarities. Then
# loads the Spark output with `filmdex build load --pairs` and checks the database's row count. Last, Sail against the CLI with the seed features and with
# --all-pairs. Needs Java 17 on PATH.
#
#   scripts/spark_check.sh [path/to/filmdex]
#
# FILMDEX_SPARK_DRIVER_ARGS adds driver options, to see the check fail: `--top-k 99` must.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

bin="$(realpath "${1:-${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}/release/filmdex}")"
venv="${FILMDEX_SPARK_VENV:-$HOME/.cache/filmdex-spark-venv}"
# The wheel's own cargo target dir: it is not a workspace member and never shares the CLI's.
py_target="${FILMDEX_PY_TARGET:-$HOME/.cache/filmdex-py-target}"

read -r -a driver_args <<<"${FILMDEX_SPARK_DRIVER_ARGS:-}"
sail_venv="${FILMDEX_SAIL_VENV:-$HOME/.cache/filmdex-sail-venv}"
tmp="$(mktemp -d)"
sail_pid=""
cleanup() {
  if [ -n "$sail_pid" ]; then kill "$sail_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check \
  "pyspark[connect]>=4,<5" "pandas<3" pyarrow numpy pytest duckdb "maturin>=1.5,<2" ziglang
export PATH="$venv/bin:$PATH"

echo "-- rustfmt and clippy of crates/filmdex-py (not in the workspace, so not in cargo's checks)"
(cd crates/filmdex-py && cargo fmt -- --check &&
  CARGO_TARGET_DIR="$py_target" cargo clippy --release --quiet -- -D warnings)

echo "-- building the wheel (abi3, manylinux2014)"
# --zig links against an old glibc, so the wheel installs on common cluster images; maturin
# refuses to tag it manylinux2014 if any symbol is too new.
(cd crates/filmdex-py && CARGO_TARGET_DIR="$py_target" maturin build --release --quiet \
  --compatibility manylinux2014 --zig --out "$tmp/wheels")
wheel="$(ls "$tmp"/wheels/filmdex-*.whl)"
case "$(basename "$wheel")" in
  *-cp39-abi3-manylinux2014_*) echo "wheel: $(basename "$wheel")" ;;
  *) echo "FAIL: wheel $(basename "$wheel") is not abi3 + manylinux2014" >&2; exit 1 ;;
esac
pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"

echo "-- pytest python/tests"
(cd "$tmp" && python -m pytest -q -p no:cacheprovider "$root/python/tests")

echo "-- filmdex build --sample"
work="$tmp/work"
"$bin" --workdir "$work" -q build --sample
expected="$work/output/csfilms"

# Spark's workers use this venv's Python; Spark binds to loopback only.
export PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"
export SPARK_LOCAL_IP=127.0.0.1 PYTHONPATH="$root/python"

# Runs the driver with the given launcher; prints the end of Spark's log if it fails.
run_driver() {
  local name="$1"; shift
  if ! "$@" >"$tmp/$name.log" 2>&1; then
    tail -n 60 "$tmp/$name.log" >&2
    echo "FAIL: the Spark driver failed ($name)" >&2
    exit 1
  fi
  grep -o 'filmdex_spark: .*' "$tmp/$name.log" || true
}

echo "-- spark-submit --master local[2]"
run_driver submit spark-submit --master 'local[2]' --conf spark.ui.enabled=false \
  python/filmdex_spark/driver.py --films "$work/output/films/films.parquet" \
  --out "$tmp/spark-submit" --blocks 4 "${driver_args[@]}"
python -m filmdex_spark.compare "$expected" "$tmp/spark-submit"
test -f "$tmp/spark-submit/_SUCCESS" || { echo "FAIL: no _SUCCESS in the output" >&2; exit 1; }

echo "-- Spark Connect (a local server, --remote local[2])"
run_driver connect python -m filmdex_spark --remote 'local[2]' \
  --films "$work/output/films" --out "$tmp/spark-connect" --blocks 3 "${driver_args[@]}"
python -m filmdex_spark.compare "$expected" "$tmp/spark-connect"

echo "-- Sail (Spark Connect server), the same driver"
# Sail 0.7 speaks to PySpark 4.0 clients only, hence a venv of its own; it runs the Python
# UDFs in its own process, so the wheel goes there too.
if [ ! -x "$sail_venv/bin/python" ]; then
  python3 -m venv "$sail_venv"
fi
"$sail_venv/bin/pip" install -q --disable-pip-version-check \
  "pysail>=0.7,<0.8" "pyspark-client>=4.0,<4.1" pyarrow numpy "pandas<3"
"$sail_venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
port="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$tmp" && exec "$sail_venv/bin/sail" spark server --ip 127.0.0.1 --port "$port") \
  >"$tmp/sail-server.log" 2>&1 &
sail_pid=$!
python - "$port" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + 60
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("FAIL: the Sail server did not listen within 60 s")
        time.sleep(0.2)
EOF
run_driver sail "$sail_venv/bin/python" -m filmdex_spark --remote "sc://127.0.0.1:$port" \
  --films "$work/output/films" --out "$tmp/sail" --blocks 3 "${driver_args[@]}"
python -m filmdex_spark.compare "$expected" "$tmp/sail"

echo "-- filmdex build load --pairs <the Spark output>"
"$bin" --workdir "$work" -q build load --sample --pairs "$tmp/spark-submit"
python - "$work/duckdb/films.duckdb" "$tmp/spark-submit" <<'EOF'
import sys, duckdb, pyarrow.dataset as ds
database, pairs = sys.argv[1:]
want = ds.dataset(pairs, format="parquet").count_rows()
got = duckdb.connect(database, read_only=True).execute("SELECT count(*) FROM films_cos_sim").fetchall()[0][0]
print(f"films_cos_sim: {got} rows, the Spark output: {want}")
sys.exit(0 if got == want else f"FAIL: films_cos_sim has {got} rows, the Spark output {want}")
EOF

# Other parameters, on Sail (seconds, not a minute): the CLI remakes output/csfilms with them.
for options in "--features seed --top-k 20" "--all-pairs --min-similarity 0.1"; do
  echo "-- $options: Sail against filmdex build similarity"
  read -r -a option_args <<<"$options"
  "$bin" --workdir "$work" -q build similarity --sample "${option_args[@]}" >/dev/null
  run_driver "sail-${option_args[0]#--}" "$sail_venv/bin/python" -m filmdex_spark \
    --remote "sc://127.0.0.1:$port" --films "$work/output/films" \
    --out "$tmp/sail-${option_args[0]#--}" --blocks 3 "${option_args[@]}" "${driver_args[@]}"
  python -m filmdex_spark.compare "$expected" "$tmp/sail-${option_args[0]#--}"
done
kill "$sail_pid"
wait "$sail_pid" 2>/dev/null || true
sail_pid=""
echo "spark check: passed"
