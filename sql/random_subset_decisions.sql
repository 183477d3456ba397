-- Keep/drop counts of the random subset of one set by reason.
SELECT status, coalesce(reason, '') AS reason, count(*) AS examples
FROM random_subset
WHERE instruction_set = $instruction_set
GROUP BY ALL
ORDER BY examples DESC
