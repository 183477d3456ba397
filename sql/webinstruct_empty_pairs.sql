-- Final examples with an empty question or answer (must be none).
SELECT count(*) AS empty_pairs FROM webinstruct
WHERE trim(coalesce(question, '')) = '' OR trim(coalesce(answer, '')) = ''
