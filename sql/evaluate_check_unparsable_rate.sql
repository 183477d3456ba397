-- Partitions whose unparsable rate is above the ceiling the scoring run was configured with.
SELECT partition, n, unparsable, unparsable_rate, unparsable_ceiling
FROM benchmark_scores
WHERE unparsable_rate > unparsable_ceiling
ORDER BY unparsable_rate DESC
