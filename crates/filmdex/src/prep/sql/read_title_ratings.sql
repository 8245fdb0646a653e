-- Ratings passing the vote and rating filters, both bounds inclusive as in the original's code.
-- IMDb dumps never quote: quote and escape are off, so double quotes stay data.
CREATE OR REPLACE TEMP TABLE rated AS
SELECT DISTINCT ON (tconst) tconst, averageRating, numVotes
FROM read_csv(
    getvariable('title_ratings_path'),
    delim = '\t', header = true, quote = '', escape = '', nullstr = '\N', auto_detect = false,
    columns = {'tconst': 'VARCHAR', 'averageRating': 'DECIMAL(4,2)', 'numVotes': 'INTEGER'},
    ignore_errors = true, store_rejects = true,
    rejects_table = 'rejects_title_ratings', rejects_scan = 'scans_title_ratings'
)
WHERE averageRating >= getvariable('min_rating') AND numVotes >= getvariable('min_votes')
ORDER BY tconst, numVotes DESC;
