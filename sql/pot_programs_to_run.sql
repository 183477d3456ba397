-- Every pot_programs row of one instruction set, generated or not: verified_rationales judges all.
SELECT program_id, example_id, sample_index, question, reference_answer, program, status, reason
FROM pot_programs
WHERE instruction_set = $instruction_set
ORDER BY example_id, sample_index NULLS FIRST
