-- One set's instruction_examples: every row is valid or invalid with a reason, and ids are unique.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE status = 'ok') AS valid,
       count(*) FILTER (WHERE status = 'invalid' AND reason IS NOT NULL) AS invalid_with_reason,
       count(*) - count(DISTINCT example_id) AS duplicate_ids
FROM instruction_examples
WHERE instruction_set = $instruction_set
