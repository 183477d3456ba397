-- The valid examples of one instruction set, in file order: the inputs of pot_programs.
SELECT
    example_id,
    CASE WHEN coalesce(trim(input), '') = '' THEN instruction ELSE instruction || chr(10) || chr(10) || input END AS question,
    output AS answer,
    is_coding
FROM instruction_examples
WHERE instruction_set = $instruction_set AND status = 'ok'
ORDER BY position
LIMIT $limit
