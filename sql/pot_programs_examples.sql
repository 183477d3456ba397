-- The examples of one instruction set that pot_programs considered (with a checkable answer or not):
-- each contributes its own answer as a chain-of-thought rationale.
SELECT DISTINCT p.example_id, p.question, e.output AS answer
FROM pot_programs AS p
JOIN instruction_examples AS e
  ON e.instruction_set = p.instruction_set AND e.example_id = p.example_id
WHERE p.instruction_set = $instruction_set
ORDER BY p.example_id
