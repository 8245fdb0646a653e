#!/usr/bin/env python3
"""The query set of `bench_search` run in SQLite FTS5, what a user would reach for instead:
every title (primary, original, alternate) and every name of a film in one FTS5 row, tokenizer
unicode61 with remove_diacritics 2; a query's words ANDed, the last as a prefix (as typed);
ranked by bm25, then votes. Prints build time, p50/p99 latency for 8 and 100 films, and how
often the intended film comes first, over the queries filmdex's rules do not call ambiguous.

    python3 benchmarks/search/fts5.py OUT_DIR   (the folder bench_search wrote)
"""
import json
import re
import sqlite3
import sys
import time


def fts_query(text):
    words = [w for w in re.split(r"[^\w]+", text.lower()) if w]
    if not words:
        return None
    quoted = ['"%s"' % w.replace('"', '""') for w in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def main():
    out = sys.argv[1]
    films = [json.loads(line) for line in open(f"{out}/films.jsonl", encoding="utf-8")]
    queries = [json.loads(line) for line in open(f"{out}/queries.jsonl", encoding="utf-8")]
    db = sqlite3.connect(":memory:")
    started = time.perf_counter()
    db.execute(
        "CREATE VIRTUAL TABLE films USING fts5(titles, persons, film_id UNINDEXED, votes UNINDEXED,"
        " tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO films (titles, persons, film_id, votes) VALUES (?, ?, ?, ?)",
        [(f["titles"], f["persons"], f["film_id"], f["votes"]) for f in films],
    )
    db.commit()
    print(f"fts5 build {1000 * (time.perf_counter() - started):.0f} ms over {len(films)} films")
    sql = (
        "SELECT film_id FROM films WHERE films MATCH ? "
        "ORDER BY bm25(films, 10.0, 1.0), votes DESC, film_id LIMIT ?"
    )
    for name, limit in (("suggest", 8), ("q", 100)):
        times = []
        for round_ in range(2):
            for query in queries:
                match = fts_query(query["q"])
                started = time.perf_counter()
                rows = db.execute(sql, (match, limit)).fetchall() if match else []
                elapsed = (time.perf_counter() - started) * 1e6
                if round_ == 1:
                    times.append(elapsed)
        times.sort()
        at = lambda share: times[int((len(times) - 1) * share)]
        print(f"fts5 {name}: p50 {at(0.5):.0f} µs, p99 {at(0.99):.0f} µs, max {times[-1]:.0f} µs")
    counted = first = top_three = 0
    by_kind = {}
    for query in queries:
        if query["ambiguous"]:
            continue
        match = fts_query(query["q"])
        rows = [r[0] for r in db.execute(sql, (match, 100)).fetchall()] if match else []
        counted += 1
        kind = by_kind.setdefault(query["kind"], [0, 0])
        kind[0] += 1
        if rows[:1] == [query["film_id"]]:
            first += 1
            kind[1] += 1
        if query["film_id"] in rows[:3]:
            top_three += 1
    print(
        f"fts5 intended film first {100 * first / counted:.1f}%, top 3 {100 * top_three / counted:.1f}%"
        f" over {counted} queries"
    )
    for kind, (total, hits) in sorted(by_kind.items()):
        print(f"  {kind}: first {hits}/{total}")


main()
