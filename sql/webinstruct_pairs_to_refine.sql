-- Grounded extracted pairs of one dump, the input of refinement.
SELECT dump, pair_id, doc_id, question, answer, method
FROM extracted_qa
WHERE dump = $dump AND status = 'kept'
ORDER BY pair_id
