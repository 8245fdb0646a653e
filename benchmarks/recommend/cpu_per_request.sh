#!/usr/bin/env bash
# CPU time per request of the recommendation API, server and client, for binaries side by side:
# a figure that holds on a shared machine, where requests per second depend on what else runs.
#
#   benchmarks/recommend/cpu_per_request.sh DB BINARY... [-- SECONDS]
#
# For each round (ROUNDS, default 3), each BINARY in turn and each route: start `BINARY serve
# --db DB --no-rate-limit` on 127.0.0.1:$PORT, send 200 untimed requests, then for the route
# (/healthz, GET /recommend with 10 liked films and genres_any=Drama&year_from=1990&limit=10,
# and similar/0.1 with the same filter: the paths of queries.py, as run.sh) run
# `wrk -t2 -c32 -d SECONDS` (cycle.lua) and read the CPU time the server (utime + stime of
# /proc/PID/stat) and wrk (its rusage) spent during it. Prints per binary and route the
# medians over the rounds of: server CPU per request, wrk CPU per request, and
# `2 cores / (server + wrk CPU per request)`: the requests per second both would reach on 2
# otherwise idle cores, as run.sh measures them when the machine is quiet. Every answer must
# be 200 (cycle.lua counts the others).
#
# Environment: PORT (18990), ROUNDS (3), PYTHON (python3, with duckdb for queries.py). Needs
# wrk and curl. Bounded: each server must be ready within 600 s; each wrk run lasts SECONDS
# (default 5).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
db="${1:?usage: cpu_per_request.sh DB BINARY... [-- SECONDS]}"
shift
binaries=()
seconds=5
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then seconds="${2:?SECONDS after --}"; break; fi
  binaries+=("$1"); shift
done
[ "${#binaries[@]}" -gt 0 ] || { echo "cpu_per_request.sh: name at least one binary" >&2; exit 2; }
port="${PORT:-18990}"
rounds="${ROUNDS:-3}"
python="${PYTHON:-python3}"
base="http://127.0.0.1:$port"
ticks=$(getconf CLK_TCK)

work="$(mktemp -d)"
server=""
stop() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=""
}
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

echo "date $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), database $db"
"$python" "$here/queries.py" "$db" "$work" >/dev/null
echo /healthz >"$work/healthz.paths"

server_cpu() { awk -v t="$ticks" '{ printf "%.6f", ($14 + $15) / t }' "/proc/$server/stat"; }

for round in $(seq 1 "$rounds"); do
  for binary in "${binaries[@]}"; do
    # A fresh server per route: a request given up while it waits for a turn of blocking work
    # can lose that turn (serve/turns.rs, seen when wrk closes its connections at the end of a
    # run), and a server left with no turns answers every later route 503 after 1 s.
    for route in healthz recommend similar; do
      "$binary" serve --db "$db" --no-rate-limit --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
      server=$!
      deadline=$(( $(date +%s) + 600 ))
      until curl -fsS -m 2 "$base/readyz" >/dev/null 2>&1; do
        kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "server not ready in 600 s" >&2; exit 1; }
        sleep 0.05
      done
      head -200 "$work/recommend.paths" | sed "s|^|$base|" | xargs -n1 curl -fsS -o /dev/null
      before=$(server_cpu)
      out="$( { /usr/bin/time -f "wrk_cpu %U %S" wrk -t2 -c32 -d"${seconds}s" --timeout 10s \
        -s "$here/cycle.lua" "$base" -- "$work/$route.paths"; } 2>&1 )"
      after=$(server_cpu)
      requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
      bad=$(sed -n 's/^non_200=//p' <<<"$out")
      [ "$bad" = "0" ] || { echo "$out" >&2; echo "some answers were not 200" >&2; exit 1; }
      wrk_cpu=$(awk '/^wrk_cpu/ { print $2 + $3 }' <<<"$out")
      echo "$(basename "$binary") $route $requests $before $after $wrk_cpu" >>"$work/results"
      stop
    done
  done
  echo "round $round done (load average $(cut -d' ' -f1 /proc/loadavg))"
done
"$python" - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    binary, route, requests, before, after, wrk_cpu = line.split()
    requests = int(requests)
    server_us = (float(after) - float(before)) / requests * 1e6
    wrk_us = float(wrk_cpu) / requests * 1e6
    rows.setdefault((binary, route), []).append((server_us, wrk_us))
print("binary route: server CPU per request, wrk CPU per request, 2 cores / both (medians over rounds)")
for (binary, route), runs in rows.items():
    server = statistics.median(s for s, _ in runs)
    client = statistics.median(w for _, w in runs)
    rates = ", ".join(f"{2e6 / (s + w):.0f}" for s, w in runs)
    print(f"  {binary} {route}: server {server:.0f} us, wrk {client:.0f} us, "
          f"{2e6 / (server + client):.0f} req/s on 2 idle cores (rounds: {rates})")
PY
