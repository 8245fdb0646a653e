-- The films as the API serves them, read once when the server loads (or reloads) a database.
-- year comes out as 'YYYY-MM-DD' text and rating as a DOUBLE, the JSON forms.
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
ORDER BY film_id
