-- Stored in film_id order so that DuckDB's zone maps make lookups by film cheap.
INSERT INTO films
SELECT film_id, title, year, duration, genres, rating, vote_count, persons,
       original_title, person_ids, person_categories
FROM read_parquet({films})
ORDER BY film_id;

INSERT INTO films_cos_sim
SELECT film_id, other_id, similarity
FROM read_parquet({pairs})
ORDER BY film_id, similarity DESC, other_id;

INSERT INTO film_titles
SELECT film_id, title, region, language, types, is_original
FROM read_parquet({akas})
ORDER BY film_id, title;
