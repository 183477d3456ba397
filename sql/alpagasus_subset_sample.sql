-- A few kept examples of one subset table's set, for the markdown sample.
SELECT example_id, instruction, score
FROM alpagasus_subset
WHERE instruction_set = $instruction_set AND decision = 'kept'
ORDER BY score DESC, example_id
LIMIT $rows
