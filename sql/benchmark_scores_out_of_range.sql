-- Scores that are not proper proportions: accuracy outside [0, 1], or counts that do not add up.
SELECT partition, n, correct, unparsable, accuracy
FROM benchmark_scores
WHERE accuracy < 0 OR accuracy > 1 OR accuracy IS NULL
   OR correct < 0 OR correct > n OR unparsable < 0 OR correct + unparsable > n
   OR n <= 0
