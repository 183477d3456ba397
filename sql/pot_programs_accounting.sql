-- pot_programs of one instruction set: examples seen, rows by status, rows that do not say why.
SELECT
    count(DISTINCT example_id) AS examples,
    count(*) AS rows,
    count(*) FILTER (WHERE status = 'skipped') AS skipped_examples,
    count(DISTINCT example_id) FILTER (WHERE status <> 'skipped') AS prompted_examples,
    count(*) FILTER (WHERE status = 'generated') AS generated,
    count(*) FILTER (WHERE status <> 'generated' AND coalesce(reason, '') = '') AS unexplained,
    count(*) FILTER (WHERE status = 'generated' AND coalesce(program, '') = '') AS generated_without_program,
    count(*) - count(DISTINCT program_id) AS duplicate_program_ids
FROM pot_programs
WHERE instruction_set = $instruction_set
