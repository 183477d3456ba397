-- Every rated example of one set with its keep/drop decision at $threshold (the paper keeps score >= 4.5).
SELECT s.instruction_set, s.example_id, e.instruction, e.input, e.output, e.category, e.is_coding,
       e.source, s.score,
       CASE WHEN s.score >= $threshold THEN 'kept' ELSE 'dropped' END AS status,
       CASE WHEN s.score IS NULL THEN 'rating not parsed (' || s.parse_status || ')'
            WHEN s.score < $threshold THEN 'score below threshold'
       END AS reason,
       s.rater_model, s.dimension, s.prompt_version
FROM quality_scores s
JOIN instruction_examples e USING (instruction_set, example_id)
WHERE s.instruction_set = $instruction_set
ORDER BY e.position
