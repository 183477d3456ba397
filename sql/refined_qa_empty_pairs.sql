-- Kept refinements with an empty question or answer (must be none).
SELECT count(*) AS empty_pairs FROM refined_qa
WHERE decision = 'kept' AND (trim(coalesce(question, '')) = '' OR trim(coalesce(answer, '')) = '')
