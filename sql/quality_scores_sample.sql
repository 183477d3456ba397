-- A few ratings with their examples, for the asset's markdown sample.
SELECT s.example_id, e.instruction, s.score, s.parse_status, s.raw_text
FROM quality_scores s
JOIN instruction_examples e USING (instruction_set, example_id)
WHERE s.instruction_set = $instruction_set
ORDER BY e.position
LIMIT $rows
