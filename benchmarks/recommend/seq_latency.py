"""Latency of sequential requests: one client, one keep-alive connection, one request at a time.

    python benchmarks/recommend/seq_latency.py http://127.0.0.1:PORT FILE.paths [--count 600]
        [--warmup 50] [--label NAME]

Sends the paths of FILE.paths in order, cycling, --warmup requests untimed and then --count
timed ones; each time is from sending the request to having read the whole body
(http.client, time.perf_counter_ns). Every answer must be 200 with a body, or the script stops.
Prints one line: label, count, p50, p99, mean and max in ms. The client's own cost is in every
figure: measure /healthz the same way for the floor (run.sh does).
"""

import argparse
import http.client
import os
import statistics
import sys
import time
from urllib.parse import urlsplit


def percentile(sorted_values, fraction):
    """The nearest-rank percentile: the smallest value with at least `fraction` at or below."""
    rank = max(1, -(-len(sorted_values) * fraction // 1))
    return sorted_values[int(rank) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="http://HOST:PORT")
    parser.add_argument("paths", help="a file of paths, one a line, or else a single path")
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--label", default=None)
    args = parser.parse_args()
    if os.path.isfile(args.paths):
        with open(args.paths, encoding="utf-8") as f:
            paths = [line.strip() for line in f if line.strip()]
    else:
        paths = [args.paths]
    url = urlsplit(args.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    times = []
    for i in range(args.warmup + args.count):
        path = paths[i % len(paths)]
        start = time.perf_counter_ns()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter_ns() - start
        if response.status != 200 or not body:
            sys.exit(f"{path}: status {response.status}, {len(body)} bytes")
        if i >= args.warmup:
            times.append(elapsed / 1e6)
    conn.close()
    times.sort()
    label = args.label or args.paths
    print(f"{label}: sequential n={len(times)} p50={percentile(times, 0.5):.3f} ms "
          f"p99={percentile(times, 0.99):.3f} ms mean={statistics.fmean(times):.3f} ms "
          f"max={times[-1]:.3f} ms")


if __name__ == "__main__":
    main()
