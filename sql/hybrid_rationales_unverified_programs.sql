-- PoT rows of hybrid_rationales whose program is not a verified execution with the same text.
SELECT count(*) AS unverified
FROM hybrid_rationales AS h
LEFT JOIN verified_rationales AS v
  ON v.instruction_set = h.instruction_set AND v.program_id = h.program_id AND v.verified
WHERE h.instruction_set = $instruction_set
  AND h.rationale_type = 'pot'
  AND (v.program_id IS NULL OR strpos(h.output, rtrim(v.program, chr(10))) = 0)
