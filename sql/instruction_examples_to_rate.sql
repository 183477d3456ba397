-- Valid examples of one instruction set in source order; $limit <= 0 means all of them.
SELECT example_id, instruction, input, output
FROM instruction_examples
WHERE instruction_set = $instruction_set AND status = 'ok'
QUALIFY $limit <= 0 OR row_number() OVER (ORDER BY position) <= $limit
ORDER BY position
