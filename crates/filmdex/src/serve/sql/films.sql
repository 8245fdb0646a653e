-- The films as the API serves them, read once when the server loads (or reloads) a database.
-- year comes out as 'YYYY-MM-DD' text and rating as a DOUBLE, the JSON forms; lists packed
-- as similarity::read_films::packed_list does (much cheaper to read than duckdb-rs list values).
SELECT
    film_id,
    title,
    CAST(year AS VARCHAR) AS year,
    duration,
    CAST(len(genres) AS VARCHAR) || chr(31) || array_to_string(genres, chr(31)) AS genres,
    CAST(rating AS DOUBLE) AS rating,
    vote_count,
    CAST(len(persons) AS VARCHAR) || chr(31) || array_to_string(persons, chr(31)) AS persons,
    original_title
FROM films
ORDER BY film_id
