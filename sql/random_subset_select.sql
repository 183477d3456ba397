-- The same rated pool as alpagasus_subset, $size examples drawn by a seeded hash order (reproducible, version-stable md5).
WITH pool AS (
    SELECT s.instruction_set, s.example_id, e.instruction, e.input, e.output, e.category,
           e.is_coding, e.source, s.score, e.position
    FROM quality_scores s
    JOIN instruction_examples e USING (instruction_set, example_id)
    WHERE s.instruction_set = $instruction_set
), drawn AS (
    SELECT *, row_number() OVER (ORDER BY md5(CAST($seed AS VARCHAR) || ':' || example_id), example_id) AS draw_rank
    FROM pool
)
SELECT instruction_set, example_id, instruction, input, output, category, is_coding, source, score,
       CAST($seed AS BIGINT) AS seed, CAST($size AS BIGINT) AS target_size, draw_rank,
       CASE WHEN draw_rank <= $size THEN 'kept' ELSE 'not_drawn' END AS decision,
       '' AS decision_detail
FROM drawn
ORDER BY position
