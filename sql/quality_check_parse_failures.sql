-- Per instruction set: rated rows, rows whose score could not be parsed, and the ceiling set at rating time.
SELECT instruction_set,
       count(*) AS rated,
       count(*) FILTER (WHERE score IS NULL) AS failed,
       count(*) FILTER (WHERE score IS NULL) / count(*) AS failure_rate,
       max(max_parse_failure_rate) AS ceiling,
       count(*) FILTER (WHERE score IS NOT NULL AND (score < 0 OR score > 5)) AS out_of_range,
       count(*) - count(DISTINCT example_id) AS duplicates
FROM quality_scores
GROUP BY instruction_set
ORDER BY instruction_set
