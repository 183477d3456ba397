-- url and decision of every scored document of one dump (to compare with ground-truth labels).
SELECT url, kept, score
FROM query_table($table)
WHERE dump = $dump
