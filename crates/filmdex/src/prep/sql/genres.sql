-- One partition per genre, holding every film tagged with it (the original used only the first
-- genre). PARTITION_BY moves the genre into the folder name, so each file keeps the films schema.
COPY (
    SELECT *
    FROM (SELECT *, unnest(genres) AS genre FROM read_parquet({films}))
    ORDER BY genre, film_id
) TO {output} (FORMAT parquet, PARTITION_BY (genre), COMPRESSION zstd);
