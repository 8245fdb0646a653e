#!/usr/bin/env bash
# Server start-up: wall time from launching `filmdex serve` to /readyz answering 200, and the
# load time the server logs ("database loaded"). Several binaries alternate run by run, so a
# noisy machine affects them alike.
#
#   benchmarks/api/startup.sh DB RUNS BINARY...
#
# Prints one line per run: binary, readyz_ms, loaded_ms; then the median of each per binary.
set -euo pipefail
db=$1 runs=$2
shift 2
port=18931
results=$(mktemp)
for run in $(seq "$runs"); do
    for binary in "$@"; do
        log=$(mktemp)
        start=$(date +%s%N)
        "$binary" serve --db "$db" --port "$port" --no-rate-limit >"$log" 2>&1 &
        pid=$!
        until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
            kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
            sleep 0.005
        done
        ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
        kill "$pid"; wait "$pid" 2>/dev/null || true
        loaded_ms=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o 'database loaded.*elapsed_ms=[0-9]*' | grep -o '[0-9]*$')
        echo "$binary $ready_ms $loaded_ms" | tee -a "$results"
        rm -f "$log"
    done
done
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%d (min %d, max %d)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
for binary in "$@"; do
    echo "$binary: to /readyz $(awk -v b="$binary" '$1 == b { print $2 }' "$results" | median) ms," \
        "loaded $(awk -v b="$binary" '$1 == b { print $3 }' "$results" | median) ms"
done
rm -f "$results"
