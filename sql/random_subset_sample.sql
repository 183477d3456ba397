-- A few examples the random subset kept, for the markdown sample.
SELECT example_id, instruction, score
FROM random_subset
WHERE instruction_set = $instruction_set AND decision = 'kept'
ORDER BY draw_rank
LIMIT $rows
