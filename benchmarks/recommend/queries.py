"""The query lists of the recommendation benchmarks, picked the same way by run.sh (the URLs it
sends to the server) and vs_scipy.py (the lists it gives filmdex's kernel and scipy).

    python benchmarks/recommend/queries.py DB OUT_DIR [--lists 200] [--liked 10] [--seed 42]

Reads the films table of a filmdex database (python's duckdb module, read-only) and writes to
OUT_DIR:

- lists.txt: one query a line, its liked film ids joined by commas; drawn with
  random.Random(SEED) from the films that have votes (vote_count > 0), without replacement
  inside a list, in film_id order before drawing, so the same database always gives the same
  lists.
- recommend.paths: one GET /recommend path a line, the list and the filter FILTER below.
- similar.paths: one GET /film/{id}/similar/0.1 path a line with the same filter, for the first
  liked film of each list.
- allowed.txt: the film ids that pass the filter, ascending (what the server's search criteria
  keep: "Drama" among the genres and a year on or after 1990-01-01).
"""

import argparse
import os
import random

import duckdb

GENRE = "Drama"
YEAR_FROM = 1990
LIMIT = 10
FILTER = f"genres_any={GENRE}&year_from={YEAR_FROM}&limit={LIMIT}"


def pick(db, lists, liked, seed):
    """The query lists (lists of film ids) and the ids passing the filter."""
    con = duckdb.connect(db, read_only=True)
    voted = [r[0] for r in con.sql(
        "SELECT film_id FROM films WHERE vote_count > 0 ORDER BY film_id").fetchall()]
    allowed = [r[0] for r in con.sql(
        f"SELECT film_id FROM films WHERE list_contains(genres, '{GENRE}') "
        f"AND year >= DATE '{YEAR_FROM}-01-01' ORDER BY film_id").fetchall()]
    con.close()
    rng = random.Random(seed)
    return [rng.sample(voted, liked) for _ in range(lists)], allowed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="a filmdex database (duckdb/films.duckdb)")
    parser.add_argument("out", help="folder to write the lists into")
    parser.add_argument("--lists", type=int, default=200)
    parser.add_argument("--liked", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    queries, allowed = pick(args.db, args.lists, args.liked, args.seed)
    os.makedirs(args.out, exist_ok=True)

    def write(name, lines):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as out:
            out.writelines(f"{line}\n" for line in lines)

    lists = [",".join(map(str, q)) for q in queries]
    write("lists.txt", lists)
    write("recommend.paths", [f"/recommend?like={ids}&{FILTER}" for ids in lists])
    write("similar.paths", [f"/film/{q[0]}/similar/0.1?{FILTER}" for q in queries])
    write("allowed.txt", allowed)
    print(f"{len(queries)} lists of {args.liked} films, {len(allowed)} films pass the filter "
          f"({FILTER})")


if __name__ == "__main__":
    main()
