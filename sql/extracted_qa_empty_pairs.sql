-- Kept extracted pairs with an empty question or answer (must be none).
SELECT count(*) AS empty_pairs FROM extracted_qa
WHERE decision = 'kept' AND (trim(coalesce(question, '')) = '' OR trim(coalesce(answer, '')) = '')
