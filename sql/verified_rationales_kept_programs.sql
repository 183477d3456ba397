-- Programs of one instruction set whose execution reproduced the reference answer.
SELECT example_id, program_id, program, answer, reference_answer
FROM verified_rationales
WHERE instruction_set = $instruction_set AND verified
ORDER BY example_id, program_id
