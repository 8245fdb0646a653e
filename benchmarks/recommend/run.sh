#!/usr/bin/env bash
# The recommendation API over loopback: latency of sequential requests and requests per second
# under load, for GET /recommend (10 liked films, a genre and a year filter) and GET
# /film/{id}/similar/0.1 with the same filter.
#
#   benchmarks/recommend/run.sh DB [SECONDS]        (SECONDS of wrk per measurement, default 8)
#
# DB is a filmdex database (`filmdex build` writes WORKDIR/duckdb/films.duckdb). The script
#  1. picks the queries (queries.py, python's duckdb module): 200 lists of 10 liked films,
#     drawn with a fixed seed from the films that have votes; the filter is
#     genres_any=Drama&year_from=1990&limit=10; similar asks for the first film of each list;
#  2. starts `filmdex serve --db DB --no-rate-limit` on 127.0.0.1:$PORT (stopped at exit);
#  3. runs ROUNDS rounds (default 3), each, one after the other:
#     - sequential latency (seq_latency.py: one keep-alive connection, 50 untimed then 600
#       timed requests cycling over the 200 paths) of /healthz (the client's own floor),
#       /recommend and similar;
#     - requests per second (wrk -t2 -c32 -d SECONDS, cycle.lua cycling over the 200 paths)
#       of /healthz (what wrk and the server's HTTP layer reach on this machine: the ceiling),
#       /recommend and similar; wrk's latency percentiles under that load are printed too;
#  4. prints the median over the rounds of each figure, and the server's peak memory.
# wrk shares the 2 cores with the server (so do the other sessions on the machine): the
# requests per second are those of client and server together. Every answer must be 200.
#
# The same queries in process against scipy: vs_scipy.py (the kernel alone, per query, and the
# L2-normalised matrix exported by the example export_taste_matrix); queries.py picks the
# queries for both.
#
# Environment: FILMDEX (default ~/.cache/filmdex-bench/filmdex), PORT (18950), ROUNDS (3),
# CONNECTIONS (32), PYTHON (python3, with duckdb), CURL_TIMEOUT. Needs wrk (Debian: apt-get
# install wrk) and curl. Everything is bounded: the server must be ready within 600 s, each
# wrk run lasts SECONDS, each sequential run 650 requests with a 10 s timeout each.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
db="${1:?usage: run.sh DB [SECONDS]}"
seconds="${2:-8}"
filmdex="${FILMDEX:-$HOME/.cache/filmdex-bench/filmdex}"
port="${PORT:-18950}"
rounds="${ROUNDS:-3}"
connections="${CONNECTIONS:-32}"
python="${PYTHON:-python3}"
base="http://127.0.0.1:$port"
command -v wrk >/dev/null || { echo "run.sh: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
[ -f "$db" ] || { echo "run.sh: no database at $db" >&2; exit 1; }

work="$(mktemp -d)"
server=""
stop() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

echo "date $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary $filmdex ($(stat -c %y "$filmdex" | cut -d. -f1)), database $db"
"$python" "$here/queries.py" "$db" "$work"

started=$(date +%s%N)
"$filmdex" serve --db "$db" --no-rate-limit --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
deadline=$(( $(date +%s) + 600 ))
until curl -fsS -m 2 "$base/readyz" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "run.sh: server not ready in 600 s" >&2; exit 1; }
  sleep 0.05
done
echo "server ready in $(( ($(date +%s%N) - started) / 1000000 )) ms"
# One of each, to check the answers before timing them.
for path in "$(head -1 "$work/recommend.paths")" "$(head -1 "$work/similar.paths")"; do
  total=$(curl -fsS -m 10 -D - -o /dev/null "$base$path" | tr -d '\r' | sed -n 's/^x-total-count: //Ip')
  echo "check $path: 200, x-total-count $total"
done

results="$work/results"
echo /healthz >"$work/healthz.paths"
wrk_run() { # name paths-file
  local out
  out="$(wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$here/cycle.lua" "$base" -- "$2")"
  local rps p50 p99 bad
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  bad=$(sed -n 's/^non_200=//p' <<<"$out")
  echo "  wrk $1: ${rps} req/s, latency under load p50 $p50 p99 $p99, non-200 $bad"
  [ "$bad" = "0" ] || { echo "$out" >&2; echo "run.sh: some answers were not 200" >&2; exit 1; }
  echo "$1 rps $rps" >>"$results"
}
seq_run() { # name paths-file
  local line
  line="$("$python" "$here/seq_latency.py" "$base" "$2" --count 600 --warmup 50 --label "$1")"
  echo "  $line"
  sed -n "s/^\([^:]*\): sequential n=[0-9]* p50=\([0-9.]*\) ms p99=\([0-9.]*\) ms.*/\1 p50 \2\n\1 p99 \3/p" <<<"$line" >>"$results"
}
for round in $(seq 1 "$rounds"); do
  echo "round $round (load average $(cut -d' ' -f1 /proc/loadavg))"
  seq_run healthz /healthz
  seq_run recommend "$work/recommend.paths"
  seq_run similar "$work/similar.paths"
  wrk_run healthz "$work/healthz.paths"
  wrk_run recommend "$work/recommend.paths"
  wrk_run similar "$work/similar.paths"
done
echo "medians over $rounds rounds (load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
"$python" - "$results" "$connections" <<'PY'
import statistics, sys
connections = sys.argv[2]
figures = {}
for line in open(sys.argv[1]):
    name, what, value = line.split()
    figures.setdefault((name, what), []).append(float(value))
for name in ("healthz", "recommend", "similar"):
    p50 = statistics.median(figures[(name, "p50")])
    p99 = statistics.median(figures[(name, "p99")])
    rps = statistics.median(figures[(name, "rps")])
    rps_all = ", ".join(f"{v:.0f}" for v in figures[(name, "rps")])
    print(f"  {name}: sequential p50 {p50:.3f} ms, p99 {p99:.3f} ms; "
          f"{rps:.0f} req/s at -c{connections} (rounds: {rps_all})")
PY
echo "server peak RSS $(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server/status"), now $(awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server/status")"
