-- Without an akas dump: the same table, empty.
CREATE OR REPLACE TEMP TABLE film_titles (
    film_id INTEGER,
    title VARCHAR,
    region VARCHAR,
    language VARCHAR,
    types VARCHAR[],
    is_original BOOLEAN
);
