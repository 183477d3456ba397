-- verified_rationales against pot_programs for one instruction set: every program row judged once,
-- verified rows really ran ok and matched, every other row says why it was dropped.
SELECT
    (SELECT count(*) FROM pot_programs WHERE instruction_set = $instruction_set) AS programs_in,
    count(*) AS rows,
    count(DISTINCT v.program_id) AS distinct_programs,
    count(*) FILTER (WHERE v.verified) AS verified,
    count(*) FILTER (WHERE NOT v.verified) AS dropped,
    count(*) FILTER (WHERE v.verified AND (v.verdict <> 'verified' OR v.status <> 'ok' OR v.answer IS NULL)) AS inconsistent_verified,
    count(*) FILTER (WHERE NOT v.verified AND coalesce(v.reason, '') = '') AS unexplained,
    count(*) FILTER (WHERE v.program_id NOT IN (SELECT program_id FROM pot_programs WHERE instruction_set = $instruction_set)) AS unknown_programs
FROM verified_rationales AS v
WHERE v.instruction_set = $instruction_set
