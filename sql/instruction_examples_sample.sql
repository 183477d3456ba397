-- A few examples of one instruction set in source order, for the markdown sample.
SELECT example_id, status, reason, category, is_coding, instruction, output
FROM instruction_examples
WHERE instruction_set = $instruction_set
ORDER BY position
LIMIT $rows
