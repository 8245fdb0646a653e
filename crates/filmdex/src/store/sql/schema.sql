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

-- The films' alternate titles (IMDb's title.akas), one per film and normalised spelling; empty
-- when the build had no akas dump. Text search reads them. A file made before this table existed
-- still serves (search then knows the primary and original titles only), so adding it did not
-- change SCHEMA_VERSION.
CREATE TABLE film_titles (
    film_id INTEGER,
    title VARCHAR,
    region VARCHAR,
    language VARCHAR,
    types VARCHAR[],
    is_original BOOLEAN
);

-- What the file was built from: schema version, build time, parameters, sources, row counts.
CREATE TABLE filmdex_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
