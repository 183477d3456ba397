-- One instruction set's ratings: rows, rows whose score could not be parsed, scores out of 0-5, repeated example ids.
SELECT count(*) AS rated,
       count(*) FILTER (WHERE score IS NULL) AS failed,
       count(*) FILTER (WHERE score IS NOT NULL AND (score < 0 OR score > 5)) AS out_of_range,
       count(*) - count(DISTINCT example_id) AS duplicates
FROM quality_scores
WHERE instruction_set = $instruction_set
