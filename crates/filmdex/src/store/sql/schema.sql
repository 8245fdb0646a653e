-- The contract between the pipeline and the server (and any SQL user of films.duckdb).
-- films keeps the original's eight columns, types and order (film_id .. persons), then filmdex's
-- additions. Bump store::SCHEMA_VERSION whenever this changes.
CREATE TABLE films (
    film_id INTEGER,
    title VARCHAR,
    year DATE,
    duration INTEGER,
    genres VARCHAR[],
    rating DECIMAL(4,2),
    vote_count INTEGER,
    persons VARCHAR[],
    original_title VARCHAR,
    person_ids VARCHAR[],
    person_categories VARCHAR[]
);

-- Symmetric: a pair appears under both of its films.
CREATE TABLE films_cos_sim (
    film_id INTEGER,
    other_id INTEGER,
    similarity DOUBLE
);

-- What the file was built from: schema version, build time, parameters, sources, row counts.
CREATE TABLE filmdex_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
