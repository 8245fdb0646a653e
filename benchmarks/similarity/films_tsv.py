"""Writes the films of a films parquet (what `filmdex build prep` makes, output/films/) as the
TSV that `bench_topk --films-tsv` reads, so the kernel benchmark can run on the films the
pipeline builds rather than on its own synthetic corpus.

    python benchmarks/similarity/films_tsv.py WORKDIR/output/films/films.parquet OUT.tsv

One film a line: film_id, title, genres (comma-separated), rating (two decimals), then person
id, name and category per person in billing order, tab-separated. Needs pyarrow. A field with a
tab or a line break cannot be written in this format and stops the script with its film id.
"""

import argparse
import sys

import pyarrow.parquet as pq

COLUMNS = ["film_id", "title", "genres", "rating", "person_ids", "persons", "person_categories"]


def fields_of(film):
    persons = zip(film["person_ids"], film["persons"], film["person_categories"])
    fields = [str(film["film_id"]), film["title"], ",".join(film["genres"]), f"{film['rating']:.2f}"]
    for person in persons:
        fields.extend(person)
    return fields


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("films", help="a films parquet file")
    parser.add_argument("out", help="the TSV file to write")
    args = parser.parse_args()
    films = pq.read_table(args.films, columns=COLUMNS).to_pylist()
    with open(args.out, "w", encoding="utf-8") as out:
        for film in films:
            fields = fields_of(film)
            if any("\t" in f or "\n" in f or "\r" in f for f in fields):
                sys.exit(f"film {film['film_id']}: a field holds a tab or a line break")
            out.write("\t".join(fields) + "\n")
    print(f"{len(films)} films written to {args.out}")


if __name__ == "__main__":
    main()
