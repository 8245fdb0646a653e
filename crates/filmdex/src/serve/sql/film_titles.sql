-- The films' alternate titles for text search, read once per load when the file has the table
-- (files made before it existed serve without).
SELECT film_id, title, region
FROM film_titles
