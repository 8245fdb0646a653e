-- Titles of the wanted types with genres and a runtime, joined with their rating.
CREATE OR REPLACE TEMP TABLE selected_titles AS
SELECT DISTINCT ON (b.tconst)
    b.tconst, b.primaryTitle, b.originalTitle, b.startYear, b.runtimeMinutes,
    string_split(b.genres, ',') AS genres, r.averageRating, r.numVotes
FROM read_csv(
    getvariable('title_basics_path'),
    delim = '\t', header = true, quote = '', escape = '', nullstr = '\N', auto_detect = false,
    columns = {
        'tconst': 'VARCHAR', 'titleType': 'VARCHAR', 'primaryTitle': 'VARCHAR',
        'originalTitle': 'VARCHAR', 'isAdult': 'VARCHAR', 'startYear': 'INTEGER',
        'endYear': 'INTEGER', 'runtimeMinutes': 'INTEGER', 'genres': 'VARCHAR'
    },
    ignore_errors = true, store_rejects = true,
    rejects_table = 'rejects_title_basics', rejects_scan = 'scans_title_basics'
) AS b
JOIN rated AS r USING (tconst)
WHERE list_contains(getvariable('title_types'), b.titleType)
  AND nullif(b.genres, '') IS NOT NULL
  AND b.runtimeMinutes IS NOT NULL
  AND b.tconst LIKE 'tt%' AND try_cast(substr(b.tconst, 3) AS INTEGER) IS NOT NULL
ORDER BY b.tconst;
