-- Examples of one instruction set by status and reason.
SELECT status, coalesce(reason, '') AS reason, count(*) AS examples
FROM instruction_examples
WHERE instruction_set = $instruction_set
GROUP BY ALL
ORDER BY examples DESC
