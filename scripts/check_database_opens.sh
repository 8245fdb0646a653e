#!/usr/bin/env bash
# films.duckdb must open in the stock duckdb shell and in Python's duckdb, not only in the DuckDB
# bundled with filmdex: build the sample, then read it with both (from PyPI, into a venv).
#   scripts/check_database_opens.sh [FILMDEX_BIN]
set -euo pipefail
bin="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/filmdex-target}/release/filmdex}"
venv="${FILMDEX_VENV:-$HOME/.cache/filmdex-duckdb-check}"
[ -x "$venv/bin/duckdb" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q duckdb duckdb-cli; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" --workdir "$work" -q build --sample >/dev/null
db="$work/duckdb/films.duckdb"
echo "duckdb shell $("$venv/bin/duckdb" --version):"
"$venv/bin/duckdb" -readonly "$db" "SELECT count(*) AS films FROM films; SELECT count(*) AS pairs FROM films_cos_sim;"
"$venv/bin/python" - "$db" <<'PY'
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
films = connection.execute("SELECT count(*) FROM films").fetchall()[0][0]
title = connection.execute("SELECT title FROM films WHERE film_id = 99785").fetchall()[0][0]
assert films > 2000 and title == "Home Alone", (films, title)
print(f"python duckdb {duckdb.__version__}: {films} films, 99785 is {title}")
PY
