-- The films as the API serves them, read once when the server loads (or reloads) a database,
-- as Arrow batches whose columns are found by name. year comes out as 'YYYY-MM-DD' text and
-- rating as a DOUBLE, the JSON forms. No ORDER BY: FilmTable sorts the films by film_id.
SELECT
    film_id,
    title,
    CAST(year AS VARCHAR) AS year,
    duration,
    genres,
    CAST(rating AS DOUBLE) AS rating,
    vote_count,
    persons,
    original_title
FROM films
