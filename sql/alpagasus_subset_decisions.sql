-- Keep/drop counts of the AlpaGasus subset of one set by reason.
SELECT status, coalesce(reason, '') AS reason, count(*) AS examples
FROM alpagasus_subset
WHERE instruction_set = $instruction_set
GROUP BY ALL
ORDER BY examples DESC
