#!/usr/bin/env python3
"""The hostile-load benchmark: a well-behaved client's latency and errors while the server is
attacked, on loopback addresses only, bounded in time and connection count, stopping by itself.

For DURATION seconds, at once:
- slow connections (--slow, default 5,000, from 127.0.1.1..127.0.1.50) each send a request
  line, then one header line every 2 s, never the blank line that ends the headers; a closed
  one is opened again, as an attacker would;
- 20 flooders, one per loopback address 127.0.0.2..127.0.0.21, send expensive searches as fast
  as answers come (4 connections each);
- one IPv6 client on [::1], a trusted proxy, names a new /64 of one /48 in X-Forwarded-For for
  every request (4 connections);
- the well-behaved client on 127.0.0.1 sends GET film, similar and search in turn at RATE
  requests/s, open loop (a request's latency counts from when it was due, so a stalled server
  cannot hide its backlog).
Then the attack stops (no more header lines, no reconnects) and the benchmark waits up to
--close-wait seconds for the server to close every slow connection that is still open.

Reported: the well-behaved client's errors and p50/p99/max, the server's peak resident memory,
how the attackers' requests were answered, and how many slow connections were closed after the
attack ends, how fast. The attackers and the well-behaved client run in separate processes so
that 5,000 sockets in one event loop do not delay the measured client.

    python3 benchmarks/hostile/run.py --binary target/release/filmdex --db films.duckdb \
        [--duration 60] [--slow 5000] [--rate 200] [--label name] [-- extra serve flags]
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import time

SLOW_SOURCES = [f"127.0.1.{n}" for n in range(1, 51)]
FLOOD_SOURCES = [f"127.0.0.{n}" for n in range(2, 22)]
FLOOD_CONNECTIONS = 4
DRIBBLE_EVERY = 2.0
# Searches that cost the most at 40k films: regexes that match nearly everywhere, a pattern
# too big for the regex cache, a sort over every match.
EXPENSIVE = [
    "/film/search?title=.&limit=100",
    "/film/search?person=e&limit=100&sort=-rating",
    "/film/search?title=%5Cw%7B20%7D&limit=100",
    "/film/search?title=(a%7Ce%7Ci%7Co%7Cu).*(a%7Ce).*(n%7Cr)&limit=100",
    "/recommend?like={liked}&limit=100",
]


def raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def read_response(reader):
    """Status of one HTTP/1.1 answer, its body read whole (Content-Length or chunked)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


class Client:
    """One keep-alive connection, opened again when the server closes it."""

    def __init__(self, host, port, source=None):
        self.host, self.port, self.source = host, port, source
        self.reader = self.writer = None

    async def get(self, path, headers=""):
        for attempt in (1, 2):
            if self.writer is None:
                local = (self.source, 0) if self.source else None
                self.reader, self.writer = await asyncio.open_connection(
                    self.host, self.port, local_addr=local
                )
            try:
                self.writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{headers}\r\n".encode())
                await self.writer.drain()
                return await read_response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# --- the attackers' process -----------------------------------------------------------------


async def slow_connection(port, source, attack_over, closed_after):
    """Keeps one slow request open until the attack ends, then times how long the server takes
    to close it (None when it is not closed within the wait)."""
    opened = 0
    while not attack_over.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        except OSError:
            await asyncio.sleep(0.5)
            continue
        opened += 1
        writer.write(b"GET /film/search?title=star HTTP/1.1\r\nHost: bench\r\n")
        closed = asyncio.ensure_future(reader.read(1))
        while not attack_over.is_set() and not closed.done():
            await asyncio.wait([closed], timeout=DRIBBLE_EVERY)
            if not closed.done():
                try:
                    writer.write(b"X-Slow: a\r\n")
                except OSError:
                    break
        if attack_over.is_set() and not closed.done():
            ended = time.monotonic()
            try:
                await asyncio.wait_for(closed, timeout=closed_after["wait"])
                closed_after["seconds"].append(time.monotonic() - ended)
            except ConnectionError:
                # Closed with a reset (the server dropped it with bytes unread): closed too.
                closed_after["seconds"].append(time.monotonic() - ended)
            except asyncio.TimeoutError:
                closed_after["still_open"] += 1
            writer.close()
            break
        writer.close()
    closed_after["opened"] += opened


async def flooder(host, port, source, stop_at, statuses, liked, proxy_header=None):
    client = Client(host, port, source)
    n = 0
    while time.monotonic() < stop_at:
        path = random.choice(EXPENSIVE).replace("{liked}", liked)
        headers = ""
        if proxy_header:
            n += 1
            headers = f"X-Forwarded-For: 2001:db8:1:{n % 65536:x}::1\r\n"
        try:
            status = await client.get(path, headers)
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            status = "closed"
            await asyncio.sleep(0.05)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 429:
            await asyncio.sleep(0.01)  # keep the flood up without spinning on refusals
    client.close()


