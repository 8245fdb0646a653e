-- Principals of the selected titles only: the semi-join keeps ~1% of the biggest dump.
CREATE OR REPLACE TEMP TABLE selected_principals AS
SELECT DISTINCT p.tconst, p.ordering, p.nconst, p.category
FROM read_csv(
    getvariable('title_principals_path'),
    delim = '\t', header = true, quote = '', escape = '', nullstr = '\N', auto_detect = false,
    columns = {
        'tconst': 'VARCHAR', 'ordering': 'INTEGER', 'nconst': 'VARCHAR',
        'category': 'VARCHAR', 'job': 'VARCHAR', 'characters': 'VARCHAR'
    },
    ignore_errors = true, store_rejects = true,
    rejects_table = 'rejects_title_principals', rejects_scan = 'scans_title_principals'
) AS p
WHERE p.tconst IN (SELECT tconst FROM selected_titles) AND p.nconst IS NOT NULL;
