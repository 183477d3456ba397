-- Every stored checkpoint x benchmark score.
SELECT checkpoint, benchmark, n, correct, unparsable, accuracy
FROM benchmark_scores
ORDER BY checkpoint, benchmark
