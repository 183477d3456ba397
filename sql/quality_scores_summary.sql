-- Rating outcome of one instruction set by parse status.
SELECT parse_status, count(*) AS examples, avg(score) AS mean_score
FROM quality_scores
WHERE instruction_set = $instruction_set
GROUP BY ALL
ORDER BY examples DESC