async def attack(port, duration, slow, close_wait, liked, queue):
    raise_open_files()
    stop_at = time.monotonic() + duration
    attack_over = asyncio.Event()
    closed_after = {"seconds": [], "still_open": 0, "opened": 0, "wait": close_wait}
    flood_statuses, ipv6_statuses = {}, {}
    tasks = [
        asyncio.ensure_future(slow_connection(port, SLOW_SOURCES[i % len(SLOW_SOURCES)], attack_over, closed_after))
        for i in range(slow)
    ]
    floods = [
        asyncio.ensure_future(flooder("127.0.0.1", port, source, stop_at, flood_statuses, liked))
        for source in FLOOD_SOURCES
        for _ in range(FLOOD_CONNECTIONS)
    ] + [
        asyncio.ensure_future(flooder("::1", port, None, stop_at, ipv6_statuses, liked, proxy_header=True))
        for _ in range(FLOOD_CONNECTIONS)
    ]
    await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
    attack_over.set()
    await asyncio.gather(*floods)
    await asyncio.gather(*tasks)
    seconds = sorted(closed_after["seconds"])
    queue.put(
        {
            "flood_statuses": flood_statuses,
            "ipv6_statuses": ipv6_statuses,
            "slow_opened": closed_after["opened"],
            "slow_open_at_end": len(seconds) + closed_after["still_open"],
            "slow_closed_after_end": len(seconds),
            "slow_still_open_after_wait": closed_after["still_open"],
            "slow_close_max_s": round(seconds[-1], 2) if seconds else None,
        }
    )


def attack_process(port, duration, slow, close_wait, liked, queue):
    asyncio.run(attack(port, duration, slow, close_wait, liked, queue))


# --- the well-behaved client ----------------------------------------------------------------


async def well_behaved(port, rate, duration, film_ids, connections=16):
    paths = []
    for i in range(int(rate * duration)):
        film = film_ids[i % len(film_ids)]
        paths.append(
            [
                f"/film/{film}",
                f"/film/{film}/similar/0.1?limit=10",
                "/film/search?title=star&limit=20",
            ][i % 3]
        )
    idle = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(Client("127.0.0.1", port))
    latencies, errors = [], {}
    by_kind = {"film": [], "similar": [], "search": []}
    start = time.monotonic() + 0.1

    async def one(due, path):
        client = await idle.get()
        try:
            status = await client.get(path)
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as error:
            status = type(error).__name__
        finally:
            idle.put_nowait(client)
        latencies.append(time.monotonic() - due)
        kind = "search" if path.startswith("/film/search") else "similar" if "/similar/" in path else "film"
        by_kind[kind].append(latencies[-1])
        if status != 200:
            errors[str(status)] = errors.get(str(status), 0) + 1

    pending = []
    for i, path in enumerate(paths):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        pending.append(asyncio.ensure_future(one(due, path)))
    await asyncio.gather(*pending)
    def quantile(values, q):
        values = sorted(values)
        return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 2)

    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": quantile(latencies, 0.50),
        "p99_ms": quantile(latencies, 0.99),
        "max_ms": round(1000 * max(latencies), 2),
        "p99_ms_by_kind": {kind: quantile(values, 0.99) for kind, values in by_kind.items() if values},
    }


async def film_ids(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /film/search?title=a&limit=200 HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
    body = await reader.read()
    writer.close()
    films = json.loads(body.split(b"\r\n\r\n", 1)[1])
    return [film["film_id"] for film in films]


# --- the run --------------------------------------------------------------------------------


def free_port():
    import socket

    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::", 0))
        return sock.getsockname()[1]


def wait_ready(port, process, timeout=60):
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server was not ready in time")


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--slow", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--close-wait", type=float, default=15, help="seconds to wait for slow connections to close after the attack")
    parser.add_argument("--label", default="")
    parser.add_argument("serve_flags", nargs="*", help="more flags for filmdex serve (after --)")
    args = parser.parse_args()
    raise_open_files()
    port = free_port()
    # The well-behaved client stays within these limits (about 67 searches/s); the attackers do
    # not. [::1] is the trusted proxy the IPv6 attacker comes through.
    command = [
        args.binary, "serve", "--db", args.db, "--host", "::", "--port", str(port),
        "--search-rate", "100", "--search-burst", "200", "--rate", "500", "--burst", "1000",
        "--trusted-proxy", "::1", *args.serve_flags,
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "error"})
    try:
        wait_ready(port, server)
        ids = asyncio.run(film_ids(port))
        queue = multiprocessing.Queue()
        attacker = multiprocessing.Process(target=attack_process, args=(port, args.duration, args.slow, args.close_wait, ",".join(map(str, ids[:10])), queue))
        attacker.start()
        peak = [resident_mb(server.pid)]
        sampling = True

        def sample():
            while sampling and server.poll() is None:
                peak[0] = max(peak[0], resident_mb(server.pid))
                time.sleep(0.25)

        import threading

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        time.sleep(3)  # let the slow connections pile up before measuring
        client = asyncio.run(well_behaved(port, args.rate, args.duration - 6, ids))
        attacked = queue.get(timeout=args.duration + args.close_wait + 60)
        attacker.join(timeout=30)
        sampling = False
        sampler.join()
        alive = server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    result = {"label": args.label, "binary": args.binary, "server_alive": alive, "peak_rss_mb": round(peak[0], 1), "client": client, **attacked}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
