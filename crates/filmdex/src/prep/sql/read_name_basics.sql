-- Names of the selected principals; a name listed twice keeps one (deterministic) spelling.
CREATE OR REPLACE TEMP TABLE selected_names AS
SELECT n.nconst, min(n.primaryName) AS primaryName
FROM read_csv(
    getvariable('name_basics_path'),
    delim = '\t', header = true, quote = '', escape = '', nullstr = '\N', auto_detect = false,
    columns = {
        'nconst': 'VARCHAR', 'primaryName': 'VARCHAR', 'birthYear': 'INTEGER',
        'deathYear': 'INTEGER', 'primaryProfession': 'VARCHAR', 'knownForTitles': 'VARCHAR'
    },
    ignore_errors = true, store_rejects = true,
    rejects_table = 'rejects_name_basics', rejects_scan = 'scans_name_basics'
) AS n
WHERE n.nconst IN (SELECT nconst FROM selected_principals) AND n.primaryName IS NOT NULL
GROUP BY n.nconst;
