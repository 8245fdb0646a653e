-- The films table: the original's eight columns in order (film_id, title, year, duration, genres,
-- rating, vote_count, persons), then filmdex's additions. persons are distinct names in billing
-- order (smallest `ordering` of each name); person_ids and person_categories are aligned with
-- persons.
CREATE OR REPLACE TEMP TABLE films AS
WITH named AS (
    SELECT p.tconst, p.ordering, p.nconst, p.category, n.primaryName AS name
    FROM selected_principals AS p
    JOIN selected_names AS n USING (nconst)
    QUALIFY row_number() OVER (PARTITION BY p.tconst, n.primaryName ORDER BY p.ordering, p.nconst) = 1
),
film_persons AS (
    SELECT
        tconst,
        list(name ORDER BY ordering, nconst) AS persons,
        list(nconst ORDER BY ordering, nconst) AS person_ids,
        list(category ORDER BY ordering, nconst) AS person_categories
    FROM named
    GROUP BY tconst
)
SELECT
    CAST(substr(t.tconst, 3) AS INTEGER) AS film_id,
    t.primaryTitle AS title,
    make_date(t.startYear, 1, 1) AS year,
    t.runtimeMinutes AS duration,
    t.genres AS genres,
    CAST(t.averageRating AS DECIMAL(4,2)) AS rating,
    t.numVotes AS vote_count,
    fp.persons AS persons,
    t.originalTitle AS original_title,
    fp.person_ids AS person_ids,
    fp.person_categories AS person_categories
FROM selected_titles AS t
JOIN film_persons AS fp USING (tconst)
ORDER BY film_id;
