-- Every rated example of one set with its AlpaGasus decision at $threshold (the paper keeps score >= 4.5).
SELECT s.instruction_set, s.example_id, e.instruction, e.input, e.output, e.category, e.is_coding,
       e.source, s.score,
       CASE WHEN s.score IS NULL THEN 'unrated'
            WHEN s.score < $threshold THEN 'below_threshold'
            ELSE 'kept'
       END AS decision,
       CASE WHEN s.score IS NULL THEN s.parse_status ELSE '' END AS decision_detail,
       s.rater_model, s.dimension, s.prompt_version
FROM quality_scores s
JOIN instruction_examples e USING (instruction_set, example_id)
WHERE s.instruction_set = $instruction_set
ORDER BY e.position
