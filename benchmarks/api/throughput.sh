#!/usr/bin/env bash
# Requests per second of one GET path, several binaries alternating run by run (so a noisy
# machine affects them alike), each server on its own port with rate limiting off. Extra wrk
# arguments (a header such as "If-None-Match: ...") go after --.
#
#   benchmarks/api/throughput.sh DB PATH RUNS BINARY... [-- WRK_ARGS...]
#
# Prints req/s and the server's CPU time per request (user + system, from /proc: less sensitive
# than req/s to other work on a shared machine) per run, then medians and ranges per binary.
# wrk -t2 -c32 -d8s, as in the journal's earlier API figures.
set -euo pipefail
db=$1 path=$2 runs=$3
shift 3
binaries=() wrk_args=()
while (($#)); do
    if [[ $1 == -- ]]; then shift; wrk_args=("$@"); break; fi
    binaries+=("$1"); shift
done
port=18940
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for i in "${!binaries[@]}"; do
    "${binaries[$i]}" serve --db "$db" --port $((port + i)) --no-rate-limit 2>/dev/null &
    pids+=($!)
    until curl -fsS "http://127.0.0.1:$((port + i))/readyz" >/dev/null 2>&1; do sleep 0.05; done
done
results=$(mktemp)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for run in $(seq "$runs"); do
    for i in "${!binaries[@]}"; do
        before=$(cpu_ticks "${pids[$i]}")
        report=$(wrk -t2 -c32 -d8s "${wrk_args[@]}" "http://127.0.0.1:$((port + i))$path")
        ticks=$(( $(cpu_ticks "${pids[$i]}") - before ))
        rate=$(awk '/Requests\/sec/ { print int($2) }' <<<"$report")
        requests=$(awk '/requests in/ { print $1 }' <<<"$report")
        cpu_us=$(awk -v t="$ticks" -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
        echo "${binaries[$i]} $rate $cpu_us" | tee -a "$results"
    done
done
summary() { # column, unit
    for binary in "${binaries[@]}"; do
        awk -v b="$binary" -v c="$1" '$1 == b { print $c }' "$results" | sort -n |
            awk -v b="$binary" -v u="$2" '{ v[NR] = $1 } END { printf "%s: median %s %s [%s-%s]\n", b, v[int((NR + 1) / 2)], u, v[1], v[NR] }'
    done
}
summary 2 req/s
summary 3 "µs CPU/request"
rm -f "$results"
