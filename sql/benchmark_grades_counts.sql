-- Accuracy, item count and unparsable count of one checkpoint x benchmark partition.
SELECT
    count(*) AS n,
    count(*) FILTER (WHERE correct) AS correct,
    count(*) FILTER (WHERE unparsable) AS unparsable,
    count(*) FILTER (WHERE mode = 'pot') AS pot_used,
    count(*) FILTER (WHERE mode = 'cot') AS cot_used,
    count(*) FILTER (WHERE generation_error IS NOT NULL) AS generation_errors
FROM benchmark_grades
WHERE partition = $partition
