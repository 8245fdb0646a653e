#!/usr/bin/env python3
"""The most expensive single requests a client can send, timed one at a time on an idle server:
each candidate RUNS times in turn over one keep-alive connection (loopback), median and max.

    python3 benchmarks/hostile/worst.py http://127.0.0.1:8000 [RUNS]

Start the server with --no-rate-limit (the candidates are sent back to back).
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse

CANDIDATES = [
    "/film/search?title=.&limit=1000",
    "/film/search?person=e&limit=1000",
    "/film/search?person=e&limit=1000&sort=-rating",
    "/film/search?title=%5Cw%7B20%7D&limit=1000",
    "/film/search?title=(a%7Ce%7Ci%7Co%7Cu).*(a%7Ce).*(n%7Cr)&limit=1000",
    "/film/search?person=(a%7Ce).*(i%7Co).*(n%7Cr).*s&limit=1000",
    "/film/search?title=%5Cw%7B30%7D",  # over the size limit: compiled, then refused
    "/recommend?like={liked}&limit=1000",
    "/recommend?like={liked}&person=e&limit=1000",
    "/film/{film}/similar/0?limit=1000&person=e",
]


def main():
    base = urllib.parse.urlparse(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    connection = http.client.HTTPConnection(base.hostname, base.port)

    def get(path):
        started = time.perf_counter()
        connection.request("GET", path)
        answer = connection.getresponse()
        body = answer.read()
        return answer.status, time.perf_counter() - started, body

    _, _, body = get("/film/search?title=a&limit=10")
    films = [film["film_id"] for film in json.loads(body)]
    liked = ",".join(map(str, films))
    rows = []
    for candidate in CANDIDATES:
        path = candidate.replace("{liked}", liked).replace("{film}", str(films[0]))
        statuses, times = set(), []
        for _ in range(runs):
            status, seconds, _ = get(path)
            statuses.add(status)
            times.append(seconds * 1000)
        rows.append((statistics.median(times), max(times), sorted(statuses), candidate))
    rows.sort(reverse=True)
    print(f"{'median ms':>10} {'max ms':>8}  status  request")
    for median, worst, statuses, candidate in rows:
        print(f"{median:10.2f} {worst:8.2f}  {statuses}  {candidate}")


if __name__ == "__main__":
    main()
