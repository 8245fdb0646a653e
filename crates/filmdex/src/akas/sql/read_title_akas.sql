-- The alternate titles of the films prep kept, one per film and normalised spelling (lower case,
-- accents and punctuation removed: "Amélie" and "Amelie!" are one), preferring one with a
-- region (the API shows it), then the original title, then IMDb's order. types are separated
-- by the byte 0x02 in the dump. Rows that do not parse are skipped: an alternate title is an
-- extra, never a reason to fail a build.
CREATE OR REPLACE TEMP TABLE film_titles AS
WITH kept AS (
    SELECT film_id FROM read_parquet(getvariable('films_path'))
),
akas AS (
    SELECT
        try_cast(substr(a.titleId, 3) AS INTEGER) AS film_id,
        a.ordering,
        a.title,
        nullif(a.region, '') AS region,
        nullif(a.language, '') AS language,
        CASE WHEN nullif(a.types, '') IS NULL THEN NULL ELSE string_split(a.types, chr(2)) END AS types,
        a.isOriginalTitle = 1 AS is_original
    FROM read_csv(
        getvariable('title_akas_path'),
        delim = '\t', header = true, quote = '', escape = '', nullstr = '\N', auto_detect = false,
        columns = {
            'titleId': 'VARCHAR', 'ordering': 'INTEGER', 'title': 'VARCHAR', 'region': 'VARCHAR',
            'language': 'VARCHAR', 'types': 'VARCHAR', 'attributes': 'VARCHAR',
            'isOriginalTitle': 'INTEGER'
        },
        ignore_errors = true
    ) AS a
    WHERE a.titleId LIKE 'tt%' AND nullif(trim(a.title), '') IS NOT NULL
)
SELECT film_id, title, region, language, types, is_original
FROM akas
WHERE film_id IN (SELECT film_id FROM kept)
QUALIFY row_number() OVER (
    PARTITION BY film_id, trim(regexp_replace(lower(strip_accents(title)), '[^\p{L}\p{N}]+', ' ', 'g'))
    ORDER BY region IS NULL, is_original DESC NULLS LAST, ordering, title
) = 1
ORDER BY film_id, ordering, title;
